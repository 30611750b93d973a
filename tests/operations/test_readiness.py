"""`/readyz` answers 503 while the database is away or behind on its migrations, and 200 again
by itself as soon as it is back — also after the pool's own connections died with it."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tests.operations.conftest import ServeApp
from tests.support import POSTGRES_URL, Api

PRODUCTS = "query { products(first: 1) { totalCount } }"
NEEDS_POSTGRES = pytest.mark.skipif(
    not POSTGRES_URL, reason="CHECKOUT_FLOW_TEST_DATABASE_URL is not set"
)


def nothing_at(path: str) -> bool:
    return not os.path.exists(path)  # a local file, looked at once: no need to leave the loop


async def ready(api: Api) -> int:
    response = await api.client.get("/readyz")
    assert response.json()["status"] == ("ok" if response.status_code == 200 else "unavailable")
    return response.status_code


async def test_sqlite_file_moved_away_and_back(serve_app: ServeApp, sqlite_url: str) -> None:
    database = make_url(sqlite_url).database or ""
    away = database + ".away"
    async with serve_app(sqlite_url) as served, served.api() as api:
        assert await api.data(PRODUCTS)  # the pool holds a connection to the file now
        assert await ready(api) == 200
        os.replace(database, away)
        try:
            assert await ready(api) == 503
            # Nothing was made in its place.
            assert nothing_at(database)
        finally:
            os.replace(away, database)
        assert await ready(api) == 200


async def test_migrations_behind_then_current(serve_app: ServeApp, database_url: str) -> None:
    async with serve_app(database_url) as served, served.api() as api:
        engine = served.runtime.database.engine
        async with engine.begin() as connection:
            head = await connection.scalar(text("SELECT version_num FROM alembic_version"))
            await connection.execute(text("UPDATE alembic_version SET version_num = 'older'"))
        try:
            assert await ready(api) == 503
        finally:
            async with engine.begin() as connection:
                await connection.execute(
                    text("UPDATE alembic_version SET version_num = :head"), {"head": head}
                )
        assert await ready(api) == 200


class Relay:
    """A TCP relay to PostgreSQL that can be cut and restored on the same port: the database
    going away, as the app sees it, and coming back."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self.server: asyncio.Server | None = None
        self.pipes: set[asyncio.Task[None]] = set()
        self.writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in self.writers:
            writer.close()
        for pipe in self.pipes:
            pipe.cancel()
        await asyncio.gather(*self.pipes, return_exceptions=True)
        await self.server.wait_closed()
        self.server, self.pipes, self.writers = None, set(), set()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self.writers |= {writer, upstream_writer}
        for source, sink in ((reader, upstream_writer), (upstream_reader, writer)):
            task = asyncio.create_task(self._pipe(source, sink))
            self.pipes.add(task)

    @staticmethod
    async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
        sink.close()


@contextlib.asynccontextmanager
async def relayed(url: str) -> AsyncIterator[tuple[Relay, str]]:
    parsed = make_url(url)
    relay = Relay(parsed.host or "127.0.0.1", parsed.port or 5432)
    await relay.start()
    try:
        yield relay, parsed.set(host="127.0.0.1", port=relay.port).render_as_string(False)
    finally:
        if relay.server is not None:
            await relay.cut()


@NEEDS_POSTGRES
async def test_postgresql_away_and_back(serve_app: ServeApp, postgres_ready: bool) -> None:
    from tests.support import empty_postgres

    await empty_postgres(POSTGRES_URL)
    async with (
        relayed(POSTGRES_URL) as (relay, url),
        serve_app(url) as served,
        served.api() as api,
    ):
        assert await api.data(PRODUCTS)  # the pool holds connections through the relay
        assert await ready(api) == 200
        await relay.cut()
        assert await ready(api) == 503
        await relay.start()  # the same port: the app's URL is good again
        assert await ready(api) == 200
        # The pool heals itself: the first statement on a dead connection fails, and
        # SQLAlchemy then replaces the whole pool.
        for _ in range(3):
            answer = await api.call(PRODUCTS)
            if "errors" not in answer:
                break
        assert answer == {"data": {"products": {"totalCount": 0}}}


@NEEDS_POSTGRES
async def test_postgresql_pool_connections_terminated(
    serve_app: ServeApp, postgres_ready: bool
) -> None:
    from tests.support import empty_postgres

    await empty_postgres(POSTGRES_URL)
    async with serve_app(POSTGRES_URL) as served, served.api() as api:
        assert await api.data(PRODUCTS)
        async with served.runtime.database.engine.connect() as connection:
            await connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        assert await ready(api) == 200
