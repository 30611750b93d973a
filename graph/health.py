"""`/healthz`: the process answers. `/readyz`: the database answers and is migrated.

Readiness is asked on a connection of its own, opened for the check and closed after it,
never one from the app's pool: a pooled connection may have died with a database restart (the
pool does not ping before use) and would keep the answer "not ready" after the database is
back, or — on SQLite — may still hold a database file that was moved away. A fresh
connection says how the database is now. On SQLite it opens the file read-write without
creating it, so a missing file is reported, not replaced by an empty one.
"""

from __future__ import annotations

import asyncio
import os
from functools import cache

from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool
from starlette.requests import Request
from starlette.responses import JSONResponse

from persistence.migration import head_revision

# A probe that waits longer than this is answered "not ready": a database that slow is.
CHECK_SECONDS = 3.0


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    probe: ReadinessProbe = request.app.state.readiness
    problem = await probe.problem()
    if problem is not None:
        return JSONResponse({"status": "unavailable", "database": problem}, 503)
    return JSONResponse({"status": "ok"})


@cache
def _head() -> str | None:
    return head_revision()  # read from the migration scripts once, not at every probe


class ReadinessProbe:
    def __init__(self, database_url: str) -> None:
        self.engine = _probe_engine(database_url)
        url = make_url(database_url)
        is_file = url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
        self.sqlite_file = url.database if is_file else None

    async def problem(self) -> str | None:
        """None when ready; else what is wrong, in words that hold no secret."""
        # Looked for first: aiosqlite leaves a thread behind when it fails to open a file.
        if self.sqlite_file is not None and not os.path.exists(self.sqlite_file):  # noqa: ASYNC240
            return "no database file"
        try:
            async with asyncio.timeout(CHECK_SECONDS), self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
                current = await connection.run_sync(
                    lambda sync: MigrationContext.configure(sync).get_current_revision()
                )
        except Exception as exc:  # any failure to reach the database means: not ready
            return type(exc).__name__
        return None if current == _head() else "migrations behind"

    async def close(self) -> None:
        await self.engine.dispose()


def _probe_engine(database_url: str) -> AsyncEngine:
    url = make_url(database_url)
    options: dict[str, object] = {"poolclass": NullPool}
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            url = url.set(database=f"file:{url.database}", query={**url.query, "mode": "rw"})
            url = url.update_query_dict({"uri": "true"})
    else:
        # The driver's own connect timeout, so a host that does not answer is not waited on
        # past the probe's time (the probe's timeout alone would leave the attempt running).
        options["connect_args"] = {"connect_timeout": int(CHECK_SECONDS)}
    return create_async_engine(url, **options)
