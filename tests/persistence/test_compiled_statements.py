"""A compiled statement reads, writes and fails as the same statement run through SQLAlchemy
does, on either database: the same rows with the same Python values, the same row counts,
SQLAlchemy's error for a broken constraint, and the same events for the listeners."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import bindparam, event, insert, select, update
from sqlalchemy.exc import IntegrityError

from persistence.compiled_statements import CompiledStatement
from persistence.database import Database, forget_writes, wrote
from persistence.tables import stores

WHEN = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
ADD_STORE = CompiledStatement(insert(stores))
STORE = CompiledStatement(
    select(stores.c.id, stores.c.settings, stores.c.is_demo, stores.c.created_at).where(
        stores.c.id == bindparam("store_id")
    )
)
RENAME = CompiledStatement(update(stores).where(stores.c.currency == bindparam("b_currency")))


def store(number: int, **changes: Any) -> dict[str, Any]:
    return {
        "id": f"st_{number}",
        "name": f"Shop {number}",
        "currency": "EUR",
        "public_key_hash": f"p{number}",
        "secret_key_hash": f"s{number}",
        "settings": {"invoice": {"enabled": True}, "labels": ["a", "ü"]},
        "created_at": WHEN,
        **changes,
    }


async def test_rows_and_counts_are_those_sqlalchemy_gives(database_url: str) -> None:
    database = Database(database_url)
    try:
        async with database.engine.connect() as connection:
            await connection.begin()
            assert await ADD_STORE.run(connection, [store(1), store(2, currency="USD")]) == 2
            assert await ADD_STORE.run(connection, store(3)) == 1
            [row] = await STORE.rows(connection, {"store_id": "st_1"})
            through_sqlalchemy = (
                await connection.execute(STORE.statement(connection), {"store_id": "st_1"})
            ).one()
            assert tuple(row) == tuple(through_sqlalchemy)
            assert row.settings == {"invoice": {"enabled": True}, "labels": ["a", "ü"]}
            assert row.is_demo is False
            assert row.created_at == WHEN
            assert row.created_at.tzinfo is not None
            assert await STORE.scalar(connection, {"store_id": "st_9"}) is None
            renamed = await RENAME.run(connection, {"b_currency": "EUR", "name": "Renamed"})
            assert renamed == 2
            await connection.rollback()
    finally:
        await database.dispose()


async def test_a_broken_constraint_is_sqlalchemys_error_and_the_transaction_rolls_back(
    database_url: str,
) -> None:
    database = Database(database_url)
    try:
        async with database.engine.connect() as connection:
            await connection.begin()
            await ADD_STORE.run(connection, store(1))
            with pytest.raises(IntegrityError) as raised:
                await ADD_STORE.run(connection, store(2, public_key_hash="p1"))
            assert "parameters hidden" in str(raised.value)
            await connection.rollback()
        async with database.engine.connect() as connection:
            assert await STORE.rows(connection, {"store_id": "st_1"}) == []
    finally:
        await database.dispose()


async def test_listeners_see_each_statement_once_and_a_write_is_noted(database_url: str) -> None:
    database = Database(database_url)
    seen: list[tuple[str, bool]] = []

    def before(_conn: Any, _cursor: Any, sql: str, _params: Any, _ctx: Any, many: bool) -> None:
        seen.append((sql.split()[0].upper(), many))

    event.listen(database.engine.sync_engine, "before_cursor_execute", before)
    try:
        async with database.engine.connect() as connection:
            await connection.begin()
            forget_writes(connection)  # SQLite's BEGIN
            seen.clear()
            await STORE.rows(connection, {"store_id": "st_1"})
            assert not wrote(connection)
            await ADD_STORE.run(connection, [store(1), store(2)])
            assert wrote(connection)
            await connection.rollback()
        assert seen == [("SELECT", False), ("INSERT", True)]
    finally:
        await database.dispose()
