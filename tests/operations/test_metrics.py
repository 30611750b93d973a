"""`GET /metrics`: every family in Prometheus' text format, and the numbers move with what the
service does. The registry is the process's, shared by every test: a test reads differences."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.checkout.flow import COMPLETE, invoiced, mutate, ready_to_pay, stock_shop
from tests.operations.conftest import ServeApp, ServeShop
from tests.payments.flow import LINES, complete, open_payment, post_stripe
from tests.processes import served, service_env
from tests.support import POSTGRES_URL, Api, empty_postgres

FAMILIES = {
    "checkout_flow_requests": "counter",
    "checkout_flow_request_duration_seconds": "histogram",
    "checkout_flow_checkout_completions": "counter",
    "checkout_flow_payments": "counter",
    "checkout_flow_webhook_events": "counter",
    "checkout_flow_rate_limited": "counter",
    "checkout_flow_websocket_connections": "gauge",
    "checkout_flow_websocket_connections_refused": "counter",
    "checkout_flow_subscriptions_open": "gauge",
    "checkout_flow_outbox_backlog": "gauge",
    "checkout_flow_outbox_oldest_age_seconds": "gauge",
}


class Scrape:
    def __init__(self, text: str) -> None:
        self.text = text
        self.families = {family.name: family for family in text_string_to_metric_families(text)}

    def value(self, sample: str, **labels: str) -> float:
        """The sum of the samples of that name whose labels include these; 0 when none."""
        return sum(
            s.value
            for family in self.families.values()
            for s in family.samples
            if s.name == sample and labels.items() <= s.labels.items()
        )


async def scrape(api: Api) -> Scrape:
    response = await api.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return Scrape(response.text)


def moved(before: Scrape, after: Scrape, sample: str, **labels: str) -> float:
    return after.value(sample, **labels) - before.value(sample, **labels)


async def test_every_family_is_exposed(serve_app: ServeApp, sqlite_url: str) -> None:
    async with serve_app(sqlite_url) as served, served.api() as api:
        scraped = await scrape(api)
    for name, kind in FAMILIES.items():
        assert name in scraped.families, name
        assert scraped.families[name].type == kind, name


async def test_the_numbers_move_with_a_checkout(serve_app: ServeApp, database_url: str) -> None:
    async with serve_app(database_url) as served, served.api() as api:
        await stock_shop(api)
        before = await scrape(api)
        assert before.value("checkout_flow_outbox_backlog") == 0
        token = await invoiced(api, [{"sku": "CASE", "quantity": 1}])
        assert (await mutate(api, COMPLETE, {"token": token}))["order"] is not None
        unpaid = await ready_to_pay(api, [{"sku": "CASE", "quantity": 1}])
        refused = await mutate(api, COMPLETE, {"token": unpaid})
        assert refused["errors"][0]["code"] == "PAYMENT_REQUIRED"
        assert (await post_mollie_unknown(api)).status_code == 404
        watch = served.app.state.hub.watch_checkout(token)
        try:
            after = await scrape(api)
        finally:
            watch.close()
        closed = await scrape(api)

    graphql = {"route": "graphql", "operation": "completeCheckout"}
    assert moved(before, after, "checkout_flow_requests_total", **graphql, status="200") == 2
    assert moved(before, after, "checkout_flow_request_duration_seconds_count", **graphql) == 2
    assert (
        moved(before, after, "checkout_flow_checkout_completions_total", outcome="completed") == 1
    )
    completions = "checkout_flow_checkout_completions_total"
    assert moved(before, after, completions, outcome="PAYMENT_REQUIRED") == 1
    assert moved(before, after, "checkout_flow_payments_total", provider="INVOICE") == 1
    webhooks = "checkout_flow_webhook_events_total"
    assert moved(before, after, webhooks, provider="MOLLIE", result="unknown_store") == 1
    # The confirmation mail waits in the outbox: no worker runs in the tests.
    assert after.value("checkout_flow_outbox_backlog") == 1
    assert after.value("checkout_flow_outbox_oldest_age_seconds") >= 0
    assert after.value("checkout_flow_subscriptions_open") == 1
    assert closed.value("checkout_flow_subscriptions_open") == 0
    # No label holds a token or a store id.
    for secret in (token, unpaid, api.keys.store_id):  # type: ignore[union-attr]
        assert secret not in after.text


async def post_mollie_unknown(api: Api) -> object:
    return await api.client.post(
        "/webhooks/mollie/st_nosuchstore",
        content=b"id=tr_abcdef",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


async def test_online_payments_are_counted_once_per_move(
    serve_shop: ServeShop, sqlite_url: str
) -> None:
    """Paid by the webhook, or found paid by completeCheckout before the webhook came: one
    PAID each, however often the provider tells it again."""
    async with serve_shop(sqlite_url) as (_, shop):
        before = await scrape(shop.api)
        by_webhook = await open_payment(shop, await ready_to_pay(shop.api, LINES), "STRIPE")
        by_completion = await open_payment(shop, await ready_to_pay(shop.api, LINES), "STRIPE")
        opened = await scrape(shop.api)
        events = shop.stripe.complete_checkout_session(by_webhook["payment"]["externalId"])
        await post_stripe(shop, events)
        late = shop.stripe.complete_checkout_session(by_completion["payment"]["externalId"])
        assert (await complete(shop, by_completion["token"]))["order"] is not None
        await post_stripe(shop, late)
        await post_stripe(shop, [*events, *late])  # told again
        after = await scrape(shop.api)

    payments = "checkout_flow_payments_total"
    assert moved(before, opened, payments, provider="STRIPE", status="PENDING") == 2
    assert moved(before, after, payments, provider="STRIPE", status="PAID") == 2
    assert moved(before, after, payments, provider="STRIPE") == 4
    webhooks = "checkout_flow_webhook_events_total"
    assert moved(before, after, webhooks, provider="STRIPE", result="applied") == 1
    assert moved(before, after, webhooks, provider="STRIPE", result="duplicate") >= 1


@pytest.mark.slow
@pytest.mark.skipif(not POSTGRES_URL, reason="CHECKOUT_FLOW_TEST_DATABASE_URL is not set")
def test_several_workers_answer_with_the_sum(postgres_ready: bool, tmp_path: Path) -> None:
    """`serve --workers 2`: whichever process answers a scrape counts every process's requests
    (prometheus-client's multiprocess mode, in a directory `serve` makes and removes)."""
    asyncio.run(empty_postgres(POSTGRES_URL))
    env = service_env(POSTGRES_URL, tmp_path)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    sent = 30
    with served(env, tmp_path, "--workers", "2") as base:
        for _ in range(sent):  # a connection each: the processes take turns accepting
            answer = httpx.post(f"{base}/graphql", json={"query": "{ __typename }"})
            assert answer.status_code == 200
        counted = {
            Scrape(httpx.get(f"{base}/metrics").text).value(
                "checkout_flow_requests_total", route="graphql", operation="__typename"
            )
            for _ in range(8)
        }
    assert counted == {sent}
