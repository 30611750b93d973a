"""The Mollie fake, driven only through the official SDK (`mollie.api.client.Client`)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from mollie.api.client import Client
from mollie.api.error import (
    NotFoundError,
    RequestError,
    ResponseError,
    UnauthorizedError,
    UnprocessableEntityError,
)
from mollie.api.objects.payment import Payment

from tests.fakes import MollieFake, running
from tests.fakes.receiver import WebhookReceiver


def _client(fake: MollieFake, api_key: str, *, read_timeout: float = 2.0) -> Client:
    client = Client(timeout=(1, read_timeout))  # type: ignore[arg-type]
    client.set_api_endpoint(fake.base_url)
    client.set_api_key(api_key)
    return client


@pytest.fixture
def client(mollie_fake: MollieFake, mollie_api_key: str) -> Client:
    return _client(mollie_fake, mollie_api_key)


@pytest.fixture
def receiver() -> Iterator[tuple[WebhookReceiver, str]]:
    receiver = WebhookReceiver()
    with running(receiver.app) as base_url:
        yield receiver, base_url


def _payment_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "amount": {"currency": "EUR", "value": "10.00"},
        "description": "Order chk_token_1",
        "redirectUrl": "https://shop.example/return/chk_token_1",
        "cancelUrl": "https://shop.example/cart",
        "webhookUrl": "https://checkout.example/webhooks/mollie/store-1",
        "metadata": {"token": "chk_token_1"},
    }
    data.update(overrides)
    return data


@pytest.fixture
def payment(client: Client) -> Payment:
    return client.payments.create(_payment_data())


def test_a_payment_has_mollies_shape(
    mollie_fake: MollieFake, client: Client, payment: Payment
) -> None:
    assert payment.resource == "payment"
    assert payment.id.startswith("tr_")
    assert (payment.mode, payment.status, payment.is_open()) == ("test", "open", True)
    assert payment.amount == {"currency": "EUR", "value": "10.00"}
    assert payment.metadata == {"token": "chk_token_1"}
    assert payment.redirect_url == "https://shop.example/return/chk_token_1"
    assert payment.webhook_url == "https://checkout.example/webhooks/mollie/store-1"
    assert payment.created_at
    assert payment.expires_at
    assert payment.is_cancelable is True
    assert payment.checkout_url.startswith(mollie_fake.base_url + "/")
    assert payment["_links"]["self"]["href"] == f"{mollie_fake.base_url}/v2/payments/{payment.id}"
    assert payment.paid_at is None
    assert payment.amount_remaining is None

    again = client.payments.get(payment.id)
    assert dict(again) == dict(payment)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": {"currency": "EUR", "value": "10"}}, "amount.value"),
        ({"amount": {"currency": "EUR", "value": 10.0}}, "amount.value"),
        ({"amount": {"currency": "XXX", "value": "10.00"}}, "amount.currency"),
        ({"amount": None}, "amount"),
        ({"description": ""}, "description"),
        ({"redirectUrl": None}, "redirectUrl"),
        ({"webhookUrl": "not a url"}, "webhookUrl"),
    ],
)
def test_invalid_payments_get_mollies_422(
    client: Client, change: dict[str, Any], field: str
) -> None:
    data = {k: v for k, v in _payment_data(**change).items() if v is not None}
    with pytest.raises(UnprocessableEntityError) as invalid:
        client.payments.create(data)
    assert (invalid.value.status, invalid.value.field) == (422, field)


def test_unknown_payments_get_mollies_404(client: Client) -> None:
    with pytest.raises(NotFoundError) as missing:
        client.payments.get("tr_missing")
    assert missing.value.status == 404
    assert str(missing.value) == "No payment exists with token tr_missing."


def test_keys_are_checked_and_accounts_kept_apart(
    mollie_fake: MollieFake, payment: Payment
) -> None:
    other = _client(mollie_fake, "test_" + "b" * 30)
    with pytest.raises(NotFoundError):
        other.payments.get(payment.id)
    assert len(other.payments.list()) == 0
    mollie_fake.reject_key("test_" + "b" * 30)
    with pytest.raises(UnauthorizedError) as refused:
        other.payments.list()
    assert refused.value.status == 401
    with pytest.raises(UnauthorizedError):
        _client(mollie_fake, "live_" + "c" * 30).payments.list()


def test_paying_stamps_the_payment_and_posts_the_webhook(
    mollie_fake: MollieFake, client: Client, receiver: tuple[WebhookReceiver, str]
) -> None:
    endpoint, base_url = receiver
    created = client.payments.create(_payment_data(webhookUrl=f"{base_url}/webhooks/mollie/s1"))

    mollie_fake.pay(created.id, notify=True)

    (call,) = endpoint.calls
    assert call.path == "/webhooks/mollie/s1"
    assert call.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qs(call.body.decode()) == {"id": [created.id]}
    paid = client.payments.get(created.id)
    assert paid.is_paid()
    assert paid.status == "paid"
    assert paid.method == "ideal"
    assert paid.amount_refunded == {"currency": "EUR", "value": "0.00"}
    assert paid.amount_remaining == {"currency": "EUR", "value": "10.00"}
    assert "isCancelable" not in paid
    assert "expiresAt" not in paid
    assert paid.checkout_url is None


@pytest.mark.parametrize(
    ("status", "stamp"),
    [
        ("failed", "failedAt"),
        ("canceled", "canceledAt"),
        ("expired", "expiredAt"),
        ("authorized", "authorizedAt"),
    ],
)
def test_other_outcomes_are_stamped_as_mollie_does(
    mollie_fake: MollieFake, client: Client, payment: Payment, status: str, stamp: str
) -> None:
    mollie_fake.set_payment_status(payment.id, status)
    moved = client.payments.get(payment.id)
    assert moved.status == status
    assert moved[stamp]
    assert moved.paid_at is None
    assert not moved.is_paid()
    final = status != "authorized"
    assert ("isCancelable" not in moved) is final


def test_a_webhook_call_can_be_posted_by_the_test_itself(
    mollie_fake: MollieFake, payment: Payment
) -> None:
    mollie_fake.fail(payment.id)
    call = mollie_fake.webhook_call(payment.id)
    assert call is not None
    assert (call.url, call.body) == (payment.webhook_url, f"id={payment.id}".encode())
    assert mollie_fake.deliveries.entries() == []


def test_only_a_cancelable_payment_cancels(
    mollie_fake: MollieFake, client: Client, payment: Payment
) -> None:
    canceled = client.payments.delete(payment.id)
    assert canceled.status == "canceled"
    assert canceled["canceledAt"]
    with pytest.raises(UnprocessableEntityError):
        client.payments.delete(payment.id)

    stuck = client.payments.create(_payment_data())
    mollie_fake.set_cancelable(stuck.id, False)
    with pytest.raises(UnprocessableEntityError):
        client.payments.delete(stuck.id)


def test_refunds_partial_then_the_rest(
    mollie_fake: MollieFake, client: Client, payment: Payment
) -> None:
    with pytest.raises(UnprocessableEntityError):
        payment.refunds.create({"amount": {"currency": "EUR", "value": "1.00"}})
    mollie_fake.pay(payment.id)
    with pytest.raises(UnprocessableEntityError) as no_amount:
        payment.refunds.create({"description": "all of it"})
    assert no_amount.value.field == "amount"

    partial = payment.refunds.create({"amount": {"currency": "EUR", "value": "4.00"}})
    assert (partial.resource, partial.status, partial.payment_id) == (
        "refund",
        "pending",
        payment.id,
    )
    assert partial.id.startswith("re_")
    assert partial.amount == {"currency": "EUR", "value": "4.00"}
    after = client.payments.get(payment.id)
    assert after.amount_refunded["value"] == "4.00"
    assert after.amount_remaining["value"] == "6.00"
    assert after.has_refunds()
    with pytest.raises(UnprocessableEntityError) as too_much:
        after.refunds.create({"amount": {"currency": "EUR", "value": "6.01"}})
    assert too_much.value.field == "amount.value"

    after.refunds.create({"amount": {"currency": "EUR", "value": "6.00"}})
    listed = after.refunds.list()
    assert len(listed) == 2
    assert {r.amount["value"] for r in listed} == {"4.00", "6.00"}
    assert client.payments.get(payment.id).amount_remaining["value"] == "0.00"
    embedded = client.payments.get(payment.id, embed="refunds")
    assert len(embedded["_embedded"]["refunds"]) == 2


def test_a_control_refund_and_refund_outcomes(
    mollie_fake: MollieFake, client: Client, payment: Payment
) -> None:
    mollie_fake.pay(payment.id)
    refund = mollie_fake.refund(payment.id, "2.50")
    assert client.payments.get(payment.id).amount_remaining["value"] == "7.50"
    mollie_fake.set_refund_status(refund["id"], "failed")
    assert client.payments.get(payment.id).amount_remaining["value"] == "10.00"
    whole = mollie_fake.refund(payment.id)
    assert whole["amount"]["value"] == "10.00"


def test_idempotency_keys_replay_the_first_answer(client: Client) -> None:
    first = client.payments.create(_payment_data(), idempotency_key="pay-chk-1")
    again = client.payments.create(_payment_data(), idempotency_key="pay-chk-1")
    assert again.id == first.id
    assert client.payments.create(_payment_data()).id != first.id


def test_an_injected_500_is_a_response_error(mollie_fake: MollieFake, client: Client) -> None:
    mollie_fake.fail_next(1, path_prefix="/v2/payments")
    with pytest.raises(ResponseError) as failed:
        client.payments.create(_payment_data())
    assert failed.value.status == 500
    assert client.payments.create(_payment_data()).id


def test_a_hang_makes_the_sdk_time_out(mollie_fake: MollieFake, mollie_api_key: str) -> None:
    client = _client(mollie_fake, mollie_api_key, read_timeout=0.3)
    mollie_fake.hang_next(1, seconds=5)
    started = time.monotonic()
    with pytest.raises(RequestError):
        client.payments.create(_payment_data())
    assert time.monotonic() - started < 2
    (logged,) = mollie_fake.requests()
    assert logged.fault == "hang"


def test_the_request_log_keeps_the_body_and_only_the_keys_tail(
    mollie_fake: MollieFake, client: Client, mollie_api_key: str
) -> None:
    client.payments.create(_payment_data(), idempotency_key="pay-chk-2")
    (logged,) = mollie_fake.requests()
    assert (logged.method, logged.path, logged.status) == ("POST", "/v2/payments", 201)
    assert logged.params["amount"] == {"currency": "EUR", "value": "10.00"}
    assert logged.idempotency_key == "pay-chk-2"
    assert logged.api_key_last4 == mollie_api_key[-4:]


def test_the_payment_screen_and_control_api_speak_http(
    mollie_fake: MollieFake, client: Client, receiver: tuple[WebhookReceiver, str]
) -> None:
    endpoint, base_url = receiver
    created = client.payments.create(_payment_data(webhookUrl=f"{base_url}/hook"))
    with httpx.Client(trust_env=False) as http:
        assert http.get(created.checkout_url).status_code == 200
        chosen = http.post(created.checkout_url, data={"status": "canceled"})
        assert chosen.status_code == 303
        assert chosen.headers["location"] == "https://shop.example/cart"

        second = client.payments.create(_payment_data(webhookUrl=f"{base_url}/hook"))
        answer = http.post(
            f"{mollie_fake.base_url}/_test/payments/{second.id}/status",
            json={"status": "paid", "notify": True},
        )
        assert answer.status_code == 200
        assert answer.json()["webhook"]["status"] == 200
        late = http.post(
            f"{mollie_fake.base_url}/_test/payments/{second.id}/status", json={"status": "failed"}
        )
        assert late.status_code == 409

    deadline = time.monotonic() + 2
    while len(endpoint.calls) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sorted(c.body for c in endpoint.calls) == sorted(
        [f"id={created.id}".encode(), f"id={second.id}".encode()]
    )
