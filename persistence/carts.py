"""Carts and their lines."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.cart import Cart, CartLine, CartStatus
from persistence.compiled_statements import CompiledStatement
from persistence.dialect import built_once, children_bound, children_of, insert_for
from persistence.tables import cart_lines, carts

CART_QUERY = (
    select(
        carts.c.pk,
        carts.c.id,
        carts.c.store_id,
        carts.c.status,
        carts.c.created_at,
        carts.c.updated_at,
        carts.c.expires_at,
        cart_lines.c.product_id,
        cart_lines.c.sku,
        cart_lines.c.quantity,
    )
    .select_from(carts.outerjoin(cart_lines, cart_lines.c.cart_pk == carts.c.pk))
    .order_by(carts.c.pk, cart_lines.c.position)
)


def carts_from_rows(rows: Any) -> list[Cart]:
    """Carts from CART_QUERY rows (one row per line, or one for an empty cart)."""
    found: dict[int, Cart] = {}
    for row in rows:
        cart = found.get(row.pk)
        if cart is None:
            cart = found[row.pk] = Cart(
                id=row.id,
                store_id=row.store_id,
                status=CartStatus(row.status),
                created_at=row.created_at,
                updated_at=row.updated_at,
                expires_at=row.expires_at,
                pk=row.pk,
            )
        if row.product_id is not None:
            cart.lines.append(CartLine(row.product_id, row.sku, row.quantity))
    return list(found.values())


LOCK_CART = CompiledStatement(
    select(carts.c.pk)
    .where(carts.c.store_id == bindparam("store_id"), carts.c.id == bindparam("cart_id"))
    .with_for_update()
)
CART_BY_ID = CompiledStatement(
    CART_QUERY.where(carts.c.store_id == bindparam("store_id"), carts.c.id == bindparam("cart_id"))
)
CART_BY_PK = CompiledStatement(CART_QUERY.where(carts.c.pk == bindparam("cart_pk")))
SAVE = CompiledStatement(update(carts).where(carts.c.pk == bindparam("b_pk")))
DROP_LINES = CompiledStatement(
    delete(cart_lines).where(cart_lines.c.cart_pk == bindparam("cart_pk"))
)
ADD = CompiledStatement(
    built_once(
        lambda connection: (
            insert_for(connection, carts)
            .on_conflict_do_nothing(index_elements=[carts.c.store_id, carts.c.id])
            .returning(carts.c.pk)
        )
    )
)
ADD_LINES = CompiledStatement(insert(cart_lines))
CART_FIELDS = ("store_id", "id", "status", "created_at", "updated_at", "expires_at")
LINE_FIELDS = ("position", "product_id", "sku", "quantity")


def _add_with_lines() -> Any:
    """PostgreSQL's `add` in one statement: the cart (nothing when its id is taken) and its
    lines under it."""
    added = (
        postgresql.insert(carts)
        .values({name: bindparam(name, type_=carts.c[name].type) for name in CART_FIELDS})
        .on_conflict_do_nothing(index_elements=[carts.c.store_id, carts.c.id])
        .returning(carts.c.pk)
        .cte("added")
    )
    lines = children_of(added, "pk", cart_lines, "cart_pk", LINE_FIELDS, "line_")
    return select(added.c.pk).add_cte(lines)


ADD_WITH_LINES = CompiledStatement(_add_with_lines())


class SqlCartRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def get(self, store_id: str, cart_id: str, *, lock: bool = False) -> Cart | None:
        if lock:
            # Lock first, then read the lines in a statement of their own: on PostgreSQL a
            # statement that waited for the lock still sees the lines as they were before the
            # other writer committed, and a change built on them would be lost.
            pk = await LOCK_CART.scalar(
                self._connection, {"store_id": store_id, "cart_id": cart_id}
            )
            if pk is None:
                return None
            rows = await CART_BY_PK.rows(self._connection, {"cart_pk": pk})
        else:
            rows = await CART_BY_ID.rows(
                self._connection, {"store_id": store_id, "cart_id": cart_id}
            )
        found = carts_from_rows(rows)
        return found[0] if found else None

    async def add(self, cart: Cart) -> bool:
        row = {
            "store_id": cart.store_id,
            "id": cart.id,
            "status": cart.status.value,
            "created_at": cart.created_at,
            "updated_at": cart.updated_at,
            "expires_at": cart.expires_at,
        }
        if self._connection.dialect.name == "postgresql":
            lines = children_bound(_line_rows(cart), LINE_FIELDS, "line_")
            pk = await ADD_WITH_LINES.scalar(self._connection, row | lines)
            if pk is None:
                return False
            cart.pk = pk
            return True
        pk = await ADD.scalar(self._connection, row)
        if pk is None:
            return False
        cart.pk = pk
        await self._insert_lines(cart)
        return True

    async def save(self, cart: Cart, *, lines: bool) -> None:
        await SAVE.run(
            self._connection,
            {
                "b_pk": cart.pk,
                "status": cart.status.value,
                "updated_at": cart.updated_at,
                "expires_at": cart.expires_at,
            },
        )
        if lines:
            await DROP_LINES.run(self._connection, {"cart_pk": cart.pk})
            await self._insert_lines(cart)

    async def mark_converted(self, cart_pk: int, now: datetime) -> None:
        await SAVE.run_later(
            self._connection,
            {"b_pk": cart_pk, "status": CartStatus.CONVERTED.value, "updated_at": now},
        )

    async def expire_due(self, now: datetime, limit: int) -> int:
        due = (
            select(carts.c.pk)
            .where(carts.c.status == CartStatus.ACTIVE.value, carts.c.expires_at <= now)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        result = await self._connection.execute(
            update(carts)
            .where(carts.c.pk.in_(due.scalar_subquery()), carts.c.status == CartStatus.ACTIVE.value)
            .values(status=CartStatus.EXPIRED.value)
        )
        return result.rowcount

    async def _insert_lines(self, cart: Cart) -> None:
        if cart.lines:
            await ADD_LINES.run(
                self._connection, [{"cart_pk": cart.pk, **line} for line in _line_rows(cart)]
            )


def _line_rows(cart: Cart) -> list[dict[str, Any]]:
    return [
        {
            "position": position,
            "product_id": line.product_id,
            "sku": line.sku,
            "quantity": line.quantity,
        }
        for position, line in enumerate(cart.lines)
    ]
