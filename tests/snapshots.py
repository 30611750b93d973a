"""The whole database as plain Python data, to show that a refused change stored nothing.

before = await snapshot(api.runtime.database)
...a mutation that must be refused...
assert await snapshot(api.runtime.database) == before
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from persistence.database import Database
from persistence.tables import metadata

Snapshot = dict[str, list[tuple[tuple[str, Any], ...]]]


def _comparable(value: Any) -> Any:
    # JSON columns come back as dicts and lists; everything else compares as it is.
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, default=str)
    return value


async def snapshot(database: Database) -> Snapshot:
    """Every row of every table, each as (column, value) pairs, in a stable order."""
    tables: Snapshot = {}
    async with database.connect() as connection:
        for table in metadata.sorted_tables:
            rows = (await connection.execute(select(table))).mappings().all()
            tables[table.name] = sorted(
                (tuple((name, _comparable(value)) for name, value in row.items()) for row in rows),
                key=repr,
            )
    return tables


def row_count(tables: Snapshot) -> int:
    return sum(len(rows) for rows in tables.values())
