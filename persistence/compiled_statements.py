"""The statements every checkout runs, compiled by SQLAlchemy once and executed on PostgreSQL by
psycopg directly.

Executing a statement through SQLAlchemy's async engine costs about twice the driver's own
work (a cache key, an execution context and a result object per statement, and a greenlet
hop; bench/FINDINGS.md, fifth round). For the statements of the checkout flow, which never
change, that work is done once: the SQL text, the bind processors and the result processors
come from SQLAlchemy's own compilation of the statement and its types, and each execution only
binds, sends and reads. What SQLAlchemy does around an execution is kept: the
`before_cursor_execute` and `after_cursor_execute` events fire (statement counts, the writes a
unit of work notes), driver errors arrive wrapped as SQLAlchemy's `DBAPIError`s, and a lost
connection is invalidated along with the rest of the pool. On SQLite a statement runs on
aiosqlite directly, in one hop to its thread (SQLAlchemy's adapter takes three or four).
"""

from __future__ import annotations

import sqlite3
import weakref
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.pq import ExecStatus
from sqlalchemy import bindparam, exc, func, literal_column, select
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ClauseElement, Select, visitors
from sqlalchemy.sql.dml import UpdateBase, ValuesBase
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.selectable import TableClause

from persistence.database import DescribedOnceCursor, pending_writes

Params = Mapping[str, Any]
Processor = Callable[[Any], Any]


@dataclass
class _Compiled:
    sql: str
    construct: Callable[[Params], dict[str, Any]]
    bind_processors: dict[str, Processor]
    result_types: list[Any]
    sqlalchemy: Any = None  # SQLAlchemy's compiled statement
    expands: bool = False  # parameters rendered per execution (SQLite's IN lists)
    make_row: Callable[[Sequence[Any]], Any] | None = None  # made from the first result


