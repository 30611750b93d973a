"""The MCP server at /mcp: tools listed from their specs, each call answered by running the
tool's GraphQL twin with the credentials of the HTTP request that carried it.

Stateless streamable HTTP with JSON answers: each POST stands alone, so several `serve`
processes behind one address answer any request (an MCP session pinned to one process would
break there), and a credential is read from every request, never remembered from a session.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import mcp_types as types
import structlog
from mcp.server import Server, ServerRequestContext
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.shared.exceptions import MCPError
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from graph.errors import BAD_REQUEST, INTERNAL, VALIDATION_FAILED
from graph.graphql_view import CheckoutGraphQL
from graph.mcp.operation import Answer, GraphQLRunner, OperationMissing
from graph.mcp.tools import TOOLS, TOOLS_BY_NAME, ToolSpec

log = structlog.get_logger("checkout_flow.mcp")
# Stateless transport "terminates the session" after every request, at INFO: one useless line
# per tool call. Its warnings still show.
logging.getLogger("mcp.server.streamable_http").setLevel(logging.WARNING)

INSTRUCTIONS = """\
Checkout Flow: buy from one shop for a shopper.
1. checkout-flow_search_products finds skus, prices, stock and the details some products need.
2. checkout-flow_create_cart with skus and quantities, then checkout-flow_initiate_checkout with
   the cart id: keep the checkout `token`, every later step takes it.
3. checkout-flow_set_customer: email, shipping address, shipping method.
4. checkout-flow_set_line_meta for lines whose product has a metaDefinition.
5. checkout-flow_create_payment: INVOICE, or STRIPE/MOLLIE with a link the shopper pays at.
6. checkout-flow_complete_checkout places the order (after an online payment it is placed by
   itself); checkout-flow_get_checkout_status shows where things stand and the order number.
A refused step answers isError with a code and the path of the argument at fault: correct
that argument (or, after PRICE_CHANGED, confirm the new prices with the shopper) and call
again."""


def _version() -> str:
    try:
        return version("checkout-flow")
    except PackageNotFoundError:  # running from a tree that was never installed
        return "0"


class CheckoutMcp:
    """The MCP endpoint: `asgi` to mount, `running()` to hold open in the app's lifespan."""

    def __init__(self, graphql: CheckoutGraphQL) -> None:
        self.graphql = GraphQLRunner(graphql)
        self.server: Server[Any] = Server(
            "checkout-flow",
            version=_version(),
            title="Checkout Flow",
            instructions=INSTRUCTIONS,
            on_list_tools=self._list_tools,
            on_call_tool=self._call_tool,
        )
        self.sessions: StreamableHTTPSessionManager | None = None
        self.asgi = PostOnly(self._transport)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        # A manager runs only once: a fresh one each time the app's lifespan starts.
        sessions = StreamableHTTPSessionManager(app=self.server, stateless=True, json_response=True)
        async with sessions.run():
            self.sessions = sessions
            try:
                yield
            finally:
                self.sessions = None

    async def _transport(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.sessions is None:
            # E.g. an ASGI test client that skips the lifespan: say so rather than crash.
            refusal = _refusal("MCP is not running: the app's lifespan has not started")
            await JSONResponse(refusal, status_code=503)(scope, receive, send)
            return
        await self.sessions.handle_request(scope, receive, send)

    async def _list_tools(
        self, ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[spec.tool() for spec in TOOLS])

    async def _call_tool(
        self, ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        spec = TOOLS_BY_NAME.get(params.name)
        if spec is None:
            raise MCPError(code=types.INVALID_PARAMS, message=f"Unknown tool: {params.name}")
        if not isinstance(ctx.request, Request):
            # The store key travels in HTTP headers; there is nothing to read it from.
            raise MCPError(code=types.INVALID_REQUEST, message="tools are served over HTTP only")
        arguments = _without_nulls(params.arguments or {})
        problems = _argument_problems(spec, arguments)
        try:
            answer = (
                Answer(None, problems)
                if problems
                else await self._answer(spec, arguments, ctx.request)
            )
            shaped = spec.shape(answer)
            return _result(spec, {**shaped, "errors": answer.errors + shaped["errors"]})
        except Exception:
            # As over GraphQL: a fault is logged with the request id and never shown.
            request_id = ctx.request.scope.get("state", {}).get("request_id", "-")
            log.exception("tool failed", tool=spec.name, request_id=request_id)
            fault = {**_error(INTERNAL, "Internal server error"), "requestId": request_id}
            return _result(spec, {**spec.shape(Answer(None, [fault])), "errors": [fault]})

    async def _answer(self, spec: ToolSpec, arguments: dict[str, Any], request: Request) -> Answer:
        try:
            return await self.graphql.run(spec.operation, arguments, request)
        except OperationMissing:
            # What GraphQL itself answers for a field it does not have.
            message = f"{spec.name} is not available on this server yet"
            return Answer(None, [_error(VALIDATION_FAILED, message)])


_VALIDATORS = {spec.name: jsonschema.Draft202012Validator(spec.input_schema) for spec in TOOLS}


class PostOnly:
    """Refuses the GET that would open a stream for server-sent messages: each answer rides
    its own POST and nothing else is ever sent, so an open stream would only hold a
    connection. 405 is how the transport says "no such stream here"."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            refusal = _refusal("Method Not Allowed: nothing is sent but the answers to POSTs")
            response = JSONResponse(refusal, status_code=405, headers={"Allow": "POST"})
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _refusal(message: str) -> dict[str, Any]:
    """A JSON-RPC error about the HTTP request itself, as the SDK's transport words them."""
    return {
        "jsonrpc": "2.0",
        "id": None,
        "error": {"code": types.INVALID_REQUEST, "message": message},
    }


def _without_nulls(arguments: dict[str, Any]) -> dict[str, Any]:
    """Assistants often send null for "not given"; every argument here treats the two alike."""
    return {
        name: _without_nulls(value) if isinstance(value, dict) else value
        for name, value in arguments.items()
        if value is not None
    }


def _error(code: str, message: str, field: list[str] | None = None) -> dict[str, Any]:
    return {"code": code, "field": field, "message": message}


def _argument_problems(spec: ToolSpec, arguments: dict[str, Any]) -> list[dict[str, Any]]:
    """Arguments that do not fit the input schema, as GraphQL refuses ill-typed variables:
    BAD_REQUEST, but with the path of the argument so the assistant can correct it."""
    problems = []
    found = _VALIDATORS[spec.name].iter_errors(arguments)
    for error in sorted(found, key=lambda e: [str(part) for part in e.absolute_path]):
        at = [str(part) for part in error.absolute_path]
        if error.validator == "required":
            missing = [n for n in error.validator_value if n not in error.instance]
            at += missing[:1]
        elif error.validator == "additionalProperties":
            allowed = error.schema.get("properties", {})
            extra = [n for n in error.instance if n not in allowed]
            at += extra[:1]
        problems.append(_error(BAD_REQUEST, error.message, at or None))
    return problems


def _result(spec: ToolSpec, structured: dict[str, Any]) -> types.CallToolResult:
    summary = spec.words(structured)
    # The JSON as text too, for clients that show a model only the text content.
    return types.CallToolResult(
        content=[
            types.TextContent(text=summary),
            types.TextContent(text=json.dumps(structured, ensure_ascii=False)),
        ],
        structured_content={**structured, "summary": summary},
        is_error=bool(structured["errors"]),
    )
