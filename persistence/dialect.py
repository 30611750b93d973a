"""The few statements whose spelling differs between SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


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
