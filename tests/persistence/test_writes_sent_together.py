"""Writes a unit of work sends later (`CompiledStatement.run_later`): on PostgreSQL they wait
for the next statement and go with it as one statement; whatever runs after them sees them;
a unit of work left without a commit sends none; a write that fails fails the commit. On
SQLite they run at once."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from domain.events import Event
from persistence.compiled_statements import CompiledStatement
from persistence.database import Database
from persistence.tables import products, stores
from persistence.unit_of_work import SqlUnitOfWork
from tests.persistence.test_compiled_statements import ADD_STORE, WHEN, store
from tests.support import counted_statements

RENAME = CompiledStatement(update(stores).where(stores.c.id == bindparam("b_id")))
NAME = CompiledStatement(select(stores.c.name).where(stores.c.id == bindparam("b_id")))
ADD_PRODUCT = CompiledStatement(insert(products).returning(products.c.id))
RESTOCK = CompiledStatement(update(products).where(products.c.sku == bindparam("b_sku")))


class Published:
    async def publish(self, events: tuple[Event, ...]) -> None:
        pass


def product(sku: str, stock: int) -> dict[str, Any]:
    return {
        "store_id": "st_1",
        "sku": sku,
        "name": sku,
        "price_minor": 100,
        "stock": stock,
        "updated_at": WHEN,
    }


@pytest.fixture
async def database(database_url: str) -> Any:
    database = Database(database_url)
    async with database.engine.begin() as connection:
        await ADD_STORE.run(connection, store(1))
        await ADD_PRODUCT.run(connection, product("A", 1))
    yield database
    await database.dispose()


def unit_of_work(database: Database) -> SqlUnitOfWork:
    return SqlUnitOfWork(database, Published(), lambda: WHEN)


async def stock_of(database: Database) -> dict[str, int]:
    async with database.engine.connect() as connection:
        rows = await connection.execute(select(products.c.sku, products.c.stock))
        return {row.sku: row.stock for row in rows}


async def name_of(database: Database) -> str:
    async with database.engine.connect() as connection:
        return str(await NAME.scalar(connection, {"b_id": "st_1"}))


async def test_waiting_writes_go_together_at_the_commit(database: Database) -> None:
    with counted_statements(database) as log:
        async with unit_of_work(database) as uow:
            await RENAME.run_later(uow.connection, {"b_id": "st_1", "name": "Renamed"})
            await RESTOCK.run_later(uow.connection, {"b_sku": "A", "stock": 7})
            await uow.commit()
    assert await name_of(database) == "Renamed"
    assert await stock_of(database) == {"A": 7}
    assert len(log.statements) == (2 if database.is_sqlite else 1), log.statements


async def test_waiting_writes_go_with_a_write_that_answers(database: Database) -> None:
    with counted_statements(database) as log:
        async with unit_of_work(database) as uow:
            await RENAME.run_later(uow.connection, {"b_id": "st_1", "name": "Renamed"})
            added = await ADD_PRODUCT.scalar(uow.connection, product("B", 2))
            # B's restock reads a table the insert wrote: it goes after it.
            restocked = await RESTOCK.run(uow.connection, {"b_sku": "B", "stock": 3})
            await uow.commit()
    assert isinstance(added, int)
    assert restocked == 1
    assert await name_of(database) == "Renamed"
    assert await stock_of(database) == {"A": 1, "B": 3}
    assert len(log.statements) == (3 if database.is_sqlite else 2), log.statements


async def test_a_read_sees_what_waited_before_it(database: Database) -> None:
    async with unit_of_work(database) as uow:
        await RENAME.run_later(uow.connection, {"b_id": "st_1", "name": "Renamed"})
        assert await NAME.scalar(uow.connection, {"b_id": "st_1"}) == "Renamed"
        await RENAME.run_later(uow.connection, {"b_id": "st_1", "name": "Again"})
        # Through SQLAlchemy as well.
        read = await uow.connection.scalar(select(stores.c.name).where(stores.c.id == "st_1"))
        assert read == "Again"
        await uow.commit()
    assert await name_of(database) == "Again"


async def test_two_writes_of_one_table_run_in_their_order(database: Database) -> None:
    with counted_statements(database) as log:
        async with unit_of_work(database) as uow:
            await RENAME.run_later(uow.connection, {"b_id": "st_1", "name": "First"})
            await RENAME.run_later(uow.connection, {"b_id": "st_1", "name": "Second"})
            await uow.commit()
    assert await name_of(database) == "Second"
    assert len(log.statements) == 2


async def test_a_unit_of_work_left_without_commit_sends_nothing(database: Database) -> None:
    with counted_statements(database) as log:
        async with unit_of_work(database) as uow:
            await RENAME.run_later(uow.connection, {"b_id": "st_1", "name": "Dropped"})
    assert await name_of(database) == "Shop 1"
    assert len(log.statements) == (1 if database.is_sqlite else 0)


async def test_a_waiting_write_that_fails_fails_the_commit(database: Database) -> None:
    async def rename_and_add_a_clashing_store() -> None:
        async with unit_of_work(database) as uow:
            await RENAME.run_later(uow.connection, {"b_id": "st_1", "name": "Renamed"})
            await ADD_STORE.run_later(uow.connection, store(2, public_key_hash="p1"))
            await uow.commit()

    with pytest.raises(IntegrityError):
        await rename_and_add_a_clashing_store()
    assert await name_of(database) == "Shop 1"
