"""A worker killed in the middle of sending a confirmation: the mail is sent again by the next
worker once the message's lease runs out, and arrives exactly once.

`checkout-flow worker` runs as a real process against an SMTP server (aiosmtpd) that holds
the first message at DATA without answering, the way a slow relay does. The worker is killed
(SIGKILL: no clean-up) while it waits; the relay, seeing the connection drop, keeps nothing.
A new worker reclaims the message after CHECKOUT_FLOW_OUTBOX_LEASE_SECONDS and sends it with
the same Message-ID, and never a second time after that.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from persistence.tables import outbox
from tests.checkout.flow import COMPLETE, invoiced, mutate, stock_shop
from tests.processes import Process, environment, free_port, worker
from tests.support import Api

pytestmark = pytest.mark.slow
LEASE_SECONDS = 1


class HeldRelay:
    """Keeps what it accepts; holds the first message at DATA until the client goes away."""

    def __init__(self) -> None:
        self.accepted: list[str] = []  # Message-IDs answered 250
        self.tried: list[str] = []  # Message-IDs of every DATA received
        self.holding = threading.Event()
        self.dropped = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message_id = str(message_from_bytes(envelope.content)["Message-ID"])
        self.tried.append(message_id)
        if len(self.tried) == 1:
            self.holding.set()
            try:
                await asyncio.sleep(60)  # cancelled by aiosmtpd when the connection drops
            except asyncio.CancelledError:
                self.dropped.set()
                raise
        self.accepted.append(message_id)
        return "250 OK"


@pytest.fixture
def relay() -> Iterator[tuple[HeldRelay, int]]:
    held = HeldRelay()
    port = free_port()
    controller = Controller(held, hostname="127.0.0.1", port=port)
    controller.start()
    yield held, port
    controller.stop()


async def until(condition: Any, within: float, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        assert loop.time() < deadline, f"not within {within} s: {what}"
        await asyncio.sleep(0.05)


async def confirmation(api: Api) -> Any:
    async with api.runtime.database.connect() as connection:
        return (
            await connection.execute(
                select(outbox.c.attempts, outbox.c.delivered_at, outbox.c.locked_until)
            )
        ).one()


async def test_a_worker_killed_mid_delivery_is_redelivered_once(
    api: Api, database_url: str, relay: tuple[HeldRelay, int], tmp_path: Path
) -> None:
    held, port = relay
    await stock_shop(api)
    token = await invoiced(api, [{"sku": "CASE", "quantity": 1}])
    order = (await mutate(api, COMPLETE, {"token": token}))["order"]
    env = environment(
        database_url,
        "",
        tmp_path / "mail",
        CHECKOUT_FLOW_SMTP_URL=f"smtp://127.0.0.1:{port}",
        CHECKOUT_FLOW_OUTBOX_LEASE_SECONDS=str(LEASE_SECONDS),
        CHECKOUT_FLOW_WORKER_INTERVAL_SECONDS="0.2",
    )
    first: Process | None = worker("worker-killed", env, tmp_path)
    second: Process | None = None
    try:
        await until(held.holding.is_set, 30, "the first worker sends the confirmation")
        assert first is not None
        assert first.popen is not None
        first.popen.kill()  # SIGKILL: mid-delivery, nothing cleaned up
        first.popen.wait(10)
        await until(held.dropped.is_set, 5, "the relay sees the connection drop")
        attempts, delivered_at, locked_until = await confirmation(api)
        assert (attempts, delivered_at) == (1, None)
        assert locked_until is not None  # leased to the dead worker

        second = worker("worker-after", env, tmp_path)
        await until(lambda: held.accepted, 30, "the next worker sends it again")
        await asyncio.sleep(LEASE_SECONDS + 0.5)  # more rounds, past another lease
        assert second.running, second.log.read_text()[-3000:]
    finally:
        for process in (first, second):
            if process is not None:
                process.stop()
    assert len(held.accepted) == 1, held.accepted
    # The same message both times: a relay that did keep the first could drop the second.
    assert held.tried == [held.accepted[0]] * 2
    assert order["number"]
    attempts, delivered_at, _ = await confirmation(api)
    assert attempts == 2
    assert delivered_at is not None
