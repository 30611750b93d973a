"""Locking products to reserve or take stock does not wait for a transaction that merely
refers to them (a cart or checkout line's foreign key check), so the two cannot deadlock
whatever order a shopper's lines come in."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from persistence.catalog import LOCK_PRODUCTS
from tests.checkout.flow import stock_shop
from tests.support import Api


async def test_a_stock_lock_does_not_wait_for_a_line_that_refers_to_the_product(api: Api) -> None:
    database = api.runtime.database
    if not database.url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time and no row locks")
    await stock_shop(api)
    store_id = api.keys.store_id  # type: ignore[union-attr]
    found = await api.runtime.readers.products_by_skus(store_id, ["LENS", "CASE"], api.clock.now())
    ids = sorted(product.id for product in found.values())
    async with database.engine.connect() as referring, database.engine.connect() as reserving:
        # What inserting a line that refers to the product does: a KEY SHARE lock on its row.
        await referring.execute(
            text("SELECT id FROM products WHERE id = :id FOR KEY SHARE"), {"id": ids[-1]}
        )
        await reserving.execute(text("SET LOCAL lock_timeout = '2s'"))
        locked = await LOCK_PRODUCTS.rows(reserving, {"store_id": store_id, "ids": ids})
        assert sorted(row.id for row in locked) == ids
        await reserving.rollback()
        await referring.rollback()
