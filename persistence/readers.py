"""The read side for queries: batched look-ups that dataloaders call, one statement per kind
of thing however many are asked for. Reads take no write lock."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.sql import ColumnElement

from domain.cart import Cart
from domain.catalog import Product
from domain.checkout import Checkout
from domain.order import Order, OrderStatus
from domain.payment import PaymentProvider
from domain.store import StoreAccess
from persistence.carts import CART_QUERY, carts_from_rows
from persistence.catalog import PRODUCTS, PRODUCTS_BY_ID, PRODUCTS_BY_SKU, product_from_row
from persistence.checkouts import CHECKOUTS_BY_TOKEN, load_checkouts
from persistence.database import Database
from persistence.orders import load_orders
from persistence.store_cache import StoreKeyCache
from persistence.stores import find_store_by_key_hash
from persistence.tables import carts, option_sources, orders, payments, products


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class Readers:
    def __init__(self, database: Database, store_keys: StoreKeyCache | None = None) -> None:
        self._database = database
        self._store_keys = store_keys or StoreKeyCache()

    async def store_by_key_hash(self, key_hash: str) -> StoreAccess | None:
        return await self._store_keys.get(key_hash, self._store_by_key_hash)

    async def _store_by_key_hash(self, key_hash: str) -> StoreAccess | None:
        async with self._database.reading() as connection:
            return await find_store_by_key_hash(connection, key_hash)

    async def option_source(self, store_id: str, key: str) -> tuple[str, ...] | None:
        async with self._database.reading() as connection:
            values = await connection.scalar(
                select(option_sources.c.option_values).where(
                    option_sources.c.store_id == store_id, option_sources.c.key == key
                )
            )
        return tuple(values) if values is not None else None

    async def products_by_skus(
        self, store_id: str, skus: Sequence[str], now: datetime
    ) -> dict[str, Product]:
        async with self._database.reading() as connection:
            rows = await PRODUCTS_BY_SKU.rows(
                connection, {"store_id": store_id, "now": now, "skus": list(skus)}
            )
            return {row.sku: product_from_row(row) for row in rows}

    async def products_by_ids(
        self, store_id: str, ids: Sequence[int], now: datetime
    ) -> dict[int, Product]:
        async with self._database.reading() as connection:
            rows = await PRODUCTS_BY_ID.rows(
                connection, {"store_id": store_id, "now": now, "ids": list(ids)}
            )
            return {row.id: product_from_row(row) for row in rows}

    async def product_page(
        self,
        store_id: str,
        now: datetime,
        *,
        first: int,
        after_sku: str | None,
        search: str | None,
        skus: Sequence[str] | None,
    ) -> tuple[list[Product], bool]:
        """Up to `first` products in sku order after a cursor, and whether more follow."""
        query = PRODUCTS.where(*_product_filters(search, skus))
        if after_sku is not None:
            query = query.where(products.c.sku > after_sku)
        query = query.order_by(products.c.sku).limit(first + 1)
        async with self._database.reading() as connection:
            rows = (await connection.execute(query, {"store_id": store_id, "now": now})).all()
        return [product_from_row(row) for row in rows[:first]], len(rows) > first

    async def product_count(
        self, store_id: str, search: str | None, skus: Sequence[str] | None
    ) -> int:
        query = (
            select(func.count())
            .select_from(products)
            .where(products.c.store_id == store_id, *_product_filters(search, skus))
        )
        async with self._database.reading() as connection:
            return int(await connection.scalar(query) or 0)

    async def carts_by_ids(self, store_id: str, cart_ids: Sequence[str]) -> dict[str, Cart]:
        query = CART_QUERY.where(carts.c.store_id == store_id, carts.c.id.in_(list(cart_ids)))
        async with self._database.reading() as connection:
            found = carts_from_rows(await connection.execute(query))
        return {cart.id: cart for cart in found}

    async def checkouts_by_tokens(self, tokens: Sequence[str]) -> dict[str, Checkout]:
        async with self._database.reading() as connection:
            found = await load_checkouts(connection, CHECKOUTS_BY_TOKEN, {"tokens": list(tokens)})
        return {checkout.token: checkout for checkout in found}

    async def orders_by_ids(self, store_id: str, order_ids: Sequence[str]) -> dict[str, Order]:
        condition = (orders.c.store_id == store_id) & orders.c.id.in_(list(order_ids))
        async with self._database.reading(statements=2) as connection:
            found = await load_orders(connection, condition)
        return {order.id: order for order in found}

    async def orders_by_checkout_tokens(self, tokens: Sequence[str]) -> dict[str, Order]:
        async with self._database.reading(statements=2) as connection:
            found = await load_orders(connection, orders.c.checkout_token.in_(list(tokens)))
        return {order.checkout_token: order for order in found}

    async def order_by_payment(
        self, store_id: str, provider: PaymentProvider, external_id: str
    ) -> Order | None:
        """The order whose checkout was paid with this provider payment (any of its
        payments: a cs_… session and the pi_… behind it alike)."""
        paid_checkouts = select(payments.c.checkout_id).where(
            payments.c.store_id == store_id,
            payments.c.provider == provider.value,
            or_(
                payments.c.external_id == external_id,
                payments.c.related_external_id == external_id,
            ),
        )
        condition = (orders.c.store_id == store_id) & orders.c.checkout_id.in_(paid_checkouts)
        async with self._database.reading(statements=2) as connection:
            found = await load_orders(connection, condition)
        return found[0] if found else None

    async def order_count(
        self, store_id: str, status: OrderStatus | None, account_id: str | None
    ) -> int:
        query = (
            select(func.count())
            .select_from(orders)
            .where(*_order_filters(store_id, status, account_id))
        )
        async with self._database.reading() as connection:
            return int(await connection.scalar(query) or 0)

    async def order_page(
        self,
        store_id: str,
        *,
        first: int,
        after_pk: int | None,
        status: OrderStatus | None,
        account_id: str | None,
    ) -> tuple[list[tuple[int, Order]], bool]:
        """Newest first: up to `first` orders older than the cursor, and whether more follow."""
        conditions = _order_filters(store_id, status, account_id)
        if after_pk is not None:
            conditions.append(orders.c.pk < after_pk)
        async with self._database.reading(statements=2) as connection:
            keys = (
                await connection.execute(
                    select(orders.c.pk, orders.c.id)
                    .where(*conditions)
                    .order_by(orders.c.pk.desc())
                    .limit(first + 1)
                )
            ).all()
            page = keys[:first]
            found = (
                await load_orders(connection, orders.c.pk.in_([key.pk for key in page]))
                if page
                else []
            )
        by_id = {order.id: order for order in found}
        return [(key.pk, by_id[key.id]) for key in page], len(keys) > first


def _order_filters(
    store_id: str, status: OrderStatus | None, account_id: str | None
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [orders.c.store_id == store_id]
    if status is not None:
        conditions.append(orders.c.status == status.value)
    if account_id is not None:
        conditions.append(orders.c.account_id == account_id)
    return conditions


def _product_filters(search: str | None, skus: Sequence[str] | None) -> list[ColumnElement[bool]]:
    filters: list[ColumnElement[bool]] = []
    if search:
        pattern = _like(search)
        filters.append(
            or_(
                func.lower(products.c.name).like(pattern, escape="\\"),
                func.lower(products.c.sku).like(pattern, escape="\\"),
            )
        )
    if skus is not None:
        filters.append(products.c.sku.in_(list(skus)))
    return filters
