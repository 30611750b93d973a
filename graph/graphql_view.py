"""GraphQL over HTTP and WebSocket on Strawberry's ASGI view, with our context and the
GraphQL-over-HTTP rules for `application/graphql-response+json`."""

from __future__ import annotations

from typing import Any

from starlette import status
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse

from graph.context import Context, presented_key
from graph.dataloaders import Loaders
from graph.errors import ApiError
from graph.runtime import Runtime

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
    def __init__(self, runtime: Runtime, **options: Any) -> None:
        from graph.schema import schema

        super().__init__(schema, **options)
        self.runtime = runtime

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


def _is_request_error(data: GraphQLHTTPResponse) -> bool:
    errors = data.get("errors") or []
    return (
        data.get("data") is None
        and bool(errors)
        and all(isinstance(e, dict) and "path" not in e for e in errors)
    )
