"""Webhooks that must be refused for good (4xx), or retried later (503), and change nothing."""

from __future__ import annotations

import time

from tests.checkout.flow import mutate
from tests.payments.flow import (
    SET_CREDENTIALS,
    Shop,
    intent_at_stripe,
    pay_with,
    payment_at_mollie,
    post_mollie,
    post_signed,
    signed,
    tampered,
)
from tests.snapshots import snapshot


async def _paid_session_event(shop: Shop) -> dict[str, object]:
    opened = await pay_with(shop, "STRIPE")
    events = shop.stripe.complete_checkout_session(opened["payment"]["externalId"])
    return events[-1]


async def test_bad_signature_stale_timestamp_and_wrong_secret_are_refused(shop: Shop) -> None:
    completed = await _paid_session_event(shop)
    before = await snapshot(shop.api.runtime.database)
    refused = [
        tampered(signed(shop, completed)),
        signed(shop, completed, timestamp=int(time.time()) - 301),
        shop.stripe.sign(completed, "whsec_" + "0" * 32),
    ]
    for event in refused:
        answer = await post_signed(shop, event)
        assert answer.status_code == 400, answer.text
    unsigned = await shop.api.client.post(
        f"/webhooks/stripe/{shop.store_id}", content=signed(shop, completed).payload
    )
    assert unsigned.status_code == 400
    assert await snapshot(shop.api.runtime.database) == before


async def test_unknown_store_is_refused(shop: Shop) -> None:
    completed = await _paid_session_event(shop)
    before = await snapshot(shop.api.runtime.database)
    assert (await post_signed(shop, signed(shop, completed), "st_nosuchstore")).status_code == 404
    assert (await post_signed(shop, signed(shop, completed), "../../x")).status_code == 404
    assert (await post_mollie(shop, "tr_abc", "st_nosuchstore")).status_code == 404
    assert await snapshot(shop.api.runtime.database) == before


async def test_unknown_payment_is_refused(shop: Shop) -> None:
    # Payments of the same provider accounts, but not ones this service opened.
    stranger = await intent_at_stripe(shop, 500, token="not-ours")
    events = shop.stripe.succeed_payment_intent(stranger["id"])
    mollie_stranger = await payment_at_mollie(shop, "5.00")
    before = await snapshot(shop.api.runtime.database)
    assert (await post_signed(shop, signed(shop, events[-1]))).status_code == 404
    assert (await post_mollie(shop, mollie_stranger["id"])).status_code == 404
    assert (await post_mollie(shop, "tr_doesnotexist")).status_code == 404
    assert (await post_mollie(shop, "re_notapayment")).status_code == 404
    assert await snapshot(shop.api.runtime.database) == before


async def test_mollie_down_during_its_webhook_asks_for_a_retry(shop: Shop) -> None:
    opened = await pay_with(shop, "MOLLIE")
    tr_id = opened["payment"]["externalId"]
    shop.mollie.pay(tr_id)
    before = await snapshot(shop.api.runtime.database)
    shop.mollie.fail_next(status=503)
    assert (await post_mollie(shop, tr_id)).status_code == 503
    assert await snapshot(shop.api.runtime.database) == before
    # Mollie tries again later, and now it goes through.
    assert (await post_mollie(shop, tr_id)).status_code == 200


async def test_a_store_without_a_signing_secret_refuses_stripe_events(shop: Shop) -> None:
    completed = await _paid_session_event(shop)
    answer = await mutate(
        shop.api,
        SET_CREDENTIALS,
        {"provider": "STRIPE", "apiKey": shop.stripe_key, "webhookSecret": ""},
        key="secret",
    )
    assert answer["errors"] == []
    before = await snapshot(shop.api.runtime.database)
    assert (await post_signed(shop, signed(shop, completed))).status_code == 400
    assert await snapshot(shop.api.runtime.database) == before


async def test_an_event_we_do_not_act_on_is_acknowledged(shop: Shop) -> None:
    opened = await pay_with(shop, "STRIPE", "EMBEDDED")
    created = shop.stripe.events(api_key=shop.stripe_key, type="payment_intent.created")
    assert created[0]["data"]["object"]["id"] == opened["payment"]["externalId"]
    before = await snapshot(shop.api.runtime.database)
    answer = await post_signed(shop, signed(shop, created[0]))
    assert answer.status_code == 200
    assert answer.json()["outcome"] == "ignored"
    assert await snapshot(shop.api.runtime.database) == before
