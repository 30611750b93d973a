"""Checkouts, their lines and their current payment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.cart import Cart
from domain.checkout import Checkout, CheckoutLine, CheckoutStatus
from domain.money import Money
from domain.payment import Payment, PaymentProvider
from domain.store import Store
from persistence.compiled_statements import CompiledStatement
from persistence.dialect import among, among_fixed, children_bound, children_of, rows_as_json
from persistence.mapping import (
    customer_from_json,
    customer_to_json,
    minor,
    money,
    settings_from_json,
    totals_columns,
    totals_from,
)
from persistence.payments import PAYMENT_COLUMNS, payment_columns, payment_from_row
from persistence.tables import OPEN_STATUSES, carts, checkout_lines, checkouts, payments, stores

# A line as the checkout's statement carries it (`rows_as_json`), position first.
LINE_COLUMNS = ("position", "product_id", "sku", "name", "quantity", "unit_price_minor", "meta")

CHECKOUT_QUERY = select(
    checkouts,
    rows_as_json(
        [checkout_lines.c[name] for name in LINE_COLUMNS],
        checkout_lines.c.checkout_id == checkouts.c.id,
    ).label("lines"),
    carts.c.id.label("cart_public_id"),
    stores.c.name.label("store_name"),
    stores.c.currency.label("store_currency"),
    stores.c.settings.label("store_settings"),
    stores.c.is_demo.label("store_is_demo"),
    *PAYMENT_COLUMNS,
).select_from(
    checkouts.join(stores, stores.c.id == checkouts.c.store_id)
    .join(carts, carts.c.pk == checkouts.c.cart_pk)
    .outerjoin(payments, payments.c.id == checkouts.c.payment_id)
)


def checkout_from_row(row: Any) -> Checkout:
    currency = row.currency
    store = Store(
        id=row.store_id,
        name=row.store_name,
        currency=row.store_currency,
        settings=settings_from_json(row.store_settings, row.store_currency),
        is_demo=row.store_is_demo,
    )
    return Checkout(
        id=row.id,
        token=row.token,
        store=store,
        cart_id=row.cart_public_id,
        cart_pk=row.cart_pk,
        status=CheckoutStatus(row.status),
        lines=lines_from_json(row.lines, currency),
        totals=totals_from(row, currency),
        created_at=row.created_at,
        updated_at=row.updated_at,
        expires_at=row.expires_at,
        snapshot_at=row.snapshot_at,
        customer=customer_from_json(row.customer),
        shipping_method_id=row.shipping_method_id,
        shipping_override=money(row.shipping_override_minor, currency),
        tax_override=money(row.tax_override_minor, currency),
        metadata=dict(row.checkout_metadata or {}),
        payment=payment_from_row(row),
    )


def lines_from_json(lines: list[list[Any]] | None, currency: str) -> list[CheckoutLine]:
    return [
        CheckoutLine(
            product_id=product_id,
            sku=sku,
            name=name,
            quantity=quantity,
            unit_price=Money.from_minor(unit_price_minor, currency),
            meta=meta,
        )
        for _, product_id, sku, name, quantity, unit_price_minor, meta in sorted(lines or ())
    ]


# Statements built once with bound parameters (building them per call cost more CPU than
# running them).
CHECKOUT_BY_TOKEN = CompiledStatement(CHECKOUT_QUERY.where(checkouts.c.token == bindparam("token")))
CHECKOUTS_BY_TOKEN = CompiledStatement(CHECKOUT_QUERY.where(among(checkouts.c.token, "tokens")))
CHECKOUTS_BY_ID = CompiledStatement(CHECKOUT_QUERY.where(among(checkouts.c.id, "ids")))
# Lock first, then read: on PostgreSQL a statement that waited for the lock still sees the
# joined payment as it was before the other writer committed.
LOCK_BY_TOKEN = CompiledStatement(
    select(checkouts.c.id).where(checkouts.c.token == bindparam("token")).with_for_update()
)
LOCK_BY_ID = CompiledStatement(
    select(checkouts.c.id).where(checkouts.c.id == bindparam("id")).with_for_update()
)
LOCK_OPEN_OF_CART = CompiledStatement(
    select(checkouts.c.id)
    .where(
        checkouts.c.cart_pk == bindparam("cart_pk"), among_fixed(checkouts.c.status, OPEN_STATUSES)
    )
    .with_for_update()
)
SAVE = CompiledStatement(update(checkouts).where(checkouts.c.id == bindparam("checkout_pk")))
ADD = CompiledStatement(insert(checkouts).returning(checkouts.c.id))
ADD_LINES = CompiledStatement(insert(checkout_lines))


def _add_with_lines() -> Any:
    """PostgreSQL's `add` in one statement: the checkout and its lines under it."""
    added = (
        insert(checkouts)
        .values({c.name: bindparam(c.name, type_=c.type) for c in checkouts.c if c.name != "id"})
        .returning(checkouts.c.id)
        .cte("added")
    )
    lines = children_of(added, "id", checkout_lines, "checkout_id", LINE_COLUMNS, "line_")
    return select(added.c.id).add_cte(lines)


