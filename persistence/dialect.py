"""The few statements and conditions whose spelling differs between SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import JSON, Boolean, Table, any_, bindparam, func, insert, literal, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import CTE
from sqlalchemy.sql.visitors import InternalTraversal


def insert_for(connection: AsyncConnection, table: Table) -> Any:
    """An INSERT that knows ON CONFLICT, for the connection's database."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def built_once(build: Callable[[AsyncConnection], Any]) -> Callable[[AsyncConnection], Any]:
    """A dialect-specific statement, built the first time a database of that kind asks for
    it and reused after: building a statement costs more CPU than running a small one."""
    built: dict[str, Any] = {}

    def statement(connection: AsyncConnection) -> Any:
        name = connection.dialect.name
        if name not in built:
            built[name] = build(connection)
        return built[name]

    return statement


class Among(ColumnElement[bool]):
    """`column` is one of the values of the list parameter `name`. PostgreSQL gets
    `column = ANY(:name)` with the list as one array: the statement's text is the same for
    every length of list, so it is prepared once and reused. SQLite gets `IN (…)` with one
    placeholder per value, which SQLAlchemy renders anew for each execution."""

    inherit_cache = True
    type = Boolean()
    _is_implicitly_boolean = True  # a condition as it is, not `… = 1` on SQLite
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("name", InternalTraversal.dp_string),
    ]

    def __init__(self, column: ColumnElement[Any], name: str) -> None:
        self.column = column
        self.name = name


def among(column: ColumnElement[Any], name: str) -> Among:
    return Among(column, name)


def among_fixed(column: ColumnElement[Any], values: Iterable[str]) -> ColumnElement[bool]:
    """`column` is one of these values, each a parameter of its own: a plain `in_(values)`
    would be rendered anew at every execution, as if the list could change."""
    return column.in_([literal(value) for value in values])


@compiles(Among)
def _among_expanded(element: Among, compiler: SQLCompiler, **options: Any) -> str:
    return compiler.process(element.column.in_(bindparam(element.name, expanding=True)), **options)


@compiles(Among, "postgresql")
def _among_array(element: Among, compiler: SQLCompiler, **options: Any) -> str:
    values = bindparam(element.name, type_=postgresql.ARRAY(element.column.type))
    return compiler.process(element.column == any_(values), **options)


class RowsAsJson(ColumnElement[Any]):
    """The rows of `columns` that `where` picks, as one JSON array of arrays (one per row, the
    columns in the order given; JSON columns nested as JSON): a parent's children read in the
    parent's own statement. Rows come in no particular order; the reader sorts them."""

    inherit_cache = True
    type = JSON()
    _traverse_internals = [
        ("columns", InternalTraversal.dp_clauseelement_list),
        ("where", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, columns: Sequence[ColumnElement[Any]], where: ColumnElement[bool]) -> None:
        self.columns = list(columns)
        self.where = where


def rows_as_json(columns: Sequence[ColumnElement[Any]], where: ColumnElement[bool]) -> RowsAsJson:
    return RowsAsJson(columns, where)


@compiles(RowsAsJson)
def _rows_as_json_sqlite(element: RowsAsJson, compiler: SQLCompiler, **options: Any) -> str:
    # SQLite keeps JSON as text: json() nests it as JSON instead of as a string.
    values = [func.json(c) if isinstance(c.type, JSON) else c for c in element.columns]
    return _scalar(func.json_group_array(func.json_array(*values)), element, compiler, options)


@compiles(RowsAsJson, "postgresql")
def _rows_as_json_postgresql(element: RowsAsJson, compiler: SQLCompiler, **options: Any) -> str:
    aggregate = func.json_agg(func.json_build_array(*element.columns))
    return _scalar(aggregate, element, compiler, options)


def _scalar(
    aggregate: ColumnElement[Any], element: RowsAsJson, compiler: SQLCompiler, options: Any
) -> str:
    # Correlated to the enclosing statement's tables, whatever they are.
    subquery = select(aggregate).where(element.where).scalar_subquery()
    return compiler.process(subquery, **options)


def children_of(
    parent: CTE, key: str, table: Table, parent_column: str, fields: Sequence[str], prefix: str
) -> CTE:
    """PostgreSQL: the rows of `table` under the row `parent` (a WITH part that inserted it and
    returns its `key`) written in the same statement. The rows are bound as one array per
    column (`prefix` + field), so the statement's text is the same for any number of them."""
    rows = (
        func.unnest(
            *(
                bindparam(prefix + name, type_=postgresql.ARRAY(table.c[name].type))
                for name in fields
            )
        )
        .table_valued(*fields)
        .render_derived()
    )
    return (
        insert(table)
        .from_select(
            [parent_column, *fields],
            select(parent.c[key], *(rows.c[name] for name in fields)).select_from(
                parent.join(rows, true())
            ),
        )
        .cte(f"{table.name}_added")
    )


def children_bound(
    rows: Sequence[Mapping[str, Any]], fields: Sequence[str], prefix: str
) -> dict[str, list[Any]]:
    """The parameters of `children_of`'s rows: one list per field, named `prefix` + field."""
    return {prefix + name: [row[name] for row in rows] for name in fields}
