"""Products, and stock: what is on hand, what open payments hold, and the guarded moves."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    and_,
    bindparam,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ColumnElement, Select

from domain.catalog import Product, ProductDraft
from domain.line_meta import MetaDefinition
from domain.money import Money
from persistence.compiled_statements import CompiledStatement
from persistence.dialect import among, among_fixed, insert_for
from persistence.mapping import definition_from_json, definition_to_json
from persistence.tables import checkouts, products, stock_reservations, stores
from persistence.types import UtcDateTime

HOLDING_STOCK = ("PAYMENT_PENDING", "COMPLETABLE")


# The product statements are built once, with bound parameters: building a statement and
# its cache key on every call cost more CPU than PostgreSQL spent running it.
def _reserved(*, except_checkout: bool) -> ColumnElement[Any]:
    """What live reservations hold of a product. A reservation counts only while its checkout
    holds stock and has not expired (`:now`), so an expired one stops counting at once."""
    conditions = [
        stock_reservations.c.product_id == products.c.id,
        among_fixed(checkouts.c.status, HOLDING_STOCK),
        checkouts.c.expires_at > bindparam("now", type_=UtcDateTime()),
    ]
    if except_checkout:
        conditions.append(stock_reservations.c.checkout_id != bindparam("checkout_id"))
    return (
        select(func.coalesce(func.sum(stock_reservations.c.quantity), 0))
        .select_from(
            stock_reservations.join(checkouts, checkouts.c.id == stock_reservations.c.checkout_id)
        )
        .where(and_(*conditions))
        .scalar_subquery()
    )


def _products(reserved: ColumnElement[Any]) -> Select[Any]:
    """Products of `:store_id` with their currency and what reservations hold of them."""
    return (
        select(
            products.c.id,
            products.c.sku,
            products.c.name,
            products.c.price_minor,
            products.c.stock,
            products.c.meta_definition,
            stores.c.currency,
            reserved.label("reserved"),
        )
        .join(stores, stores.c.id == products.c.store_id)
        .where(products.c.store_id == bindparam("store_id"))
    )


PRODUCTS = _products(_reserved(except_checkout=False))
PRODUCTS_BY_SKU = CompiledStatement(PRODUCTS.where(among(products.c.sku, "skus")))
PRODUCTS_BY_ID = CompiledStatement(PRODUCTS.where(among(products.c.id, "ids")))
# For a checkout that asks what is left for it: every reservation but its own counts.
PRODUCTS_FOR_CHECKOUT = CompiledStatement(
    _products(_reserved(except_checkout=True)).where(among(products.c.id, "ids"))
)
# The lock is taken by a statement on products alone: PostgreSQL returns the locked rows as
# they are after the writer it waited for, but anything else a locking statement reads (the
# reservations) as it was before. Rows are locked in id order, so two checkouts over the same
# products cannot deadlock. FOR NO KEY UPDATE, the strength an UPDATE of the stock takes: it
# still makes two reservers of a product wait for each other, but not a transaction that
# merely refers to the product (a cart or checkout line's foreign key takes KEY SHARE), which
# FOR UPDATE would also block, in whatever order that transaction's lines come.
LOCK_PRODUCTS = CompiledStatement(
    _products(literal(0))
    .where(among(products.c.id, "ids"))
    .order_by(products.c.id)
    .with_for_update(of=products, key_share=True)
)


def product_from_row(row: Any) -> Product:
    currency = row.currency
    return Product(
        id=row.id,
        sku=row.sku,
        name=row.name,
        price=Money.from_minor(row.price_minor, currency),
        stock=row.stock,
        reserved=int(row.reserved or 0),
        meta_definition=definition_from_json(row.meta_definition),
    )


class SqlProductRepository:
    def __init__(self, connection: AsyncConnection, now: Any) -> None:
        self._connection = connection
        self._now = now

    async def by_skus(
        self, store_id: str, skus: Iterable[str], now: datetime
    ) -> dict[str, Product]:
        wanted = list(skus)
        if not wanted:
            return {}
        rows = await PRODUCTS_BY_SKU.rows(
            self._connection, {"store_id": store_id, "now": now, "skus": wanted}
        )
        return {row.sku: product_from_row(row) for row in rows}

    async def lock_for_stock(
        self,
        store_id: str,
        product_ids: Iterable[int],
        now: datetime,
        checkout_id: int | None,
        *,
        count_reservations: bool = True,
    ) -> dict[int, Product]:
        wanted = sorted(set(product_ids))
        if not wanted:
            return {}
        locked = await LOCK_PRODUCTS.rows(self._connection, {"store_id": store_id, "ids": wanted})
        if not count_reservations:
            return {row.id: product_from_row(row) for row in locked}
        rows = await PRODUCTS_FOR_CHECKOUT.rows(
            self._connection,
            {"store_id": store_id, "now": now, "ids": wanted, "checkout_id": checkout_id or 0},
        )
        return {row.id: product_from_row(row) for row in rows}

    async def upsert(self, store_id: str, drafts: Sequence[ProductDraft]) -> None:
        if not drafts:
            return
        now = self._now()
        statement = insert_for(self._connection, products)
        statement = statement.on_conflict_do_update(
            index_elements=[products.c.store_id, products.c.sku],
            set_={
                "name": statement.excluded.name,
                "price_minor": statement.excluded.price_minor,
                "stock": statement.excluded.stock,
                "updated_at": statement.excluded.updated_at,
            },
        )
        await self._connection.execute(
            statement,
            [
                {
                    "store_id": store_id,
                    "sku": d.sku,
                    "name": d.name,
                    "price_minor": d.price.minor,
                    "stock": d.stock,
                    "updated_at": now,
                }
                for d in drafts
            ],
        )

    async def set_meta_definition(
        self, store_id: str, sku: str, definition: MetaDefinition | None
    ) -> None:
        await self._connection.execute(
            update(products)
            .where(products.c.store_id == store_id, products.c.sku == sku)
            .values(meta_definition=definition_to_json(definition))
        )


# An untracked product (stock NULL) passes the guard and stays NULL.
_take = CompiledStatement(
    update(products)
    .where(
        products.c.id == bindparam("product_id"),
        or_(products.c.stock.is_(None), products.c.stock >= bindparam("quantity")),
    )
    .values(stock=products.c.stock - bindparam("quantity"))
)
_put_back = CompiledStatement(
    update(products)
    .where(products.c.id == bindparam("product_id"), products.c.stock.is_not(None))
    .values(stock=products.c.stock + bindparam("quantity"))
)
_reserve = CompiledStatement(insert(stock_reservations))
_release = CompiledStatement(
    delete(stock_reservations).where(stock_reservations.c.checkout_id == bindparam("checkout_id"))
)


def _quantities() -> Any:
    """A product id and quantity per row, bound as two arrays: the same text for any number
    of products."""
    return (
        func.unnest(
            bindparam("product_ids", type_=postgresql.ARRAY(BigInteger)),
            bindparam("quantities", type_=postgresql.ARRAY(Integer)),
        )
        .table_valued("product_id", "quantity")
        .render_derived()
    )


def _take_all() -> Any:
    wanted = _quantities()
    return (
        update(products)
        .where(
            products.c.id == wanted.c.product_id,
            or_(products.c.stock.is_(None), products.c.stock >= wanted.c.quantity),
        )
        .values(stock=products.c.stock - wanted.c.quantity)
    )


def _hold() -> Any:
    """The checkout's reservations made exactly `quantities`, in one statement: the products
    it holds are set, those it no longer holds dropped (rows apart, so the two parts of the
    statement never meet on one row)."""
    wanted = _quantities()
    statement = postgresql.insert(stock_reservations).from_select(
        ["checkout_id", "product_id", "quantity"],
        select(bindparam("checkout_id", type_=BigInteger), wanted.c.product_id, wanted.c.quantity),
    )
    held = statement.on_conflict_do_update(
        index_elements=[stock_reservations.c.checkout_id, stock_reservations.c.product_id],
        set_={"quantity": statement.excluded.quantity},
    ).cte("held")
    return (
        delete(stock_reservations)
        .where(
            stock_reservations.c.checkout_id == bindparam("checkout_id", type_=BigInteger),
            stock_reservations.c.product_id
            != func.all(bindparam("product_ids", type_=postgresql.ARRAY(BigInteger))),
        )
        .add_cte(held)
    )


def _quantities_bound(quantities: Mapping[int, int]) -> dict[str, list[int]]:
    """`_quantities`' parameters, in product id order."""
    ids = sorted(quantities)
    return {"product_ids": ids, "quantities": [quantities[i] for i in ids]}


