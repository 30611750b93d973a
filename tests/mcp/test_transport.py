"""How /mcp speaks HTTP: stateless, so any server process can answer any request, and for
clients of both protocol eras."""

from __future__ import annotations

import httpx
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from graph.app import create_app
from graph.runtime import Runtime
from tests.mcp.served import key_headers
from tests.support import Api

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "test", "version": "1"},
    },
}
ACCEPT = {"Accept": "application/json, text/event-stream"}


async def test_stateless_json_answers(api: Api, mcp_url: str) -> None:
    async with httpx.AsyncClient(timeout=5) as http:
        opened = await http.post(mcp_url, json=INITIALIZE, headers=ACCEPT)
        assert opened.status_code == 200
        assert opened.headers["content-type"].startswith("application/json")
        assert "mcp-session-id" not in opened.headers  # nothing to pin to one process
        assert opened.headers["x-request-id"]
        assert opened.json()["result"]["serverInfo"]["name"] == "checkout-flow"
        # No stream for server-sent messages: there are none.
        stream = await http.get(mcp_url, headers={"Accept": "text/event-stream"})
        assert stream.status_code == 405
        assert stream.headers["allow"] == "POST"


async def test_a_2026_client_gets_the_same_tools(shop: Api, mcp_url: str) -> None:
    async with (
        httpx2.AsyncClient(headers=key_headers(shop.keys)) as http,
        Client(streamable_http_client(mcp_url, http_client=http)) as client,
    ):
        assert client.protocol_version == "2026-07-28"
        assert len((await client.list_tools()).tools) == 10
        found = await client.call_tool("checkout-flow_search_products", {"search": "case"})
        assert not found.is_error
        assert [p["sku"] for p in found.structured_content["products"]] == ["CASE"]
        refused = await client.call_tool(
            "checkout-flow_create_cart", {"lines": [{"sku": "NOPE", "quantity": 1}]}
        )
        assert refused.is_error
        assert refused.structured_content["errors"][0]["field"] == ["lines", "0", "sku"]


async def test_without_the_lifespan_it_says_it_is_not_running(runtime: Runtime) -> None:
    # httpx's ASGI transport runs no lifespan, as in most of the GraphQL tests.
    transport = httpx.ASGITransport(app=create_app(runtime=runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://checkout.test") as http:
        answer = await http.post("/mcp", json=INITIALIZE, headers=ACCEPT)
    assert answer.status_code == 503
    assert "lifespan" in answer.json()["error"]["message"]
