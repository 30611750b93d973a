"""What happened, for whoever listens: subscription events (published after commit) and
outbox messages (side effects written in the same transaction as their cause)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class CheckoutChanged:
    """The checkout's status or payment changed."""

    store_id: str
    token: str


@dataclass(frozen=True, slots=True)
class OrderChanged:
    """The order's status or payment status changed (or the order was made)."""

    store_id: str
    order_id: str
    checkout_token: str


Event = CheckoutChanged | OrderChanged


# Outbox message kinds; each has one deliverer in the worker.
ORDER_CONFIRMATION_EMAIL = "order_confirmation_email"
REFUND_PAYMENT = "refund_payment"


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    kind: str
    store_id: str
    payload: dict[str, Any]
    # Same key, same side effect: a second message with it is dropped when written.
    dedupe_key: str
