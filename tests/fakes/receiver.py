"""A webhook endpoint for tests: records what providers post to it."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

__all__ = ["ReceivedCall", "WebhookReceiver"]


@dataclass(frozen=True)
class ReceivedCall:
    path: str
    body: bytes
    headers: dict[str, str]


class WebhookReceiver:
    """Serve `app` with `tests.fakes.running`; every POST is recorded and answered `status`."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self._lock = threading.Lock()
        self._calls: list[ReceivedCall] = []
        self.app = Starlette(
            routes=[
                Route("/_test/health", self._health),
                Route("/{path:path}", self._receive, methods=["POST"]),
            ]
        )

    async def _health(self, request: Request) -> Response:
        return Response("ok")

    async def _receive(self, request: Request) -> Response:
        call = ReceivedCall(request.url.path, await request.body(), dict(request.headers))
        with self._lock:
            self._calls.append(call)
        return Response(status_code=self.status)

    @property
    def calls(self) -> list[ReceivedCall]:
        with self._lock:
            return list(self._calls)
