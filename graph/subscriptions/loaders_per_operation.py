"""Fresh dataloaders for each operation on a WebSocket.

Strawberry makes one context per connection, and dataloaders cache what they read: a query
sent over a connection that has been open for an hour would answer with what an earlier one
read. Each operation over a WebSocket starts with empty loaders instead (a subscription once,
when it starts; it primes what it shows with what the hub read for each event).
"""

from __future__ import annotations

from collections.abc import Iterator

from starlette.websockets import WebSocket
from strawberry.extensions import SchemaExtension

from graph.context import Context
from graph.dataloaders import Loaders


class FreshLoadersPerOperation(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        if isinstance(context, Context) and isinstance(context.connection, WebSocket):
            context.loaders = Loaders(context.runtime.readers, context.now())
        yield
