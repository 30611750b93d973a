"""A list parameter finds exactly its rows on both databases; on PostgreSQL the statement's
text does not depend on the list's length, so it is prepared once and reused."""

from __future__ import annotations

from sqlalchemy.dialects import sqlite

from persistence.dialect import among
from persistence.tables import products
from tests.checkout.flow import stock_shop
from tests.support import Api, counted_statements


async def test_a_list_finds_its_rows_with_one_statement_text_on_postgresql(api: Api) -> None:
    await stock_shop(api)
    readers, store_id = api.runtime.readers, api.keys.store_id  # type: ignore[union-attr]
    now = api.clock.now()
    with counted_statements(api.runtime.database) as log:
        one = await readers.products_by_skus(store_id, ["LENS"], now)
        three = await readers.products_by_skus(store_id, ["LENS", "CASE", "NOPE", "CARD"], now)
        none = await readers.products_by_ids(store_id, [-1], now)
    assert set(one) == {"LENS"}
    assert set(three) == {"LENS", "CASE", "CARD"}
    assert none == {}
    first, second, _ = log.statements
    if api.runtime.database.url.startswith("postgresql"):
        assert first == second
        assert "ANY" in first
    else:
        assert first.count("?") + 3 == second.count("?")  # one placeholder per value


def test_among_is_a_condition_on_its_own() -> None:
    condition = str(among(products.c.id, "ids").compile(dialect=sqlite.dialect()))
    assert condition.startswith("products.id IN")
    assert "= 1" not in condition
