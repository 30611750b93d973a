"""A payment provider that hangs, seen from outside a real `checkout-flow serve` process: the
call is cut off by CHECKOUT_FLOW_PROVIDER_TIMEOUT_SECONDS with PAYMENT_PROVIDER_ERROR, the
checkout stays as it was, and the process answers other requests while it waits.

The same in-process, for each provider and flow, with the fault shapes (errors, refused keys,
completion while the provider is down): tests/payments/test_provider_failures.py.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from graph.runtime import Runtime
from tests.checkout.flow import CREATE_PAYMENT, mutate, ready_to_pay, stock_shop
from tests.fakes.mollie_fake import MollieFake
from tests.fakes.stripe_fake import StripeFake
from tests.payments.flow import SET_CREDENTIALS
from tests.processes import served, service_env
from tests.snapshots import snapshot
from tests.support import Api, MovableClock, build_test_runtime, open_store, test_settings

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]
TIMEOUT_SECONDS = 1.0
PRODUCTS = "query { products(first: 5) { totalCount } }"


async def test_a_hanging_provider_is_cut_off_in_a_served_process(
    database_url: str,
    tmp_path: Path,
    clock: MovableClock,
    stripe_fake: StripeFake,
    mollie_fake: MollieFake,
    stripe_api_key: str,
    stripe_webhook_secret: str,
    mollie_api_key: str,
) -> None:
    setup = build_test_runtime(test_settings(database_url, tmp_path), clock)
    keys = await open_store(setup)
    env = service_env(
        database_url,
        tmp_path,
        CHECKOUT_FLOW_STRIPE_API_BASE=stripe_fake.base_url,
        CHECKOUT_FLOW_MOLLIE_API_BASE=mollie_fake.base_url,
        CHECKOUT_FLOW_PROVIDER_TIMEOUT_SECONDS=str(TIMEOUT_SECONDS),
        CHECKOUT_FLOW_RUN_WORKER="false",
    )
    try:
        with served(env, tmp_path) as base:
            async with httpx.AsyncClient(base_url=base, timeout=30) as client:
                api = Api(client, setup, clock, keys)
                await stock_shop(api)
                for name, key, secret in (
                    ("STRIPE", stripe_api_key, stripe_webhook_secret),
                    ("MOLLIE", mollie_api_key, None),
                ):
                    variables = {"provider": name, "apiKey": key, "webhookSecret": secret}
                    answer = await mutate(api, SET_CREDENTIALS, variables, key="secret")
                    assert answer["errors"] == [], answer
                for provider, fake in (("STRIPE", stripe_fake), ("MOLLIE", mollie_fake)):
                    await hangs_then_gives_up(api, setup, provider, fake)
    finally:
        await setup.close()


async def hangs_then_gives_up(
    api: Api, setup: Runtime, provider: str, fake: StripeFake | MollieFake
) -> None:
    token = await ready_to_pay(api, [{"sku": "LENS", "quantity": 1}])
    before = await snapshot(setup.database)
    fake.hang_next(5, seconds=20)
    started = time.monotonic()
    chosen = {"provider": provider, "returnUrl": "https://shop.example/thanks"}
    payment = asyncio.create_task(mutate(api, CREATE_PAYMENT, {"token": token, "input": chosen}))
    await asyncio.sleep(0.3)
    # The process is not stuck behind the provider: others are answered meanwhile.
    asked = time.monotonic()
    assert (await api.data(PRODUCTS))["products"]["totalCount"] == 3
    assert time.monotonic() - asked < TIMEOUT_SECONDS
    assert not payment.done(), payment.result()
    answer = await payment
    waited = time.monotonic() - started
    fake.faults.clear()
    assert [e["code"] for e in answer["errors"]] == ["PAYMENT_PROVIDER_ERROR"], answer
    assert answer["checkout"]["status"] == "ACTIVE"
    assert answer["checkout"]["payment"] is None
    # Bounded by the timeout (and one retry of Stripe's), not by how long the provider hangs.
    assert waited < 2 * TIMEOUT_SECONDS + 3, (provider, waited)
    assert await snapshot(setup.database) == before
