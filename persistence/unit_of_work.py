"""One transaction around one domain service call."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncConnection

from domain.events import Event
from domain.ports import EventPublisher
from persistence.carts import SqlCartRepository
from persistence.catalog import SqlProductRepository, SqlStockLedger
from persistence.checkouts import SqlCheckoutRepository
from persistence.compiled_statements import PendingWrites, send_pending_writes
from persistence.database import Database, forget_writes, pending_writes, wrote
from persistence.orders import SqlOrderRepository
from persistence.outbox import SqlOutbox
from persistence.provider_events import SqlProviderEvents
from persistence.store_cache import StoreKeyCache
from persistence.stores import SqlStoreRepository


class SqlUnitOfWork:
    """Leaving the block without `commit()` rolls back. Events recorded with `publish` are
    handed to the publisher after the commit, never for a change that rolled back."""

    def __init__(
        self,
        database: Database,
        publisher: EventPublisher,
        now: Callable[[], datetime],
        store_keys: StoreKeyCache | None = None,
    ) -> None:
        self._database = database
        self._store_keys = store_keys
        self._publisher = publisher
        self._now = now
        self._connection: AsyncConnection | None = None
        self._events: list[Event] = []
        self._committed = False

    async def __aenter__(self) -> SqlUnitOfWork:
        lock = self._database.write_lock
        if lock is not None:
            await lock.acquire()
        try:
            connection = await self._database.connect_for_writing().start()
            await connection.begin()
            forget_writes(connection)  # SQLite's BEGIN IMMEDIATE is no write of ours
        except BaseException:
            if lock is not None:
                lock.release()
            raise
        self._connection = connection
        if not self._database.is_sqlite and connection.sync_connection is not None:
            pending_writes[connection.sync_connection] = PendingWrites(connection)
        self.stores = SqlStoreRepository(connection, self._now)
        self.products = SqlProductRepository(connection, self._now)
        self.stock = SqlStockLedger(connection)
        self.carts = SqlCartRepository(connection)
        self.checkouts = SqlCheckoutRepository(connection)
        self.orders = SqlOrderRepository(connection)
        self.outbox = SqlOutbox(connection, self._now)
        self.provider_events = SqlProviderEvents(connection, self._now)
        return self

    @property
    def connection(self) -> AsyncConnection:
        assert self._connection is not None, "outside the unit of work"
        return self._connection

    async def commit(self) -> None:
        await send_pending_writes(self.connection)
        await self.connection.commit()
        self._committed = True
        if self._store_keys is not None and self.stores.changed:
            self._store_keys.forget(self.stores.changed)

    def publish(self, event: Event) -> None:
        if event not in self._events:
            self._events.append(event)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        try:
            if connection is not None:
                # Writes still waiting were never sent: leaving without a commit drops them.
                if connection.sync_connection is not None:
                    pending_writes.pop(connection.sync_connection, None)
                if self._committed:
                    pass
                elif exc_type is None and not wrote(connection):
                    # Nothing to undo, and psycopg drops all of a connection's prepared
                    # statements at every ROLLBACK: a unit of work that only read (a mail's
                    # order, a refusal) ends with COMMIT and keeps them.
                    await connection.commit()
                else:
                    await connection.rollback()
                await connection.close()
        finally:
            if self._database.write_lock is not None:
                self._database.write_lock.release()
        if self._committed and self._events:
            await self._publisher.publish(tuple(self._events))
