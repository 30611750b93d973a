"""Who is on a WebSocket: the credentials of `connection_init`.

A browser cannot set headers on a WebSocket handshake, so clients send the same header names
and values as over HTTP in `connection_init`'s payload, e.g. `{"X-Store-Key": "pk_…"}` or
`{"Authorization": "Bearer sk_…"}` (GraphiQL sends its header editor's content just so).
Names are matched without regard to case; a nested `{"headers": {…}}` is read as well. A
payload without credentials leaves those of the handshake, if any. A credential that opens
nothing refuses the connection: graphql-transport-ws closes it with 4403, graphql-ws sends
`connection_error` and closes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage

from graph.context import Context
from graph.errors import ApiError

CREDENTIAL_HEADERS = ("authorization", "x-store-key")


def credential_headers(payload: Mapping[str, Any] | None) -> dict[str, str]:
    """The credential headers in a `connection_init` payload, by lower-case name."""
    found: dict[str, str] = {}
    if not payload:
        return found
    nested = payload.get("headers")
    for source in (nested if isinstance(nested, Mapping) else {}, payload):
        for name, value in source.items():
            lowered = str(name).lower()
            if lowered in CREDENTIAL_HEADERS and isinstance(value, str):
                found[lowered] = value
    return found


async def accept_connection(context: Context) -> None:
    """Raises ConnectionRejectionError when the presented credential opens nothing."""
    headers = credential_headers(context.connection_params)
    if headers:
        context.present(headers)
    try:
        await context.store_access()
    except ApiError as error:
        code = (error.extensions or {}).get("code")
        raise ConnectionRejectionError(
            {"message": error.message, "extensions": {"code": code}}
        ) from None


class TransportWsHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """Strawberry's graphql-transport-ws handler, letting go of its `connection_init` timer
    once the init has come. Strawberry cancels the timer's task then but keeps the task (with
    its coroutine, ~0.9 KiB) until the connection closes, hours later for a subscriber."""

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        timer = self.connection_init_timeout_task
        if timer is not None and (timer.done() or timer.cancelling()):
            # It ends on its own at the loop's next turn; the close need not wait for it.
            self.connection_init_timeout_task = None
