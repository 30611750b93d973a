"""GraphQL over HTTP and WebSocket on Strawberry's ASGI view, with our context and the
GraphQL-over-HTTP rules for `application/graphql-response+json`.

A storefront's requests are nearly all one shape: a POST of one JSON operation, answered as
JSON. Those go a shorter way (`_serve_json_post`): the body is read and checked here, and
Strawberry's own steps run from there (the context, `execute_single`, the result's
processing, the response), without its request adapter, content-type parsing and the checks
for batches, uploads, streams and the GraphiQL page on every request. Anything else (GET, a
batch, another content type, an accept that asks for a stream or that nothing can meet, a
body that is no single operation) goes Strawberry's whole way, the body handed on as read.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from cross_web import HTTPException
from starlette import status
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types.unset import UNSET, UnsetType

from graph.context import Context, presented_key
from graph.dataloaders import Loaders
from graph.errors import BAD_REQUEST, ApiError
from graph.event_hub import EventHub
from graph.rate_limits import RateLimits
from graph.runtime import Runtime
from graph.subscriptions.connection import TransportWsHandler, accept_connection
from graph.subscriptions.shared_frames import SharedFrames
from persistence import json_codec

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"


def wanted_media_type(accept: str) -> str | None:
    """The response type the client asked for; None when it accepts neither JSON type."""
    if not accept.strip():
        return JSON
    kinds = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    if GRAPHQL_RESPONSE_JSON in kinds:
        return GRAPHQL_RESPONSE_JSON
    if JSON in kinds or "*/*" in kinds or "application/*" in kinds:
        return JSON
    return None


class SubResponse(Response):
    media_type_wanted: str = JSON


class CheckoutGraphQL(GraphQL):  # type: ignore[type-arg]
    graphql_transport_ws_handler_class = TransportWsHandler

    def __init__(self, runtime: Runtime, hub: EventHub | None = None, **options: Any) -> None:
        from graph.schema import schema

        # WebSocket credentials travel in `connection_init`, never in cookies: a page on
        # another origin (the shop's storefront) can do nothing there it could not do anyway.
        options.setdefault("allowed_origins", ("*",))
        settings = runtime.settings
        options.setdefault("graphql_ide", "graphiql" if settings.serves_graphiql else None)
        # In production a query comes by POST only: a GET's query string ends up in proxies'
        # and browsers' logs, tokens and all.
        options.setdefault("allow_queries_via_get", not settings.is_production)
        super().__init__(schema, **options)
        self.runtime = runtime
        self.hub = hub or EventHub(runtime.bus, runtime.readers)
        self.limits = RateLimits.from_settings(settings)
        self.frames = SharedFrames()

    def encode_json(self, data: object) -> str:
        return self.frames.encode(data)

    def decode_json(self, data: str | bytes) -> object:
        return json_codec.loads(data)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and self._json_both_ways(scope):
            await self._serve_json_post(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)

    def _json_both_ways(self, scope: Scope) -> bool:
        """A JSON body, and an answer the client accepts as JSON, not as a stream."""
        content_type, accept = None, None
        for name, value in scope["headers"]:  # the first of each, as Starlette's headers give
            if name == b"content-type" and content_type is None:
                content_type = value
            elif name == b"accept" and accept is None:
                accept = value
        media_type = (content_type or b"").split(b";", 1)[0].strip().lower()
        accepted = (accept or b"").decode("latin-1")
        return (
            media_type == b"application/json"
            and wanted_media_type(accepted) is not None
            and self._get_stream_transport_from_headers({"accept": accepted}) is None
        )

    async def _serve_json_post(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        body = await request.body()
        data = self._one_operation(body)
        if data is None:
            await super().__call__(scope, _replaying(body, receive), send)
            return
        try:
            response = await self._answer(request, data)
        except HTTPException as error:
            response = _refused(request, error)
        await response(scope, receive, send)

    def _one_operation(self, body: bytes) -> GraphQLRequestData | None:
        """The body's operation, when it is one JSON object whose parts have their types."""
        try:
            data = self.decode_json(body)
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        query, variables = data.get("query"), data.get("variables")
        name, extensions = data.get("operationName"), data.get("extensions")
        if not (
            isinstance(query, str)
            and isinstance(variables, (dict, type(None)))
            and isinstance(name, (str, type(None)))
            and isinstance(extensions, (dict, type(None)))
        ):
            return None
        return GraphQLRequestData(query, variables, name, extensions, "http")

    async def _answer(self, request: Request, data: GraphQLRequestData) -> Response:
        # Strawberry's `run` for one operation over HTTP, from the parsed body on.
        sub_response = await self.get_sub_response(request)
        context = await self.get_context(request, response=sub_response)
        result = await self.execute_single(
            request=request,
            request_adapter=self.request_adapter_class(request),
            sub_response=sub_response,
            context=context,
            root_value=await self.get_root_value(request),
            request_data=data,
        )
        response_data = await self.process_result(request=request, result=result)
        if result.errors:
            self._handle_errors(result.errors, response_data)
        return self.create_response(response_data=response_data, sub_response=sub_response)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        await accept_connection(context)
        return UNSET

    def run(  # type: ignore[override]
        self, request: Any, context: Any = UNSET, root_value: Any = UNSET
    ) -> Awaitable[Response | WebSocket]:
        if self.is_websocket_request(request):
            # Strawberry's own, awaited by the caller with no frame of ours around it: a
            # WebSocket is served inside this call for as long as it is open.
            return super().run(request, context, root_value)
        return self._run_http(request, context, root_value)

    async def _run_http(self, request: Any, context: Any, root_value: Any) -> Response | WebSocket:
        try:
            return await super().run(request, context, root_value)
        except HTTPException as error:
            return _refused(request, error)

    async def parse_http_body(self, request: Any) -> Any:
        try:
            return await super().parse_http_body(request)
        except AttributeError:  # Strawberry reads fields of a JSON body that is no object
            raise HTTPException(400, "The request body must be a JSON object") from None

    async def execute_operation(self, **options: Any) -> Any:
        # Refused before anything runs: a mutation must not happen for an answer that the
        # client then cannot read.
        if options["sub_response"].status_code == status.HTTP_406_NOT_ACCEPTABLE:
            raise HTTPException(
                status.HTTP_406_NOT_ACCEPTABLE,
                f"Accept {GRAPHQL_RESPONSE_JSON} or {JSON}",
            )
        return await super().execute_operation(**options)

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        request_id = request.scope.get("state", {}).get("request_id", "-")
        key, key_error = None, None
        try:
            key = presented_key(request.headers)
        except ApiError as error:
            key_error = error.message  # refused when a field needs the store
        return Context(
            runtime=self.runtime,
            request_id=request_id,
            connection=request,
            key=key,
            key_error=key_error,
            loaders=Loaders(self.runtime.readers, self.runtime.clock.now()),
            response=response,
            hub=self.hub,
            limits=self.limits,
        )

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = SubResponse()
        sub_response.status_code = None  # type: ignore[assignment]
        del sub_response.headers["content-length"]
        wanted = wanted_media_type(request.headers.get("accept", ""))
        sub_response.media_type_wanted = wanted or JSON
        if wanted is None:
            sub_response.status_code = status.HTTP_406_NOT_ACCEPTABLE
        return sub_response

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        media_type = getattr(sub_response, "media_type_wanted", JSON)
        if (
            media_type == GRAPHQL_RESPONSE_JSON
            and isinstance(response_data, dict)
            and _is_request_error(response_data)
        ):
            # The request never reached execution: 400 and no `data` entry.
            response_data = {k: v for k, v in response_data.items() if k != "data"}  # type: ignore[assignment]
            sub_response.status_code = status.HTTP_400_BAD_REQUEST
        response = super().create_response(response_data, sub_response)
        response.headers["content-type"] = f"{media_type}; charset=utf-8"
        return response


def _refused(request: Request, error: HTTPException) -> Response:
    """A request Strawberry refuses before GraphQL runs (no query, a body that is not JSON,
    a mutation over GET), answered as a GraphQL error rather than as plain text."""
    status_code, headers = error.status_code, {}
    if isinstance(error.__cause__, InvalidOperationTypeError) and request.method == "GET":
        # GraphQL over HTTP: a mutation over GET is refused with 405.
        status_code, headers = status.HTTP_405_METHOD_NOT_ALLOWED, {"Allow": "POST"}
    media_type = wanted_media_type(request.headers.get("accept", "")) or JSON
    body = {"errors": [{"message": error.reason, "extensions": {"code": BAD_REQUEST}}]}
    response = JSONResponse(body, status_code=status_code, headers=headers)
    response.headers["content-type"] = f"{media_type}; charset=utf-8"
    return response


def _replaying(body: bytes, receive: Receive) -> Receive:
    """The request's messages again, its body already read as one."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def _is_request_error(data: GraphQLHTTPResponse) -> bool:
    errors = data.get("errors") or []
    return (
        data.get("data") is None
        and bool(errors)
        and all(isinstance(e, dict) and "path" not in e for e in errors)
    )
