"""Mollie from payment to order: the webhook carries only an id, the state is fetched."""

from __future__ import annotations

from tests.payments.flow import (
    CANCEL_URL,
    ORDER_BY_PAYMENT,
    RETURN_URL,
    TOTAL,
    Shop,
    checkout,
    complete,
    confirmations,
    open_payment,
    orders_of,
    pay_with,
    post_mollie,
    recorded_events,
)


async def test_mollie_payment_to_order_by_its_webhook(shop: Shop) -> None:
    opened = await pay_with(shop, "MOLLIE")
    payment = opened["payment"]
    assert payment["provider"] == "MOLLIE"
    assert payment["externalId"].startswith("tr_")
    assert payment["amount"] == {"amount": TOTAL, "currency": "EUR"}
    at_mollie = shop.mollie.get(payment["externalId"])
    assert payment["redirectUrl"] == at_mollie["_links"]["checkout"]["href"]
    assert at_mollie["amount"] == {"value": TOTAL, "currency": "EUR"}
    assert at_mollie["redirectUrl"] == RETURN_URL
    assert at_mollie["cancelUrl"] == CANCEL_URL
    assert at_mollie["webhookUrl"] == f"http://checkout.test/webhooks/mollie/{shop.store_id}"
    assert at_mollie["metadata"]["checkout_token"] == opened["token"]
    assert "Test shop" in at_mollie["description"]
    created = shop.mollie.requests(method="POST", path_prefix="/v2/payments")
    assert len(created) == 1
    assert created[0].idempotency_key.startswith("cf-")

    shop.mollie.pay(payment["externalId"])
    call = shop.mollie.webhook_call(payment["externalId"])
    assert call is not None
    assert call.body == f"id={payment['externalId']}".encode()
    answer = await post_mollie(shop, payment["externalId"])
    assert answer.status_code == 200, answer.text

    paid = await checkout(shop, opened["token"])
    assert paid["status"] == "COMPLETED"
    assert paid["payment"]["status"] == "PAID"
    done = await complete(shop, opened["token"])
    assert done["order"]["id"] == paid["order"]["id"]
    # Mollie posts again for the same state: a replay, nothing changes.
    events = await recorded_events(shop)
    assert (await post_mollie(shop, payment["externalId"])).status_code == 200
    assert await recorded_events(shop) == events
    assert await orders_of(shop) == 1
    assert await confirmations(shop) == 1
    found = await shop.api.data(
        ORDER_BY_PAYMENT,
        {"provider": "MOLLIE", "externalId": payment["externalId"]},
        key="secret",
    )
    assert found["orderByPayment"]["id"] == paid["order"]["id"]


async def test_shopper_back_before_the_webhook_completes_by_asking_mollie(shop: Shop) -> None:
    opened = await pay_with(shop, "MOLLIE")
    tr_id = opened["payment"]["externalId"]
    not_yet = await complete(shop, opened["token"])
    assert [e["code"] for e in not_yet["errors"]] == ["PAYMENT_NOT_PAID"]

    shop.mollie.pay(tr_id)
    done = await complete(shop, opened["token"])
    assert done["errors"] == []
    assert done["order"]["paymentStatus"] == "PAID"
    assert (await post_mollie(shop, tr_id)).status_code == 200
    assert await orders_of(shop) == 1
    assert await confirmations(shop) == 1


async def test_failed_payment_puts_the_checkout_back_to_active(shop: Shop) -> None:
    opened = await pay_with(shop, "MOLLIE")
    tr_id = opened["payment"]["externalId"]
    shop.mollie.fail(tr_id)
    assert (await post_mollie(shop, tr_id)).status_code == 200
    failed = await checkout(shop, opened["token"])
    assert failed["status"] == "ACTIVE"
    assert failed["payment"]["status"] == "FAILED"
    # The shopper tries again: a new payment at Mollie.
    again = await open_payment(shop, opened["token"], "MOLLIE")
    assert again["payment"]["externalId"] != tr_id
