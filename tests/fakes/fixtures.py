"""pytest fixtures for the provider fakes; load with `pytest_plugins = ["tests.fakes.fixtures"]`.

One server per fake for the whole session (starting uvicorn costs more than a test); each test
gets it reset: no objects, faults, log entries, webhooks or refused keys left from another.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from graph.runtime import Runtime
from tests.fakes.mollie_fake import MollieFake
from tests.fakes.server import LoopbackServer
from tests.fakes.stripe_fake import StripeFake
from tests.secrets_registry import register
from tests.support import MovableClock, build_test_runtime, test_settings

__all__ = [
    "mollie_api_key",
    "mollie_fake",
    "mollie_fake_server",
    "stripe_api_key",
    "stripe_fake",
    "stripe_fake_server",
    "stripe_webhook_secret",
]


@pytest.fixture(scope="session")
def stripe_fake_server() -> Iterator[StripeFake]:
    fake = StripeFake()
    server = LoopbackServer(fake.app)
    fake.base_url = server.start()
    yield fake
    fake.faults.close()
    server.stop()


@pytest.fixture
def stripe_fake(stripe_fake_server: StripeFake) -> Iterator[StripeFake]:
    stripe_fake_server.reset()
    yield stripe_fake_server
    stripe_fake_server.reset()


@pytest.fixture(scope="session")
def mollie_fake_server() -> Iterator[MollieFake]:
    fake = MollieFake()
    server = LoopbackServer(fake.app)
    fake.base_url = server.start()
    yield fake
    fake.faults.close()
    server.stop()


@pytest.fixture
def mollie_fake(mollie_fake_server: MollieFake) -> Iterator[MollieFake]:
    mollie_fake_server.reset()
    yield mollie_fake_server
    mollie_fake_server.reset()


@pytest.fixture
def stripe_api_key() -> str:
    """A fresh test-mode secret key: a Stripe account of its own."""
    key = "sk_test_" + secrets.token_hex(12)
    register(key, made_by="the stripe_api_key fixture")
    return key


@pytest.fixture
def stripe_webhook_secret() -> str:
    secret = "whsec_" + secrets.token_hex(16)
    register(secret, made_by="the stripe_webhook_secret fixture")
    return secret


@pytest.fixture
def mollie_api_key() -> str:
    """A fresh test API key, 30 characters after `test_` as Mollie issues them."""
    key = "test_" + secrets.token_hex(15)
    register(key, made_by="the mollie_api_key fixture")
    return key


def runtime_on_fakes(*, provider_timeout_seconds: float) -> Any:
    """A `runtime` fixture: the service's runtime with both providers' SDKs pointed at the
    fakes. A conftest takes it as its own with `runtime = runtime_on_fakes(...)`."""

    @pytest.fixture
    async def runtime(
        database_url: str,
        tmp_path: Path,
        clock: MovableClock,
        stripe_fake: StripeFake,
        mollie_fake: MollieFake,
    ) -> AsyncIterator[Runtime]:
        settings = test_settings(
            database_url,
            tmp_path,
            stripe_api_base=stripe_fake.base_url,
            mollie_api_base=mollie_fake.base_url,
            provider_timeout_seconds=provider_timeout_seconds,
        )
        built = build_test_runtime(settings, clock)
        try:
            yield built
        finally:
            await built.close()

    return runtime