class CompiledStatement:
    """One statement of the flow. `rows`, `scalar` and `run` take the connection of the unit of
    work (or of a read) and the statement's parameters, as `AsyncConnection.execute` does."""

    def __init__(self, statement: ClauseElement | Callable[[AsyncConnection], ClauseElement]):
        # A callable builds the statement for the connection's database (`built_once`).
        self._statement = statement
        self._compiled: dict[tuple[str, bool, frozenset[str]], _Compiled] = {}
        self._tables: tuple[frozenset[str], frozenset[str]] | None = None

    def statement(self, connection: AsyncConnection) -> Any:
        if isinstance(self._statement, ClauseElement):
            return self._statement
        return self._statement(connection)

    def tables(self, connection: AsyncConnection) -> tuple[frozenset[str], frozenset[str]]:
        """The tables the statement refers to, and those of them it writes."""
        if self._tables is None:
            elements = list(visitors.iterate(self.statement(connection)))
            self._tables = (
                frozenset(e.name for e in elements if isinstance(e, TableClause)),
                frozenset(e.table.name for e in elements if isinstance(e, UpdateBase)),
            )
        return self._tables

    async def rows(self, connection: AsyncConnection, params: Params | None = None) -> list[Any]:
        if connection.dialect.name != "postgresql":
            rows, _ = await self._execute_sqlite(connection, [params or {}], for_rows=True)
            return rows
        await send_pending_writes(connection)
        rows, _ = await self._execute(connection, [params or {}], for_rows=True)
        return rows

    async def scalar(self, connection: AsyncConnection, params: Params | None = None) -> Any:
        """The first column of the first row; a write that returns one row goes out with the
        writes waiting for it."""
        pending = _pending(connection)
        if pending and pending.can_take(self, connection):
            return await pending.send(connection, (self, dict(params or {}), _FIRST_COLUMN))
        rows = await self.rows(connection, params)
        return rows[0][0] if rows else None

    async def run(self, connection: AsyncConnection, params: Params | Sequence[Params]) -> int:
        """A statement run for what it changes; a list of parameter sets runs as one
        executemany. Returns how many rows it changed."""
        if isinstance(params, Mapping):
            params = [params]
        elif not params:
            return 0
        if connection.dialect.name != "postgresql":
            _, changed = await self._execute_sqlite(connection, params, for_rows=False)
            return changed
        pending = _pending(connection)
        if pending:
            if len(params) == 1 and pending.can_take(self, connection):
                return int(await pending.send(connection, (self, dict(params[0]), _ROW_COUNT)))
            await pending.send(connection)
        _, changed = await self._execute(connection, params, for_rows=False)
        return changed

    async def run_later(self, connection: AsyncConnection, params: Params) -> None:
        """A write whose outcome no later statement of the unit of work reads: on PostgreSQL
        it waits for the next statement and goes with it (module docstring); elsewhere, and
        outside a unit of work, it runs now."""
        pending = _pending(connection)
        if pending is None:
            await self.run(connection, params)
            return
        if not pending.can_take(self, connection):
            await pending.send(connection)
        pending.hold(self, dict(params), connection)

    async def _execute(
        self, connection: AsyncConnection, params: Sequence[Params], *, for_rows: bool
    ) -> tuple[list[Any], int]:
        many = len(params) > 1
        # Compiled for rows, a single-row INSERT gets SQLAlchemy's RETURNING of its key; run
        # for what it changes, it is compiled as for an executemany, which has none.
        compiled = self._compiled_for(connection, params[0], many=not for_rows)
        bound: Any = (
            [_bind(compiled, one) for one in params] if many else _bind(compiled, params[0])
        )
        sync = connection.sync_connection
        assert sync is not None
        cursor = await _cursor(connection)
        sync.dispatch.before_cursor_execute(sync, cursor, compiled.sql, bound, None, many)
        try:
            if many:
                await cursor.executemany(compiled.sql, bound)
            else:
                await cursor.execute(compiled.sql, bound)
            result = cursor.pgresult
            returns = result is not None and result.status == ExecStatus.TUPLES_OK
            fetched = await cursor.fetchall() if returns else []
        except psycopg.Error as error:
            raise await _wrapped(connection, cursor, error, compiled.sql, bound) from error
        if returns and compiled.make_row is None:
            described = cursor.description
            names, codes = [c.name for c in described], [c.type_code for c in described]
            _row_maker(compiled, names, codes, connection.dialect)
        if isinstance(cursor, DescribedOnceCursor):
            cursor.fetched = fetched  # for listeners that read the rows (bench/sql_capture.py)
        sync.dispatch.after_cursor_execute(sync, cursor, compiled.sql, bound, None, many)
        changed = cursor.rowcount
        make_row = compiled.make_row
        return ([make_row(values) for values in fetched] if make_row else []), changed

    async def _execute_sqlite(
        self, connection: AsyncConnection, params: Sequence[Params], *, for_rows: bool
    ) -> tuple[list[Any], int]:
        """On SQLite, on aiosqlite directly: one hop to its thread for a statement, where
        SQLAlchemy's adapter took three or four (139 against 17-20 µs for a small read),
        and the units of work, which take SQLite's one writer in turn, hold it that much
        shorter."""
        many = len(params) > 1
        compiled = self._compiled_for(connection, params[0], many=not for_rows)
        sql, bound = _sqlite_bound(compiled, params)
        sync = connection.sync_connection
        assert sync is not None
        driver: Any = sync.connection.driver_connection
        sync.dispatch.before_cursor_execute(sync, None, sql, bound, None, many)
        try:
            fetched: list[Any] = []
            changed = -1
            if many:
                changed = (await driver.executemany(sql, bound)).rowcount
            elif for_rows and compiled.make_row is not None:
                fetched = list(await driver.execute_fetchall(sql, bound))
            else:
                cursor = await driver.execute(sql, bound)
                changed = cursor.rowcount
                if cursor.description is not None:
                    # Read once, for the row's names; then rows come in the same hop.
                    fetched = list(await cursor.fetchall())
                    names = [column[0] for column in cursor.description]
                    _row_maker(compiled, names, [None] * len(names), connection.dialect)
                await cursor.close()
        except sqlite3.Error as error:
            raise exc.DBAPIError.instance(
                sql,
                bound,
                error,
                sqlite3.Error,
                hide_parameters=True,
                dialect=connection.dialect,
                ismulti=many,
            ) from error
        sync.dispatch.after_cursor_execute(sync, None, sql, bound, None, many)
        make_row = compiled.make_row
        return ([make_row(values) for values in fetched] if make_row else []), changed

    def _compiled_for(
        self, connection: AsyncConnection, params: Params, *, many: bool
    ) -> _Compiled:
        # An INSERT or UPDATE sets the columns its parameters name, as SQLAlchemy does; one
        # process may hold connections to both databases (the tests do).
        key = (connection.dialect.name, many, frozenset(params))
        found = self._compiled.get(key)
        if found is None:
            found = _compile(self.statement(connection), connection.dialect, list(params), many)
            self._compiled[key] = found
        return found


