"""Orders and their life cycle: PENDING → PROCESSING → SHIPPED → DELIVERED, or CANCELLED
before they ship."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from domain.customer import Customer
from domain.errors import ErrorCode, Problem, path
from domain.money import Money
from domain.payment import Payment, PaymentStatus
from domain.totals import Totals


class OrderStatus(Enum):
    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"


class OrderPaymentStatus(Enum):
    UNPAID = "UNPAID"
    PAID = "PAID"
    FAILED = "FAILED"
    REFUNDED = "REFUNDED"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"


_FULFILMENT = (
    OrderStatus.PENDING,
    OrderStatus.PROCESSING,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
)
CANCELLABLE = (OrderStatus.PENDING, OrderStatus.PROCESSING)

PAYMENT_STATUS_OF_ORDER = {
    PaymentStatus.PAID: OrderPaymentStatus.PAID,
    PaymentStatus.PARTIALLY_REFUNDED: OrderPaymentStatus.PARTIALLY_REFUNDED,
    PaymentStatus.REFUNDED: OrderPaymentStatus.REFUNDED,
    PaymentStatus.FAILED: OrderPaymentStatus.FAILED,
}


def new_order_id() -> str:
    return "ord_" + secrets.token_urlsafe(16)


ORDER_NUMBER_DIGITS = 6


def order_number_prefix(year: int) -> str:
    return f"CF-{year}-"


def order_number(year: int, sequence: int) -> str:
    """What a shopper quotes on the phone: CF-2026-000042."""
    return f"{order_number_prefix(year)}{sequence:0{ORDER_NUMBER_DIGITS}d}"


@dataclass(frozen=True, slots=True)
class OrderLine:
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
class Order:
    id: str
    store_id: str
    number: str
    status: OrderStatus
    payment_status: OrderPaymentStatus
    checkout_token: str
    customer: Customer
    totals: Totals
    created_at: datetime
    updated_at: datetime
    lines: list[OrderLine] = field(default_factory=list)
    payment: Payment | None = None
    cancel_reason: str | None = None

    @property
    def currency(self) -> str:
        return self.totals.total.currency

    def status_change_refusal(self, status: OrderStatus) -> Problem | None:
        """Why the order cannot move to `status` by `updateOrderStatus`, if it cannot."""
        if status is OrderStatus.CANCELLED:
            message = "use cancelOrder to cancel an order"
            return Problem(ErrorCode.INVALID_STATUS_TRANSITION, message, path("status"))
        if self.status is OrderStatus.CANCELLED or (
            _FULFILMENT.index(status) <= _FULFILMENT.index(self.status)
        ):
            message = f"an order that is {self.status.value} cannot become {status.value}"
            return Problem(ErrorCode.INVALID_STATUS_TRANSITION, message, path("status"))
        return None

    def cancel_refusal(self) -> Problem | None:
        if self.status in CANCELLABLE:
            return None
        message = f"an order that is {self.status.value} cannot be cancelled"
        return Problem(ErrorCode.ORDER_NOT_CANCELLABLE, message, path("id"))

    def mark_paid_refusal(self) -> Problem | None:
        if self.status is OrderStatus.CANCELLED:
            message = "a cancelled order cannot be marked paid"
            return Problem(ErrorCode.INVALID_STATUS_TRANSITION, message, path("id"))
        if self.payment_status is not OrderPaymentStatus.UNPAID:
            message = f"the order's payment is {self.payment_status.value} already"
            return Problem(ErrorCode.INVALID_STATUS_TRANSITION, message, path("id"))
        return None
