"""Placing the order of a COMPLETABLE checkout, inside the caller's transaction: the order and
its lines, the stock taken with guarded statements in product order, the cart converted and
the confirmation mail written to the outbox. Used by the shopper's completeCheckout and by a
provider's "paid" alike, so both make the order the same single way."""

from __future__ import annotations

from datetime import datetime

from domain.checkout import Checkout, CheckoutStatus
from domain.checkout_payment import meta_problems
from domain.errors import ErrorCode, Problem, Rejected, path
from domain.events import (
    ORDER_CONFIRMATION_EMAIL,
    CheckoutChanged,
    OrderChanged,
    OutboxMessage,
)
from domain.order import (
    Order,
    OrderLine,
    OrderPaymentStatus,
    OrderStatus,
    new_order_id,
)
from domain.payment import PaymentProvider
from domain.ports import UnitOfWork


async def place_order(uow: UnitOfWork, checkout: Checkout, now: datetime) -> Order | Rejected:
    """The order of a COMPLETABLE checkout, inside the caller's transaction."""
    assert checkout.id is not None
    assert checkout.customer is not None
    quantities: dict[int, int] = {}
    for line in checkout.lines:
        quantities[line.product_id] = quantities.get(line.product_id, 0) + line.quantity
    # The checkout holds its quantities reserved, and reservations never promise more than
    # the stock on hand: what is on hand is all that needs checking.
    products = await uow.products.lock_for_stock(
        checkout.store.id, quantities, now, checkout.id, count_reservations=False
    )
    problems = meta_problems(checkout, products)
    for index, line in enumerate(checkout.lines):
        if not products[line.product_id].can_supply(line.quantity):
            message = f"{line.sku} is no longer in stock"
            problems.append(
                Problem(ErrorCode.INSUFFICIENT_STOCK, message, path("items", index, "quantity"))
            )
    if problems or not await uow.stock.take(quantities):
        return Rejected.all(problems or [_sold_out()], subject=checkout)
    assert checkout.cart_pk is not None
    await uow.carts.mark_converted(checkout.cart_pk, now)
    checkout.move_to(CheckoutStatus.COMPLETED)
    checkout.updated_at = now
    await uow.checkouts.save(checkout)
    order = _order_of(checkout, now)
    await uow.outbox.add(
        [
            OutboxMessage(
                kind=ORDER_CONFIRMATION_EMAIL,
                store_id=checkout.store.id,
                payload={"orderId": order.id},
                dedupe_key=f"{ORDER_CONFIRMATION_EMAIL}:{order.id}",
            )
        ]
    )
    # Last: numbering holds the store's row locked, and every completion of the store waits
    # for it, until this transaction commits.
    order.number = await uow.orders.add(order, checkout)
    uow.publish(CheckoutChanged(checkout.store.id, checkout.token))
    uow.publish(OrderChanged(checkout.store.id, order.id, checkout.token))
    return order


def _sold_out() -> Problem:
    return Problem(ErrorCode.INSUFFICIENT_STOCK, "an item sold out meanwhile", path("items"))


def _order_of(checkout: Checkout, now: datetime) -> Order:
    assert checkout.customer is not None
    payment = checkout.payment
    paid = (
        payment is not None
        and payment.provider is not PaymentProvider.INVOICE
        and payment.status.is_paid
    )
    return Order(
        id=new_order_id(),
        store_id=checkout.store.id,
        number="",  # the store's next number, given as the order is written
        status=OrderStatus.PENDING,
        payment_status=OrderPaymentStatus.PAID if paid else OrderPaymentStatus.UNPAID,
        checkout_token=checkout.token,
        customer=checkout.customer,
        totals=checkout.totals,
        created_at=now,
        updated_at=now,
        lines=[
            OrderLine(
                product_id=line.product_id,
                sku=line.sku,
                name=line.name,
                quantity=line.quantity,
                unit_price=line.unit_price,
                meta=dict(line.meta) if line.meta else None,
            )
            for line in checkout.lines
        ],
        payment=payment,
    )
