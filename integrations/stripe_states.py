"""What a Stripe Checkout Session or PaymentIntent means as a payment of ours.

Plain dicts in (as the API or an event renders the object), `ProviderPayment` out, so that
the gateway's answers and the webhook's events are read by the same rules.
"""

from __future__ import annotations

from typing import Any

from domain.money import Money
from domain.payment import PaymentProvider, PaymentStatus
from domain.payment_gateway import ProviderPayment

TOKEN_KEY = "checkout_token"

_INTENT_STATUS = {
    "requires_payment_method": PaymentStatus.PENDING,
    "requires_confirmation": PaymentStatus.PENDING,
    "requires_action": PaymentStatus.PENDING,
    "processing": PaymentStatus.PENDING,
    "requires_capture": PaymentStatus.AUTHORIZED,
    "succeeded": PaymentStatus.PAID,
    "canceled": PaymentStatus.CANCELED,
}


def money(minor: Any, currency: Any) -> Money:
    return Money.from_minor(int(minor or 0), str(currency).upper())


def checkout_token(obj: dict[str, Any]) -> str | None:
    metadata = obj.get("metadata") or {}
    token = metadata.get(TOKEN_KEY) or obj.get("client_reference_id")
    return str(token) if token else None


def session_status(session: dict[str, Any]) -> PaymentStatus:
    status = session.get("status")
    if status == "expired":
        return PaymentStatus.EXPIRED
    if status == "complete" and session.get("payment_status") in ("paid", "no_payment_required"):
        return PaymentStatus.PAID
    # Open, or complete with a delayed method (SEPA, bank transfer) still on its way.
    return PaymentStatus.PENDING


def intent_status(intent: dict[str, Any]) -> PaymentStatus:
    return _INTENT_STATUS.get(str(intent.get("status")), PaymentStatus.PENDING)


def with_refunds(
    status: PaymentStatus, amount: Money, charge: dict[str, Any] | None
) -> tuple[PaymentStatus, Money | None]:
    """A paid payment whose charge was refunded in part or whole says so."""
    if charge is None or not status.is_paid:
        return status, None
    refunded = money(charge.get("amount_refunded"), charge.get("currency") or amount.currency)
    if refunded.amount <= 0:
        return status, None
    whole = charge.get("refunded") or refunded.amount >= amount.amount
    return (PaymentStatus.REFUNDED if whole else PaymentStatus.PARTIALLY_REFUNDED), refunded


def _expanded(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def from_session(session: dict[str, Any]) -> ProviderPayment:
    """A session, best with `payment_intent.latest_charge` expanded (for its refunds)."""
    amount = money(session.get("amount_total"), session.get("currency"))
    intent = _expanded(session.get("payment_intent"))
    charge = _expanded(intent.get("latest_charge")) if intent else None
    status, refunded = with_refunds(session_status(session), amount, charge)
    return ProviderPayment(
        provider=PaymentProvider.STRIPE,
        external_id=str(session["id"]),
        status=status,
        amount=amount,
        redirect_url=session.get("url"),
        checkout_token=checkout_token(session),
        refunded=refunded,
        related_id=intent["id"] if intent else session.get("payment_intent"),
    )


def from_intent(intent: dict[str, Any], status: PaymentStatus | None = None) -> ProviderPayment:
    """An intent, best with `latest_charge` expanded; `status` overrides what its own says
    (a failed attempt leaves it at requires_payment_method, but the event says failed)."""
    amount = money(intent.get("amount"), intent.get("currency"))
    charge = _expanded(intent.get("latest_charge"))
    seen, refunded = with_refunds(status or intent_status(intent), amount, charge)
    return ProviderPayment(
        provider=PaymentProvider.STRIPE,
        external_id=str(intent["id"]),
        status=seen,
        amount=amount,
        client_secret=intent.get("client_secret"),
        checkout_token=checkout_token(intent),
        refunded=refunded,
    )


def from_refunded_charge(charge: dict[str, Any]) -> ProviderPayment | None:
    """A charge after a refund, as the payment of its intent; None for a charge without one."""
    intent_id = charge.get("payment_intent")
    if not intent_id:
        return None
    amount = money(charge.get("amount"), charge.get("currency"))
    status, refunded = with_refunds(PaymentStatus.PAID, amount, charge)
    return ProviderPayment(
        provider=PaymentProvider.STRIPE,
        external_id=str(intent_id),
        status=status,
        amount=amount,
        checkout_token=checkout_token(charge),
        refunded=refunded,
    )
