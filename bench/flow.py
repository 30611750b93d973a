"""The checkout a storefront runs, as GraphQL over HTTP/1.1 keep-alive, and the load of K
shoppers who run it again and again.

The shoppers talk through `KeepAliveClient`, a minimal HTTP/1.1 client over an asyncio protocol
and httptools: the load generator shares two cores with the server it measures, and httpx took
~4.4 ms of CPU per checkout.

The documents are those of tests/checkout/flow.py (a storefront asks for the whole checkout
after each change); they are copied here so that the benchmark stays put when tests change.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urlsplit

import httptools
import httpx

from bench.common import HOT_SKUS, PRODUCTS, latency_summary

CHECKOUT_FIELDS = """
  token status cartId expiresAt
  items { sku name quantity unitPrice { amount currency } total { amount } meta }
  customer { email name accountId shippingAddress { line1 city postalCode country }
    billingAddress { line1 country } }
  payment { provider status amount { amount currency } }
  totals { subtotal { amount } shipping { amount } tax { amount } total { amount currency } }
  shippingMethod { id name }
  availableShippingMethods { id }
  order { id number status paymentStatus }
"""
ERRORS = "errors { code field message }"
CREATE_CART = (
    "mutation($lines: [CartLineInput!]!) { createCart(lines: $lines) { cart { id } "
    + ERRORS
    + " } }"
)
INITIATE = (
    "mutation($cartId: ID!) { initiateCheckout(cartId: $cartId) { checkout { "
    + CHECKOUT_FIELDS
    + " } "
    + ERRORS
    + " } }"
)
SET_CUSTOMER = (
    "mutation($token: ID!, $input: CustomerInput!) { setCustomer(token: $token, input: $input) "
    "{ checkout { " + CHECKOUT_FIELDS + " } " + ERRORS + " } }"
)
CREATE_PAYMENT = (
    "mutation($token: ID!, $input: PaymentInput!) { createPayment(token: $token, input: $input) "
    "{ checkout { " + CHECKOUT_FIELDS + " } " + ERRORS + " } }"
)
COMPLETE = (
    "mutation($token: ID!) { completeCheckout(token: $token) { order { id number status "
    "paymentStatus lines { sku quantity meta } totals { total { amount } } } "
    "checkout { status } " + ERRORS + " } }"
)
CHECKOUT = "query($token: ID!) { checkout(token: $token) { " + CHECKOUT_FIELDS + " } }"

ADDRESS = {"line1": "Damrak 1", "city": "Amsterdam", "postalCode": "1012 LG", "country": "NL"}
CUSTOMER = {
    "email": "ada@example.com",
    "name": "Ada",
    "shippingAddress": ADDRESS,
    "shippingMethodId": "standard",
}
INVOICE = {"provider": "INVOICE"}
MUTATIONS = ("createCart", "initiateCheckout", "setCustomer", "createPayment", "completeCheckout")
QUANTITIES = (1, 2, 1)


def spread_lines(rng: random.Random) -> list[dict[str, Any]]:
    """Three different products of the catalog, picked at random."""
    picked = rng.sample(range(PRODUCTS), 3)
    return [{"sku": f"P{i:05d}", "quantity": q} for i, q in zip(picked, QUANTITIES, strict=True)]


def hot_lines(rng: random.Random) -> list[dict[str, Any]]:
    """The same three products for every shopper: every checkout locks the same rows."""
    return [{"sku": sku, "quantity": q} for sku, q in zip(HOT_SKUS, QUANTITIES, strict=True)]


class FlowError(Exception):
    def __init__(self, mutation: str, code: str, detail: str = "") -> None:
        super().__init__(f"{mutation}: {code} {detail}")
        self.mutation, self.code, self.detail = mutation, code, detail


REQUEST = "POST /graphql"  # the `mutation` of a transport error until `call` names it


class _Connection(asyncio.Protocol):
    """One keep-alive connection, one request at a time; the answer parsed as it arrives."""

    def __init__(self, loop: asyncio.AbstractEventLoop, timeout: float) -> None:
        self.loop, self.timeout = loop, timeout
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.answer: asyncio.Future[tuple[int, bytes]] | None = None
        self.body: list[bytes] = []
        self.headers_done = False
        self.delimited = False  # Content-Length or chunked: httptools sees the end itself
        self.open = True
        self.closed: asyncio.Future[None] = loop.create_future()

    async def request(self, data: bytes) -> tuple[int, bytes]:
        answer: asyncio.Future[tuple[int, bytes]] = self.loop.create_future()
        self.answer = answer
        assert self.transport is not None
        self.transport.write(data)
        # A timer handle rather than asyncio.wait_for, which costs a task per request.
        timer = self.loop.call_later(self.timeout, self._time_out)
        try:
            return await answer
        except asyncio.CancelledError:
            self.close()  # an answer may still be on its way: the connection is unusable
            raise
        finally:
            timer.cancel()

    def close(self) -> None:
        self.open = False
        if self.transport is not None:
            self.transport.close()

    def _time_out(self) -> None:
        self._fail("ReadTimeout", f"no answer in {self.timeout:g} s")
        self.close()

    def _finish(self) -> None:
        answer, self.answer = self.answer, None
        if answer is not None and not answer.done():
            answer.set_result((self.parser.get_status_code(), b"".join(self.body)))

    def _fail(self, code: str, detail: str) -> None:
        answer, self.answer = self.answer, None
        if answer is not None and not answer.done():
            answer.set_exception(FlowError(REQUEST, code, detail))

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is no subclass

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._fail("ProtocolError", str(error))
            self.close()

    def eof_received(self) -> bool:
        self.open = False  # before the answer below wakes anyone who would reuse it
        # httptools has no "finish": an answer without a length ends where the stream does.
        if self.headers_done and not self.delimited:
            self._finish()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.open = False
        if exc is None:
            self._fail("ConnectionClosed", "the server closed the connection before answering")
        else:
            self._fail("ConnectionReset", str(exc) or type(exc).__name__)
        if not self.closed.done():
            self.closed.set_result(None)

    # httptools callbacks

    def on_message_begin(self) -> None:
        self.body = []
        self.headers_done = self.delimited = False

    def on_header(self, name: bytes, value: bytes) -> None:
        if name.lower() in (b"content-length", b"transfer-encoding"):
            self.delimited = True

    def on_headers_complete(self) -> None:
        self.headers_done = True

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        if not self.parser.should_keep_alive():
            self.close()
        self._finish()


class KeepAliveClient:
    """POST /graphql over HTTP/1.1 keep-alive with the storefront's key, as a storefront's
    GraphQL client sends it. A connection is opened when none is idle (the first request, or
    after the server closed one) and kept for the next; a shopper uses one at a time.
    Transport errors raise FlowError: ConnectError, ConnectTimeout, ConnectionClosed,
    ConnectionReset, ReadTimeout, ProtocolError."""

    def __init__(
        self, base_url: str, public_key: str, connections: int = 1, timeout: float = 60.0
    ) -> None:
        url = urlsplit(base_url)
        if url.scheme != "http" or not url.hostname:
            raise ValueError(f"an http:// URL is needed, not {base_url!r}")
        self.host, self.port = url.hostname, url.port or 80
        self.keep, self.timeout = max(1, connections), timeout
        self.head = (
            f"POST {url.path.rstrip('/')}/graphql HTTP/1.1\r\n"
            f"Host: {url.netloc}\r\n"
            f"X-Store-Key: {public_key}\r\n"
            "Accept: application/json\r\n"
            "Content-Type: application/json\r\n"
            "Content-Length: "
        ).encode("latin-1")
        self.idle: list[_Connection] = []
        self.connections: list[_Connection] = []

    async def post(self, body: bytes) -> tuple[int, bytes]:
        """The status and body of the answer to a JSON `body`."""
        connection = None
        while self.idle:
            candidate = self.idle.pop()
            if candidate.open:
                connection = candidate
                break
        if connection is None:
            connection = await self._connect()
        data = self.head + str(len(body)).encode() + b"\r\n\r\n" + body
        answer = await connection.request(data)
        if connection.open:
            if len(self.idle) < self.keep:
                self.idle.append(connection)
            else:
                connection.close()
        return answer

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        try:
            _, connection = await asyncio.wait_for(
                loop.create_connection(
                    lambda: _Connection(loop, self.timeout), self.host, self.port
                ),
                self.timeout,
            )
        except TimeoutError:  # before OSError, of which it is one
            raise FlowError(REQUEST, "ConnectTimeout", f"{self.host}:{self.port}") from None
        except OSError as error:
            raise FlowError(REQUEST, "ConnectError", str(error)) from None
        self.connections = [c for c in self.connections if c.open] + [connection]
        return connection

    async def aclose(self) -> None:
        self.idle.clear()
        for connection in self.connections:
            connection.close()
        if self.connections:
            await asyncio.wait([c.closed for c in self.connections], timeout=1)
        self.connections = []

    async def __aenter__(self) -> KeepAliveClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


async def call(
    client: KeepAliveClient | httpx.AsyncClient,
    name: str,
    document: str,
    variables: dict[str, Any],
    timings: dict[str, float],
) -> dict[str, Any]:
    """The payload of one mutation; its latency goes to `timings`. An httpx client still works
    (sql_capture drives the app in-process through httpx's ASGI transport)."""
    # The bytes httpx's `json=` sent.
    body = json.dumps(
        {"query": document, "variables": variables},
        ensure_ascii=False,
        separators=(",", ":"),
        allow_nan=False,
    ).encode()
    started = time.perf_counter()
    if isinstance(client, KeepAliveClient):
        try:
            status, content = await client.post(body)
        except FlowError as error:
            raise FlowError(name, error.code, error.detail) from None
    else:
        try:
            response = await client.post(
                "/graphql", content=body, headers={"Content-Type": "application/json"}
            )
        except httpx.HTTPError as error:
            raise FlowError(name, type(error).__name__, str(error)) from None
        status, content = response.status_code, response.content
    timings[name] = time.perf_counter() - started
    if status != 200:
        raise FlowError(name, f"HTTP {status}", content[:300].decode(errors="replace"))
    try:
        answer = json.loads(content)
    except ValueError as error:
        raise FlowError(name, "NOT_JSON", f"{error}: {content[:200]!r}") from None
    if answer.get("errors"):
        first = answer["errors"][0]
        code = (first.get("extensions") or {}).get("code", "TOP_LEVEL")
        raise FlowError(name, code, first.get("message", "")[:300])
    payload: dict[str, Any] = answer["data"][name]
    if payload.get("errors"):
        first = payload["errors"][0]
        raise FlowError(name, first["code"], first.get("message", "")[:300])
    return payload


async def checkout_once(
    client: KeepAliveClient | httpx.AsyncClient,
    lines: list[dict[str, Any]],
    timings: dict[str, float],
) -> dict[str, Any]:
    """create cart → initiate → set customer → invoice payment → complete; the last payload."""
    cart = await call(client, "createCart", CREATE_CART, {"lines": lines}, timings)
    started = await call(
        client, "initiateCheckout", INITIATE, {"cartId": cart["cart"]["id"]}, timings
    )
    token = started["checkout"]["token"]
    await call(client, "setCustomer", SET_CUSTOMER, {"token": token, "input": CUSTOMER}, timings)
    await call(client, "createPayment", CREATE_PAYMENT, {"token": token, "input": INVOICE}, timings)
    done = await call(client, "completeCheckout", COMPLETE, {"token": token}, timings)
    if done["checkout"]["status"] != "COMPLETED" or not done["order"]:
        raise FlowError("completeCheckout", "NOT_COMPLETED", str(done)[:300])
    return done


def client_for(base_url: str, public_key: str, connections: int) -> KeepAliveClient:
    """HTTP/1.1 with keep-alive, up to `connections` kept open (a shopper needs one), 60 s
    timeouts; use it as `async with`."""
    return KeepAliveClient(base_url, public_key, connections, timeout=60.0)


@dataclass
class LoadResult:
    shoppers: int
    warmup_seconds: float
    seconds: float
    checkouts: int = 0
    latencies: dict[str, list[float]] = field(default_factory=lambda: {m: [] for m in MUTATIONS})
    flow_latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.checkouts / self.seconds if self.seconds else 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "shoppers": self.shoppers,
            "warmup_seconds": self.warmup_seconds,
            "seconds": self.seconds,
            "checkouts": self.checkouts,
            "checkouts_per_second": round(self.per_second, 2),
            "errors": sum(self.errors.values()),
            "errors_by_kind": dict(self.errors),
            "error_samples": self.error_samples[:5],
            "latency": {m: latency_summary(v) for m, v in self.latencies.items()},
            "flow_latency": latency_summary(self.flow_latencies),
        }


