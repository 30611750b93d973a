"""A provider that is down, answers an error or hangs: PAYMENT_PROVIDER_ERROR within the
time budget, with a message fit to show, and the checkout exactly as it was."""

from __future__ import annotations

import time

import pytest

from tests.checkout.flow import ready_to_pay
from tests.payments.conftest import PROVIDER_TIMEOUT_SECONDS
from tests.payments.flow import LINES, Shop, complete, create_payment, pay_with
from tests.snapshots import snapshot

# The waiting is the provider's, not the database's: once is enough.
ONE_BACKEND = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
PROVIDERS = [("STRIPE", None), ("STRIPE", "EMBEDDED"), ("MOLLIE", None)]


@pytest.mark.parametrize(("provider", "flow"), PROVIDERS)
async def test_provider_error_leaves_the_checkout_as_it_was(
    shop: Shop, provider: str, flow: str | None
) -> None:
    token = await ready_to_pay(shop.api, LINES)
    before = await snapshot(shop.api.runtime.database)
    fake = shop.stripe if provider == "STRIPE" else shop.mollie
    fake.fail_next(3, status=500)
    answer = await create_payment(shop, token, provider, flow)
    assert [(e["code"], e["field"]) for e in answer["errors"]] == [
        ("PAYMENT_PROVIDER_ERROR", ["input", "provider"])
    ]
    message = answer["errors"][0]["message"]
    assert provider.capitalize() in message
    assert "internal error" in message
    assert answer["checkout"]["status"] == "ACTIVE"
    assert await snapshot(shop.api.runtime.database) == before


@ONE_BACKEND
@pytest.mark.parametrize(("provider", "flow"), PROVIDERS)
async def test_provider_that_hangs_gives_up_within_the_budget(
    shop: Shop, provider: str, flow: str | None
) -> None:
    token = await ready_to_pay(shop.api, LINES)
    before = await snapshot(shop.api.runtime.database)
    fake = shop.stripe if provider == "STRIPE" else shop.mollie
    fake.hang_next(3, seconds=30)
    started = time.monotonic()
    answer = await create_payment(shop, token, provider, flow)
    waited = time.monotonic() - started
    assert [e["code"] for e in answer["errors"]] == ["PAYMENT_PROVIDER_ERROR"]
    assert "in time" in answer["errors"][0]["message"]
    # Bounded by the budget, not by how long the provider hangs (a bound, not a benchmark).
    assert waited < PROVIDER_TIMEOUT_SECONDS + 3
    assert await snapshot(shop.api.runtime.database) == before


async def test_one_stripe_hiccup_is_retried_with_the_same_key(shop: Shop) -> None:
    token = await ready_to_pay(shop.api, LINES)
    shop.stripe.fail_next(1, status=500)
    answer = await create_payment(shop, token, "STRIPE")
    assert answer["errors"] == []
    tries = shop.stripe.requests(method="POST", path_prefix="/v1/checkout/sessions")
    assert [t.status for t in tries] == [500, 200]
    assert tries[0].idempotency_key == tries[1].idempotency_key


async def test_refused_key_is_a_provider_error_without_the_key(shop: Shop) -> None:
    token = await ready_to_pay(shop.api, LINES)
    shop.stripe.reject_key(shop.stripe_key)
    answer = await create_payment(shop, token, "STRIPE")
    assert [e["code"] for e in answer["errors"]] == ["PAYMENT_PROVIDER_ERROR"]
    assert "API key" in answer["errors"][0]["message"]
    assert shop.stripe_key not in str(answer)


@pytest.mark.parametrize("provider", ["STRIPE", "MOLLIE"])
async def test_completion_while_the_provider_is_down_changes_nothing(
    shop: Shop, provider: str
) -> None:
    opened = await pay_with(shop, provider)
    external_id = opened["payment"]["externalId"]
    if provider == "STRIPE":
        shop.stripe.complete_checkout_session(external_id)
    else:
        shop.mollie.pay(external_id)
    before = await snapshot(shop.api.runtime.database)
    (shop.stripe if provider == "STRIPE" else shop.mollie).fail_next(3, status=503)
    answer = await complete(shop, opened["token"])
    assert [e["code"] for e in answer["errors"]] == ["PAYMENT_PROVIDER_ERROR"]
    assert answer["order"] is None
    assert await snapshot(shop.api.runtime.database) == before
    # Once the provider is back, the same call makes the order.
    (shop.stripe if provider == "STRIPE" else shop.mollie).faults.clear()
    done = await complete(shop, opened["token"])
    assert done["order"]["paymentStatus"] == "PAID"
