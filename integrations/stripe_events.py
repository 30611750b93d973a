"""Stripe webhook events: the signature checked with the SDK, the event read as a payment
update. Only the events that move a payment are read; the rest are acknowledged and left."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import stripe

from domain.payment import PaymentStatus
from domain.payment_gateway import ProviderPayment
from integrations import stripe_states

# Stripe's own default: an event signed more than five minutes ago may be a replay.
TOLERANCE_SECONDS = 300

SESSION_EVENTS = {
    "checkout.session.completed": None,  # paid, or pending for a delayed method
    "checkout.session.async_payment_succeeded": None,
    "checkout.session.async_payment_failed": PaymentStatus.FAILED,
    "checkout.session.expired": PaymentStatus.EXPIRED,
}
INTENT_EVENTS = {
    "payment_intent.succeeded": None,
    "payment_intent.amount_capturable_updated": None,
    "payment_intent.canceled": None,
    # A declined attempt leaves the intent at requires_payment_method; the event says failed.
    "payment_intent.payment_failed": PaymentStatus.FAILED,
}
REFUND_EVENTS = ("charge.refunded",)


class EventRefused(Exception):
    """Not a genuine, fresh Stripe event for this endpoint; safe to answer with."""


@dataclass(frozen=True, slots=True)
class StripeNotice:
    event_id: str
    type: str
    # None: an event that moves no payment (acknowledged and left alone).
    payment: ProviderPayment | None


def read_event(payload: bytes, signature: str | None, secret: str) -> StripeNotice:
    try:
        event = stripe.Webhook.construct_event(payload, signature, secret, TOLERANCE_SECONDS)
    except stripe.SignatureVerificationError:
        raise EventRefused("the Stripe-Signature does not match or is too old") from None
    except ValueError:
        raise EventRefused("the body is not a Stripe event") from None
    data = event.to_dict()
    obj = (data.get("data") or {}).get("object")
    event_id, kind = data.get("id"), data.get("type")
    if not isinstance(event_id, str) or not isinstance(kind, str) or not isinstance(obj, dict):
        raise EventRefused("the body is not a Stripe event")
    try:
        payment = payment_of(kind, obj)
    except (KeyError, TypeError, ValueError, ArithmeticError):
        raise EventRefused("the event's object is not what its type says") from None
    return StripeNotice(event_id, kind, payment)


def payment_of(kind: str, obj: dict[str, Any]) -> ProviderPayment | None:
    if kind in SESSION_EVENTS:
        seen = stripe_states.from_session(obj)
        status = SESSION_EVENTS[kind]
        return seen if status is None else replace(seen, status=status)
    if kind in INTENT_EVENTS:
        return stripe_states.from_intent(obj, INTENT_EVENTS[kind])
    if kind in REFUND_EVENTS:
        return stripe_states.from_refunded_charge(obj)
    return None
