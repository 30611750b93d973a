"""The Stripe adapter's own rules, directly: session expiry within Stripe's window, lines that
add up, and how sessions and intents read as payments."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from domain.money import Money
from domain.payment import PaymentFlow, PaymentStatus
from domain.payment_gateway import PaymentLine, PaymentRequest
from integrations.stripe_payments import (
    EXPIRY_GRID_SECONDS,
    SESSION_MAX_SECONDS,
    SESSION_MIN_SECONDS,
    line_items,
    session_expiry,
)
from integrations.stripe_states import from_intent, from_session

NOW = 1_800_000_000.0


def test_session_expiry_stays_in_stripes_window_and_on_the_grid() -> None:
    for ttl in (60, 30 * 60, 3600, 6 * 3600, 24 * 3600, 3 * 24 * 3600):
        chosen = session_expiry(NOW + ttl, NOW)
        assert NOW + SESSION_MIN_SECONDS <= chosen <= NOW + SESSION_MAX_SECONDS
        assert chosen % EXPIRY_GRID_SECONDS == 0
    # Never later than the checkout when the window allows; a retry moments later agrees.
    assert session_expiry(NOW + 3600, NOW) <= NOW + 3600
    assert session_expiry(NOW + 3600, NOW) == session_expiry(NOW + 3601, NOW + 1)


def _request(amount: str, lines: list[PaymentLine]) -> PaymentRequest:
    return PaymentRequest(
        checkout_token="tok",
        flow=PaymentFlow.REDIRECT,
        amount=Money(Decimal(amount), "EUR"),
        lines=tuple(lines),
        extra_lines=(),
        description="Shop checkout tok",
        customer_email=None,
        return_url="https://shop.example/",
        cancel_url=None,
        expires_at=datetime.now(UTC),
        metadata={},
        idempotency_key="cf-x",
    )


def test_lines_in_minor_units_or_one_line_for_the_total() -> None:
    line = PaymentLine("A", "Apple", 3, Money(Decimal("1.10"), "EUR"))
    items = line_items(_request("3.30", [line]))
    assert items == [
        {
            "quantity": 3,
            "price_data": {
                "currency": "eur",
                "unit_amount": 110,
                "product_data": {"name": "Apple"},
            },
        }
    ]
    fallback = line_items(_request("3.31", [line]))
    assert [(i["quantity"], i["price_data"]["unit_amount"]) for i in fallback] == [(1, 331)]


def test_how_sessions_and_intents_read() -> None:
    base = {"id": "cs_1", "amount_total": 1000, "currency": "eur", "metadata": {}}
    assert from_session({**base, "status": "open"}).status is PaymentStatus.PENDING
    assert from_session({**base, "status": "expired"}).status is PaymentStatus.EXPIRED
    unpaid = {**base, "status": "complete", "payment_status": "unpaid"}
    assert from_session(unpaid).status is PaymentStatus.PENDING
    charge = {"amount_refunded": 250, "currency": "eur", "refunded": False}
    paid = {
        **base,
        "status": "complete",
        "payment_status": "paid",
        "client_reference_id": "tok",
        "payment_intent": {"id": "pi_1", "latest_charge": charge},
    }
    seen = from_session(paid)
    assert seen.status is PaymentStatus.PARTIALLY_REFUNDED
    assert seen.refunded == Money(Decimal("2.50"), "EUR")
    assert seen.checkout_token == "tok"
    intent = {"id": "pi_1", "amount": 1000, "currency": "eur", "metadata": {}}
    for status, expected in (
        ("requires_action", PaymentStatus.PENDING),
        ("requires_capture", PaymentStatus.AUTHORIZED),
        ("succeeded", PaymentStatus.PAID),
        ("canceled", PaymentStatus.CANCELED),
    ):
        assert from_intent({**intent, "status": status}).status is expected
    refunded = {"amount_refunded": 1000, "currency": "eur", "refunded": True}
    whole = from_intent({**intent, "status": "succeeded", "latest_charge": refunded})
    assert whole.status is PaymentStatus.REFUNDED
