"""A client address holds only so many WebSockets open; the one over is refused at the
handshake with 403, other addresses are not, and a closed one makes room again."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import websockets
from websockets.exceptions import InvalidStatus

from tests.mcp.served import served
from tests.operations.conftest import ServeApp
from tests.operations.test_metrics import Scrape
from tests.subscriptions.clients import TRANSPORT_WS, GraphQLSocket


async def connect(url: str, source: str = "127.0.0.1") -> websockets.ClientConnection:
    return await websockets.connect(
        url, subprotocols=[TRANSPORT_WS], local_addr=(source, 0), open_timeout=5
    )


async def test_the_connection_over_the_limit_is_refused(
    serve_app: ServeApp, sqlite_url: str
) -> None:
    async with (
        serve_app(sqlite_url, websocket_connections_per_ip=2) as app,
        served(app.app) as mcp_url,
        httpx.AsyncClient(base_url=mcp_url.removesuffix("/mcp")) as http,
    ):
        url = mcp_url.replace("http://", "ws://").replace("/mcp", "/graphql")
        before = Scrape((await http.get("/metrics")).text)
        async with GraphQLSocket.open(url), GraphQLSocket.open(url):
            with pytest.raises(InvalidStatus) as refused:
                await connect(url)
            assert refused.value.response.status_code == 403
            # Another address is not held to this one's count.
            other = await connect(url, source="127.0.0.2")
            await other.close()
            during = Scrape((await http.get("/metrics")).text)
        # Once one has closed, there is room again (the server counts the close first).
        for _ in range(100):
            try:
                again = await connect(url)
            except InvalidStatus:
                await asyncio.sleep(0.02)
                continue
            await again.close()
            break
        else:
            raise AssertionError("no room after the connections closed")

    refused_total = "checkout_flow_websocket_connections_refused_total"
    assert during.value(refused_total) - before.value(refused_total) == 1
    assert during.value("checkout_flow_websocket_connections") - before.value(
        "checkout_flow_websocket_connections"
    ) in (2, 3)  # the other address's may not have been let go of yet
