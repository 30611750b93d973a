"""A runtime whose provider SDKs talk to the local fakes, and the two stores of `world.py`."""

from __future__ import annotations

import pytest

from tests.fakes.fixtures import runtime_on_fakes
from tests.fakes.mollie_fake import MollieFake
from tests.fakes.stripe_fake import StripeFake
from tests.security.world import World, build_world
from tests.support import Api

runtime = runtime_on_fakes(provider_timeout_seconds=3.0)


@pytest.fixture
async def world(api: Api, stripe_fake: StripeFake, mollie_fake: MollieFake) -> World:
    return await build_world(api, stripe_fake, mollie_fake)