_FIRST_COLUMN = "first column"
_ROW_COUNT = "row count"
_Part = tuple[CompiledStatement, dict[str, Any], str | None]


class PendingWrites:
    """The writes of one unit of work's connection that wait for its next statement."""

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection
        self._parts: list[_Part] = []
        self._written: set[str] = set()

    def __bool__(self) -> bool:
        return bool(self._parts)

    def can_take(self, statement: CompiledStatement, connection: AsyncConnection) -> bool:
        """Whether `statement` can go with the waiting writes: it writes, and refers to no table
        they change (in one statement, it would not see their changes)."""
        referred, written = statement.tables(connection)
        return bool(written) and not (referred & self._written)

    def hold(
        self, statement: CompiledStatement, params: dict[str, Any], connection: AsyncConnection
    ) -> None:
        self._parts.append((statement, params, None))
        self._written |= statement.tables(connection)[1]

    def discard(self) -> None:
        self._parts.clear()
        self._written.clear()

    async def send(self, connection: AsyncConnection, last: _Part | None = None) -> Any:
        """The waiting writes, and `last` after them, as one statement; what `last` asked for
        (its first column, or how many rows it changed)."""
        parts = [*self._parts, *([last] if last else [])]
        self.discard()
        if not parts:
            return None
        if len(parts) == 1:
            statement, params, wanted = parts[0]
            if wanted == _FIRST_COLUMN:
                return await statement.scalar(connection, params)
            return await statement.run(connection, params)
        combined = _combined(tuple((s, frozenset(p), wanted) for s, p, wanted in parts), connection)
        bound = {
            f"w{i}_{key}": value for i, (_, p, _) in enumerate(parts) for key, value in p.items()
        }
        rows = await combined.rows(connection, bound)
        return rows[0][0] if last is not None else None


def _pending(connection: AsyncConnection) -> PendingWrites | None:
    sync = connection.sync_connection
    return pending_writes.get(sync) if sync is not None else None  # type: ignore[no-any-return]


async def send_pending_writes(connection: AsyncConnection) -> None:
    """Sends the writes waiting on `connection`, before a statement that may read them."""
    pending = _pending(connection)
    if pending:
        await pending.send(connection)


_CombinationKey = tuple[tuple[CompiledStatement, frozenset[str], str | None], ...]
_combinations: dict[_CombinationKey, CompiledStatement] = {}


def _combined(key: _CombinationKey, connection: AsyncConnection) -> CompiledStatement:
    found = _combinations.get(key)
    if found is None:
        found = CompiledStatement(_combine(key, connection))
        if len(_combinations) < 256:  # the flow's combinations are a handful
            _combinations[key] = found
    return found


def _combine(key: _CombinationKey, connection: AsyncConnection) -> Select[Any]:
    """One statement of data-modifying WITH parts, each with its parameters named w<i>_<name>;
    the SELECT returns what the last part was asked for. PostgreSQL runs every part to the
    end whether or not the SELECT reads it."""
    ctes, answer = [], None
    for index, (statement, keys, wanted) in enumerate(key):
        part = _with_own_parameters(statement.statement(connection), keys, f"w{index}_")
        # A part that is a SELECT over WITH parts of its own answers with what it selects;
        # those parts go to the top of the whole statement, where PostgreSQL wants them.
        if wanted is not None and not isinstance(part, Select) and not part._returning:
            part = part.returning(literal_column("1"))
        cte = part.cte(f"w{index}")
        ctes.append(cte)
        if wanted == _ROW_COUNT:
            answer = select(func.count()).select_from(cte).scalar_subquery()
        elif wanted == _FIRST_COLUMN:
            answer = select(*list(cte.c)[:1]).limit(1).scalar_subquery()
    return select(answer if answer is not None else literal_column("1")).add_cte(*ctes)


def _with_own_parameters(statement: Any, keys: frozenset[str], prefix: str) -> Any:
    """`statement` with its named parameters renamed `prefix + name` and, for an INSERT or
    UPDATE without values of its own, the columns its parameters name set from them (what
    SQLAlchemy does for a statement executed with parameters, which a WITH part is not)."""

    def renamed(element: Any) -> Any:
        if isinstance(element, BindParameter) and not element.unique:
            return bindparam(
                prefix + element.key,
                value=element.value,
                type_=element.type,
                required=element.required,
            )
        return None

    part = visitors.replacement_traverse(statement, {}, renamed)
    if isinstance(part, ValuesBase) and not part._values and not part._multi_values:
        table = part.table
        part = part.values(
            {
                key: bindparam(prefix + key, type_=table.c[key].type)
                for key in keys
                if key in table.c
            }
        )
    return part


