"""Serving a fake on a free loopback port from a background thread.

The provider SDKs are synchronous or bring their own HTTP client, so the fakes must be real
HTTP servers, not ASGI apps reached through a transport.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import uvicorn
from starlette.types import ASGIApp

__all__ = ["LoopbackServer", "running"]


class LoopbackServer:
    """One uvicorn server on 127.0.0.1, started and stopped from the calling thread."""

    def __init__(self, app: ASGIApp, *, ready_path: str = "/_test/health") -> None:
        self.app = app
        self.ready_path = ready_path
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._server: uvicorn.Server | None = None
        self.base_url = ""

    def start(self, timeout: float = 10.0) -> str:
        # Binding the socket ourselves gives the port before uvicorn starts, with no race.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            lifespan="off",
            access_log=False,
            timeout_graceful_shutdown=1,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name=f"fake-{port}", daemon=True
        )
        self._socket, self._server, self._thread = sock, server, thread
        self.base_url = f"http://127.0.0.1:{port}"
        thread.start()
        self._wait_until_answering(timeout)
        return self.base_url

    def _wait_until_answering(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with httpx.Client(trust_env=False, timeout=1.0) as client:
            while time.monotonic() < deadline:
                if self._thread is not None and not self._thread.is_alive():
                    raise RuntimeError("fake server thread died while starting")
                with contextlib.suppress(httpx.TransportError):
                    if client.get(self.base_url + self.ready_path).status_code == 200:
                        return
                time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"fake server at {self.base_url} did not answer within {timeout}s")

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None


@contextlib.contextmanager
def running(app: ASGIApp, *, ready_path: str = "/_test/health") -> Iterator[str]:
    """Serve `app` on a free loopback port for the duration of the block; yields its base URL."""
    server = LoopbackServer(app, ready_path=ready_path)
    base_url = server.start()
    try:
        yield base_url
    finally:
        server.stop()
