"""The event bus of a single process: events go straight to this process's subscribers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

from domain.events import Event


class InProcessBus:
    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[Event]] = set()

    async def publish(self, events: Sequence[Event]) -> None:
        for queue in tuple(self._queues):
            for event in events:
                queue.put_nowait(event)

    async def listen(self) -> AsyncIterator[Event]:
        queue: asyncio.Queue[Event] = asyncio.Queue()
        self._queues.add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self._queues.discard(queue)

    async def close(self) -> None:
        self._queues.clear()
