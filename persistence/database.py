"""The engine: one per process, sized pool, and SQLite set up for one writer at a time."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from psycopg.pq import ExecStatus
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.util import await_only

from persistence import json_codec

WRITE = "checkout_flow_write"
WROTE = "checkout_flow_wrote"
# The writes a unit of work holds back for its next statement (persistence/
# compiled_statements.py), by the SQLAlchemy connection of its one checkout from the pool: gone
# with it, never met by a later user of the same database connection.
pending_writes: weakref.WeakKeyDictionary[Connection, Any] = weakref.WeakKeyDictionary()


class DescribedOnceCursor(psycopg.AsyncCursor[Any]):
    """psycopg makes a `Column` for every column of a result each time `description` is read,
    and SQLAlchemy reads it for every statement: ~2 µs a column, 37 columns for a checkout.
    A statement's text fixes the columns it returns (ours name every column), so the
    description made for its first result serves every later one."""

    _made: dict[tuple[bytes, int, int], Any] = {}
    # The rows a statement run by persistence.compiled_statements read, for event listeners.
    fetched: list[Any] | None = None

    @property
    def description(self) -> Any:
        result, query = self.pgresult, self._query
        if result is None or query is None or result.status != ExecStatus.TUPLES_OK:
            return super().description
        key = (query.query, result.nfields, result.ftype(0) if result.nfields else 0)
        made = self._made.get(key)
        if made is None:
            made = super().description
            if len(self._made) < 2048:  # statements are few; text made per call is not cached
                self._made[key] = made
        return made


class Database:
    def __init__(self, url: str, *, pool_size: int = 10, echo: bool = False) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        # Bound values (tokens, customers' details) never go into an error's text or a log.
        options: dict[str, Any] = {"echo": echo, "hide_parameters": True}
        # psycopg takes the JSON as bytes; SQLite's column wants text.
        dumps = json_codec.dumps if self.is_sqlite else json_codec.dumps_bytes
        options |= {"json_serializer": dumps, "json_deserializer": json_codec.loads}
        if not self.is_sqlite:
            # No pre-ping: a round trip before every checkout of a connection. A connection
            # that died (a database restart) fails its statement once, and SQLAlchemy then
            # replaces the whole pool.
            options |= {"pool_size": pool_size, "max_overflow": pool_size, "pool_recycle": 1800}
            options["connect_args"] = {"cursor_factory": DescribedOnceCursor}
        self.engine: AsyncEngine = create_async_engine(url, **options)
        # SQLite takes one writer at a time; writers queue here instead of failing with
        # "database is locked". PostgreSQL needs no such queue.
        self.write_lock: asyncio.Lock | None = asyncio.Lock() if self.is_sqlite else None
        if self.is_sqlite:
            _prepare_sqlite(self.engine)
        event.listen(self.engine.sync_engine, "before_cursor_execute", _send_pending_writes)
        event.listen(self.engine.sync_engine, "before_cursor_execute", _note_writes)
        # The same pool, with the options set once rather than on every connection taken.
        self._writer = self.engine.execution_options(**{WRITE: True})
        self._autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        # SQLite's transactions see one state of the database already.
        self._snapshot = (
            self.engine
            if self.is_sqlite
            else self.engine.execution_options(isolation_level="REPEATABLE READ")
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def connect(self) -> AsyncConnection:
        return self.engine.connect()

    def connect_for_writing(self) -> AsyncConnection:
        """A connection whose transaction writes (SQLite begins it with BEGIN IMMEDIATE)."""
        return self._writer.connect()

    @asynccontextmanager
    async def reading(self, *, statements: int = 1) -> AsyncIterator[AsyncConnection]:
        """A connection for reads. One statement runs outside any transaction (no BEGIN, no
        ROLLBACK — which would also make psycopg drop its prepared statements); several run in
        one snapshot that ends with COMMIT, so they see one state of the database."""
        if statements == 1:
            async with self._autocommit.connect() as connection:
                yield connection
            return
        async with self._snapshot.connect() as connection, connection.begin():
            yield connection

    @asynccontextmanager
    async def writing(self, *, one_statement: bool = False) -> AsyncIterator[AsyncConnection]:
        """A short write transaction outside a unit of work, committed when the block ends.
        A single statement is its own transaction: it runs without BEGIN and COMMIT, two
        round trips fewer."""
        if self.write_lock is not None:
            await self.write_lock.acquire()
        try:
            if one_statement:
                async with self._autocommit.connect() as connection:
                    yield connection
                return
            async with self._writer.connect() as connection, connection.begin():
                yield connection
        finally:
            if self.write_lock is not None:
                self.write_lock.release()

    async def dispose(self) -> None:
        await self.engine.dispose()


def _send_pending_writes(connection: Connection, *_args: Any) -> None:
    # A statement run through SQLAlchemy in a unit of work with writes waiting: they go first,
    # so that it sees them. It runs in SQLAlchemy's greenlet, which can wait for them.
    pending = pending_writes.get(connection)
    if pending:
        await_only(pending.send(pending.connection))


def _note_writes(connection: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
    # Anything but a plain SELECT counts: a WITH may write, and a wrong "wrote" only costs
    # a rollback where a commit would have done.
    if statement.lstrip()[:6].upper() != "SELECT":
        connection.info[WROTE] = True


def wrote(connection: AsyncConnection) -> bool:
    """Whether a statement that may write ran since `forget_writes`."""
    return bool(connection.info.get(WROTE))


def forget_writes(connection: AsyncConnection) -> None:
    connection.info.pop(WROTE, None)


def _prepare_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when a transaction begins, so a
        # read-then-write transaction is atomic.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=NORMAL",
            "PRAGMA foreign_keys=ON",
            "PRAGMA busy_timeout=10000",
        ):
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Connection) -> None:
        # A writer takes the write lock at BEGIN, so another process (the CLI, a worker)
        # waits for it at once instead of failing later when a reader upgrades.
        options = connection.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":
            return  # one statement, its own transaction (`reading`, `writing(one_statement=…)`)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get(WRITE, False) else "BEGIN")
