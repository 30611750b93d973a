from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from domain.store import IssuedKeys
from graph.app import create_app
from graph.event_hub import EventHub
from graph.runtime import Runtime
from tests.subscriptions.threaded_server import ThreadedServer, serving
from tests.support import (
    Api,
    MovableClock,
    build_test_runtime,
    fresh_sqlite_url,
    open_store,
    test_settings,
)


@dataclass
class Served:
    """The app on a loopback port, a client of it with the first store's keys, and a second
    store."""

    server: ThreadedServer
    api: Api
    runtime: Runtime
    hub: EventHub
    other: IssuedKeys

    @property
    def keys(self) -> IssuedKeys:
        assert self.api.keys is not None
        return self.api.keys


@pytest.fixture
async def served(
    sqlite_template: Path, tmp_path: Path, clock: MovableClock
) -> AsyncIterator[Served]:
    """On SQLite only: test_processes.py runs the same on PostgreSQL, across processes."""
    settings = test_settings(fresh_sqlite_url(sqlite_template, tmp_path), tmp_path)
    # The stores are opened through a runtime of their own: an engine's connections belong to
    # the loop that made them, and the served runtime's live on the server's loop.
    setup = build_test_runtime(settings, clock)
    try:
        keys = await open_store(setup)
        other = await open_store(setup, "Other shop")
    finally:
        await setup.close()
    runtime = build_test_runtime(settings, clock)
    app = create_app(runtime=runtime)
    with serving(app) as server:
        try:
            async with httpx.AsyncClient(base_url=server.url) as client:
                yield Served(
                    server, Api(client, runtime, clock, keys), runtime, app.state.hub, other
                )
        finally:
            await server.call(runtime.close())
