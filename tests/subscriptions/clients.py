"""A GraphQL WebSocket client for both subprotocols, as a storefront uses one, on the
`websockets` package; and the subscription documents the tests send."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict, deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"
PROTOCOLS = [TRANSPORT_WS, LEGACY_WS]

CHECKOUT_STATUS = """subscription($token: ID!) { checkoutStatusChanged(token: $token) {
  token status payment { provider status } totals { total { amount } } order { id number status }
} }"""
ORDER_STATUS = """subscription($id: ID!, $token: ID) { orderStatusChanged(id: $id, token: $token) {
  id number status paymentStatus checkoutToken
} }"""


class GraphQLSocket:
    """Messages of several operations arrive interleaved; each is kept for its operation."""

    def __init__(self, connection: ClientConnection, protocol: str) -> None:
        self.connection = connection
        self.protocol = protocol
        self._kept: dict[str | None, deque[dict[str, Any]]] = defaultdict(deque)

    @classmethod
    @asynccontextmanager
    async def open(
        cls, url: str, protocol: str = TRANSPORT_WS, payload: dict[str, Any] | None = None
    ) -> AsyncIterator[GraphQLSocket]:
        """Connected and acknowledged."""
        async with websockets.connect(url, subprotocols=[protocol]) as connection:  # type: ignore[list-item]
            socket = cls(connection, protocol)
            acknowledgement = await socket.initialise(payload)
            assert acknowledgement["type"] == "connection_ack", acknowledgement
            yield socket

    async def initialise(self, payload: dict[str, Any] | None) -> dict[str, Any]:
        await self.send({"type": "connection_init", "payload": payload or {}})
        return await self._receive(5.0)

    async def send(self, message: dict[str, Any]) -> None:
        await self.connection.send(json.dumps(message))

    async def subscribe(self, operation_id: str, query: str, **variables: Any) -> None:
        kind = "subscribe" if self.protocol == TRANSPORT_WS else "start"
        payload = {"query": query, "variables": variables}
        await self.send({"id": operation_id, "type": kind, "payload": payload})

    async def stop(self, operation_id: str) -> None:
        kind = "complete" if self.protocol == TRANSPORT_WS else "stop"
        await self.send({"id": operation_id, "type": kind})

    async def message(self, operation_id: str, within: float = 5.0) -> dict[str, Any]:
        """The next message of this operation: `next`/`data`, `error` or `complete`."""
        async with asyncio.timeout(within):
            while not self._kept[operation_id]:
                message = await self._receive(None)
                self._kept[message.get("id")].append(message)
        return self._kept[operation_id].popleft()

    async def data(self, operation_id: str, within: float = 5.0) -> dict[str, Any]:
        """The `data` of the next result of this operation, which must have no errors."""
        message = await self.message(operation_id, within)
        assert message["type"] in ("next", "data"), message
        assert "errors" not in message["payload"], message
        return message["payload"]["data"]  # type: ignore[no-any-return]

    async def error(self, operation_id: str, within: float = 5.0) -> dict[str, Any]:
        """The first error of an operation refused before it ran."""
        message = await self.message(operation_id, within)
        assert message["type"] == "error", message
        payload = message["payload"]
        return payload[0] if isinstance(payload, list) else payload  # type: ignore[no-any-return]

    async def nothing_for(self, operation_id: str, seconds: float) -> None:
        with_timeout = asyncio.wait_for(self.message(operation_id, seconds + 1), seconds)
        try:
            message = await with_timeout
        except TimeoutError:
            return
        raise AssertionError(f"unexpected message {message}")

    async def _receive(self, within: float | None) -> dict[str, Any]:
        while True:
            async with asyncio.timeout(within):
                message: dict[str, Any] = json.loads(await self.connection.recv())
            if message["type"] == "ping":
                await self.send({"type": "pong"})
            elif message["type"] not in ("pong", "ka"):
                return message
