"""A cap on the WebSocket connections one client address holds open at once.

The connection over the cap is refused at the handshake, before it is accepted: the server
answers the upgrade request with HTTP 403 and nothing is spent on it — no subprotocol, no
`connection_init`, no task. (A close code after accepting, 4429, would reach a browser's
`onclose`, but graphql-transport-ws already gives 4429 another meaning: too many
`connection_init`s.) The count is per process; behind several processes a client may hold
this many on each.
"""

from __future__ import annotations

from collections import Counter

import structlog
from starlette.types import ASGIApp, Receive, Scope, Send

from graph.client_address import Networks, client_ip
from graph.metrics import WEBSOCKETS_OPEN, WEBSOCKETS_REFUSED

log = structlog.get_logger("checkout_flow.subscriptions")


class WebSocketLimit:
    def __init__(self, app: ASGIApp, per_ip: int, trusted_proxies: Networks = ()) -> None:
        self.app = app
        self.per_ip = per_ip
        self.trusted_proxies = trusted_proxies
        self.open: Counter[str] = Counter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        ip = client_ip(scope, self.trusted_proxies) or "-"
        if self.per_ip and self.open[ip] >= self.per_ip:
            await self._refuse(receive, send)
            log.warning("websocket refused", reason="too many open connections", limit=self.per_ip)
            return
        self.open[ip] += 1
        WEBSOCKETS_OPEN.inc()
        try:
            await self.app(scope, receive, send)
        finally:
            WEBSOCKETS_OPEN.dec()
            self.open[ip] -= 1
            if self.open[ip] <= 0:
                del self.open[ip]

    async def _refuse(self, receive: Receive, send: Send) -> None:
        WEBSOCKETS_REFUSED.inc()
        message = await receive()  # websocket.connect
        if message["type"] == "websocket.connect":
            # Closing before accepting: the server answers the handshake with 403.
            await send({"type": "websocket.close", "code": 1008, "reason": ""})
