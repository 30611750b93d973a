"""The event bus of a single process: events go straight to this process's listeners. The
buses between processes hand what they receive to one of these."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

from domain.events import Event
from domain.ports import BusResumed

Signal = Event | BusResumed


class InProcessBus:
    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[Signal | None]] = set()
        self._closed = False

    async def publish(self, events: Sequence[Event]) -> None:
        self.deliver(*events)

    def deliver(self, *signals: Signal) -> None:
        for queue in tuple(self._queues):
            for signal in signals:
                queue.put_nowait(signal)

    def listen(self) -> AsyncIterator[Signal]:
        # Not a generator function: the listener must count from the call, not from the
        # first `anext`, or an event published in between would pass it by.
        queue: asyncio.Queue[Signal | None] = asyncio.Queue()
        if self._closed:
            queue.put_nowait(None)
        else:
            self._queues.add(queue)
        return self._drain(queue)

    async def _drain(self, queue: asyncio.Queue[Signal | None]) -> AsyncIterator[Signal]:
        try:
            while (signal := await queue.get()) is not None:
                yield signal
        finally:
            self._queues.discard(queue)

    async def close(self) -> None:
        self._closed = True
        for queue in tuple(self._queues):
            queue.put_nowait(None)
        self._queues.clear()
