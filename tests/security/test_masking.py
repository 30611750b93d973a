"""An unexpected failure is masked on every transport the API has: over HTTP, over a
WebSocket (a subscription's error leaves before the operation ends) and through an MCP tool,
the client sees "Internal server error" and a request id; the detail goes to the log only."""

from __future__ import annotations

import json
import logging

import pytest

from graph.app import create_app
from graph.context import Context
from tests.mcp.served import mcp_client
from tests.security.world import World
from tests.subscriptions.clients import TRANSPORT_WS, GraphQLSocket
from tests.subscriptions.threaded_server import serving
from tests.support import build_test_runtime

DETAIL = "internal detail 4711: database said no"
CHECKOUT = "query($token: ID!) { checkout(token: $token) { status } }"
WATCH = "subscription($token: ID!) { checkoutStatusChanged(token: $token) { status } }"


class Lines(logging.Handler):
    """Every record, as the app's own handler renders it."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        for handler in logging.getLogger().handlers:
            if handler is not self and handler.formatter is not None:
                self.texts.append(handler.formatter.format(record))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_an_unexpected_failure_is_masked_everywhere(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def fails(self: Context) -> str | None:
        raise RuntimeError(DETAIL)

    monkeypatch.setattr(Context, "store_id_if_any", fails)
    token = world.victim.token
    # JSON lines (the format is the process's: every app below logs so), read after the app
    # set logging up.
    settings = world.api.runtime.settings.model_copy(update={"log_format": "json"})
    runtime = build_test_runtime(settings, world.api.clock)
    app = create_app(runtime=runtime)
    lines = Lines()
    logging.getLogger().addHandler(lines)
    try:
        response = await world.api.post(CHECKOUT, {"token": token}, headers={})
        [error] = response.json()["errors"]
        shown = [(error, response.headers["x-request-id"])]
        with serving(app) as server:
            try:
                async with GraphQLSocket.open(server.ws_url, TRANSPORT_WS) as socket:
                    await socket.subscribe("1", WATCH, token=token)
                    shown.append((await socket.error("1"), None))
                async with mcp_client(f"{server.url}/mcp", {}) as session:
                    tool = "checkout-flow_get_checkout_status"
                    result = await session.call_tool(tool, {"token": token})
                [tool_error] = result.structured_content["errors"]
                assert result.is_error
                assert DETAIL not in json.dumps(result.structured_content)
                shown.append(({"message": tool_error["message"], "extensions": tool_error}, None))
            finally:
                await server.call(runtime.close())
    finally:
        logging.getLogger().removeHandler(lines)
    logged = "\n".join(lines.texts)
    for error, header in shown:
        assert error["message"] == "Internal server error", error
        request_id = error["extensions"]["requestId"]
        assert request_id in logged
        assert header in (None, request_id)
        assert DETAIL not in json.dumps(error)
    assert logged.count(DETAIL) >= len(shown)  # each one logged, with its detail