# One cursor per driver connection, reused by every statement on it: a connection runs one
# statement at a time, and a cursor made per statement cost ~1 % of a checkout's CPU.
_cursors: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


async def _cursor(connection: AsyncConnection) -> Any:
    sync = connection.sync_connection
    driver: Any
    if sync is None or sync.invalidated:
        # Reconnecting may reach the database: SQLAlchemy does it in its greenlet.
        driver = (await connection.get_raw_connection()).driver_connection
    else:
        driver = sync.connection.driver_connection
    cursor = _cursors.get(driver)
    if cursor is None or cursor.closed:
        cursor = _cursors[driver] = driver.cursor()
    return cursor


def _compile(statement: ClauseElement, dialect: Dialect, keys: list[str], many: bool) -> _Compiled:
    compiled: Any = statement.compile(dialect=dialect, column_keys=keys, for_executemany=many)
    late = compiled.literal_execute_params or compiled.post_compile_params
    if dialect.name == "postgresql" and (compiled.positional or late):
        raise ValueError("a compiled statement takes named parameters rendered once")
    processors = {
        name: processor
        for name, bind in compiled.binds.items()
        if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
    }
    returned = statement.exported_columns if hasattr(statement, "exported_columns") else []
    return _Compiled(
        sql=compiled.string,
        construct=compiled.construct_params,
        bind_processors=processors,
        result_types=[column.type for column in returned],
        sqlalchemy=compiled,
        expands=bool(late),
    )


def _bind(compiled: _Compiled, params: Params) -> dict[str, Any]:
    bound = compiled.construct(params)
    for name, processor in compiled.bind_processors.items():
        if name in bound:
            bound[name] = processor(bound[name])
    return bound


def _sqlite_bound(compiled: _Compiled, params: Sequence[Params]) -> tuple[str, Any]:
    """The SQL and the positional parameters SQLite takes: SQLAlchemy's own compilation,
    its IN lists expanded for each execution."""
    sqlalchemy = compiled.sqlalchemy
    if not compiled.expands:
        order = sqlalchemy.positiontup
        rows = [_bind(compiled, one) for one in params]
        bound = [tuple(row[name] for name in order) for row in rows]
        return compiled.sql, bound if len(params) > 1 else bound[0]
    assert len(params) == 1, "an executemany takes no lists"
    state = sqlalchemy.construct_expanded_state(params[0])
    processors = state.processors
    values = {
        name: processors[name](value) if name in processors else value
        for name, value in state.parameters.items()
    }
    return state.statement, tuple(values[name] for name in state.positiontup)


def _row_maker(
    compiled: _Compiled, names: Sequence[str], type_codes: Sequence[Any], dialect: Dialect
) -> Callable[[Sequence[Any]], Any]:
    # Rows read by name, like SQLAlchemy's: the names are the statement's own labels.
    row_type = namedtuple("Row", names, rename=True)  # type: ignore[misc]
    processors = [
        kind.dialect_impl(dialect).result_processor(dialect, code)
        for kind, code in zip(compiled.result_types, type_codes, strict=True)
    ]
    if not any(processors):
        make_row: Callable[[Sequence[Any]], Any] = row_type._make
    else:

        def make_row(values: Sequence[Any]) -> Any:
            return row_type._make(
                value if process is None else process(value)
                for process, value in zip(processors, values, strict=True)
            )

    compiled.make_row = make_row
    return make_row


async def _wrapped(
    connection: AsyncConnection, cursor: Any, error: psycopg.Error, sql: str, params: Any
) -> exc.StatementError:
    dialect = connection.dialect
    lost = dialect.is_disconnect(error, cursor.connection, cursor)  # type: ignore[arg-type]
    if lost:
        # As SQLAlchemy does for a lost connection: this one is dropped, and so is every other
        # connection the pool made before, which a database restart took too.
        await connection.invalidate(error)
        await connection.engine.dispose(close=False)
    # The error SQLAlchemy itself raises for it (IntegrityError, OperationalError, …).
    return exc.DBAPIError.instance(
        sql,
        params,
        error,
        psycopg.Error,
        hide_parameters=True,
        connection_invalidated=lost,
        dialect=dialect,
        ismulti=isinstance(params, list),
    )
