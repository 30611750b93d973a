"""What a provider tells us about a payment, applied once and only forwards.

Webhooks, the shopper's own `completeCheckout` and `setPayment` all end here. An event id is
recorded before anything is acted on, so a replay changes nothing; a status that is not a
move forward (an old `pending` after `paid`) is ignored. A payment that turns paid completes
its checkout by itself, with the same exactly-once completion as the mutation; money that
arrives for a checkout that can no longer become an order is refunded.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from enum import Enum

from domain.checkout import Checkout, CheckoutStatus
from domain.checkout_reopening import release_hold
from domain.errors import Rejected
from domain.events import REFUND_PAYMENT, CheckoutChanged, OrderChanged, OutboxMessage
from domain.money import Money
from domain.order import PAYMENT_STATUS_OF_ORDER
from domain.order_placement import place_order
from domain.payment import Payment, PaymentStatus, may_move
from domain.payment_gateway import ProviderPayment
from domain.ports import Ports, UnitOfWork


class UpdateResult(Enum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"  # this event was applied before
    STALE = "stale"  # not a move forward; nothing changed
    UNKNOWN_PAYMENT = "unknown_payment"


async def apply_payment_update(
    ports: Ports, store_id: str, update: ProviderPayment, event_id: str | None = None
) -> UpdateResult:
    async with ports.unit_of_work() as uow:
        now = ports.clock.now()
        found = await uow.checkouts.by_payment(store_id, update.provider, update.external_id)
        if found is None:
            return UpdateResult.UNKNOWN_PAYMENT
        if event_id is not None and not await uow.provider_events.first_time(
            update.provider, event_id, store_id
        ):
            return UpdateResult.DUPLICATE
        checkout, payment = found
        result = await _apply(uow, checkout, payment, update, now)
        await uow.commit()
    return result


async def _apply(
    uow: UnitOfWork, checkout: Checkout, payment: Payment, update: ProviderPayment, now: datetime
) -> UpdateResult:
    refunded = update.refunded if update.refunded and update.refunded.amount else None
    moved = may_move(payment.status, update.status)
    more_refunded = refunded is not None and (
        payment.refunded is None or refunded.amount > payment.refunded.amount
    )
    if not moved and not more_refunded:
        return UpdateResult.STALE
    status = update.status if moved else payment.status
    payment = replace(
        payment,
        status=status,
        refunded=refunded or payment.refunded,
        related_id=update.related_id or payment.related_id,
    )
    await uow.checkouts.save_payment(payment, now)
    current = checkout.payment is not None and checkout.payment.id == payment.id
    if current:
        checkout.payment = payment
    if status.is_paid and status is PaymentStatus.PAID:
        await _paid(uow, checkout, payment, current, now)
    elif status.is_unsuccessful and current and checkout.status is CheckoutStatus.PAYMENT_PENDING:
        checkout.move_to(CheckoutStatus.ACTIVE)
        await release_hold(uow, checkout)
        checkout.updated_at = now
        await uow.checkouts.save(checkout)
    elif status.is_paid and checkout.status is CheckoutStatus.COMPLETED:
        await _order_payment_changed(uow, checkout, status, now)
    uow.publish(CheckoutChanged(checkout.store.id, checkout.token))
    return UpdateResult.APPLIED


async def _paid(
    uow: UnitOfWork, checkout: Checkout, payment: Payment, current: bool, now: datetime
) -> None:
    if current and checkout.status is CheckoutStatus.COMPLETED:
        await _order_payment_changed(uow, checkout, PaymentStatus.PAID, now)
        return
    if current and checkout.status.is_open and checkout.customer is not None:
        checkout.move_to(CheckoutStatus.COMPLETABLE)
        order = await place_order(uow, checkout, now)
        if not isinstance(order, Rejected):
            return
    # Paid, but it cannot become an order (superseded, cancelled, expired, sold out):
    # the money goes back.
    await refund_later(uow, checkout.store.id, payment, payment.amount, f"unplaceable:{payment.id}")
    if current and checkout.status.is_open:
        checkout.move_to(CheckoutStatus.ACTIVE)
        await release_hold(uow, checkout)
        await uow.checkouts.save(checkout)


async def _order_payment_changed(
    uow: UnitOfWork, checkout: Checkout, status: PaymentStatus, now: datetime
) -> None:
    order = await uow.orders.for_checkout(checkout)
    new = PAYMENT_STATUS_OF_ORDER.get(status)
    if order is None or new is None or order.payment_status is new:
        return
    order.payment_status = new
    order.updated_at = now
    await uow.orders.save(order)
    uow.publish(OrderChanged(order.store_id, order.id, order.checkout_token))


async def refund_later(
    uow: UnitOfWork, store_id: str, payment: Payment, amount: Money, reason: str
) -> None:
    """A refund through the outbox: it happens after commit, and is retried until it does."""
    assert payment.external_id is not None
    await uow.outbox.add(
        [
            OutboxMessage(
                kind=REFUND_PAYMENT,
                store_id=store_id,
                payload={
                    "provider": payment.provider.value,
                    "externalId": payment.external_id,
                    "amountMinor": amount.minor,
                    "currency": amount.currency,
                },
                dedupe_key=f"{REFUND_PAYMENT}:{payment.provider.value}:{payment.external_id}:{reason}",
            )
        ]
    )
