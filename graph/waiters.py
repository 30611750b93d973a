"""Coroutines waiting for something to change, holding next to nothing while none waits.

The objects an idle WebSocket keeps for hours (uvicorn's inbox and write gate, the hub's watch)
hold a list and a future only while a coroutine waits on them: not an asyncio.Queue or Event,
whose deques cost ~0.8 KiB each, a thousand times per process.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class Waiters:
    """Coroutines waiting for a change: a list, and a future for each only while it waits."""

    __slots__ = ("_waiters",)

    def __init__(self) -> None:
        self._waiters: list[asyncio.Future[None]] = []

    def _wake(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def _wait_while(self, blocked: Callable[[], bool]) -> None:
        while blocked():
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            finally:
                self._waiters.remove(waiter)
