"""A runtime whose provider SDKs talk to the local fakes, and the two stores of `world.py`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from graph.runtime import Runtime
from tests.fakes.fixtures import runtime_on_fakes
from tests.fakes.mollie_fake import MollieFake
from tests.fakes.stripe_fake import StripeFake
from tests.security.world import World, build_world
from tests.support import Api, MovableClock


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("tests.fakes.fixtures"):
        config.pluginmanager.import_plugin("tests.fakes.fixtures")


@pytest.fixture
async def runtime(
    database_url: str,
    tmp_path: Path,
    clock: MovableClock,
    stripe_fake: StripeFake,
    mollie_fake: MollieFake,
) -> AsyncIterator[Runtime]:
    async with runtime_on_fakes(
        database_url,
        tmp_path,
        clock,
        stripe_fake,
        mollie_fake,
        provider_timeout_seconds=3.0,
    ) as runtime:
        yield runtime


@pytest.fixture
async def world(api: Api, stripe_fake: StripeFake, mollie_fake: MollieFake) -> World:
    return await build_world(api, stripe_fake, mollie_fake)
