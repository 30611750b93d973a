"""Provider keys and signing secrets never show in a response or a log line: a full run
through every payment path, with everything logged and answered searched for them."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

import httpx
import pytest

from graph.worker import Worker
from tests.checkout.flow import mutate, ready_to_pay
from tests.payments.flow import (
    CANCEL,
    CANCEL_ORDER,
    LINES,
    PROVIDERS,
    SET_CREDENTIALS,
    Shop,
    complete,
    connect,
    create_payment,
    pay_with,
    post_mollie,
    post_signed,
    post_stripe,
    signed,
    tampered,
)
from tests.support import MovableClock, api_for, build_test_runtime, open_store, test_settings


async def test_no_key_or_secret_in_any_log_line_or_response(
    shop: Shop, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    answered: list[str] = []

    async def keep(response: httpx.Response) -> None:
        await response.aread()
        answered.append(f"{response.status_code} {response.headers} {response.text}")

    shop.api.client.event_hooks["response"].append(keep)
    await connect(shop)  # again, now that answers are kept
    await shop.api.call(PROVIDERS, key="secret")
    await mutate(
        shop.api,
        SET_CREDENTIALS,
        {"provider": "STRIPE", "apiKey": shop.stripe_key + "!", "webhookSecret": "nope"},
        key="secret",
    )

    # Stripe: a session paid through the webhook, with a tampered and a replayed event.
    opened = await pay_with(shop, "STRIPE")
    events = shop.stripe.complete_checkout_session(opened["payment"]["externalId"])
    await post_stripe(shop, events)
    await post_signed(shop, tampered(signed(shop, events[-1])))
    await post_stripe(shop, events[-1:])
    order = (await complete(shop, opened["token"]))["order"]
    await mutate(shop.api, CANCEL_ORDER, {"id": order["id"]}, key="secret")

    # Stripe: an intent that fails, then a checkout cancelled.
    embedded = await pay_with(shop, "STRIPE", "EMBEDDED")
    await post_stripe(shop, shop.stripe.fail_payment_intent(embedded["payment"]["externalId"]))
    await mutate(shop.api, CANCEL, {"token": embedded["token"]})

    # Mollie: paid through its webhook, then the order cancelled and refunded.
    mollie = await pay_with(shop, "MOLLIE")
    shop.mollie.pay(mollie["payment"]["externalId"])
    await post_mollie(shop, mollie["payment"]["externalId"])
    mollie_order = (await complete(shop, mollie["token"]))["order"]
    await mutate(shop.api, CANCEL_ORDER, {"id": mollie_order["id"]}, key="secret")
    await Worker(shop.api.runtime).run_once()

    # Providers that fail, hang up or refuse the key.
    token = await ready_to_pay(shop.api, LINES)
    shop.stripe.fail_next(2, status=500)
    await create_payment(shop, token, "STRIPE")
    shop.mollie.fail_next(1, status=500)
    await create_payment(shop, token, "MOLLIE")
    shop.stripe.reject_key(shop.stripe_key)
    shop.mollie.reject_key(shop.mollie_key)
    await create_payment(shop, token, "STRIPE")
    await create_payment(shop, token, "MOLLIE")
    await post_mollie(shop, mollie["payment"]["externalId"])

    logged = caplog.text + "".join(str(record.__dict__) for record in caplog.records)
    printed = "".join(capsys.readouterr())
    assert len(answered) > 20
    assert "stripe webhook" in logged  # the log was captured at all
    for secret in shop.secrets:
        assert secret not in logged
        assert secret not in printed
        assert all(secret not in answer for answer in answered)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_crash_with_a_key_in_hand_logs_no_key(
    database_url: str, tmp_path: Path, clock: MovableClock, capsys: pytest.CaptureFixture[str]
) -> None:
    # No vault key: storing credentials fails unexpectedly, with the key in the frames.
    settings = test_settings(database_url, tmp_path, vault_key=None, log_format="json")
    runtime = build_test_runtime(settings, clock)
    key = "sk_live_" + secrets.token_hex(12)
    try:
        async for api in api_for(runtime, clock):
            api.keys = await open_store(runtime)
            variables = {"provider": "STRIPE", "apiKey": key, "webhookSecret": None}
            answer = await api.call(SET_CREDENTIALS, variables, key="secret")
            assert answer["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
            assert key not in str(answer)
    finally:
        await runtime.close()
    logged = capsys.readouterr().err
    assert "VaultLocked" in logged  # the failure was logged, with its traceback
    assert key not in logged
