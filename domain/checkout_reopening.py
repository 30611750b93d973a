"""A checkout whose lines or totals change under an open payment or a promised invoice goes
back to ACTIVE: its payment no longer matches and its stock is no longer held."""

from __future__ import annotations

from datetime import datetime

from domain.checkout import Checkout, CheckoutStatus
from domain.events import CheckoutChanged
from domain.payment import PaymentProvider, PaymentStatus
from domain.ports import UnitOfWork


async def reopen(uow: UnitOfWork, checkout: Checkout, now: datetime) -> None:
    if not checkout.status.holds_stock:
        return
    checkout.move_to(CheckoutStatus.ACTIVE)
    await release_hold(uow, checkout)
    payment = checkout.payment
    if (
        payment is not None
        and payment.provider is PaymentProvider.INVOICE
        and payment.status.is_open
    ):
        # An invoice promise is ours alone to withdraw; an online payment stays open at its
        # provider until the next createPayment supersedes it.
        checkout.payment = payment.moved(PaymentStatus.CANCELED)
        await uow.checkouts.save_payment(checkout.payment, now)
    uow.publish(CheckoutChanged(checkout.store.id, checkout.token))


async def release_hold(uow: UnitOfWork, checkout: Checkout) -> None:
    """Its reserved quantities go back to the shelf (they stop counting with the status
    already; this drops the rows)."""
    assert checkout.id is not None
    await uow.stock.release(checkout.id)
