"""What the buses between processes (PostgreSQL LISTEN/NOTIFY, Redis pub/sub) share.

`publish` queues each event as a small message and returns at once: the change is committed
already, and a bus that is slow or away must neither fail nor slow the request that made it.
One sender task per process sends the queue in order and, when the server cannot be reached,
tries again with back-off, so an outage delays events rather than losing them. The process's
own listeners hear its events back from the server like everyone else.

One reader task per process receives every message and hands it to this process's listeners.
A lost connection is tried again with back-off and, once it listens again, the listeners hear
`BusResumed`: what was published in between may be lost, so they read again what they watch.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Sequence

import structlog

from domain.events import Event
from domain.ports import BusResumed
from integrations.bus_messages import decode, encode
from integrations.in_process_bus import InProcessBus

log = structlog.get_logger("checkout_flow.bus")

FIRST_RETRY_SECONDS = 0.2
LONGEST_RETRY_SECONDS = 10.0
SEND_TIMEOUT_SECONDS = 5.0
MOST_MESSAGES_PER_SEND = 200
# Past this many unsent messages the oldest go: each names only what changed, and the
# listeners read everything again once their bus is back.
LONGEST_QUEUE = 10_000
# At close, what is still queued gets this long to go out.
FLUSH_SECONDS = 2.0


def backoff(delay: float) -> float:
    """The next delay. Jitter keeps many processes from retrying in step after a restart."""
    return min(delay * 2, LONGEST_RETRY_SECONDS) * random.uniform(0.8, 1.2)


class RemoteBus(abc.ABC):
    name = "remote"

    def __init__(self) -> None:
        self._local = InProcessBus()
        self._outgoing: asyncio.Queue[str] = asyncio.Queue()
        self._sender: asyncio.Task[None] | None = None
        self._reader: asyncio.Task[None] | None = None
        self._closed = False
        self.connections = 0  # times the reader got to listen; for logs and tests

    @abc.abstractmethod
    async def _send(self, payloads: Sequence[str]) -> None:
        """Publishes the messages, in order; raises when the server cannot be reached."""

    @abc.abstractmethod
    def _receive(self) -> AsyncIterator[str | bytes | None]:
        """Connects and listens: yields None once listening, then each message; raises when
        the connection is lost."""

    @abc.abstractmethod
    async def _drop_sender(self) -> None:
        """Forgets the publishing connection, so the next send connects anew."""

    async def _close_connections(self) -> None:
        await self._drop_sender()

    async def publish(self, events: Sequence[Event]) -> None:
        if self._closed:
            return
        for event in events:
            if self._outgoing.qsize() >= LONGEST_QUEUE:
                self._outgoing.get_nowait()
                self._outgoing.task_done()
                log.warning("bus message dropped: too many unsent", bus=self.name)
            self._outgoing.put_nowait(encode(event))
        if self._sender is None:
            self._sender = asyncio.create_task(self._send_forever(), name=f"{self.name} sender")

    async def _send_forever(self) -> None:
        delay = FIRST_RETRY_SECONDS
        while True:
            batch = [await self._outgoing.get()]
            while not self._outgoing.empty() and len(batch) < MOST_MESSAGES_PER_SEND:
                batch.append(self._outgoing.get_nowait())
            while True:
                try:
                    async with asyncio.timeout(SEND_TIMEOUT_SECONDS):
                        await self._send(batch)
                    break
                except Exception as exc:
                    log.warning("bus send failed", bus=self.name, error=repr(exc), retry_in=delay)
                    await self._drop_sender()
                    await asyncio.sleep(delay)
                    delay = backoff(delay)
            delay = FIRST_RETRY_SECONDS
            for _ in batch:
                self._outgoing.task_done()

    def listen(self) -> AsyncIterator[Event | BusResumed]:
        listener = self._local.listen()
        if self._reader is None and not self._closed:
            self._reader = asyncio.create_task(self._read_forever(), name=f"{self.name} reader")
        return listener

    async def _read_forever(self) -> None:
        delay = FIRST_RETRY_SECONDS
        while not self._closed:
            try:
                async for payload in self._receive():
                    if payload is None:
                        self.connections += 1
                        if self.connections > 1:
                            log.info("bus listening again", bus=self.name)
                        delay = FIRST_RETRY_SECONDS
                        self._local.deliver(BusResumed())
                    elif (event := decode(payload)) is not None:
                        self._local.deliver(event)
            except Exception as exc:
                log.warning("bus connection lost", bus=self.name, error=repr(exc), retry_in=delay)
            await asyncio.sleep(delay)
            delay = backoff(delay)

    async def close(self) -> None:
        """Sends what is queued (for a moment), then stops listening and sending."""
        self._closed = True
        if self._sender is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(FLUSH_SECONDS):
                    await self._outgoing.join()
        for task in (self._reader, self._sender):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self._local.close()
        await self._close_connections()