# PostgreSQL's forms of `take` and `hold`: one statement for any number of products.
_TAKE_ALL = CompiledStatement(_take_all())
_HOLD = CompiledStatement(_hold())


class SqlStockLedger:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def hold(self, checkout_id: int, quantities: Mapping[int, int]) -> None:
        if self._connection.dialect.name == "postgresql":
            await _HOLD.run_later(
                self._connection, {"checkout_id": checkout_id, **_quantities_bound(quantities)}
            )
            return
        await self.release(checkout_id)
        if quantities:
            await _reserve.run(
                self._connection,
                [
                    {"checkout_id": checkout_id, "product_id": product_id, "quantity": quantity}
                    for product_id, quantity in sorted(quantities.items())
                ],
            )

    async def release(self, checkout_id: int) -> None:
        await _release.run_later(self._connection, {"checkout_id": checkout_id})

    async def purge_released(self, now: datetime) -> int:
        still_held = select(checkouts.c.id).where(
            among_fixed(checkouts.c.status, HOLDING_STOCK), checkouts.c.expires_at > now
        )
        result = await self._connection.execute(
            delete(stock_reservations).where(stock_reservations.c.checkout_id.not_in(still_held))
        )
        return result.rowcount

    async def take(self, quantities: Mapping[int, int]) -> bool:
        """Guarded decrements, in product id order; the caller rolls back when one is short."""
        if not quantities:
            return True
        if self._connection.dialect.name == "postgresql":
            taken = await _TAKE_ALL.run(self._connection, _quantities_bound(quantities))
        else:
            taken = await _take.run(
                self._connection,
                [{"product_id": i, "quantity": q} for i, q in sorted(quantities.items())],
            )
        return taken == len(quantities)

    async def put_back(self, quantities: Mapping[int, int]) -> None:
        if quantities:
            await _put_back.run(
                self._connection,
                [
                    {"product_id": product_id, "quantity": quantity}
                    for product_id, quantity in sorted(quantities.items())
                ],
            )
