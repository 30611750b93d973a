"""Stores, their keys, settings, option lists and order numbers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.store import Access, Store, StoreAccess
from persistence.dialect import insert_for
from persistence.mapping import settings_from_json, settings_to_json
from persistence.tables import option_sources, stores


def store_from_row(row: Any) -> Store:
    return Store(
        id=row.id,
        name=row.name,
        currency=row.currency,
        settings=settings_from_json(row.settings, row.currency),
        is_demo=row.is_demo,
    )


STORE_COLUMNS = (
    stores.c.id,
    stores.c.name,
    stores.c.currency,
    stores.c.settings,
    stores.c.is_demo,
)


class SqlStoreRepository:
    def __init__(self, connection: AsyncConnection, now: Any) -> None:
        self._connection = connection
        self._now = now
        # Stores whose keys or settings this transaction changed, for the cache to forget.
        self.changed: set[str] = set()

    async def add(self, store: Store, public_key_hash: str, secret_key_hash: str) -> None:
        await self._connection.execute(
            stores.insert().values(
                id=store.id,
                name=store.name,
                currency=store.currency,
                public_key_hash=public_key_hash,
                secret_key_hash=secret_key_hash,
                settings=settings_to_json(store.settings),
                is_demo=store.is_demo,
                created_at=self._now(),
            )
        )

    async def by_key_hash(self, key_hash: str) -> StoreAccess | None:
        return await find_store_by_key_hash(self._connection, key_hash)

    async def get(self, store_id: str) -> Store | None:
        row = (
            await self._connection.execute(select(*STORE_COLUMNS).where(stores.c.id == store_id))
        ).first()
        return store_from_row(row) if row else None

    async def demo(self) -> Store | None:
        row = (
            await self._connection.execute(select(*STORE_COLUMNS).where(stores.c.is_demo))
        ).first()
        return store_from_row(row) if row else None

    async def exists(self) -> bool:
        return bool(await self._connection.scalar(select(exists().select_from(stores))))

    async def set_key_hashes(self, store_id: str, public_hash: str, secret_hash: str) -> None:
        self.changed.add(store_id)
        await self._connection.execute(
            update(stores)
            .where(stores.c.id == store_id)
            .values(public_key_hash=public_hash, secret_key_hash=secret_hash)
        )

    async def save_settings(self, store: Store) -> None:
        self.changed.add(store.id)
        await self._connection.execute(
            update(stores)
            .where(stores.c.id == store.id)
            .values(settings=settings_to_json(store.settings))
        )

    async def option_sources(
        self, store_id: str, keys: Iterable[str]
    ) -> dict[str, tuple[str, ...]]:
        wanted = list(keys)
        if not wanted:
            return {}
        rows = await self._connection.execute(
            select(option_sources.c.key, option_sources.c.option_values).where(
                option_sources.c.store_id == store_id, option_sources.c.key.in_(wanted)
            )
        )
        return {row.key: tuple(row.option_values) for row in rows}

    async def set_option_source(self, store_id: str, key: str, values: Sequence[str]) -> None:
        insert = insert_for(self._connection, option_sources).values(
            store_id=store_id, key=key, option_values=list(values)
        )
        await self._connection.execute(
            insert.on_conflict_do_update(
                index_elements=[option_sources.c.store_id, option_sources.c.key],
                set_={"option_values": insert.excluded.option_values},
            )
        )


async def find_store_by_key_hash(connection: AsyncConnection, key_hash: str) -> StoreAccess | None:
    row = (
        await connection.execute(
            select(*STORE_COLUMNS, stores.c.secret_key_hash).where(
                or_(stores.c.public_key_hash == key_hash, stores.c.secret_key_hash == key_hash)
            )
        )
    ).first()
    if row is None:
        return None
    access = Access.SECRET if row.secret_key_hash == key_hash else Access.PUBLIC
    return StoreAccess(store_from_row(row), access)