ADD_WITH_LINES = CompiledStatement(_add_with_lines())
SAVE_LINE_META = CompiledStatement(
    update(checkout_lines).where(
        checkout_lines.c.checkout_id == bindparam("b_checkout_id"),
        checkout_lines.c.product_id == bindparam("b_product_id"),
    )
)
DROP_LINES = CompiledStatement(
    delete(checkout_lines).where(checkout_lines.c.checkout_id == bindparam("b_checkout_id"))
)
ADD_PAYMENT = CompiledStatement(insert(payments).returning(payments.c.id))
SAVE_PAYMENT = CompiledStatement(update(payments).where(payments.c.id == bindparam("b_payment_id")))


async def load_checkouts(
    connection: AsyncConnection, query: CompiledStatement, params: dict[str, Any]
) -> list[Checkout]:
    return [checkout_from_row(row) for row in await query.rows(connection, params)]


async def lock_and_load(
    connection: AsyncConnection, lock: CompiledStatement, params: dict[str, Any]
) -> Checkout | None:
    checkout_id = await lock.scalar(connection, params)
    if checkout_id is None:
        return None
    found = await load_checkouts(connection, CHECKOUTS_BY_ID, {"ids": [checkout_id]})
    return found[0] if found else None


def _columns(checkout: Checkout) -> dict[str, Any]:
    return {
        "status": checkout.status.value,
        "customer": customer_to_json(checkout.customer),
        "shipping_method_id": checkout.shipping_method_id,
        "shipping_override_minor": minor(checkout.shipping_override),
        "tax_override_minor": minor(checkout.tax_override),
        **totals_columns(checkout.totals),
        "checkout_metadata": checkout.metadata,
        "payment_id": checkout.payment.id if checkout.payment else None,
        "updated_at": checkout.updated_at,
        "expires_at": checkout.expires_at,
        "snapshot_at": checkout.snapshot_at,
    }


class SqlCheckoutRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def get(self, token: str, *, lock: bool = False) -> Checkout | None:
        if lock:
            return await lock_and_load(self._connection, LOCK_BY_TOKEN, {"token": token})
        found = await load_checkouts(self._connection, CHECKOUT_BY_TOKEN, {"token": token})
        return found[0] if found else None

    async def open_for_cart(self, cart: Cart) -> Checkout | None:
        return await lock_and_load(self._connection, LOCK_OPEN_OF_CART, {"cart_pk": cart.pk})

    async def add(self, checkout: Checkout, cart: Cart) -> None:
        row = {
            "token": checkout.token,
            "store_id": checkout.store.id,
            "cart_pk": cart.pk,
            "currency": checkout.currency,
            "created_at": checkout.created_at,
            **_columns(checkout),
        }
        checkout.cart_pk = cart.pk
        if self._connection.dialect.name == "postgresql":
            lines = children_bound(_line_rows(None, checkout.lines), LINE_COLUMNS, "line_")
            checkout.id = await ADD_WITH_LINES.scalar(self._connection, row | lines)
            return
        checkout.id = await ADD.scalar(self._connection, row)
        await self._insert_lines(checkout)

    async def save(self, checkout: Checkout, *, lines: bool = False) -> None:
        await SAVE.run_later(self._connection, {"checkout_pk": checkout.id, **_columns(checkout)})
        if lines:
            await DROP_LINES.run_later(self._connection, {"b_checkout_id": checkout.id})
            await self._insert_lines(checkout)

    async def save_line_meta(self, checkout: Checkout, line: CheckoutLine) -> None:
        await SAVE_LINE_META.run(
            self._connection,
            {"b_checkout_id": checkout.id, "b_product_id": line.product_id, "meta": line.meta},
        )

    async def add_payment(self, checkout: Checkout, payment: Payment, now: datetime) -> Payment:
        payment_id = await ADD_PAYMENT.scalar(
            self._connection,
            {
                "store_id": checkout.store.id,
                "checkout_id": checkout.id,
                "created_at": now,
                "updated_at": now,
                **payment_columns(payment),
            },
        )
        return replace(payment, id=payment_id)

    async def save_payment(self, payment: Payment, now: datetime) -> None:
        await SAVE_PAYMENT.run_later(
            self._connection,
            {"b_payment_id": payment.id, "updated_at": now, **payment_columns(payment)},
        )

    async def expire_due(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        due = (
            select(checkouts.c.id)
            .where(checkouts.c.status.in_(OPEN_STATUSES), checkouts.c.expires_at <= now)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = (
            await self._connection.execute(
                update(checkouts)
                .where(
                    checkouts.c.id.in_(due.scalar_subquery()), checkouts.c.status.in_(OPEN_STATUSES)
                )
                .values(status=CheckoutStatus.EXPIRED.value, updated_at=now)
                .returning(checkouts.c.store_id, checkouts.c.token, checkouts.c.payment_id)
            )
        ).all()
        # An invoice promised to an expired checkout is void; online payments end at their
        # provider, which says so itself.
        payment_ids = [row.payment_id for row in rows if row.payment_id is not None]
        if payment_ids:
            await self._connection.execute(
                update(payments)
                .where(
                    payments.c.id.in_(payment_ids),
                    payments.c.provider == "INVOICE",
                    payments.c.status == "PENDING",
                )
                .values(status="EXPIRED", updated_at=now)
            )
        return [(row.store_id, row.token) for row in rows]

    async def by_payment(
        self, store_id: str, provider: PaymentProvider, external_id: str
    ) -> tuple[Checkout, Payment] | None:
        row = (
            await self._connection.execute(
                select(payments.c.checkout_id, *PAYMENT_COLUMNS).where(
                    payments.c.store_id == store_id,
                    payments.c.provider == provider.value,
                    or_(
                        payments.c.external_id == external_id,
                        payments.c.related_external_id == external_id,
                    ),
                )
            )
        ).first()
        if row is None:
            return None
        checkout = await lock_and_load(self._connection, LOCK_BY_ID, {"id": row.checkout_id})
        payment = payment_from_row(row)
        assert checkout is not None
        assert payment is not None
        return checkout, payment

    async def _insert_lines(self, checkout: Checkout) -> None:
        if checkout.lines:
            await ADD_LINES.run(self._connection, _line_rows(checkout.id, checkout.lines))


def _line_rows(owner_id: int | None, lines: Sequence[CheckoutLine]) -> list[dict[str, Any]]:
    return [
        {
            "checkout_id": owner_id,
            "position": position,
            "product_id": line.product_id,
            "sku": line.sku,
            "name": line.name,
            "quantity": line.quantity,
            "unit_price_minor": line.unit_price.minor,
            "meta": line.meta,
        }
        for position, line in enumerate(lines)
    ]
