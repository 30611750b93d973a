"""Both Stripe flows from payment to order, through GraphQL and the webhook endpoint."""

from __future__ import annotations

import time

from tests.payments.flow import (
    CANCEL_URL,
    ORDER_BY_PAYMENT,
    RETURN_URL,
    TOTAL,
    TOTAL_MINOR,
    Shop,
    checkout,
    complete,
    confirmations,
    orders_of,
    pay_with,
    post_stripe,
)


async def test_redirect_pays_with_a_checkout_session_and_the_webhook_makes_the_order(
    shop: Shop,
) -> None:
    opened = await pay_with(shop, "STRIPE")
    payment = opened["payment"]
    assert payment["provider"] == "STRIPE"
    assert payment["flow"] == "REDIRECT"
    assert payment["status"] == "PENDING"
    assert payment["externalId"].startswith("cs_")
    assert payment["amount"] == {"amount": TOTAL, "currency": "EUR"}
    session = shop.stripe.get(payment["externalId"])
    assert payment["redirectUrl"] == session["url"]
    token = opened["token"]
    assert session["client_reference_id"] == token
    assert session["metadata"]["checkout_token"] == token
    assert session["amount_total"] == TOTAL_MINOR
    assert session["currency"] == "eur"
    assert session["success_url"] == RETURN_URL
    assert session["cancel_url"] == CANCEL_URL
    assert session["customer_email"] == "ada@example.com"
    assert 30 * 60 <= session["expires_at"] - time.time() <= 3600
    created = shop.stripe.requests(method="POST", path_prefix="/v1/checkout/sessions")
    assert len(created) == 1
    assert created[0].idempotency_key.startswith("cf-")
    params = created[0].params
    assert params["payment_intent_data"]["metadata"]["checkout_token"] == token
    names = [line["price_data"]["product_data"]["name"] for line in params["line_items"]]
    assert names == ["Lenses", "Gift card", "Standard", "Tax"]

    events = shop.stripe.complete_checkout_session(payment["externalId"])
    answers = await post_stripe(shop, events)
    assert [a.status_code for a in answers] == [200] * len(events)

    paid = await checkout(shop, token)
    assert paid["status"] == "COMPLETED"
    assert paid["payment"]["status"] == "PAID"
    assert paid["order"]["paymentStatus"] == "PAID"
    done = await complete(shop, token)
    assert done["errors"] == []
    assert done["order"]["id"] == paid["order"]["id"]
    assert await orders_of(shop) == 1
    assert await confirmations(shop) == 1
    found = await shop.api.data(
        ORDER_BY_PAYMENT,
        {"provider": "STRIPE", "externalId": payment["externalId"]},
        key="secret",
    )
    assert found["orderByPayment"]["id"] == paid["order"]["id"]
    intent_id = shop.stripe.get(payment["externalId"])["payment_intent"]
    assert intent_id.startswith("pi_")
    by_intent = await shop.api.data(
        ORDER_BY_PAYMENT, {"provider": "STRIPE", "externalId": intent_id}, key="secret"
    )
    assert by_intent["orderByPayment"]["id"] == paid["order"]["id"]


async def test_embedded_pays_with_a_payment_intent_and_its_client_secret(shop: Shop) -> None:
    opened = await pay_with(shop, "STRIPE", "EMBEDDED")
    payment = opened["payment"]
    assert payment["flow"] == "EMBEDDED"
    assert payment["externalId"].startswith("pi_")
    intent = shop.stripe.get(payment["externalId"])
    assert payment["clientSecret"] == intent["client_secret"]
    assert payment["redirectUrl"] is None
    assert intent["amount"] == TOTAL_MINOR
    assert intent["metadata"]["checkout_token"] == opened["token"]
    assert intent["automatic_payment_methods"]["enabled"] is True

    events = shop.stripe.succeed_payment_intent(payment["externalId"])
    answers = await post_stripe(shop, events)
    assert all(a.status_code == 200 for a in answers)

    paid = await checkout(shop, opened["token"])
    assert paid["status"] == "COMPLETED"
    assert paid["order"]["paymentStatus"] == "PAID"
    found = await shop.api.data(
        ORDER_BY_PAYMENT,
        {"provider": "STRIPE", "externalId": payment["externalId"]},
        key="secret",
    )
    assert found["orderByPayment"]["id"] == paid["order"]["id"]
