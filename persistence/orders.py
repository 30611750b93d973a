"""Orders and their lines."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ColumnElement

from domain.checkout import Checkout
from domain.money import Money
from domain.order import Order, OrderLine, OrderPaymentStatus, OrderStatus
from persistence.mapping import customer_from_json, customer_to_json, totals_columns, totals_from
from persistence.payments import PAYMENT_COLUMNS, payment_from_row
from persistence.tables import order_lines, orders, payments

ORDER_QUERY = select(orders, *PAYMENT_COLUMNS).select_from(
    orders.outerjoin(payments, payments.c.id == orders.c.payment_id)
)
LINES_QUERY = select(order_lines).order_by(order_lines.c.order_pk, order_lines.c.position)
ADD = insert(orders).returning(orders.c.pk)
SAVE = update(orders).where(orders.c.id == bindparam("b_order_id"))


def order_from_row(row: Any, lines: list[OrderLine]) -> Order:
    customer = customer_from_json(row.customer)
    assert customer is not None
    return Order(
        id=row.id,
        store_id=row.store_id,
        number=row.number,
        status=OrderStatus(row.status),
        payment_status=OrderPaymentStatus(row.payment_status),
        checkout_token=row.checkout_token,
        customer=customer,
        totals=totals_from(row, row.currency),
        created_at=row.created_at,
        updated_at=row.updated_at,
        lines=lines,
        payment=payment_from_row(row),
        cancel_reason=row.cancel_reason,
    )


async def load_orders(
    connection: AsyncConnection,
    condition: ColumnElement[bool],
    *,
    lock: bool = False,
    with_lines: bool = True,
) -> list[Order]:
    if lock:
        # Lock first, then read, so the joined payment is as the last writer left it.
        keys = (
            (await connection.execute(select(orders.c.pk).where(condition).with_for_update()))
            .scalars()
            .all()
        )
        if not keys:
            return []
        condition = orders.c.pk.in_(keys)
    rows = (await connection.execute(ORDER_QUERY.where(condition))).all()
    lines: dict[int, list[OrderLine]] = {row.pk: [] for row in rows}
    if rows and with_lines:
        currency = {row.pk: row.currency for row in rows}
        for line in await connection.execute(
            LINES_QUERY.where(order_lines.c.order_pk.in_(list(lines)))
        ):
            lines[line.order_pk].append(
                OrderLine(
                    product_id=line.product_id,
                    sku=line.sku,
                    name=line.name,
                    quantity=line.quantity,
                    unit_price=Money.from_minor(line.unit_price_minor, currency[line.order_pk]),
                    meta=line.meta,
                )
            )
    return [order_from_row(row, lines[row.pk]) for row in rows]


class SqlOrderRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, order: Order, checkout: Checkout) -> None:
        order_pk = await self._connection.scalar(
            ADD,
            {
                "id": order.id,
                "store_id": order.store_id,
                "number": order.number,
                "checkout_id": checkout.id,
                "checkout_token": order.checkout_token,
                "status": order.status.value,
                "payment_status": order.payment_status.value,
                "customer": customer_to_json(order.customer),
                "account_id": order.customer.account_id,
                "currency": order.currency,
                **totals_columns(order.totals),
                "payment_id": order.payment.id if order.payment else None,
                "created_at": order.created_at,
                "updated_at": order.updated_at,
            },
        )
        await self._connection.execute(
            insert(order_lines),
            [
                {
                    "order_pk": order_pk,
                    "position": position,
                    "product_id": line.product_id,
                    "sku": line.sku,
                    "name": line.name,
                    "quantity": line.quantity,
                    "unit_price_minor": line.unit_price.minor,
                    "meta": line.meta,
                }
                for position, line in enumerate(order.lines)
            ],
        )

    async def for_checkout(self, checkout: Checkout) -> Order | None:
        found = await load_orders(self._connection, orders.c.checkout_id == checkout.id)
        return found[0] if found else None

    async def get(self, store_id: str, order_id: str, *, lock: bool = False) -> Order | None:
        found = await load_orders(
            self._connection, (orders.c.store_id == store_id) & (orders.c.id == order_id), lock=lock
        )
        return found[0] if found else None

    async def save(self, order: Order) -> None:
        await self._connection.execute(
            SAVE,
            {
                "b_order_id": order.id,
                "status": order.status.value,
                "payment_status": order.payment_status.value,
                "cancel_reason": order.cancel_reason,
                "updated_at": order.updated_at,
            },
        )
