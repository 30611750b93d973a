"""Payments and the one direction their status may move in."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum

from domain.money import Money


class PaymentProvider(Enum):
    STRIPE = "STRIPE"
    MOLLIE = "MOLLIE"
    INVOICE = "INVOICE"

    @property
    def is_online(self) -> bool:
        return self is not PaymentProvider.INVOICE


class PaymentFlow(Enum):
    REDIRECT = "REDIRECT"
    EMBEDDED = "EMBEDDED"


class PaymentStatus(Enum):
    PENDING = "PENDING"
    AUTHORIZED = "AUTHORIZED"
    PAID = "PAID"
    FAILED = "FAILED"
    CANCELED = "CANCELED"
    EXPIRED = "EXPIRED"
    REFUNDED = "REFUNDED"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"

    @property
    def is_open(self) -> bool:
        return self in (PaymentStatus.PENDING, PaymentStatus.AUTHORIZED)

    @property
    def is_paid(self) -> bool:
        return self in (PaymentStatus.PAID, *REFUNDS)

    @property
    def is_unsuccessful(self) -> bool:
        return self in ENDED_UNPAID


ENDED_UNPAID = (PaymentStatus.FAILED, PaymentStatus.CANCELED, PaymentStatus.EXPIRED)
REFUNDS = (PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)

# How far along a payment is; a status may only move to a higher rank, so an event that
# arrives late or twice can never move a payment back.
_RANK = {
    PaymentStatus.PENDING: 0,
    PaymentStatus.AUTHORIZED: 1,
    PaymentStatus.FAILED: 2,
    PaymentStatus.CANCELED: 2,
    PaymentStatus.EXPIRED: 2,
    PaymentStatus.PAID: 3,
    PaymentStatus.PARTIALLY_REFUNDED: 4,
    PaymentStatus.REFUNDED: 5,
}


def may_move(current: PaymentStatus, new: PaymentStatus) -> bool:
    if current is new:
        # A second partial refund is a move forward, everything else repeated is not.
        return current is PaymentStatus.PARTIALLY_REFUNDED
    if current in ENDED_UNPAID:
        # A payment that failed or expired can still turn out paid (Mollie allows a late
        # payment); it never turns from one unpaid end into another.
        return new.is_paid
    return _RANK[new] > _RANK[current]


@dataclass(frozen=True, slots=True)
class Payment:
    id: int | None
    provider: PaymentProvider
    flow: PaymentFlow | None
    status: PaymentStatus
    amount: Money
    created_at: datetime
    external_id: str | None = None
    redirect_url: str | None = None
    client_secret: str | None = None
    refunded: Money | None = None
    related_id: str | None = None  # the pi_… behind a Stripe cs_… session, once known

    def moved(self, status: PaymentStatus) -> Payment:
        return replace(self, status=status)
