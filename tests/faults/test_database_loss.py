"""The database goes away in the middle of a completion: the client gets a masked "Internal
server error" with a request id, nothing of the half-done completion is stored, and once the
database is back the next requests succeed without a restart.

On PostgreSQL the app talks to the database through a TCP proxy the test cuts exactly when the
completion sends its order lines (the order row is already written in the open transaction);
on SQLite, where there is no connection to lose, the same statement fails with the error a
failing disk gives.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import event, func, select

from persistence.database import Database
from persistence.tables import orders, outbox
from tests.checkout.flow import COMPLETE, PRODUCT, invoiced, stock_shop
from tests.faults.tcp_proxy import TcpProxy
from tests.snapshots import snapshot
from tests.support import (
    POSTGRES_URL,
    Api,
    MovableClock,
    api_for,
    build_test_runtime,
    empty_postgres,
    open_store,
    test_settings,
)

LINES = [{"sku": "LENS", "quantity": 2}]
UNMASKED = ("Traceback", 'File "', "psycopg", "sqlite", "sqlalchemy", "OperationalError")


def via(proxy: TcpProxy, url: str) -> str:
    parts = urlsplit(url)
    host = f"{parts.username}@" if parts.username else ""
    return urlunsplit(parts._replace(netloc=f"{host}127.0.0.1:{proxy.port}"))


class Fault:
    """Fails the first statement that writes order lines, once armed."""

    def __init__(self, database: Database, strike: Callable[[], None]) -> None:
        self.armed = False
        self.struck = 0
        self._strike = strike
        event.listen(database.engine.sync_engine, "before_cursor_execute", self._before)

    def _before(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if self.armed and "INSERT INTO ORDER_LINES" in statement.upper():
            self.armed = False
            self.struck += 1
            self._strike()


async def facts(database: Database, store_id: str) -> tuple[int, int]:
    """Orders and outbox messages of the store: what a half-done completion would leave."""
    async with database.connect() as connection:
        made = await connection.scalar(
            select(func.count()).select_from(orders).where(orders.c.store_id == store_id)
        )
        queued = await connection.scalar(
            select(func.count()).select_from(outbox).where(outbox.c.store_id == store_id)
        )
    return int(made or 0), int(queued or 0)


def assert_masked(response: Any) -> None:
    answer = response.json()
    assert answer["data"] is None, answer
    [error] = answer["errors"]
    assert error["message"] == "Internal server error"
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert error["extensions"]["requestId"] == response.headers["x-request-id"]
    for word in UNMASKED:
        assert word not in response.text


@pytest.fixture
async def postgres_via_proxy(
    postgres_ready: bool, tmp_path: Path, clock: MovableClock
) -> AsyncIterator[tuple[Api, TcpProxy, Database]]:
    if not postgres_ready:
        pytest.skip("CHECKOUT_FLOW_TEST_DATABASE_URL is not set")
    await empty_postgres(POSTGRES_URL)
    target = urlsplit(POSTGRES_URL)
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 5432)
    await proxy.start()
    runtime = build_test_runtime(
        test_settings(via(proxy, POSTGRES_URL), tmp_path, log_format="json"), clock
    )
    direct = Database(POSTGRES_URL)
    try:
        async for api in api_for(runtime, clock):
            api.keys = await open_store(runtime)
            yield api, proxy, direct
    finally:
        await proxy.close()
        await runtime.close()
        await direct.dispose()


@pytest.mark.postgres
async def test_postgresql_lost_mid_completion(
    postgres_via_proxy: tuple[Api, TcpProxy, Database],
) -> None:
    api, proxy, direct = postgres_via_proxy
    assert api.keys is not None
    await stock_shop(api)
    token = await invoiced(api, LINES)
    # Stock, cart, checkout and outbox were written in the transaction the connection took
    # with it: gone.
    before = await completion_struck(api, token, Fault(api.runtime.database, proxy.cut), direct)

    # While the database is away: masked again, and not ready.
    assert_masked(await api.post(COMPLETE, {"token": token}, headers={}))
    assert (await api.client.get("/readyz")).status_code == 503
    assert await snapshot(direct) == before

    await proxy.restore()
    await recovers(api, token, direct)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_sqlite_failing_mid_completion(
    database_url: str, tmp_path: Path, clock: MovableClock
) -> None:
    def disk_fails() -> None:
        raise sqlite3.OperationalError("disk I/O error")

    runtime = build_test_runtime(test_settings(database_url, tmp_path, log_format="json"), clock)
    direct = Database(database_url)
    try:
        async for api in api_for(runtime, clock):
            api.keys = await open_store(runtime)
            await stock_shop(api)
            token = await invoiced(api, LINES)
            await completion_struck(api, token, Fault(runtime.database, disk_fails), direct)
            await recovers(api, token, direct)
    finally:
        await runtime.close()
        await direct.dispose()


async def completion_struck(api: Api, token: str, fault: Fault, direct: Database) -> Any:
    """Completes with the fault armed: the shopper gets the masked error and the database is as
    it was, no order and no outbox row. Returns the database as it was."""
    assert api.keys is not None
    before = await snapshot(direct)
    fault.armed = True
    response = await api.post(COMPLETE, {"token": token}, headers={})
    assert fault.struck == 1
    assert_masked(response)
    assert await snapshot(direct) == before
    assert await facts(direct, api.keys.store_id) == (0, 0)
    return before


async def recovers(api: Api, token: str, direct: Database) -> None:
    """The next requests succeed, on the same app: one order, stock taken once, one mail."""
    assert api.keys is not None
    done = await api.data(COMPLETE, {"token": token})
    assert done["completeCheckout"]["errors"] == [], done
    again = await api.data(COMPLETE, {"token": token})
    assert again["completeCheckout"]["order"]["id"] == done["completeCheckout"]["order"]["id"]
    assert (await api.data(PRODUCT, {"sku": "LENS"}))["product"]["stock"] == 8
    assert await facts(direct, api.keys.store_id) == (1, 1)
    assert (await api.client.get("/readyz")).status_code == 200


def test_the_proxy_url_keeps_user_and_database() -> None:
    proxy = TcpProxy("127.0.0.1", 5432)
    url = via(proxy, "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    assert url == f"postgresql+psycopg://postgres@127.0.0.1:{proxy.port}/test"
