"""What the operations tests share: an app built from settings of the test's choosing, clients
that come from an address of the test's choosing, and the log lines the app writes."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from domain.store import IssuedKeys
from graph.app import create_app
from graph.runtime import Runtime
from tests.fakes.mollie_fake import MollieFake
from tests.fakes.stripe_fake import StripeFake
from tests.payments.flow import Shop, connect
from tests.support import (
    Api,
    MovableClock,
    build_test_runtime,
    fresh_sqlite_url,
    open_store,
    test_settings,
)

BASE_URL = "http://checkout.test"
# Short, so that a provider that hangs shows quickly; the fakes answer in milliseconds.
PROVIDER_TIMEOUT_SECONDS = 2.0
DEFAULT_PEER = ("192.0.2.10", 50000)


@dataclass
class Served:
    """An app, its runtime and a store, for clients from any address."""

    app: Starlette
    runtime: Runtime
    clock: MovableClock
    keys: IssuedKeys

    @asynccontextmanager
    async def api(self, peer: str = DEFAULT_PEER[0]) -> AsyncIterator[Api]:
        """A client whose connection comes from `peer`."""
        transport = httpx.ASGITransport(app=self.app, client=(peer, 50000))
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            yield Api(client, self.runtime, self.clock, self.keys)


ServeApp = Callable[..., AbstractAsyncContextManager[Served]]


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    return fresh_sqlite_url(sqlite_template, tmp_path)


@pytest.fixture
def serve_app(tmp_path: Path, clock: MovableClock) -> ServeApp:
    """`async with serve_app(database_url, **settings) as served`: the app on those settings
    (the tests' defaults otherwise), with one store."""

    @asynccontextmanager
    async def serve(database_url: str, **overrides: Any) -> AsyncIterator[Served]:
        runtime = build_test_runtime(test_settings(database_url, tmp_path, **overrides), clock)
        try:
            app = create_app(runtime=runtime)
            yield Served(app, runtime, clock, await open_store(runtime))
        finally:
            await runtime.close()

    return serve


ServeShop = Callable[..., AbstractAsyncContextManager[tuple[Served, Shop]]]


@pytest.fixture
def serve_shop(
    serve_app: ServeApp,
    stripe_fake: StripeFake,
    mollie_fake: MollieFake,
    stripe_api_key: str,
    stripe_webhook_secret: str,
    mollie_api_key: str,
) -> ServeShop:
    """`serve_app` with the SDKs pointed at the provider fakes and the store connected to both,
    stocked and shipping (tests/payments/flow.py)."""

    @asynccontextmanager
    async def serve(database_url: str, **overrides: Any) -> AsyncIterator[tuple[Served, Shop]]:
        async with (
            serve_app(
                database_url,
                stripe_api_base=stripe_fake.base_url,
                mollie_api_base=mollie_fake.base_url,
                provider_timeout_seconds=PROVIDER_TIMEOUT_SECONDS,
                **overrides,
            ) as served,
            served.api() as api,
        ):
            shop = Shop(
                api, stripe_fake, mollie_fake, stripe_api_key, stripe_webhook_secret, mollie_api_key
            )
            await connect(shop)
            yield served, shop

    return serve


class LogLines:
    """What the app logs, taken from the handler `configure_logging` installed."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()

    def attach(self) -> None:
        """After the app was made (making it configures the logging)."""
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(self.buffer)

    @property
    def text(self) -> str:
        return self.buffer.getvalue()

    def json(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]


@pytest.fixture
def log_lines() -> LogLines:
    return LogLines()
