"""The Starlette app: GraphQL (HTTP and WebSocket), provider webhooks, health, and the worker
inside."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route, WebSocketRoute

from graph.demo_route import demo_routes
from graph.graphql_view import CheckoutGraphQL
from graph.health import healthz, readyz
from graph.http_limits import BodyLimit, RequestId
from graph.logs import configure_logging
from graph.mcp import CheckoutMcp
from graph.runtime import Runtime, build_runtime
from graph.settings import Settings
from graph.subscriptions.shutdown import end_subscriptions_first
from graph.webhooks import webhook_routes
from graph.worker import Worker


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> Starlette:
    """The app; tests hand in their own runtime, `serve` lets the app build one."""
    settings = settings or (runtime.settings if runtime else Settings())
    configure_logging(settings.log_format, settings.log_level)
    owns_runtime = runtime is None
    runtime = runtime or build_runtime(settings)
    graphql = CheckoutGraphQL(
        runtime,
        graphql_ide="graphiql" if settings.graphiql else None,
    )
    mcp = CheckoutMcp(graphql)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        graphql.hub.start()
        restore_signals = end_subscriptions_first(graphql.hub)
        worker = Worker(runtime, interval=settings.worker_interval_seconds)
        task = asyncio.create_task(worker.run()) if settings.run_worker else None
        try:
            async with mcp.running():
                yield
        finally:
            restore_signals()
            await graphql.hub.close()
            # The round in progress finishes: no outbox row is left half-done.
            worker.stop()
            if task is not None:
                await task
            if owns_runtime:
                await runtime.close()

    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/mcp", mcp.asgi),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            *webhook_routes(),
            *demo_routes(runtime),
        ],
        middleware=[Middleware(RequestId), Middleware(BodyLimit)],
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.state.hub = graphql.hub
    return app
