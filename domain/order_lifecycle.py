"""The shop moving an order along: PENDING → PROCESSING → SHIPPED → DELIVERED, cancelling it
before it ships (its stock goes back on the shelf), and recording an invoice as paid."""

from __future__ import annotations

from domain.errors import ErrorCode, Outcome, Rejected, path
from domain.events import OrderChanged
from domain.money import Money
from domain.order import Order, OrderPaymentStatus, OrderStatus
from domain.payment_updates import refund_later
from domain.ports import Ports, UnitOfWork

MAX_REASON = 500


async def update_order_status(
    ports: Ports, store_id: str, order_id: str, status: OrderStatus
) -> Outcome[Order]:
    async with ports.unit_of_work() as uow:
        order = await _order(uow, store_id, order_id)
        if isinstance(order, Rejected):
            return order
        problem = order.status_change_refusal(status)
        if problem:
            return Rejected((problem,))
        order.status = status
        return await _save(uow, order, ports)


async def cancel_order(
    ports: Ports, store_id: str, order_id: str, reason: str | None
) -> Outcome[Order]:
    if reason is not None and len(reason) > MAX_REASON:
        message = f"reason must be at most {MAX_REASON} characters"
        return Rejected.of(ErrorCode.INVALID, message, path("reason"))
    async with ports.unit_of_work() as uow:
        order = await _order(uow, store_id, order_id)
        if isinstance(order, Rejected):
            return order
        problem = order.cancel_refusal()
        if problem:
            return Rejected((problem,))
        quantities: dict[int, int] = {}
        for line in order.lines:
            quantities[line.product_id] = quantities.get(line.product_id, 0) + line.quantity
        await uow.stock.put_back(quantities)
        await _refund_online_payment(uow, order)
        order.status = OrderStatus.CANCELLED
        order.cancel_reason = (reason or "").strip() or None
        return await _save(uow, order, ports)


async def mark_order_paid(ports: Ports, store_id: str, order_id: str) -> Outcome[Order]:
    async with ports.unit_of_work() as uow:
        order = await _order(uow, store_id, order_id)
        if isinstance(order, Rejected):
            return order
        problem = order.mark_paid_refusal()
        if problem:
            return Rejected((problem,))
        order.payment_status = OrderPaymentStatus.PAID
        return await _save(uow, order, ports)


async def _refund_online_payment(uow: UnitOfWork, order: Order) -> None:
    """A paid online order is refunded through its provider, after commit, via the outbox;
    the payment status follows when the provider confirms."""
    payment = order.payment
    if payment is None or not payment.provider.is_online or not payment.status.is_paid:
        return
    remaining = payment.amount - (payment.refunded or Money.zero(payment.amount.currency))
    if remaining.amount > 0:
        await refund_later(uow, order.store_id, payment, remaining, f"cancel:{order.id}")


async def _order(uow: UnitOfWork, store_id: str, order_id: str) -> Order | Rejected:
    order = await uow.orders.get(store_id, order_id, lock=True)
    if order is None:
        return Rejected.of(ErrorCode.NOT_FOUND, "order not found", path("id"))
    return order


async def _save(uow: UnitOfWork, order: Order, ports: Ports) -> Order:
    order.updated_at = ports.clock.now()
    await uow.orders.save(order)
    uow.publish(OrderChanged(order.store_id, order.id, order.checkout_token))
    await uow.commit()
    return order
