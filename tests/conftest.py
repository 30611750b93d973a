from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from graph.runtime import Runtime
from tests.support import (
    POSTGRES_URL,
    Api,
    MovableClock,
    api_for,
    build_test_runtime,
    empty_postgres,
    fresh_sqlite_url,
    migrated_sqlite_template,
    open_store,
    prepare_postgres,
    test_settings,
)

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=pytest.mark.skipif(
            not POSTGRES_URL, reason="CHECKOUT_FLOW_TEST_DATABASE_URL is not set"
        ),
    ),
]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Session fixtures run their async set-up on a loop of their own.
    return asyncio.run(migrated_sqlite_template(tmp_path_factory.mktemp("sqlite-template")))


@pytest.fixture(scope="session")
def postgres_ready() -> bool:
    if POSTGRES_URL:
        asyncio.run(prepare_postgres(POSTGRES_URL))
    return bool(POSTGRES_URL)


@pytest.fixture(params=BACKENDS)
async def database_url(
    request: pytest.FixtureRequest, sqlite_template: Path, postgres_ready: bool, tmp_path: Path
) -> str:
    """A clean, migrated database for this test, on each backend in turn."""
    if request.param == "sqlite":
        return fresh_sqlite_url(sqlite_template, tmp_path)
    await empty_postgres(POSTGRES_URL)
    return POSTGRES_URL


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
async def runtime(database_url: str, tmp_path: Path, clock: MovableClock) -> AsyncIterator[Runtime]:
    runtime = build_test_runtime(test_settings(database_url, tmp_path), clock)
    yield runtime
    await runtime.close()


@pytest.fixture
async def api(runtime: Runtime, clock: MovableClock) -> AsyncIterator[Api]:
    """The GraphQL API over HTTP with one store, whose keys `api.call` sends."""
    async for api in api_for(runtime, clock):
        api.keys = await open_store(runtime)
        yield api
