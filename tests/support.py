"""What most tests need: a clean database on each backend, the app over HTTP, a store, a clock
the test can move, and a counter of SQL statements."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event, text

from domain import store_setup
from domain.errors import Rejected
from domain.store import IssuedKeys
from graph.app import create_app
from graph.runtime import Runtime, build_runtime
from graph.settings import Settings
from persistence.database import Database
from persistence.migration import upgrade
from persistence.tables import metadata
from tests.secrets_registry import register

POSTGRES_URL = os.environ.get("CHECKOUT_FLOW_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("CHECKOUT_FLOW_TEST_REDIS_URL", "")
TEST_VAULT_KEY = "dGVzdC12YXVsdC1rZXktMzItYnl0ZXMtbG9uZy4uLi4="
register(TEST_VAULT_KEY, made_by="tests/support.py (the vault key)")


class MovableClock:
    """Real time plus an offset a test can add to, to reach expiry without waiting."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


async def migrated_sqlite_template(directory: Path) -> Path:
    template = directory / "template.db"
    if not template.exists():
        database = Database(f"sqlite+aiosqlite:///{template}")
        await upgrade(database)
        await database.dispose()
    return template


def fresh_sqlite_url(template: Path, directory: Path) -> str:
    target = directory / "checkout_flow.db"
    shutil.copyfile(template, target)
    return f"sqlite+aiosqlite:///{target}"


async def prepare_postgres(url: str) -> None:
    """A fresh migrated schema, once per session."""
    database = Database(url)
    async with database.engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await upgrade(database)
    await database.dispose()


async def empty_postgres(url: str) -> None:
    """Every row gone, children before parents. A DELETE of the few rows a test leaves costs
    a fraction of a TRUNCATE of every table, which PostgreSQL does by making new files."""
    database = Database(url)
    async with database.engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            await connection.execute(table.delete())
    await database.dispose()


def test_settings(database_url: str, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "vault_key": TEST_VAULT_KEY,
        "mail_dir": tmp_path / "mail",
        "public_base_url": "http://checkout.test",
        "run_worker": False,
        "database_pool_size": 20,
        # Every test's requests come from one address; the tests of the limits set them.
        "rate_limit_per_minute_ip": 0,
        "rate_limit_per_minute_store": 0,
        "websocket_connections_per_ip": 0,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


test_settings.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


@dataclass
class Api:
    """The GraphQL endpoint over HTTP, as a client sees it."""

    client: httpx.AsyncClient
    runtime: Runtime
    clock: MovableClock
    keys: IssuedKeys | None = None
    sent: list[dict[str, Any]] = field(default_factory=list)

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        return await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers or {}
        )

    async def call(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        key: str | None = "public",
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """The JSON answer; `key` is 'public', 'secret', None, or a literal key."""
        sent = dict(headers or {})
        if key == "public":
            assert self.keys is not None
            sent["X-Store-Key"] = self.keys.public_key
        elif key == "secret":
            assert self.keys is not None
            sent["Authorization"] = f"Bearer {self.keys.secret_key}"
        elif key is not None:
            sent["Authorization"] = f"Bearer {key}"
        response = await self.post(query, variables, headers=sent)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, **options: Any
    ) -> Any:
        """`data` of an answer that must have no top-level errors."""
        answer = await self.call(query, variables, **options)
        assert "errors" not in answer, answer
        return answer["data"]


async def open_store(
    runtime: Runtime, name: str = "Test shop", currency: str = "EUR", **settings: Any
) -> IssuedKeys:
    issued = await store_setup.create_store(
        runtime.ports, name, currency, allow_invoice_checkout=settings.pop("allow_invoice", True)
    )
    assert not isinstance(issued, Rejected)
    register(issued.secret_key, made_by=f"open_store({name!r})")
    if settings:
        outcome = await store_setup.update_store_settings(
            runtime.ports, issued.store_id, store_setup.SettingsInput(**settings)
        )
        assert not isinstance(outcome, Rejected), outcome
    return issued


@dataclass
class StatementLog:
    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@contextmanager
def counted_statements(database: Database) -> Iterator[StatementLog]:
    """Every SQL statement the app sends (an executemany counts once), except transaction
    control, which PostgreSQL's driver does not send as statements either."""
    log = StatementLog()

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            log.statements.append(statement)

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield log
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", record)


async def api_for(runtime: Runtime, clock: MovableClock) -> AsyncIterator[Api]:
    app = create_app(runtime=runtime)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://checkout.test") as client:
        yield Api(client, runtime, clock)


def build_test_runtime(settings: Settings, clock: MovableClock) -> Runtime:
    return build_runtime(settings, clock)
