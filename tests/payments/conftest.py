"""A runtime whose Stripe and Mollie SDKs talk to the local test doubles, and a store connected
to both (each test its own fresh provider accounts)."""

from __future__ import annotations

import pytest

from tests.fakes.fixtures import runtime_on_fakes
from tests.fakes.mollie_fake import MollieFake
from tests.fakes.stripe_fake import StripeFake
from tests.payments.flow import Shop, connect
from tests.support import Api

# Short, so that a provider that hangs shows quickly; the fakes answer in milliseconds.
PROVIDER_TIMEOUT_SECONDS = 2.0


runtime = runtime_on_fakes(provider_timeout_seconds=PROVIDER_TIMEOUT_SECONDS)


@pytest.fixture
async def shop(
    api: Api,
    stripe_fake: StripeFake,
    mollie_fake: MollieFake,
    stripe_api_key: str,
    stripe_webhook_secret: str,
    mollie_api_key: str,
) -> Shop:
    """The store of `api` with products, shipping, tax, and both providers connected."""
    shop = Shop(
        api, stripe_fake, mollie_fake, stripe_api_key, stripe_webhook_secret, mollie_api_key
    )
    await connect(shop)
    return shop
