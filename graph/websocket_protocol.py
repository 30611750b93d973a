"""uvicorn's WebSocket protocol, holding less for each open connection.

A shop's storefronts keep a subscription open for as long as a page shows a checkout or an
order: a thousand sockets per process, almost all of them idle. uvicorn's protocol
(`WebSocketsSansIOProtocol`, what its "auto" picks) keeps per connection an `asyncio.Queue`
for what the client sends (~3.2 KiB: four deques and an Event), an `asyncio.Event` for the
transport's back-pressure (~0.8 KiB) and the handshake's request and response with all their
headers (~2.5 KiB), which nothing reads once the handshake is done — the ASGI scope has its
own copy. This keeps the same protocol with a list and a future in place of each of the first
two, and lets go of the handshake once it is answered.

Selected by `WEBSOCKET_SETTINGS` (uvicorn's `ws` setting takes a protocol class), which
`serve` and the tests' servers both use. It relies on how the
protocol uses its queue and event (`put_nowait`, `get`, `empty`; `set`, `clear`, `wait`);
tests/subscriptions runs every WebSocket test through it.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from graph.waiters import Waiters


class Inbox(Waiters):
    """What the client sent, oldest first, until the app reads it: the part of asyncio.Queue
    the protocol uses, with no bound."""

    __slots__ = ("_messages",)

    def __init__(self) -> None:
        super().__init__()
        self._messages: list[Any] = []

    def put_nowait(self, message: Any) -> None:
        self._messages.append(message)
        self._wake()

    def empty(self) -> bool:
        return not self._messages

    def qsize(self) -> int:
        return len(self._messages)

    async def get(self) -> Any:
        await self._wait_while(self.empty)
        return self._messages.pop(0)


class Gate(Waiters):
    """The part of asyncio.Event the protocol uses: open (set) unless the transport's buffer is
    full, and `wait` returns once it is open."""

    __slots__ = ("_open",)

    def __init__(self) -> None:
        super().__init__()
        self._open = True

    def is_set(self) -> bool:
        return self._open

    def set(self) -> None:
        self._open = True
        self._wake()

    def clear(self) -> None:
        self._open = False

    async def wait(self) -> bool:
        await self._wait_while(lambda: not self._open)
        return True


class LeanWebSocketProtocol(WebSocketsSansIOProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = Inbox()  # type: ignore[assignment]
        self.writable = Gate()  # type: ignore[assignment]

    async def send(self, message: Any) -> None:
        await super().send(message)
        if self.handshake_complete and getattr(self, "request", None) is not None:
            # Answered (accepted or refused): the handshake's request and response are not
            # read again.
            self.request = self.response = None  # type: ignore[assignment]


# uvicorn's WebSocket settings, for `serve` and for the tests' servers alike.
WEBSOCKET_SETTINGS: dict[str, Any] = {
    "ws": LeanWebSocketProtocol,
    # Subscription messages are small; a compressor per WebSocket would cost ~50 KiB of memory
    # for every subscriber and save next to nothing.
    "ws_per_message_deflate": False,
}
