"""The Starlette app: GraphQL (HTTP and WebSocket), provider webhooks, health, metrics, MCP,
and the worker inside."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route, WebSocketRoute

from graph import metrics
from graph.access_log import AccessLog
from graph.collector import settle_after_start
from graph.demo_route import demo_routes
from graph.graphql_view import CheckoutGraphQL
from graph.health import ReadinessProbe, healthz, readyz
from graph.http_limits import BodyLimit, RequestId
from graph.logs import configure_logging
from graph.mcp import CheckoutMcp
from graph.production import check_start
from graph.runtime import Runtime, build_runtime
from graph.settings import Settings
from graph.subscriptions.connection_limit import WebSocketLimit
from graph.subscriptions.shutdown import end_subscriptions_first
from graph.webhooks import webhook_routes
from graph.worker import Worker


def create_served_app() -> Starlette:
    """The app of `checkout-flow serve`, in each of its processes."""
    app = create_app()
    settle_after_start()
    return app


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> Starlette:
    """The app; tests hand in their own runtime, `serve` lets the app build one."""
    settings = settings or (runtime.settings if runtime else Settings())
    configure_logging(settings.logs_as, settings.log_level)
    check_start(settings)  # production without its settings stops here, saying which
    owns_runtime = runtime is None
    runtime = runtime or build_runtime(settings)
    graphql = CheckoutGraphQL(runtime)
    mcp = CheckoutMcp(graphql)
    readiness = ReadinessProbe(runtime.database.url)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        graphql.hub.start()
        restore_signals = end_subscriptions_first(graphql.hub)
        worker = Worker(
            runtime,
            interval=settings.worker_interval_seconds,
            lease=timedelta(seconds=settings.outbox_lease_seconds),
        )
        task = asyncio.create_task(worker.run()) if settings.run_worker else None
        try:
            async with mcp.running(), metrics.following(graphql.hub):
                yield
        finally:
            restore_signals()
            await graphql.hub.close()
            # The round in progress finishes: no outbox row is left half-done.
            worker.stop()
            if task is not None:
                await task
            await readiness.close()
            if owns_runtime:
                await runtime.close()

    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/mcp", mcp.asgi),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics.metrics),
            *webhook_routes(),
            *demo_routes(runtime),
        ],
        middleware=[
            Middleware(RequestId),
            Middleware(AccessLog),
            Middleware(
                WebSocketLimit,
                per_ip=settings.websocket_connections_per_ip,
                trusted_proxies=settings.trusted_proxy_networks,
            ),
            Middleware(BodyLimit),
        ],
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.state.hub = graphql.hub
    app.state.readiness = readiness
    return app
