"""One line and one measurement per HTTP request: method, path, status, duration and, for
GraphQL and MCP, the operation — with the request's facts (store, token prefix) on the line."""

from __future__ import annotations

import logging
import time

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graph import metrics
from graph.request_facts import STATE_KEY, RequestFacts, in_effect

log = structlog.get_logger("checkout_flow.access")

# Asked every few seconds by probes and scrapers: their lines would drown the others.
_QUIET_ROUTES = frozenset({"healthz", "readyz", "metrics"})


class AccessLog:
    """Opens the request's facts (for WebSockets too, whose operations copy them) and, for
    HTTP, writes the access line and the request metrics once the response has gone."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        facts = RequestFacts(request_id=state.get("request_id", "-"))
        state[STATE_KEY] = facts
        if scope["type"] == "websocket":
            with in_effect(facts):
                await self.app(scope, receive, send)
            return
        status = 500  # what the client gets when the app fails before it answers
        started = time.perf_counter()

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            with in_effect(facts):
                await self.app(scope, receive, send_noting_status)
        finally:
            seconds = time.perf_counter() - started
            route = metrics.route_of(scope["path"])
            operation = metrics.operation_label(facts)
            metrics.record_request(route, operation, status, seconds)
            named = facts.operation or ",".join(facts.root_fields) or None
            with in_effect(facts):
                log.log(
                    logging.DEBUG if route in _QUIET_ROUTES else logging.INFO,
                    "request",
                    method=scope["method"],
                    # The path only: a GET query string may carry a token.
                    path=scope["path"],
                    status=status,
                    duration_ms=round(seconds * 1000, 1),
                    **({"operation": named} if named else {}),
                )
