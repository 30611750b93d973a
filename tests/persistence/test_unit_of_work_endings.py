"""How a unit of work ends when the domain leaves it without committing: what it wrote is
undone; one that only read ends with COMMIT, since psycopg forgets every prepared statement
of the connection at a ROLLBACK (and the worker reads each mail's order in a unit of work)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import pytest
from sqlalchemy import event

from persistence.database import Database
from tests.support import Api


@contextmanager
def transaction_endings(database: Database) -> Iterator[Counter[str]]:
    endings: Counter[str] = Counter()

    def committed(_connection: object) -> None:
        endings["commit"] += 1

    def rolled_back(_connection: object) -> None:
        endings["rollback"] += 1

    engine = database.engine.sync_engine
    event.listen(engine, "commit", committed)
    event.listen(engine, "rollback", rolled_back)
    try:
        yield endings
    finally:
        event.remove(engine, "commit", committed)
        event.remove(engine, "rollback", rolled_back)


async def test_a_unit_of_work_that_only_read_ends_with_commit(api: Api) -> None:
    assert api.keys is not None
    with transaction_endings(api.runtime.database) as endings:
        async with api.runtime.ports.unit_of_work() as uow:
            assert await uow.stores.get(api.keys.store_id) is not None
    assert endings == Counter(commit=1)


async def test_what_an_uncommitted_unit_of_work_wrote_is_undone(api: Api) -> None:
    assert api.keys is not None
    store_id = api.keys.store_id
    with transaction_endings(api.runtime.database) as endings:
        async with api.runtime.ports.unit_of_work() as uow:
            store = await uow.stores.get(store_id)
            assert store is not None
            changed = store.settings.changed(
                allow_invoice_checkout=not store.settings.allow_invoice_checkout
            )
            await uow.stores.save_settings(replace(store, settings=changed))
    assert endings == Counter(rollback=1)
    async with api.runtime.ports.unit_of_work() as uow:
        kept = await uow.stores.get(store_id)
    assert kept is not None
    assert kept.settings == store.settings


async def test_a_unit_of_work_left_by_an_error_rolls_back(api: Api) -> None:
    assert api.keys is not None
    store_id = api.keys.store_id

    async def read_then_fail() -> None:
        async with api.runtime.ports.unit_of_work() as uow:
            await uow.stores.get(store_id)
            raise LookupError

    with transaction_endings(api.runtime.database) as endings, pytest.raises(LookupError):
        await read_then_fail()
    assert endings == Counter(rollback=1)
