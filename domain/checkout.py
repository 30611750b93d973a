"""The checkout: a priced snapshot of a cart on its way to becoming an order.

    ACTIVE ──createPayment──▶ PAYMENT_PENDING ──paid──▶ COMPLETABLE ──complete──▶ COMPLETED
       │  ◀──failed/changed──┘      │                      ▲ (invoice: straight from ACTIVE)
       └──────── cancel / time ─────┴──▶ CANCELLED, EXPIRED

COMPLETED, CANCELLED and EXPIRED are final. A checkout goes back to ACTIVE only when its
payment ends unpaid or its lines or totals change under an open payment.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from domain.customer import Customer
from domain.errors import ErrorCode, Problem, path
from domain.money import Money
from domain.payment import Payment
from domain.store import ShippingMethod, Store
from domain.totals import Totals, compute_totals

MAX_METADATA_ENTRIES = 20
MAX_METADATA_LENGTH = 500


class CheckoutStatus(Enum):
    ACTIVE = "ACTIVE"
    PAYMENT_PENDING = "PAYMENT_PENDING"
    COMPLETABLE = "COMPLETABLE"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"

    @property
    def is_open(self) -> bool:
        return self in OPEN

    @property
    def holds_stock(self) -> bool:
        """Its quantities are reserved: a payment is open or an invoice is promised."""
        return self in (CheckoutStatus.PAYMENT_PENDING, CheckoutStatus.COMPLETABLE)


OPEN = (CheckoutStatus.ACTIVE, CheckoutStatus.PAYMENT_PENDING, CheckoutStatus.COMPLETABLE)

TRANSITIONS: dict[CheckoutStatus, frozenset[CheckoutStatus]] = {
    CheckoutStatus.ACTIVE: frozenset(
        {
            CheckoutStatus.PAYMENT_PENDING,
            CheckoutStatus.COMPLETABLE,
            CheckoutStatus.CANCELLED,
            CheckoutStatus.EXPIRED,
        }
    ),
    CheckoutStatus.PAYMENT_PENDING: frozenset(
        {
            CheckoutStatus.ACTIVE,
            CheckoutStatus.COMPLETABLE,
            CheckoutStatus.COMPLETED,
            CheckoutStatus.CANCELLED,
            CheckoutStatus.EXPIRED,
        }
    ),
    CheckoutStatus.COMPLETABLE: frozenset(
        {
            CheckoutStatus.ACTIVE,
            CheckoutStatus.COMPLETED,
            CheckoutStatus.CANCELLED,
            CheckoutStatus.EXPIRED,
        }
    ),
    CheckoutStatus.COMPLETED: frozenset(),
    CheckoutStatus.CANCELLED: frozenset(),
    CheckoutStatus.EXPIRED: frozenset(),
}


class IllegalTransition(Exception):
    """A bug: the services check a move before they make it."""


def new_token() -> str:
    """192 bits from the OS's generator, URL-safe."""
    return secrets.token_urlsafe(24)


@dataclass(slots=True)
class CheckoutLine:
    product_id: int
    sku: str
    name: str
    quantity: int
    unit_price: Money
    meta: dict[str, Any] | None = None

    @property
    def total(self) -> Money:
        return self.unit_price.times(self.quantity)


@dataclass(slots=True)
class Checkout:
    token: str
    store: Store
    cart_id: str
    status: CheckoutStatus
    lines: list[CheckoutLine]
    totals: Totals
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    # When the lines were copied from the cart; a cart changed after this is copied again.
    snapshot_at: datetime
    id: int | None = None
    cart_pk: int | None = None
    customer: Customer | None = None
    shipping_method_id: str | None = None
    shipping_override: Money | None = None
    tax_override: Money | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    payment: Payment | None = None

    @property
    def currency(self) -> str:
        return self.store.currency

    def status_at(self, now: datetime) -> CheckoutStatus:
        if self.status.is_open and self.expires_at <= now:
            return CheckoutStatus.EXPIRED
        return self.status

    def refusal(self, now: datetime) -> Problem | None:
        """Why this checkout cannot be changed now, if it cannot."""
        status = self.status_at(now)
        if status is CheckoutStatus.EXPIRED:
            return Problem(ErrorCode.CHECKOUT_EXPIRED, "the checkout has expired", path("token"))
        if status is CheckoutStatus.COMPLETED:
            message = "the checkout is completed; its order is on the checkout"
            return Problem(ErrorCode.CHECKOUT_NOT_ACTIVE, message, path("token"))
        if status is CheckoutStatus.CANCELLED:
            message = "the checkout was cancelled; start a new one from the cart"
            return Problem(ErrorCode.CHECKOUT_NOT_ACTIVE, message, path("token"))
        return None

    def move_to(self, status: CheckoutStatus) -> None:
        if status is self.status:
            return
        if status not in TRANSITIONS[self.status]:
            raise IllegalTransition(f"{self.status.value} -> {status.value}")
        self.status = status

    def touch(self, now: datetime) -> None:
        """A checkout in use stays alive for the store's checkout TTL from its last change."""
        self.updated_at = now
        self.expires_at = now + timedelta(seconds=self.store.settings.checkout_ttl_seconds)

    def line(self, sku: str) -> CheckoutLine | None:
        return next((line for line in self.lines if line.sku == sku), None)

    @property
    def shipping_country(self) -> str | None:
        return self.customer.shipping_country if self.customer else None

    @property
    def available_shipping_methods(self) -> tuple[ShippingMethod, ...]:
        return self.store.settings.shipping_methods_for(self.shipping_country)

    @property
    def shipping_method(self) -> ShippingMethod | None:
        if self.shipping_method_id is None:
            return None
        return self.store.settings.shipping_method(self.shipping_method_id)

    def needs_shipping_method(self) -> bool:
        """A store that ships charges for it: a method must be chosen unless the shop set a cost."""
        return (
            self.shipping_override is None
            and self.shipping_method is None
            and bool(self.available_shipping_methods)
        )

    def recalculate(self) -> None:
        settings = self.store.settings
        method = self.shipping_method
        if self.shipping_override is not None:
            shipping = self.shipping_override
        elif method is not None:
            shipping = method.price
        else:
            shipping = Money.zero(self.currency)
        self.totals = compute_totals(
            [line.total for line in self.lines],
            shipping,
            settings.tax_rate_for(self.shipping_country),
            prices_include_tax=settings.prices_include_tax,
            tax_override=self.tax_override,
        )


def check_metadata(metadata: Any) -> Problem | None:
    if metadata is None:
        return None
    if not isinstance(metadata, dict):
        return Problem(ErrorCode.INVALID, "metadata must be an object", path("metadata"))
    if len(metadata) > MAX_METADATA_ENTRIES:
        message = f"at most {MAX_METADATA_ENTRIES} metadata entries"
        return Problem(ErrorCode.LIMIT_EXCEEDED, message, path("metadata"))
    for key, value in metadata.items():
        if not isinstance(value, str) or not key or len(key) > 40:
            message = "metadata keys are 1-40 characters and values are strings"
            return Problem(ErrorCode.INVALID, message, path("metadata", key))
        if len(value) > MAX_METADATA_LENGTH:
            message = f"metadata values are at most {MAX_METADATA_LENGTH} characters"
            return Problem(ErrorCode.INVALID, message, path("metadata", key))
    return None
