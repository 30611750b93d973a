"""`/healthz`: the process answers. `/readyz`: the database answers and is migrated."""

from __future__ import annotations

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse

from graph.runtime import Runtime
from persistence.migration import is_current


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    runtime: Runtime = request.app.state.runtime
    try:
        async with runtime.database.connect() as connection:
            await connection.execute(text("SELECT 1"))
        migrated = await is_current(runtime.database)
    except Exception as exc:  # any failure to reach the database means: not ready
        return JSONResponse({"status": "unavailable", "database": type(exc).__name__}, 503)
    if not migrated:
        return JSONResponse({"status": "unavailable", "database": "migrations behind"}, 503)
    return JSONResponse({"status": "ok"})
