"""The app served by uvicorn on a loopback port in a thread of its own, for the tests that
need a real WebSocket but only one process (httpx's ASGI transport speaks no WebSocket)."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import uvicorn
import uvloop
from starlette.applications import Starlette

from graph.websocket_protocol import WEBSOCKET_SETTINGS

T = TypeVar("T")


class ThreadedServer:
    def __init__(self, app: Starlette) -> None:
        self.app = app
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="on", **WEBSOCKET_SETTINGS)
        self.server = uvicorn.Server(config)
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    def _run(self) -> None:
        # uvloop, as `serve` runs; asyncio's own loop answers loopback requests ~40 ms late.
        self.loop = uvloop.new_event_loop()
        try:
            self.loop.run_until_complete(self.server.serve(sockets=[self._socket]))
        finally:
            self.loop.close()

    def start(self) -> None:
        self._thread.start()
        for _ in range(500):
            if self.server.started:
                return
            if not self._thread.is_alive():
                break
            threading.Event().wait(0.01)
        raise RuntimeError("the threaded server did not start")

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(10)
        self._socket.close()

    async def call(self, work: Coroutine[Any, Any, T]) -> T:
        """Runs `work` on the server's loop (the app's database and hub live there)."""
        assert self.loop is not None
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(work, self.loop))


@contextmanager
def serving(app: Starlette) -> Iterator[ThreadedServer]:
    server = ThreadedServer(app)
    server.start()
    try:
        yield server
    finally:
        server.stop()
