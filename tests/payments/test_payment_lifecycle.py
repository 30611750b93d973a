"""A payment's life around the checkout: asked twice, replaced after a change, cancelled with
the checkout, refunded with the order, linked by hand."""

from __future__ import annotations

from typing import Any

import pytest

from graph.worker import Worker
from tests.checkout.flow import CUSTOMER, mutate, ready_to_pay
from tests.payments.flow import (
    CANCEL,
    CANCEL_ORDER,
    ORDER,
    ORDER_BY_PAYMENT,
    PRODUCT,
    SET_CUSTOMER,
    SET_PAYMENT,
    TOTAL_MINOR,
    Shop,
    complete,
    create_payment,
    intent_at_stripe,
    open_payment,
    pay_with,
    payment_at_mollie,
    post_mollie,
    post_stripe,
    variant,
)


async def test_asking_twice_gives_the_same_payment(shop: Shop) -> None:
    for provider in ("STRIPE", "MOLLIE"):
        opened = await pay_with(shop, provider)
        again = await create_payment(shop, opened["token"], provider)
        assert again["errors"] == []
        assert again["checkout"]["payment"] == opened["payment"]
    assert len(shop.stripe.requests(method="POST", path_prefix="/v1/checkout/sessions")) == 1
    assert len(shop.mollie.requests(method="POST", path_prefix="/v2/payments")) == 1


@pytest.mark.parametrize("provider", ["STRIPE", "MOLLIE"])
async def test_changed_totals_replace_the_open_payment_at_the_provider(
    shop: Shop, provider: str
) -> None:
    opened = await pay_with(shop, provider)
    old = opened["payment"]["externalId"]
    express = {**CUSTOMER, "shippingMethodId": "express"}
    changed = await mutate(shop.api, SET_CUSTOMER, {"token": opened["token"], "input": express})
    assert changed["checkout"]["status"] == "ACTIVE"
    assert changed["checkout"]["totals"] != opened["totals"]

    again = await open_payment(shop, opened["token"], provider)
    new = again["payment"]["externalId"]
    assert new != old
    assert again["payment"]["amount"] == again["totals"]["total"]
    closed = (
        shop.stripe.get(old)["status"] if provider == "STRIPE" else shop.mollie.get(old)["status"]
    )
    assert closed == ("expired" if provider == "STRIPE" else "canceled")


@pytest.mark.parametrize(
    ("provider", "flow"), [("STRIPE", None), ("STRIPE", "EMBEDDED"), ("MOLLIE", None)]
)
async def test_cancel_checkout_closes_the_payment_at_the_provider(
    shop: Shop, provider: str, flow: str | None
) -> None:
    opened = await pay_with(shop, provider, flow)
    held = await shop.api.data(PRODUCT, {"sku": "LENS"})
    assert held["product"]["availableQuantity"] == 8
    cancelled = await mutate(shop.api, CANCEL, {"token": opened["token"]})
    assert cancelled["errors"] == []
    assert cancelled["checkout"]["status"] == "CANCELLED"
    assert cancelled["checkout"]["payment"]["status"] in ("CANCELED", "EXPIRED")
    external_id = opened["payment"]["externalId"]
    fake = shop.stripe if provider == "STRIPE" else shop.mollie
    assert fake.get(external_id)["status"] in ("expired", "canceled")
    released = await shop.api.data(PRODUCT, {"sku": "LENS"})
    assert released["product"]["availableQuantity"] == 10


async def _paid_order(shop: Shop, provider: str, flow: str | None = None) -> tuple[str, str]:
    """A checkout paid at the provider and its order: (external id, order id)."""
    opened = await pay_with(shop, provider, flow)
    external_id = opened["payment"]["externalId"]
    if provider == "MOLLIE":
        shop.mollie.pay(external_id)
    elif external_id.startswith("cs_"):
        shop.stripe.complete_checkout_session(external_id)
    else:
        shop.stripe.succeed_payment_intent(external_id)
    done = await complete(shop, opened["token"])
    assert done["errors"] == [], done
    return external_id, done["order"]["id"]


async def _order(shop: Shop, order_id: str) -> dict[str, Any]:
    return (await shop.api.data(ORDER, {"id": order_id}, key="secret"))["order"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("provider", "flow"), [("STRIPE", None), ("STRIPE", "EMBEDDED"), ("MOLLIE", None)]
)
async def test_cancelling_a_paid_order_refunds_it_and_restocks(
    shop: Shop, provider: str, flow: str | None
) -> None:
    external_id, order_id = await _paid_order(shop, provider, flow)
    assert (await shop.api.data(PRODUCT, {"sku": "LENS"}))["product"]["stock"] == 8
    cancelled = await mutate(shop.api, CANCEL_ORDER, {"id": order_id}, key="secret")
    assert cancelled["errors"] == []
    assert cancelled["order"]["status"] == "CANCELLED"
    assert (await shop.api.data(PRODUCT, {"sku": "LENS"}))["product"]["stock"] == 10

    delivered, _ = await Worker(shop.api.runtime).run_once()
    assert delivered.delivered >= 1
    assert delivered.failed == 0
    order = await _order(shop, order_id)
    assert order["paymentStatus"] == "REFUNDED"
    assert order["payment"]["status"] == "REFUNDED"
    if provider == "MOLLIE":
        assert shop.mollie.get(external_id)["amountRefunded"]["value"] == "96.62"
    else:
        refunds = shop.stripe.requests(method="POST", path_prefix="/v1/refunds")
        assert len(refunds) == 1
        assert refunds[0].params["amount"] == str(TOTAL_MINOR)
        assert refunds[0].idempotency_key.startswith("cf-refund-")
    # A second round has nothing left to do.
    again, _ = await Worker(shop.api.runtime).run_once()
    assert again.delivered == 0


