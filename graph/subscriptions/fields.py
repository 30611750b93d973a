"""The Subscription root's fields.

Each sends the current state first and then the state after every change. A client reads a
checkout, then subscribes: without the first message a change made in between would never
reach it, and a client that reconnects after a dropped connection would not know what it
missed. So every message is the whole state, and a message may repeat the one before it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any, Generic, TypeVar

import strawberry

from domain.order import Order as DomainOrder
from graph.context import Context
from graph.errors import ApiError
from graph.event_hub import CheckoutReading, Delivery, EventHub, Watch
from graph.executor import SharedEvent
from graph.subscriptions.lean import offer_source
from graph.types.checkout import Checkout
from graph.types.order import Order

NOT_FOUND = "NOT_FOUND"
UNAVAILABLE = "UNAVAILABLE"
# The first reading waits behind the hub's other reads; past this something is wrong.
FIRST_READING_SECONDS = 15.0

CHECKOUT_STATUS_CHANGED = (
    "The checkout now, then again after every change of its status or payment, whichever "
    "server process made it (a mutation, a provider webhook, the expiry). The first message is "
    "the current state, so that nothing is missed between reading the checkout and "
    "subscribing, or while reconnecting; a message may repeat the state before it. A store "
    "key, when given in `connection_init`, must be the checkout's store's. When the server "
    "shuts down the subscription completes: subscribe again."
)
ORDER_STATUS_CHANGED = (
    "The order now, then again after every change of its status or payment status. Needs the "
    "store's secret key in `connection_init`, or `token`: the token of the checkout that made "
    "the order. The first message is the current state, so that nothing is missed between "
    "reading the order and subscribing; a message may repeat the state before it. When the "
    "server shuts down the subscription completes: subscribe again."
)

Shown = TypeVar("Shown")


def not_found(what: str) -> ApiError:
    return ApiError(f"{what} not found", NOT_FOUND)


class Readings(Generic[Shown]):
    """A subscription's stream: the first reading, then each new one of its kind, presented,
    as an event whose answers it shares with the other subscribers of the same delivery.
    Closing it lets go of the watch; so does dropping it unclosed (a subscription stopped
    before its stream was ever read), lest the hub go on reading for nobody.

    Strawberry's stream reads it until the lean stream takes over (`graph.subscriptions.lean`),
    which then reads the events with `next_event`."""

    __slots__ = ("_handed_over", "_kind", "_next", "_present", "_watch")

    def __init__(
        self, watch: Watch, first: Delivery, present: Callable[[Any], Shown], kind: type
    ) -> None:
        self._watch = watch
        self._next: Delivery | None = first
        self._present = present
        self._kind = kind
        self._handed_over = False
        offer_source(self)

    def __del__(self) -> None:
        # Not weakref.finalize: its record cost ~0.5 KiB for every open subscription.
        self._watch.close()

    def __aiter__(self) -> AsyncIterator[SharedEvent]:
        return self

    async def __anext__(self) -> SharedEvent:
        if self._handed_over:
            raise StopAsyncIteration  # the lean stream reads the rest
        return await self.next_event()

    async def next_event(self) -> SharedEvent:
        delivery, self._next = self._next, None
        try:
            while delivery is None or not isinstance(delivery.reading, self._kind):
                delivery = await anext(self._watch)
        except BaseException:
            self._watch.close()
            raise
        return SharedEvent(self._present(delivery.reading), delivery.answers)

    def hand_over(self) -> None:
        self._handed_over = True

    async def aclose(self) -> None:
        if not self._handed_over:  # else the lean stream closes it when it ends
            self._watch.close()

    def close(self) -> None:
        self._watch.close()


async def first_reading(watch: Watch) -> Delivery:
    try:
        async with asyncio.timeout(FIRST_READING_SECONDS):
            return await anext(watch)
    except StopAsyncIteration:
        watch.close()
        raise ApiError("the server is shutting down; subscribe again", UNAVAILABLE) from None
    except BaseException:
        watch.close()
        raise


def hub_of(context: Context) -> EventHub:
    if context.hub is None:
        raise RuntimeError("subscriptions need the event hub in the context")
    return context.hub


def checkout_shown(context: Context) -> Callable[[CheckoutReading], Checkout]:
    def present(reading: CheckoutReading) -> Checkout:
        # The hub read the order along with the checkout, for every subscriber at once.
        loader = context.loaders.order_by_checkout_token
        loader.clear(reading.checkout.token)
        if reading.order is not None:
            loader.prime(reading.checkout.token, reading.order)
        return Checkout.from_domain(reading.checkout)

    return present


@strawberry.type
class Subscription:
    @strawberry.subscription(description=CHECKOUT_STATUS_CHANGED)
    async def checkout_status_changed(
        self, info: strawberry.Info, token: strawberry.ID
    ) -> AsyncIterator[Checkout]:
        context: Context = info.context
        store_scope = await context.store_id_if_any()
        watch = hub_of(context).watch_checkout(token)
        first = await first_reading(watch)
        if not isinstance(first.reading, CheckoutReading) or (
            store_scope is not None and first.reading.checkout.store.id != store_scope
        ):
            watch.close()
            raise not_found("checkout")
        return Readings(watch, first, checkout_shown(context), CheckoutReading)

    @strawberry.subscription(description=ORDER_STATUS_CHANGED)
    async def order_status_changed(
        self, info: strawberry.Info, id: strawberry.ID, token: strawberry.ID | None = None
    ) -> AsyncIterator[Order]:
        context: Context = info.context
        if token is None:
            store_id = (await context.require_store(secret=True)).store.id
        else:
            store_scope = await context.store_id_if_any()
            made = await context.loaders.order_by_checkout_token.load(token)
            if made is None or made.id != id or store_scope not in (None, made.store_id):
                raise not_found("order")
            store_id = made.store_id
        watch = hub_of(context).watch_order(store_id, id)
        first = await first_reading(watch)
        if not isinstance(first.reading, DomainOrder):
            watch.close()
            raise not_found("order")
        return Readings(watch, first, Order.from_domain, DomainOrder)