async def run_load(
    base_url: str,
    public_key: str,
    shoppers: int,
    *,
    warmup: float,
    seconds: float,
    lines_for: Callable[[random.Random], list[dict[str, Any]]],
    seed: int = 8,
    while_measuring: Callable[[], Awaitable[None]] | None = None,
) -> LoadResult:
    """K shoppers, each running checkouts back to back. Checkouts that finish inside the
    measuring window count; latencies are of checkouts that started inside it. No new checkout
    starts after the window, and the ones under way finish (and count as errors if they fail).
    """
    result = LoadResult(shoppers, warmup, seconds)
    loop_start = time.perf_counter()
    window_start = loop_start + warmup
    window_end = window_start + seconds

    async def shopper(number: int, client: KeepAliveClient) -> None:
        rng = random.Random(seed * 1000 + number)
        while (began := time.perf_counter()) < window_end:
            timings: dict[str, float] = {}
            try:
                await checkout_once(client, lines_for(rng), timings)
            except FlowError as error:
                result.errors[f"{error.mutation}:{error.code}"] += 1
                if len(result.error_samples) < 20:
                    result.error_samples.append(str(error))
                continue
            finished = time.perf_counter()
            if window_start <= finished <= window_end:
                result.checkouts += 1
            if began >= window_start:
                result.flow_latencies.append(finished - began)
                for name, spent in timings.items():
                    result.latencies[name].append(spent)

    # A client (one connection) of its own for each shopper, as each browser has; a shared
    # pool would cost a search at every request. And this process's own collector kept out of
    # the way, as the server's is.
    with load_generator_collector():
        async with contextlib.AsyncExitStack() as clients:
            tasks = [
                asyncio.create_task(
                    shopper(
                        n, await clients.enter_async_context(client_for(base_url, public_key, 1))
                    )
                )
                for n in range(shoppers)
            ]
            if while_measuring is not None:
                await asyncio.sleep(max(0.0, window_start - time.perf_counter()))
                tasks.append(asyncio.create_task(while_measuring()))
            await asyncio.gather(*tasks)
    return result


@contextlib.contextmanager
def load_generator_collector() -> Iterator[None]:
    gc.collect()
    gc.freeze()
    before = gc.get_threshold()
    gc.set_threshold(10_000, 10, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
