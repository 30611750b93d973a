from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from graph import parser_cache
from graph.runtime import Runtime
from tests import secrets_registry
from tests.secrets_registry import REGISTRY, Leak
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


# --- no secret in any log line or answer of the whole run (tests/secrets_registry.py) -------


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The documents validated from now on: what the validation cache did not know."""
    validated: list[object] = []
    validate = parser_cache.validate_document

    def counted(schema: Any, document: Any, rules: Any) -> Any:
        validated.append(document)
        return validate(schema, document, rules)

    monkeypatch.setattr(parser_cache, "validate_document", counted)
    return validated


def pytest_configure(config: pytest.Config) -> None:
    secrets_registry.install()
    # The provider fakes' fixtures, for every test that asks for them (servers start when asked).
    config.pluginmanager.import_plugin("tests.fakes.fixtures")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_logstart(nodeid: str, location: tuple[str, int | None, str]) -> None:
    REGISTRY.current = nodeid


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # What the test printed or logged, subprocesses writing to the captured stdout included.
    for title, content in report.sections:
        if title.startswith("Captured"):
            secrets_registry.heard_log(content, f"{report.nodeid} ({title})")


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fails the run when a secret any test registered shows in what the service said."""
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is not None:
        # The log files of `serve` and `worker` processes the tests ran.
        REGISTRY.scan_files(sorted(factory.getbasetemp().rglob("*.log")))
    leaks = REGISTRY.leaks()
    session.config.stash[LEAKS] = leaks
    if leaks and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


LEAKS = pytest.StashKey[list[Leak]]()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    leaks = terminalreporter.config.stash.get(LEAKS, [])
    if not leaks and REGISTRY.secrets:
        terminalreporter.write_line(
            f"secrets: {len(REGISTRY.secrets)} made, {len(REGISTRY.log_only)} tokens handed "
            f"out; none in {REGISTRY.lines_heard} log texts or {REGISTRY.answers_heard} answers"
        )
    if leaks:
        terminalreporter.section("secrets in logs or answers", red=True)
        for leak in leaks[:50]:
            terminalreporter.line(leak.shown())
        terminalreporter.line(f"{len(leaks)} in all; the run fails (tests/secrets_registry.py)")
