"""`GET /metrics` in Prometheus' text format, and the metrics it shows.

Labels stay few and bounded: a request is labelled with its route and, for GraphQL, with its
root field (a name of the schema, never the client's operation name, which anyone may make
up); no label holds a store id, a token or an amount.

With `serve --workers N` every process counts into files in PROMETHEUS_MULTIPROC_DIR (`serve`
makes the directory) and the process that answers a scrape adds them all up, so the numbers
are the service's whichever process answers. The outbox figures are read from the database at
each scrape: they are the same whichever process asks.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from functools import cache

import structlog
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response

from graph.request_facts import RequestFacts

log = structlog.get_logger("checkout_flow.metrics")

MULTIPROCESS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"
# A scrape must answer even when the database does not; the outbox figures are left out then.
OUTBOX_READ_SECONDS = 2.0
SUBSCRIPTION_GAUGE_SECONDS = 5.0

REQUESTS = Counter(
    "checkout_flow_requests",
    "HTTP requests by route, GraphQL root field (operation) and status.",
    ["route", "operation", "status"],
)
REQUEST_SECONDS = Histogram(
    "checkout_flow_request_duration_seconds",
    "Time from request to response, by route and GraphQL root field (operation).",
    ["route", "operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
CHECKOUT_COMPLETIONS = Counter(
    "checkout_flow_checkout_completions",
    "completeCheckout answers by outcome: completed (the order, made now or before) or the "
    "error code it was refused with.",
    ["outcome"],
)
PAYMENTS = Counter(
    "checkout_flow_payments",
    "Payments reaching a status, by provider: opened or linked by a mutation, moved by a "
    "provider's webhook, confirmed paid by completeCheckout.",
    ["provider", "status"],
)
WEBHOOK_EVENTS = Counter(
    "checkout_flow_webhook_events",
    "Provider webhooks by provider and result (applied, duplicate, stale, refused, …).",
    ["provider", "result"],
)
RATE_LIMITED = Counter(
    "checkout_flow_rate_limited",
    "Calls refused with LIMIT_EXCEEDED, by the limit that was reached and the mutation.",
    ["limit", "operation"],
)
WEBSOCKETS_OPEN = Gauge(
    "checkout_flow_websocket_connections",
    "Open WebSocket connections.",
    multiprocess_mode="livesum",
)
WEBSOCKETS_REFUSED = Counter(
    "checkout_flow_websocket_connections_refused",
    "WebSocket connections refused because their client had too many open.",
)
SUBSCRIPTIONS_OPEN = Gauge(
    "checkout_flow_subscriptions_open",
    "Open GraphQL subscriptions.",
    multiprocess_mode="livesum",
)

# Routes by path prefix: a path holds ids (the webhook's store), a label must not.
_ROUTES = (
    ("/graphql", "graphql"),
    ("/mcp", "mcp"),
    ("/webhooks/stripe/", "webhook_stripe"),
    ("/webhooks/mollie/", "webhook_mollie"),
    ("/healthz", "healthz"),
    ("/readyz", "readyz"),
    ("/metrics", "metrics"),
    ("/demo", "demo"),
)


def route_of(path: str) -> str:
    for prefix, route in _ROUTES:
        if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
            return route
    return "other"


@cache
def root_field_names() -> frozenset[str]:
    """Every root field of the schema: the only names an operation label may take."""
    from graph.schema import schema

    types = schema._schema
    roots = (types.query_type, types.mutation_type, types.subscription_type)
    return frozenset(name for root in roots if root is not None for name in root.fields)


def operation_label(facts: RequestFacts | None) -> str:
    """The root field a request asked for; `multiple` for several, `introspection` for
    `__schema` and `__type`, `unknown` for a name the schema lacks, `none` when no operation
    was read (not GraphQL, or a document that did not parse)."""
    if facts is None or not facts.root_fields:
        return "none"
    fields = set(facts.root_fields) - {"__typename"} or set(facts.root_fields)
    if len(fields) > 1:
        return "multiple"
    (name,) = fields
    if name in ("__schema", "__type"):
        return "introspection"
    if name == "__typename":
        return name
    return name if name in root_field_names() else "unknown"


def record_request(route: str, operation: str, status: int, seconds: float) -> None:
    REQUESTS.labels(route, operation, str(status)).inc()
    REQUEST_SECONDS.labels(route, operation).observe(seconds)


def is_multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROCESS_DIRECTORY))


def _registry() -> CollectorRegistry:
    if not is_multiprocess():
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry


class _Figures(Collector):
    """Figures read for one scrape, shown as they were read."""

    def __init__(self, families: Iterable[Metric]) -> None:
        self.families = list(families)

    def collect(self) -> Iterable[Metric]:
        return self.families


async def _outbox_figures(request: Request) -> list[Metric]:
    from persistence.outbox import backlog

    runtime = request.app.state.runtime
    now = runtime.clock.now()
    try:
        async with asyncio.timeout(OUTBOX_READ_SECONDS):
            async with runtime.database.reading() as connection:
                count, oldest = await backlog(connection, now)
    except Exception as exc:  # the database is away: the scrape still answers
        log.warning("outbox figures not read", error=type(exc).__name__)
        return []
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    age = max((now - oldest).total_seconds(), 0.0) if isinstance(oldest, datetime) else 0.0
    return [
        GaugeMetricFamily(
            "checkout_flow_outbox_backlog", "Outbox messages not yet delivered.", value=count
        ),
        GaugeMetricFamily(
            "checkout_flow_outbox_oldest_age_seconds",
            "Age of the oldest undelivered outbox message; 0 when none waits.",
            value=age,
        ),
    ]


async def metrics(request: Request) -> Response:
    hub = getattr(request.app.state, "hub", None)
    if hub is not None:
        SUBSCRIPTIONS_OPEN.set(hub.watch_count)
    read = CollectorRegistry(auto_describe=True)
    read.register(_Figures(await _outbox_figures(request)))
    body = generate_latest(_registry()) + generate_latest(read)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


@contextlib.asynccontextmanager
async def following(hub: object) -> AsyncIterator[None]:
    """For the app's lifespan. With several processes the one that answers a scrape cannot ask
    the others' hubs: each writes its count of subscriptions now and then. On the way out the
    process's live gauges are removed, so that the sum is of live processes only."""
    task = asyncio.create_task(_keep_subscription_count(hub)) if is_multiprocess() else None
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


async def _keep_subscription_count(hub: object) -> None:
    while True:
        SUBSCRIPTIONS_OPEN.set(getattr(hub, "watch_count", 0))
        await asyncio.sleep(SUBSCRIPTION_GAUGE_SECONDS)