async def test_refunds_at_stripe_keep_the_payment_status_right(shop: Shop) -> None:
    for flow in (None, "EMBEDDED"):
        external_id, order_id = await _paid_order(shop, "STRIPE", flow)
        intent_id = (
            shop.stripe.get(external_id)["payment_intent"]
            if external_id.startswith("cs_")
            else external_id
        )
        # From the Dashboard: first part, then the rest. Stripe need not copy the intent's
        # metadata onto the charge; the refund is found all the same.
        events = shop.stripe.refund(intent_id, amount=1000)
        await post_stripe(shop, [variant(e, metadata={}) for e in events])
        order = await _order(shop, order_id)
        assert order["paymentStatus"] == "PARTIALLY_REFUNDED"
        await post_stripe(shop, shop.stripe.refund(intent_id))
        order = await _order(shop, order_id)
        assert order["paymentStatus"] == "REFUNDED"
        assert order["payment"]["status"] == "REFUNDED"


async def test_refunds_at_mollie_keep_the_payment_status_right(shop: Shop) -> None:
    external_id, order_id = await _paid_order(shop, "MOLLIE")
    shop.mollie.refund(external_id, "10.00")
    assert (await post_mollie(shop, external_id)).status_code == 200
    assert (await _order(shop, order_id))["paymentStatus"] == "PARTIALLY_REFUNDED"
    shop.mollie.refund(external_id, "20.00")
    assert (await post_mollie(shop, external_id)).status_code == 200
    assert (await _order(shop, order_id))["paymentStatus"] == "PARTIALLY_REFUNDED"
    shop.mollie.refund(external_id)
    assert (await post_mollie(shop, external_id)).status_code == 200
    assert (await _order(shop, order_id))["paymentStatus"] == "REFUNDED"


async def test_set_payment_checks_amount_and_currency(shop: Shop) -> None:
    token = await ready_to_pay(
        shop.api, [{"sku": "LENS", "quantity": 2}, {"sku": "CARD", "quantity": 1}]
    )
    wrong_amount = await intent_at_stripe(shop, TOTAL_MINOR - 1)
    wrong_currency = await intent_at_stripe(shop, TOTAL_MINOR, currency="usd")
    mollie_wrong = await payment_at_mollie(shop, "10.00")
    for provider, external_id in (
        ("STRIPE", wrong_amount["id"]),
        ("STRIPE", wrong_currency["id"]),
        ("MOLLIE", mollie_wrong["id"]),
    ):
        answer = await mutate(
            shop.api,
            SET_PAYMENT,
            {"token": token, "input": {"provider": provider, "externalId": external_id}},
        )
        assert [(e["code"], e["field"]) for e in answer["errors"]] == [
            ("PAYMENT_AMOUNT_MISMATCH", ["input", "externalId"])
        ]
        assert answer["checkout"]["status"] == "ACTIVE"
        assert answer["checkout"]["payment"] is None
    unknown = await mutate(
        shop.api,
        SET_PAYMENT,
        {"token": token, "input": {"provider": "STRIPE", "externalId": "pi_nosuch"}},
    )
    assert [e["code"] for e in unknown["errors"]] == ["PAYMENT_PROVIDER_ERROR"]


async def test_set_payment_links_a_paid_intent_and_completes(shop: Shop) -> None:
    token = await ready_to_pay(
        shop.api, [{"sku": "LENS", "quantity": 2}, {"sku": "CARD", "quantity": 1}]
    )
    intent = await intent_at_stripe(shop, TOTAL_MINOR, token=token)
    shop.stripe.succeed_payment_intent(intent["id"])
    linked = await mutate(
        shop.api,
        SET_PAYMENT,
        {"token": token, "input": {"provider": "STRIPE", "externalId": intent["id"]}},
    )
    assert linked["errors"] == []
    assert linked["checkout"]["status"] == "COMPLETABLE"
    assert linked["checkout"]["payment"]["status"] == "PAID"
    done = await complete(shop, token)
    assert done["order"]["paymentStatus"] == "PAID"
    # Another checkout cannot claim the same payment.
    other = await ready_to_pay(
        shop.api, [{"sku": "LENS", "quantity": 2}, {"sku": "CARD", "quantity": 1}]
    )
    claimed = await mutate(
        shop.api,
        SET_PAYMENT,
        {"token": other, "input": {"provider": "STRIPE", "externalId": intent["id"]}},
    )
    assert [e["code"] for e in claimed["errors"]] == ["INVALID"]


async def test_order_by_payment_finds_only_this_stores_orders(shop: Shop) -> None:
    external_id, order_id = await _paid_order(shop, "STRIPE")
    for provider, wanted in (("STRIPE", order_id), ("MOLLIE", None)):
        found = await shop.api.data(
            ORDER_BY_PAYMENT, {"provider": provider, "externalId": external_id}, key="secret"
        )
        assert (found["orderByPayment"] or {}).get("id") == wanted
    missing = await shop.api.data(
        ORDER_BY_PAYMENT, {"provider": "STRIPE", "externalId": "cs_nosuch"}, key="secret"
    )
    assert missing["orderByPayment"] is None
    public = await shop.api.call(
        ORDER_BY_PAYMENT, {"provider": "STRIPE", "externalId": external_id}
    )
    assert public["errors"][0]["extensions"]["code"] == "FORBIDDEN"
