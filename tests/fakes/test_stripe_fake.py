"""The Stripe fake, driven only through the official SDK (`StripeClient`)."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import stripe

from tests.fakes import StripeFake, running
from tests.fakes.receiver import WebhookReceiver


def _client(
    fake: StripeFake,
    api_key: str,
    *,
    timeout: float = 2.0,
    retries: int = 0,
) -> stripe.StripeClient:
    base = fake.base_url
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": base, "connect": base, "files": base, "meter_events": base},
        max_network_retries=retries,
        http_client=stripe.RequestsClient(timeout=timeout),
    )


@pytest.fixture
def client(stripe_fake: StripeFake, stripe_api_key: str) -> stripe.StripeClient:
    return _client(stripe_fake, stripe_api_key)


def _session_params(**overrides: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {
                    "currency": "eur",
                    "unit_amount": 1250,
                    "product_data": {"name": "Mug"},
                },
                "quantity": 2,
            },
            {
                "price_data": {
                    "currency": "eur",
                    "unit_amount": 500,
                    "product_data": {"name": "Shipping"},
                },
                "quantity": 1,
            },
        ],
        "metadata": {"token": "chk_token_1"},
        "client_reference_id": "chk_token_1",
        "customer_email": "ada@example.com",
        "success_url": "https://shop.example/done?session={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://shop.example/cart",
        "expires_at": int(time.time()) + 3600,
        "payment_intent_data": {"metadata": {"token": "chk_token_1"}},
    }
    params.update(overrides)
    return params


@pytest.fixture
def session(client: stripe.StripeClient) -> stripe.checkout.Session:
    return client.v1.checkout.sessions.create(params=_session_params())


@pytest.fixture
def receiver() -> Iterator[tuple[WebhookReceiver, str]]:
    receiver = WebhookReceiver()
    with running(receiver.app) as base_url:
        yield receiver, base_url


def test_a_checkout_session_has_stripes_shape(
    stripe_fake: StripeFake, client: stripe.StripeClient, session: stripe.checkout.Session
) -> None:
    assert session.id.startswith("cs_test_")
    assert session.object == "checkout.session"
    assert (session.status, session.payment_status) == ("open", "unpaid")
    assert (session.amount_total, session.amount_subtotal, session.currency) == (3000, 3000, "eur")
    assert session.metadata.to_dict() == {"token": "chk_token_1"}
    assert session.client_reference_id == "chk_token_1"
    assert session.payment_intent is None
    assert session.url.startswith(stripe_fake.base_url + "/")
    assert session.livemode is False

    again = client.v1.checkout.sessions.retrieve(session.id)
    assert again.to_dict() == session.to_dict()
    lines = client.v1.checkout.sessions.line_items.list(session.id)
    assert [(li.description, li.quantity, li.amount_total) for li in lines.data] == [
        ("Mug", 2, 2500),
        ("Shipping", 1, 500),
    ]


def test_invalid_session_params_get_stripes_400(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.checkout.sessions.create(params=_session_params(line_items=None))
    assert (missing.value.http_status, missing.value.param) == (400, "line_items")
    with pytest.raises(stripe.InvalidRequestError) as late:
        client.v1.checkout.sessions.create(
            params=_session_params(expires_at=int(time.time()) + 3 * 24 * 3600)
        )
    assert late.value.param == "expires_at"


def test_completing_a_session_pays_it_and_signs_events_the_sdk_verifies(
    stripe_fake: StripeFake,
    client: stripe.StripeClient,
    session: stripe.checkout.Session,
    stripe_webhook_secret: str,
) -> None:
    events = stripe_fake.complete_checkout_session(session.id)

    assert [e["type"] for e in events] == [
        "payment_intent.created",
        "charge.succeeded",
        "payment_intent.succeeded",
        "checkout.session.completed",
    ]
    completed = events[-1]
    assert completed["id"].startswith("evt_")
    assert completed["object"] == "event"
    assert completed["livemode"] is False
    assert completed["api_version"]
    signed = stripe_fake.sign(completed, stripe_webhook_secret)
    event = client.construct_event(signed.payload, signed.signature, stripe_webhook_secret)
    assert event.type == "checkout.session.completed"
    paid = event.data.object
    assert (paid.id, paid.status, paid.payment_status) == (session.id, "complete", "paid")
    assert paid.metadata["token"] == "chk_token_1"

    fetched = client.v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["payment_intent.latest_charge"]}
    )
    intent = fetched.payment_intent
    assert intent.status == "succeeded"
    assert intent.amount_received == 3000
    assert intent.metadata.to_dict() == {"token": "chk_token_1"}
    assert intent.latest_charge.paid
    assert intent.latest_charge.amount_captured == 3000


def test_tampered_stale_or_wrongly_keyed_events_fail_verification(
    stripe_fake: StripeFake, session: stripe.checkout.Session, stripe_webhook_secret: str
) -> None:
    event = stripe_fake.complete_checkout_session(session.id)[-1]
    signed = stripe_fake.sign(event, stripe_webhook_secret)
    stripe.Webhook.construct_event(signed.payload, signed.signature, stripe_webhook_secret)

    tampered = signed.payload.replace(b'"amount_total": 3000', b'"amount_total": 1')
    assert tampered != signed.payload
    stale = stripe_fake.sign(event, stripe_webhook_secret, timestamp=int(time.time()) - 600)
    other = stripe_fake.sign(event, "whsec_someone_else")
    for payload, header in [
        (tampered, signed.signature),
        (stale.payload, stale.signature),
        (other.payload, other.signature),
    ]:
        with pytest.raises(stripe.SignatureVerificationError):
            stripe.Webhook.construct_event(payload, header, stripe_webhook_secret)


def test_registered_webhooks_receive_every_event_signed(
    stripe_fake: StripeFake,
    client: stripe.StripeClient,
    stripe_api_key: str,
    stripe_webhook_secret: str,
    receiver: tuple[WebhookReceiver, str],
) -> None:
    endpoint, base_url = receiver
    stripe_fake.register_webhook(
        f"{base_url}/webhooks/stripe/store-1", stripe_webhook_secret, api_key=stripe_api_key
    )
    session = client.v1.checkout.sessions.create(params=_session_params())

    stripe_fake.complete_checkout_session(session.id)

    assert all(d.ok for d in stripe_fake.deliveries.entries())
    types = []
    for call in endpoint.calls:
        assert call.path == "/webhooks/stripe/store-1"
        event = stripe.Webhook.construct_event(
            call.body, call.headers["stripe-signature"], stripe_webhook_secret
        )
        assert event.pending_webhooks == 1
        types.append(event.type)
    assert types[-1] == "checkout.session.completed"
    assert len(types) == 4


def test_an_api_change_is_delivered_after_the_response(
    stripe_fake: StripeFake,
    client: stripe.StripeClient,
    stripe_webhook_secret: str,
    receiver: tuple[WebhookReceiver, str],
) -> None:
    endpoint, base_url = receiver
    stripe_fake.register_webhook(base_url + "/hook", stripe_webhook_secret)
    session = client.v1.checkout.sessions.create(params=_session_params())

    client.v1.checkout.sessions.expire(session.id)

    deadline = time.monotonic() + 2
    while not endpoint.calls and time.monotonic() < deadline:
        time.sleep(0.01)
    (call,) = endpoint.calls
    event = stripe.Webhook.construct_event(
        call.body, call.headers["stripe-signature"], stripe_webhook_secret
    )
    assert event.type == "checkout.session.expired"
    assert event.request.id.startswith("req_")
    assert event.request.idempotency_key


def test_only_an_open_session_expires(
    stripe_fake: StripeFake, client: stripe.StripeClient, session: stripe.checkout.Session
) -> None:
    expired = client.v1.checkout.sessions.expire(session.id)
    assert (expired.status, expired.url) == ("expired", None)
    with pytest.raises(stripe.InvalidRequestError) as again:
        client.v1.checkout.sessions.expire(session.id)
    assert again.value.http_status == 400

    other = client.v1.checkout.sessions.create(params=_session_params())
    (event,) = stripe_fake.expire_checkout_session(other.id)
    assert event["type"] == "checkout.session.expired"
    assert event["request"] == {"id": None, "idempotency_key": None}


def test_a_payment_intent_fails_then_succeeds_and_cannot_be_canceled_after(
    stripe_fake: StripeFake, client: stripe.StripeClient
) -> None:
    intent = client.v1.payment_intents.create(
        params={
            "amount": 4200,
            "currency": "eur",
            "metadata": {"token": "chk_2"},
            "automatic_payment_methods": {"enabled": True},
        }
    )
    assert intent.id.startswith("pi_")
    assert intent.client_secret.startswith(intent.id + "_secret_")
    assert intent.status == "requires_payment_method"

    failed = stripe_fake.fail_payment_intent(intent.id)
    assert [e["type"] for e in failed] == ["charge.failed", "payment_intent.payment_failed"]
    declined = client.v1.payment_intents.retrieve(intent.id)
    assert declined.status == "requires_payment_method"
    assert declined.last_payment_error.code == "card_declined"

    succeeded = stripe_fake.succeed_payment_intent(intent.id)
    assert succeeded[-1]["type"] == "payment_intent.succeeded"
    assert succeeded[-1]["data"]["object"]["metadata"] == {"token": "chk_2"}
    assert client.v1.payment_intents.retrieve(intent.id).status == "succeeded"
    with pytest.raises(stripe.InvalidRequestError) as late:
        client.v1.payment_intents.cancel(intent.id)
    assert late.value.code == "payment_intent_unexpected_state"


def test_payment_intents_cancel_through_the_api_or_control(
    stripe_fake: StripeFake, client: stripe.StripeClient
) -> None:
    first = client.v1.payment_intents.create(params={"amount": 1000, "currency": "eur"})
    canceled = client.v1.payment_intents.cancel(
        first.id, params={"cancellation_reason": "abandoned"}
    )
    assert (canceled.status, canceled.cancellation_reason) == ("canceled", "abandoned")

    second = client.v1.payment_intents.create(params={"amount": 1000, "currency": "eur"})
    (event,) = stripe_fake.cancel_payment_intent(second.id)
    assert event["type"] == "payment_intent.canceled"
    assert [e["type"] for e in stripe_fake.events(type="payment_intent.canceled")] == [
        "payment_intent.canceled",
        "payment_intent.canceled",
    ]


def test_refunds_partial_then_full_then_none_left(
    stripe_fake: StripeFake, client: stripe.StripeClient, session: stripe.checkout.Session
) -> None:
    stripe_fake.complete_checkout_session(session.id)
    intent_id = client.v1.checkout.sessions.retrieve(session.id).payment_intent

    partial = client.v1.refunds.create(params={"payment_intent": intent_id, "amount": 1000})
    assert (partial.object, partial.amount, partial.status) == ("refund", 1000, "succeeded")
    charge = client.v1.charges.retrieve(partial.charge)
    assert (charge.amount_refunded, charge.refunded) == (1000, False)
    with pytest.raises(stripe.InvalidRequestError) as too_much:
        client.v1.refunds.create(params={"payment_intent": intent_id, "amount": 2001})
    assert (too_much.value.code, too_much.value.param) == ("amount_too_large", "amount")

    rest = client.v1.refunds.create(params={"payment_intent": intent_id})
    assert rest.amount == 2000
    charge = client.v1.charges.retrieve(partial.charge)
    assert (charge.amount_refunded, charge.refunded) == (3000, True)
    with pytest.raises(stripe.InvalidRequestError) as none_left:
        client.v1.refunds.create(params={"payment_intent": intent_id})
    assert none_left.value.code == "charge_already_refunded"

    listed = client.v1.refunds.list(params={"payment_intent": intent_id})
    assert [r.amount for r in listed.data] == [2000, 1000]
    refunded = stripe_fake.events(type="charge.refunded")
    assert [e["data"]["object"]["amount_refunded"] for e in refunded] == [1000, 3000]
    assert refunded[0]["data"]["previous_attributes"] == {"amount_refunded": 0, "refunded": False}


def test_a_control_refund_and_an_unpaid_intent(
    stripe_fake: StripeFake, client: stripe.StripeClient
) -> None:
    unpaid = client.v1.payment_intents.create(params={"amount": 1000, "currency": "eur"})
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.refunds.create(params={"payment_intent": unpaid.id})
    stripe_fake.succeed_payment_intent(unpaid.id)
    events = stripe_fake.refund(unpaid.id, 250)
    assert [e["type"] for e in events] == ["refund.created", "charge.refunded"]
    assert events[-1]["data"]["object"]["amount_refunded"] == 250


def test_idempotency_keys_replay_or_refuse(client: stripe.StripeClient) -> None:
    params = _session_params()
    first = client.v1.checkout.sessions.create(params=params, options={"idempotency_key": "k-1"})
    replay = client.v1.checkout.sessions.create(params=params, options={"idempotency_key": "k-1"})
    assert replay.id == first.id
    assert replay.last_response.headers["Idempotent-Replayed"] == "true"

    with pytest.raises(stripe.IdempotencyError) as changed:
        client.v1.checkout.sessions.create(
            params=_session_params(client_reference_id="other"), options={"idempotency_key": "k-1"}
        )
    assert changed.value.http_status == 400
    with pytest.raises(stripe.IdempotencyError):
        client.v1.payment_intents.create(
            params={"amount": 1000, "currency": "eur"}, options={"idempotency_key": "k-1"}
        )


def test_unknown_ids_get_stripes_404(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as session:
        client.v1.checkout.sessions.retrieve("cs_test_missing")
    assert session.value.http_status == 404
    error = session.value.json_body["error"]
    assert error["type"] == "invalid_request_error"
    assert error["code"] == "resource_missing"
    assert error["message"] == "No such checkout.session: 'cs_test_missing'"
    assert error["param"] == "session"
    with pytest.raises(stripe.InvalidRequestError) as intent:
        client.v1.payment_intents.retrieve("pi_missing")
    assert (intent.value.code, intent.value.param) == ("resource_missing", "intent")


def test_keys_are_checked_and_accounts_kept_apart(
    stripe_fake: StripeFake, client: stripe.StripeClient, session: stripe.checkout.Session
) -> None:
    with pytest.raises(stripe.AuthenticationError) as bad:
        _client(stripe_fake, "not_a_key").v1.payment_intents.list()
    assert bad.value.http_status == 401
    other = _client(stripe_fake, "sk_test_other_store")
    with pytest.raises(stripe.InvalidRequestError) as hidden:
        other.v1.checkout.sessions.retrieve(session.id)
    assert hidden.value.http_status == 404
    assert other.v1.checkout.sessions.list().data == []
    stripe_fake.reject_key("sk_test_other_store")
    with pytest.raises(stripe.AuthenticationError):
        other.v1.checkout.sessions.list()


def test_an_injected_500_is_an_api_error_and_passes(
    stripe_fake: StripeFake, client: stripe.StripeClient
) -> None:
    stripe_fake.fail_next(1, path_prefix="/v1/payment_intents")
    with pytest.raises(stripe.APIError) as failed:
        client.v1.payment_intents.create(params={"amount": 1000, "currency": "eur"})
    assert failed.value.http_status == 500
    assert failed.value.json_body["error"]["type"] == "api_error"
    assert client.v1.payment_intents.create(params={"amount": 1000, "currency": "eur"}).id


def test_with_retries_the_sdk_resends_the_same_idempotency_key(
    stripe_fake: StripeFake, stripe_api_key: str
) -> None:
    client = _client(stripe_fake, stripe_api_key, retries=1)
    stripe_fake.fail_next(1)
    intent = client.v1.payment_intents.create(params={"amount": 1000, "currency": "eur"})
    tries = stripe_fake.requests(method="POST")
    assert [(t.status, t.fault) for t in tries] == [(500, "fail"), (200, None)]
    assert tries[0].idempotency_key == tries[1].idempotency_key
    assert intent.status == "requires_payment_method"


def test_a_hang_makes_the_sdk_time_out(stripe_fake: StripeFake, stripe_api_key: str) -> None:
    client = _client(stripe_fake, stripe_api_key, timeout=0.3)
    stripe_fake.hang_next(1, seconds=5)
    started = time.monotonic()
    with pytest.raises(stripe.APIConnectionError):
        client.v1.payment_intents.create(params={"amount": 1000, "currency": "eur"})
    assert time.monotonic() - started < 2
    (logged,) = stripe_fake.requests()
    assert logged.fault == "hang"


async def test_the_async_sdk_path_works_and_times_out(
    stripe_fake: StripeFake, stripe_api_key: str
) -> None:
    http_client = stripe.HTTPXClient(timeout=0.3)
    client = stripe.StripeClient(
        stripe_api_key,
        base_addresses={"api": stripe_fake.base_url},
        max_network_retries=0,
        http_client=http_client,
    )
    try:
        intent = await client.v1.payment_intents.create_async(
            params={"amount": 1500, "currency": "eur"}
        )
        assert intent.status == "requires_payment_method"
        stripe_fake.hang_next(1, seconds=5)
        with pytest.raises(stripe.APIConnectionError):
            await client.v1.payment_intents.retrieve_async(intent.id)
    finally:
        await http_client.close_async()


def test_the_request_log_keeps_params_and_only_the_keys_tail(
    stripe_fake: StripeFake, client: stripe.StripeClient, stripe_api_key: str
) -> None:
    client.v1.checkout.sessions.create(params=_session_params(), options={"idempotency_key": "k-9"})
    (logged,) = stripe_fake.requests()
    assert (logged.method, logged.path, logged.status) == ("POST", "/v1/checkout/sessions", 200)
    assert logged.params["metadata"] == {"token": "chk_token_1"}
    assert logged.params["line_items"][0]["price_data"]["unit_amount"] == "1250"
    assert logged.idempotency_key == "k-9"
    assert logged.api_key_last4 == stripe_api_key[-4:]
    assert stripe_api_key not in json.dumps(dataclasses.asdict(logged))


def test_the_control_api_and_hosted_page_speak_http(
    stripe_fake: StripeFake, session: stripe.checkout.Session, stripe_webhook_secret: str
) -> None:
    with httpx.Client(base_url=stripe_fake.base_url, trust_env=False) as http:
        assert http.get(session.url.removeprefix(stripe_fake.base_url)).status_code == 200
        answer = http.post(
            f"/_test/checkout/sessions/{session.id}/complete",
            json={"sign": {"secret": stripe_webhook_secret}},
        )
        assert answer.status_code == 200
        signed = answer.json()["signed"][-1]
        event = stripe.Webhook.construct_event(
            signed["payload"], signed["headers"]["Stripe-Signature"], stripe_webhook_secret
        )
        assert event.type == "checkout.session.completed"
        assert http.post(f"/_test/checkout/sessions/{session.id}/complete").status_code == 409

        other = http.post("/_test/faults", json={"kind": "fail", "count": 1})
        assert other.status_code == 200
        assert http.get("/_test/requests").json()["requests"][0]["path"] == (
            "/v1/checkout/sessions"
        )


def test_paying_on_the_hosted_page_redirects_to_the_success_url(
    stripe_fake: StripeFake, session: stripe.checkout.Session
) -> None:
    with httpx.Client(trust_env=False) as http:
        paid = http.post(session.url + "/pay")
    assert paid.status_code == 303
    assert paid.headers["location"] == f"https://shop.example/done?session={session.id}"
    assert stripe_fake.get(session.id)["payment_status"] == "paid"
