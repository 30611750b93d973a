"""Benchmark 6: 1,000 WebSocket subscribers on one checkout's status, and one status change.

Subscribers speak graphql-transport-ws to a real `checkout-flow serve` (PostgreSQL, worker
off so that only the benchmark touches the database), authenticated in `connection_init`
with {"X-Store-Key": "pk_…"}, subscribed to `checkoutStatusChanged(token)`. They are raw
asyncio protocols that stamp each frame's arrival before parsing it, so 1,000 of them in
one process measure the server rather than the client's parser.

Reported: delivery p50/p99 of each change, from the moment the mutation was sent and from
the moment its answer arrived (the commit is between the two); messages per second; the
server's memory per idle subscriber (RSS with them minus RSS before, over N); database
transactions per event with 1 subscriber and with N (one read per event means they are
equal); and checkouts/s of K=10 shoppers with no subscribers and with N subscribers while
a change is fanned out every second.

    .venv/bin/python bench/subscription_fanout.py [--subscribers 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gc
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.checkout_throughput import prepare
from bench.common import (
    BENCH_DB,
    SETTINGS,
    StoreKeys,
    latency_summary,
    machine,
    pg_url,
    proc_status_kib,
    run_dir,
    say,
    start_server,
    use_uvloop,
    verdict,
    write_results,
)
from bench.flow import (
    CREATE_CART,
    CREATE_PAYMENT,
    CUSTOMER,
    INITIATE,
    INVOICE,
    SET_CUSTOMER,
    KeepAliveClient,
    call,
    client_for,
    run_load,
    spread_lines,
)

SUBSCRIBE = (
    "subscription($token: ID!) { checkoutStatusChanged(token: $token) "
    "{ token status updatedAt payment { status } } }"
)
P99_TARGET_MS = 100.0
KIB_TARGET = 32.0


@dataclass
class Subscriber(asyncio.Protocol):
    """A graphql-transport-ws client on a bare asyncio transport."""

    host: str
    port: int
    key: str
    token: str
    transport: asyncio.Transport | None = None
    upgraded: bool = False
    buffer: bytes = b""
    ready: asyncio.Future[None] | None = None
    messages: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    problem: str | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        nonce = base64.b64encode(os.urandom(16)).decode()
        transport.write(  # type: ignore[attr-defined]
            (
                f"GET /graphql HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {nonce}\r\nSec-WebSocket-Version: 13\r\n"
                "Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n"
            ).encode()
        )

    def data_received(self, data: bytes) -> None:
        arrived = time.time()
        self.buffer += data
        if not self.upgraded:
            head, sep, rest = self.buffer.partition(b"\r\n\r\n")
            if not sep:
                return
            if b" 101 " not in head.split(b"\r\n", 1)[0]:
                self._fail(head.split(b"\r\n", 1)[0].decode(errors="replace"))
                return
            self.upgraded, self.buffer = True, rest
            self.send({"type": "connection_init", "payload": {"X-Store-Key": self.key}})
        while len(self.buffer) >= 2:
            opcode, length, start = self.buffer[0] & 0x0F, self.buffer[1] & 0x7F, 2
            if length == 126:
                length, start = int.from_bytes(self.buffer[2:4], "big"), 4
            elif length == 127:
                length, start = int.from_bytes(self.buffer[2:10], "big"), 10
            if len(self.buffer) < start + length:
                return
            payload = self.buffer[start : start + length]
            self.buffer = self.buffer[start + length :]
            self.frame(opcode, payload, arrived)

    def frame(self, opcode: int, payload: bytes, arrived: float) -> None:
        if opcode == 0x9:
            self._write(0xA, payload)
            return
        if opcode == 0x8:
            self._fail(f"closed {int.from_bytes(payload[:2], 'big') if payload else ''}")
            return
        if opcode != 0x1:
            return
        message = json.loads(payload)
        kind = message.get("type")
        if kind == "connection_ack":
            self.send(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": SUBSCRIBE, "variables": {"token": self.token}},
                }
            )
        elif kind == "ping":
            self.send({"type": "pong"})
        elif kind == "next":
            data = (message.get("payload") or {}).get("data") or {}
            if "checkoutStatusChanged" not in data:
                self._fail(json.dumps(message)[:300])
                return
            self.messages.append((arrived, data))
            if self.ready is not None and not self.ready.done():
                self.ready.set_result(None)
        elif kind in ("error", "complete"):
            self._fail(json.dumps(message)[:300])

    def send(self, message: dict[str, Any]) -> None:
        self._write(0x1, json.dumps(message).encode())

    def _write(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        size = len(payload)
        header = bytes([0x80 | opcode])
        if size < 126:
            header += bytes([0x80 | size])
        elif size < 65536:
            header += bytes([0x80 | 126]) + size.to_bytes(2, "big")
        else:
            header += bytes([0x80 | 127]) + size.to_bytes(8, "big")
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(header + mask + masked)

    def _fail(self, why: str) -> None:
        self.problem = why
        if self.ready is not None and not self.ready.done():
            self.ready.set_exception(RuntimeError(why))

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def subscribe(port: int, key: str, token: str, count: int) -> list[Subscriber]:
    loop = asyncio.get_running_loop()
    subscribers: list[Subscriber] = []

    async def one() -> None:
        subscriber = Subscriber("127.0.0.1", port, key, token)
        subscriber.ready = loop.create_future()
        await loop.create_connection(lambda: subscriber, "127.0.0.1", port)
        subscribers.append(subscriber)
        await asyncio.wait_for(subscriber.ready, 60)  # the first message: the state now

    for start in range(0, count, 100):
        await asyncio.gather(*(one() for _ in range(min(100, count - start))))
    return subscribers


def transactions() -> int:
    with psycopg.connect(pg_url(BENCH_DB)) as connection:
        row = connection.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s",
            (BENCH_DB,),
        ).fetchone()
    return int(row[0]) if row else 0


async def transactions_of_a_change(toggler: Toggler, tries: int = 3) -> int:
    """Transactions in the benchmark database around one change, the mutation's own
    included; the fewest of `tries` changes, since a stray transaction in the window (an
    autovacuum's, after the throughput runs) would count too. PostgreSQL flushes an idle
    backend's counts within 10 s: wait for them."""
    counts = []
    for _ in range(tries):
        await asyncio.sleep(11)
        before = transactions()
        await toggler.change()
        await asyncio.sleep(11)
        counts.append(transactions() - before - 1)  # less the reading's own
    return min(counts)


class Toggler:
    """Moves the watched checkout ACTIVE → COMPLETABLE (invoice) → ACTIVE (another shipping
    method changes the totals and reopens it) → …: one status change per call."""

    def __init__(self, client: KeepAliveClient, token: str) -> None:
        self.client, self.token, self.completable = client, token, False

    async def change(self) -> tuple[str, float, float]:
        timings: dict[str, float] = {}
        sent = time.time()
        if self.completable:
            method = "express" if getattr(self, "_standard", True) else "standard"
            self._standard = method == "standard"
            customer = CUSTOMER | {"shippingMethodId": method}
            await call(
                self.client,
                "setCustomer",
                SET_CUSTOMER,
                {"token": self.token, "input": customer},
                timings,
            )
            expected = "ACTIVE"
        else:
            await call(
                self.client,
                "createPayment",
                CREATE_PAYMENT,
                {"token": self.token, "input": INVOICE},
                timings,
            )
            expected = "COMPLETABLE"
        self.completable = not self.completable
        return expected, sent, time.time()


async def watched_checkout(client: KeepAliveClient, base_url: str, secret: str) -> str:
    shipping = {
        "shippingMethods": [
            {"id": "standard", "name": "Standard", "price": "4.95", "countries": ["NL"]},
            {"id": "express", "name": "Express", "price": "9.95", "countries": ["NL"]},
        ]
    }
    async with httpx.AsyncClient(
        base_url=base_url, headers={"Authorization": f"Bearer {secret}"}
    ) as admin:
        answer = await admin.post(
            "/graphql", json={"query": SETTINGS, "variables": {"input": shipping}}
        )
        assert answer.json()["data"]["updateStoreSettings"]["errors"] == []
    timings: dict[str, float] = {}
    lines = [{"sku": "P00001", "quantity": 1}]
    cart = await call(client, "createCart", CREATE_CART, {"lines": lines}, timings)
    started = await call(
        client, "initiateCheckout", INITIATE, {"cartId": cart["cart"]["id"]}, timings
    )
    token: str = started["checkout"]["token"]
    await call(client, "setCustomer", SET_CUSTOMER, {"token": token, "input": CUSTOMER}, timings)
    return token


async def fan_out(subscribers: list[Subscriber], toggler: Toggler, events: int) -> dict[str, Any]:
    # The thousand subscribers are objects of this process: its collector would walk them all
    # in the middle of a delivery and stamp arrivals late by its own pause.
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        return await _fan_out(subscribers, toggler, events)
    finally:
        gc.enable()
        gc.unfreeze()


async def _fan_out(subscribers: list[Subscriber], toggler: Toggler, events: int) -> dict[str, Any]:
    from_send, from_answer, rates, missing, slowest = [], [], [], 0, []
    for _ in range(events):
        marks = [len(s.messages) for s in subscribers]
        expected, sent, answered = await toggler.change()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if all(
                any(m[1]["checkoutStatusChanged"]["status"] == expected for m in s.messages[n:])
                for s, n in zip(subscribers, marks, strict=True)
            ):
                break
            await asyncio.sleep(0.01)
        arrivals = []
        for subscriber, mark in zip(subscribers, marks, strict=True):
            seen = [
                at
                for at, m in subscriber.messages[mark:]
                if m["checkoutStatusChanged"]["status"] == expected
            ]
            if seen:
                arrivals.append(seen[0])
            else:
                missing += 1
        from_send += [at - sent for at in arrivals]
        from_answer += [at - answered for at in arrivals]
        slowest.append(round((max(arrivals) - answered) * 1000, 1) if arrivals else None)
        if arrivals:
            rates.append(len(arrivals) / max(1e-6, max(arrivals) - sent))
        await asyncio.sleep(0.3)
    return {
        "events": events,
        "deliveries": len(from_send),
        "missing": missing,
        "after_mutation_sent": latency_summary(from_send),
        "after_mutation_answered": latency_summary(from_answer),
        "messages_per_second": round(min(rates), 1) if rates else None,
        "slowest_delivery_ms_after_answer_by_event": slowest,
    }


async def measure(
    url: str,
    keys: StoreKeys,
    workdir: Path,
    subscribers_wanted: int,
    events: int,
    load_seconds: float,
    count_reads: bool = True,
) -> dict[str, Any]:
    results: dict[str, Any] = {"subscribers": subscribers_wanted, "events": events}
    with start_server(url, workdir, run_worker="false") as server:
        pid = server.process.pid
        async with client_for(server.base_url, keys.public_key, 4) as client:
            token = await watched_checkout(client, server.base_url, keys.secret_key)
            toggler = Toggler(client, token)
            # Warm the server (code paths, pool) before the memory baseline.
            baseline = await run_load(
                server.base_url,
                keys.public_key,
                10,
                warmup=2,
                seconds=load_seconds,
                lines_for=spread_lines,
            )
            await asyncio.sleep(1)
            # Transactions of one change with one subscriber: the reference.
            one = await subscribe(server.port, keys.public_key, token, 1)
            per_event_one = await transactions_of_a_change(toggler) if count_reads else None
            for subscriber in one:
                subscriber.close()
            await asyncio.sleep(1)
            rss_before = proc_status_kib(pid, "VmRSS")
            started = time.perf_counter()
            subscribers = await subscribe(server.port, keys.public_key, token, subscribers_wanted)
            connect_seconds = time.perf_counter() - started
            await asyncio.sleep(3)
            rss_idle = proc_status_kib(pid, "VmRSS")
            results["connect_seconds"] = round(connect_seconds, 2)
            results["rss_before_mib"] = round(rss_before / 1024, 1)
            results["rss_with_idle_subscribers_mib"] = round(rss_idle / 1024, 1)
            per_subscriber = (rss_idle - rss_before) / max(1, len(subscribers))
            results["kib_per_idle_subscriber"] = round(per_subscriber, 1)
            results |= await fan_out(subscribers, toggler, events)
            if count_reads:
                per_event_many = await transactions_of_a_change(toggler)
                results["transactions_per_event"] = {
                    "1": per_event_one,
                    str(len(subscribers)): per_event_many,
                }
                results["one_read_per_event"] = per_event_one == per_event_many
            else:
                results["one_read_per_event"] = None

            async def keep_changing() -> None:
                end = time.perf_counter() + load_seconds
                while time.perf_counter() < end:
                    await toggler.change()
                    await asyncio.sleep(1)

            loaded = await run_load(
                server.base_url,
                keys.public_key,
                10,
                warmup=2,
                seconds=load_seconds,
                lines_for=spread_lines,
                while_measuring=keep_changing,
            )
            problems = [s.problem for s in subscribers if s.problem]
            for subscriber in subscribers:
                subscriber.close()
            results["subscriber_problems"] = problems[:5]
            results["peak_rss_mib"] = round(server.peak_rss_mib(), 1)
    base, under = baseline.per_second, loaded.per_second
    results["throughput"] = {
        "k10_without_subscribers": round(base, 2),
        "k10_with_subscribers_and_a_change_per_second": round(under, 2),
        "drop_percent": round((1 - under / base) * 100, 1) if base else None,
        "errors": sum(baseline.errors.values()) + sum(loaded.errors.values()),
    }
    results["targets"] = {
        "delivery_p99_ms_after_answer": verdict(
            results["after_mutation_answered"]["p99_ms"], P99_TARGET_MS, at_most=True
        ),
        "delivery_p99_ms_after_sent": verdict(
            results["after_mutation_sent"]["p99_ms"], P99_TARGET_MS, at_most=True
        ),
        "kib_per_idle_subscriber": verdict(
            results["kib_per_idle_subscriber"], KIB_TARGET, at_most=True
        ),
        "one_read_per_event": results["one_read_per_event"],
    }
    return results


def subscription_available() -> bool:
    from graph.schema import schema

    return "checkoutStatusChanged" in schema.as_str()


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--events", type=int, default=5)
    parser.add_argument("--load-seconds", type=float, default=15.0)
    parser.add_argument("--quick", action="store_true", help="skip the reads-per-event count")
    args = parser.parse_args(argv)
    use_uvloop()
    info = machine()
    if not subscription_available():
        say("  checkoutStatusChanged is not in the schema yet: not measured yet")
        results = {
            "benchmark": "subscription_fanout",
            "machine": info,
            "status": "not measured yet",
        }
    else:
        results = {"benchmark": "subscription_fanout", "machine": info, "status": "measured"}
        workdir = run_dir("fanout")
        url, keys = prepare("postgres", workdir)
        results |= asyncio.run(
            measure(
                url,
                keys,
                workdir,
                args.subscribers,
                args.events,
                args.load_seconds,
                count_reads=not args.quick,
            )
        )
        say(
            f"  {results['subscribers']} subscribers: delivery p50/p99 after the answer "
            f"{results['after_mutation_answered']['p50_ms']}/"
            f"{results['after_mutation_answered']['p99_ms']} ms, after sending "
            f"{results['after_mutation_sent']['p50_ms']}/{results['after_mutation_sent']['p99_ms']}"
            f" ms, {results['messages_per_second']} msg/s, "
            f"{results['kib_per_idle_subscriber']} KiB per idle subscriber, transactions per "
            f"event {results.get('transactions_per_event')}, throughput drop "
            f"{results['throughput']['drop_percent']} %"
        )
    say(f"  results: {write_results('subscription_fanout', results)}")
    return results


if __name__ == "__main__":
    main()
