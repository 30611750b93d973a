"""The provider's "paid" and the shopper's completeCheckout, in every order and at once:
one order, one confirmation mail. The same event many times, and events out of order."""

from __future__ import annotations

import asyncio

from tests.payments.flow import (
    Shop,
    checkout,
    complete,
    confirmations,
    orders_of,
    pay_with,
    post_signed,
    post_stripe,
    recorded_events,
    signed,
    variant,
)


async def test_webhook_before_the_shopper_returns(shop: Shop) -> None:
    opened = await pay_with(shop, "STRIPE")
    events = shop.stripe.complete_checkout_session(opened["payment"]["externalId"])
    await post_stripe(shop, events)
    assert (await checkout(shop, opened["token"]))["status"] == "COMPLETED"
    done = await complete(shop, opened["token"])
    assert done["errors"] == []
    assert done["checkout"]["status"] == "COMPLETED"
    assert await orders_of(shop) == 1
    assert await confirmations(shop) == 1


async def test_webhook_after_the_shopper_completed(shop: Shop) -> None:
    opened = await pay_with(shop, "STRIPE")
    events = shop.stripe.complete_checkout_session(opened["payment"]["externalId"])
    # The shopper is back first: the server asks Stripe, which says paid.
    done = await complete(shop, opened["token"])
    assert done["errors"] == []
    assert done["order"]["paymentStatus"] == "PAID"
    answers = await post_stripe(shop, events)
    assert all(a.status_code == 200 for a in answers)
    assert await orders_of(shop) == 1
    assert await confirmations(shop) == 1


async def test_webhook_and_completion_at_the_same_time(shop: Shop) -> None:
    opened = await pay_with(shop, "STRIPE", "EMBEDDED")
    events = shop.stripe.succeed_payment_intent(opened["payment"]["externalId"])
    paid_event = signed(shop, events[-1])
    outcomes = await asyncio.gather(
        *[complete(shop, opened["token"]) for _ in range(4)],
        *[post_signed(shop, paid_event) for _ in range(4)],
    )
    orders = {o["order"]["id"] for o in outcomes[:4]}
    assert len(orders) == 1
    assert all(o["errors"] == [] for o in outcomes[:4])
    assert all(answer.status_code == 200 for answer in outcomes[4:])
    assert await orders_of(shop) == 1
    assert await confirmations(shop) == 1


async def test_the_same_event_a_hundred_times_changes_once(shop: Shop) -> None:
    opened = await pay_with(shop, "STRIPE")
    events = shop.stripe.complete_checkout_session(opened["payment"]["externalId"])
    completed = signed(shop, events[-1])
    assert completed.type == "checkout.session.completed"
    before = await recorded_events(shop)
    answers = await asyncio.gather(*[post_signed(shop, completed) for _ in range(100)])
    assert [a.status_code for a in answers] == [200] * 100
    outcomes = sorted(a.json()["outcome"] for a in answers)
    assert outcomes == ["applied"] + ["duplicate"] * 99
    assert await recorded_events(shop) == before + 1
    assert await orders_of(shop) == 1
    assert await confirmations(shop) == 1


async def test_failed_or_pending_after_paid_changes_nothing(shop: Shop) -> None:
    opened = await pay_with(shop, "STRIPE", "EMBEDDED")
    intent_id = opened["payment"]["externalId"]
    events = shop.stripe.succeed_payment_intent(intent_id)
    await post_stripe(shop, events)
    paid = await checkout(shop, opened["token"])
    assert paid["status"] == "COMPLETED"
    succeeded = events[-1]
    late = [
        variant(succeeded, type="payment_intent.payment_failed", status="requires_payment_method"),
        variant(succeeded, type="payment_intent.canceled", status="canceled"),
        variant(
            succeeded, type="payment_intent.amount_capturable_updated", status="requires_capture"
        ),
    ]
    answers = await post_stripe(shop, late)
    assert [a.json()["outcome"] for a in answers] == ["stale"] * 3
    assert await checkout(shop, opened["token"]) == paid
    assert await orders_of(shop) == 1


async def test_an_old_pending_session_event_after_paid_changes_nothing(shop: Shop) -> None:
    opened = await pay_with(shop, "STRIPE")
    events = shop.stripe.complete_checkout_session(opened["payment"]["externalId"])
    completed = events[-1]
    pending = variant(completed, payment_status="unpaid")  # a delayed method, as first said
    expired = variant(completed, type="checkout.session.expired", status="expired")
    await post_stripe(shop, [completed])
    paid = await checkout(shop, opened["token"])
    answers = await post_stripe(shop, [pending, expired])
    assert [a.json()["outcome"] for a in answers] == ["stale", "stale"]
    assert await checkout(shop, opened["token"]) == paid


async def test_paid_after_failed_still_makes_the_order(shop: Shop) -> None:
    opened = await pay_with(shop, "STRIPE", "EMBEDDED")
    intent_id = opened["payment"]["externalId"]
    await post_stripe(shop, shop.stripe.fail_payment_intent(intent_id))
    failed = await checkout(shop, opened["token"])
    assert failed["status"] == "ACTIVE"
    assert failed["payment"]["status"] == "FAILED"
    # The shopper tries another card on the same intent (Stripe.js keeps it).
    await post_stripe(shop, shop.stripe.succeed_payment_intent(intent_id))
    paid = await checkout(shop, opened["token"])
    assert paid["status"] == "COMPLETED"
    assert paid["order"]["paymentStatus"] == "PAID"
