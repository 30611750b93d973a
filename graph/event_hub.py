"""The per-process hub between the event bus and the subscriptions.

One listener on the bus. A subscription watches one checkout (by token) or one order (by
store and id). When an event names something watched here, the hub reads it once, however
many subscribers watch it, and hands the reading to each. All reads go through one task, in
turn and batched (one statement per kind for everything that changed meanwhile), so every
subscriber sees its readings in the order they were read: never an older state after a newer.

A new subscriber gets its first reading through the same queue, so that it, too, never sees a
state older than one it saw. When the bus says it may have missed events (`BusResumed`), every
watched thing is read again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Hashable, Iterable
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import structlog

from domain.checkout import Checkout, CheckoutStatus
from domain.events import CheckoutChanged, Event
from domain.order import Order
from domain.ports import BusResumed, EventBus
from graph.waiters import Waiters
from persistence.readers import Readers

log = structlog.get_logger("checkout_flow.subscriptions")

WatchKey = tuple[str, ...]  # ("checkout", token) or ("order", store id, order id)

# Readings read in one go; the rest waits for the next round.
MOST_KEYS_PER_READ = 500
# A subscriber that does not keep up keeps only its newest readings: each is the whole state.
LONGEST_BACKLOG = 50
FIRST_READ_RETRY_SECONDS = 0.5
LONGEST_READ_RETRY_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class CheckoutReading:
    checkout: Checkout
    order: Order | None  # the order it became, once completed


Reading = CheckoutReading | Order | None  # None: there is no such thing


@dataclass(frozen=True, slots=True)
class Delivery:
    """One reading as every watch that hears it gets it. What the subscriptions make of it
    (their answers, by document and credentials) is kept here too, so that a thousand
    subscribers with the same document share one execution of it."""

    reading: Reading
    answers: dict[Hashable, Any] = field(default_factory=dict)


def checkout_key(token: str) -> WatchKey:
    return ("checkout", token)


def order_key(store_id: str, order_id: str) -> WatchKey:
    return ("order", store_id, order_id)


def key_of(event: Event) -> WatchKey:
    if isinstance(event, CheckoutChanged):
        return checkout_key(event.token)
    return order_key(event.store_id, event.order_id)


class Watch(Waiters):
    """One subscriber's line to the hub: its deliveries, oldest first, until the hub ends it.
    Close it when done (the subscription's `finally`).

    An idle subscription holds one of these for as long as it is open, a thousand of them per
    process, so it holds no more than it needs: a list for its (usually empty) backlog, and a
    future only while it is waited on (graph.waiters) — not an asyncio.Queue, whose three
    deques and event took ~3 KiB per subscriber."""

    __slots__ = ("_backlog", "_ended", "_hub", "closed", "key")

    def __init__(self, hub: EventHub, key: WatchKey) -> None:
        super().__init__()
        self.key = key
        self._hub = hub
        self._backlog: list[Delivery] = []
        self._ended = False
        self.closed = False

    def deliver(self, delivery: Delivery) -> None:
        if self._ended:
            return  # ended after what came before the end, as the subscriber was told
        if len(self._backlog) >= LONGEST_BACKLOG:
            del self._backlog[0]
        self._backlog.append(delivery)
        self._wake()

    def end(self) -> None:
        self._ended = True
        self._wake()

    def _nothing_yet(self) -> bool:
        return not self._backlog and not self._ended

    def __aiter__(self) -> AsyncIterator[Delivery]:
        return self

    async def __anext__(self) -> Delivery:
        await self._wait_while(self._nothing_yet)
        if not self._backlog:
            raise StopAsyncIteration  # ended, and stays ended for whoever asks again
        return self._backlog.pop(0)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._hub.release(self)


class EventHub:
    def __init__(self, bus: EventBus, readers: Readers) -> None:
        self._bus = bus
        self._readers = readers
        self._watches: dict[WatchKey, set[Watch]] = {}
        # What to read next: None for "it changed, tell every watch of it", else the new
        # watches that wait for their first reading.
        self._pending: dict[WatchKey, set[Watch] | None] = {}
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._tasks: list[asyncio.Task[None]] = []
        self._closed = False
        self.reads = 0  # batched reads done; for tests and logs

    @property
    def watch_count(self) -> int:
        return sum(len(watches) for watches in self._watches.values())

    def start(self) -> None:
        """Listens on the bus from now on; a no-op once started. Watching starts it too."""
        if self._tasks or self._closed:
            return
        listener = self._bus.listen()
        self._tasks = [
            asyncio.create_task(self._follow(listener), name="event hub listener"),
            asyncio.create_task(self._read_forever(), name="event hub reader"),
        ]

    def watch_checkout(self, token: str) -> Watch:
        return self._watch(checkout_key(token))

    def watch_order(self, store_id: str, order_id: str) -> Watch:
        return self._watch(order_key(store_id, order_id))

    def _watch(self, key: WatchKey) -> Watch:
        self.start()
        watch = Watch(self, key)
        if self._closed:
            watch.end()
            return watch
        self._watches.setdefault(key, set()).add(watch)
        self._idle.clear()
        self._mark(key, watch)
        return watch

    def release(self, watch: Watch) -> None:
        watches = self._watches.get(watch.key)
        if watches is not None:
            watches.discard(watch)
            if not watches:
                del self._watches[watch.key]
        if not self._watches:
            self._idle.set()

    def _mark(self, key: WatchKey, newcomer: Watch | None) -> None:
        if key in self._pending and self._pending[key] is None:
            pass  # everyone hears the next reading of it already
        elif newcomer is None:
            self._pending[key] = None
        else:
            self._pending.setdefault(key, set()).add(newcomer)  # type: ignore[union-attr]
        self._wake.set()

    async def _follow(self, listener: AsyncIterator[Event | BusResumed]) -> None:
        async for signal in listener:
            if isinstance(signal, BusResumed):
                for key in self._watches:
                    self._mark(key, None)
            elif (key := key_of(signal)) in self._watches:
                self._mark(key, None)

    async def _read_forever(self) -> None:
        retry_in = FIRST_READ_RETRY_SECONDS
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                batch = dict(islice(self._pending.items(), MOST_KEYS_PER_READ))
                for key in batch:
                    del self._pending[key]
                # Who hears a reading is fixed when it starts: a watch that comes while it is
                # read gets its own first reading from the next one.
                audiences = {
                    key: self._audience(key, newcomers) for key, newcomers in batch.items()
                }
                audiences = {key: watches for key, watches in audiences.items() if watches}
                if not audiences:
                    continue
                try:
                    readings = await self._read(audiences)
                except Exception:
                    log.exception(
                        "subscription read failed", keys=len(audiences), retry_in=retry_in
                    )
                    for key, newcomers in batch.items():
                        for watch in newcomers or (None,):
                            self._mark(key, watch)
                    await asyncio.sleep(retry_in)
                    retry_in = min(retry_in * 2, LONGEST_READ_RETRY_SECONDS)
                    continue
                retry_in = FIRST_READ_RETRY_SECONDS
                for key, watches in audiences.items():
                    delivery = Delivery(readings.get(key))
                    for watch in watches:
                        if not watch.closed:
                            watch.deliver(delivery)

    def _audience(self, key: WatchKey, newcomers: set[Watch] | None) -> set[Watch]:
        watching = self._watches.get(key, set())
        return set(watching) if newcomers is None else newcomers & watching

    async def _read(self, keys: Iterable[WatchKey]) -> dict[WatchKey, Reading]:
        self.reads += 1
        tokens: list[str] = []
        order_ids: dict[str, list[str]] = {}
        for key in keys:
            if key[0] == "checkout":
                tokens.append(key[1])
            else:
                order_ids.setdefault(key[1], []).append(key[2])
        readings: dict[WatchKey, Reading] = {}
        if tokens:
            checkouts = await self._readers.checkouts_by_tokens(tokens)
            completed = [
                token
                for token, checkout in checkouts.items()
                if checkout.status is CheckoutStatus.COMPLETED
            ]
            orders = await self._readers.orders_by_checkout_tokens(completed) if completed else {}
            for token, checkout in checkouts.items():
                readings[checkout_key(token)] = CheckoutReading(checkout, orders.get(token))
        for store_id, ids in order_ids.items():
            for order_id, order in (await self._readers.orders_by_ids(store_id, ids)).items():
                readings[order_key(store_id, order_id)] = order
        return readings

    async def end_subscriptions(self, within: float = 5.0) -> None:
        """Ends every subscription (each gets its protocol's `complete`) and waits, up to
        `within` seconds, until all have let go. A subscription that starts later ends at
        once."""
        self._closed = True
        for watches in list(self._watches.values()):
            for watch in watches:
                watch.end()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within):
                await self._idle.wait()

    async def close(self) -> None:
        await self.end_subscriptions(within=1.0)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
