"""The checkout a storefront runs, as GraphQL over HTTP/1.1 keep-alive, and the load of K
shoppers who run it again and again.

The documents are those of tests/checkout/flow.py (a storefront asks for the whole checkout
after each change); they are copied here so that the benchmark stays put when tests change.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

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


async def call(
    client: httpx.AsyncClient,
    name: str,
    document: str,
    variables: dict[str, Any],
    timings: dict[str, float],
) -> dict[str, Any]:
    """The payload of one mutation; its latency goes to `timings`."""
    started = time.perf_counter()
    try:
        response = await client.post("/graphql", json={"query": document, "variables": variables})
    except httpx.HTTPError as error:
        raise FlowError(name, type(error).__name__, str(error)) from None
    timings[name] = time.perf_counter() - started
    if response.status_code != 200:
        raise FlowError(name, f"HTTP {response.status_code}", response.text[:300])
    answer = response.json()
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
    client: httpx.AsyncClient, lines: list[dict[str, Any]], timings: dict[str, float]
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


def client_for(base_url: str, public_key: str, connections: int) -> httpx.AsyncClient:
    """HTTP/1.1 with keep-alive, one connection per shopper; the storefront's key on every
    request, as a storefront's GraphQL client sends it."""
    return httpx.AsyncClient(
        base_url=base_url,
        headers={"X-Store-Key": public_key, "Accept": "application/json"},
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        timeout=httpx.Timeout(60.0),
    )


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

    async def shopper(number: int, client: httpx.AsyncClient) -> None:
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

    # A client of its own for each shopper, as each browser has: httpx looks through its whole
    # pool for a free connection at every request, which at K=50 doubled this process's CPU.
    # And this process's own collector kept out of the way, as the server's is.
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
