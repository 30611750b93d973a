"""The app served by uvicorn on a free loopback port, and the SDK's own MCP client on it."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx2
import mcp_types as types
import uvicorn
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from starlette.types import ASGIApp

from domain.store import IssuedKeys


@asynccontextmanager
async def served(app: ASGIApp) -> AsyncIterator[str]:
    """The MCP endpoint's URL while uvicorn serves `app`, lifespan included, on this loop."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, lifespan="on", log_level="warning", timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()  # startup failed: show why
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        server.should_exit = True
        await task
        sock.close()


def key_headers(keys: IssuedKeys | None, which: str = "public") -> dict[str, str]:
    if keys is None:
        return {}
    if which == "secret":
        return {"Authorization": f"Bearer {keys.secret_key}"}
    return {"X-Store-Key": keys.public_key}


@asynccontextmanager
async def mcp_client(url: str, headers: dict[str, str]) -> AsyncIterator[ClientSession]:
    """An initialized MCP session whose every HTTP request carries `headers`."""
    async with (
        httpx2.AsyncClient(headers=headers, timeout=20) as http,
        streamable_http_client(url, http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


class Tools:
    """Calls tools by their short name and hands back the result with its parts."""

    def __init__(self, session: ClientSession) -> None:
        self.session = session

    async def call(self, action: str, **arguments: Any) -> types.CallToolResult:
        result = await self.session.call_tool(f"checkout-flow_{action}", arguments)
        assert isinstance(result, types.CallToolResult)
        return result

    async def ok(self, action: str, **arguments: Any) -> dict[str, Any]:
        """The structured content of a call that must succeed."""
        result = await self.call(action, **arguments)
        assert not result.is_error, text(result)
        assert result.structured_content["errors"] == []
        return result.structured_content  # type: ignore[no-any-return]

    async def refused(self, action: str, **arguments: Any) -> list[tuple[str, list[str] | None]]:
        """The (code, field) pairs of a call that must be refused, checked in both forms."""
        result = await self.call(action, **arguments)
        assert result.is_error, text(result)
        errors = result.structured_content["errors"]
        assert errors
        words = text(result)
        for error in errors:
            assert error["code"] in words  # the text names the code too
        # The JSON text block carries the same structured content.
        assert json.loads(result.content[1].text)["errors"] == errors  # type: ignore[union-attr]
        return [(e["code"], e["field"]) for e in errors]


def text(result: types.CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, types.TextContent))
