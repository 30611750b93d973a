"""Orders and their lines."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, Text, bindparam, cast, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ColumnElement

from domain.checkout import Checkout
from domain.money import Money
from domain.order import (
    ORDER_NUMBER_DIGITS,
    Order,
    OrderLine,
    OrderPaymentStatus,
    OrderStatus,
    order_number,
    order_number_prefix,
)
from persistence.compiled_statements import CompiledStatement
from persistence.dialect import among, children_bound, children_of
from persistence.mapping import customer_from_json, customer_to_json, totals_columns, totals_from
from persistence.payments import PAYMENT_COLUMNS, payment_from_row
from persistence.tables import order_lines, orders, payments, stores

ORDER_QUERY = select(orders, *PAYMENT_COLUMNS).select_from(
    orders.outerjoin(payments, payments.c.id == orders.c.payment_id)
)
LINES_OF = CompiledStatement(
    select(order_lines)
    .where(among(order_lines.c.order_pk, "order_pks"))
    .order_by(order_lines.c.order_pk, order_lines.c.position)
)
ORDERS_BY_IDS = CompiledStatement(ORDER_QUERY.where(among(orders.c.id, "order_ids")))
ADD = insert(orders).returning(orders.c.pk)
NEXT_ORDER_SEQUENCE = (
    update(stores)
    .where(stores.c.id == bindparam("store_id"))
    .values(order_sequence=stores.c.order_sequence + 1)
    .returning(stores.c.order_sequence)
)
# What `add` binds of an order (the number is made in the statement) and of each line.
ORDER_FIELDS = tuple(
    column for column in orders.c if column.name not in ("pk", "number", "cancel_reason")
)
LINE_FIELDS = ("position", "product_id", "sku", "name", "quantity", "unit_price_minor", "meta")


def _add_numbered() -> Select[tuple[str]]:
    """PostgreSQL's `add` in one statement: the store's next number, the order under it and
    its lines (bound as one array per column, so the text is the same for any number of
    lines). The store's row is locked from this statement to the commit that follows it,
    not across the round trips of separate statements."""
    sequence = NEXT_ORDER_SEQUENCE.cte("sequence")
    digits = cast(sequence.c.order_sequence, Text)
    number = bindparam("number_prefix", type_=Text) + func.lpad(
        digits, func.greatest(ORDER_NUMBER_DIGITS, func.length(digits)), "0"
    )
    placed = (
        insert(orders)
        .from_select(
            [*(column.name for column in ORDER_FIELDS), "number"],
            select(
                *(bindparam(f"order_{column.name}", type_=column.type) for column in ORDER_FIELDS),
                number,
            ).select_from(sequence),
        )
        .returning(orders.c.pk, orders.c.number)
        .cte("placed")
    )
    placed_lines = children_of(placed, "pk", order_lines, "order_pk", LINE_FIELDS, "line_")
    return select(placed.c.number).add_cte(placed_lines)


ADD_NUMBERED = CompiledStatement(_add_numbered())


def _order_row(order: Order, checkout: Checkout) -> dict[str, Any]:
    return {
        "id": order.id,
        "store_id": order.store_id,
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
    }


def _line_rows(order: Order) -> list[dict[str, Any]]:
    return [
        {
            "position": position,
            "product_id": line.product_id,
            "sku": line.sku,
            "name": line.name,
            "quantity": line.quantity,
            "unit_price_minor": line.unit_price.minor,
            "meta": line.meta,
        }
        for position, line in enumerate(order.lines)
    ]


SAVE = CompiledStatement(update(orders).where(orders.c.id == bindparam("b_order_id")))


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
    return await _with_lines(connection, rows) if with_lines else _without_lines(rows)


def _without_lines(rows: Sequence[Any]) -> list[Order]:
    return [order_from_row(row, []) for row in rows]


async def _with_lines(connection: AsyncConnection, rows: Sequence[Any]) -> list[Order]:
    if not rows:
        return []
    lines: dict[int, list[OrderLine]] = {row.pk: [] for row in rows}
    currency = {row.pk: row.currency for row in rows}
    for line in await LINES_OF.rows(connection, {"order_pks": list(lines)}):
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

    async def add(self, order: Order, checkout: Checkout) -> str:
        order_row = _order_row(order, checkout)
        line_rows = _line_rows(order)
        if self._connection.dialect.name == "postgresql":
            number = await ADD_NUMBERED.scalar(
                self._connection,
                {
                    # Prefixed: a parameter named like a column of `stores` would be taken by
                    # the UPDATE in the statement as a value to set.
                    **{f"order_{name}": value for name, value in order_row.items()},
                    "store_id": order.store_id,
                    "number_prefix": order_number_prefix(order.created_at.year),
                    **children_bound(line_rows, LINE_FIELDS, "line_"),
                },
            )
            assert number is not None, "the order's store is gone"
            return str(number)
        # SQLite writes one transaction at a time: the store's row is no point of contention.
        sequence = await self._connection.scalar(NEXT_ORDER_SEQUENCE, {"store_id": order.store_id})
        assert sequence is not None, "the order's store is gone"
        number = order_number(order.created_at.year, sequence)
        order_pk = await self._connection.scalar(ADD, {**order_row, "number": number})
        await self._connection.execute(
            insert(order_lines), [{"order_pk": order_pk, **row} for row in line_rows]
        )
        return number

    async def for_checkout(self, checkout: Checkout) -> Order | None:
        found = await load_orders(self._connection, orders.c.checkout_id == checkout.id)
        return found[0] if found else None

    async def get(self, store_id: str, order_id: str, *, lock: bool = False) -> Order | None:
        found = await load_orders(
            self._connection, (orders.c.store_id == store_id) & (orders.c.id == order_id), lock=lock
        )
        return found[0] if found else None

    async def by_ids(self, order_ids: Sequence[str]) -> dict[str, Order]:
        rows = await ORDERS_BY_IDS.rows(self._connection, {"order_ids": list(order_ids)})
        return {order.id: order for order in await _with_lines(self._connection, rows)}

    async def save(self, order: Order) -> None:
        await SAVE.run(
            self._connection,
            {
                "b_order_id": order.id,
                "status": order.status.value,
                "payment_status": order.payment_status.value,
                "cancel_reason": order.cancel_reason,
                "updated_at": order.updated_at,
            },
        )
