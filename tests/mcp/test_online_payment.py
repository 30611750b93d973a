"""An online payment through the tools: a link the assistant hands to the shopper, then the
order, placed by Mollie's webhook, in the checkout's status."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from graph.runtime import Runtime
from tests.checkout.flow import CUSTOMER, mutate
from tests.fakes.mollie_fake import MollieFake
from tests.mcp.served import Tools, key_headers, mcp_client, text
from tests.support import Api, MovableClock, build_test_runtime, test_settings

SET_CREDENTIALS = """mutation($provider: PaymentProvider!, $apiKey: String!) { setProviderCredentials(provider: $provider, apiKey: $apiKey) { errors { code field message } } }"""


@pytest.fixture
async def runtime(
    database_url: str, tmp_path: Path, clock: MovableClock, mollie_fake: MollieFake
) -> AsyncIterator[Runtime]:
    settings = test_settings(database_url, tmp_path, mollie_api_base=mollie_fake.base_url)
    runtime = build_test_runtime(settings, clock)
    yield runtime
    await runtime.close()


async def test_mollie_link_for_the_shopper_then_the_order(
    shop: Api, mcp_url: str, mollie_fake: MollieFake, mollie_api_key: str
) -> None:
    connected = await mutate(
        shop, SET_CREDENTIALS, {"provider": "MOLLIE", "apiKey": mollie_api_key}, key="secret"
    )
    assert connected["errors"] == [], connected
    async with mcp_client(mcp_url, key_headers(shop.keys)) as session:
        tools = Tools(session)
        cart = await tools.ok("create_cart", lines=[{"sku": "CASE", "quantity": 2}])
        started = await tools.ok("initiate_checkout", cartId=cart["cart"]["id"])
        token = started["checkout"]["token"]
        await tools.ok("set_customer", token=token, input=CUSTOMER)

        opened = await tools.call(
            "create_payment",
            token=token,
            input={"provider": "MOLLIE", "returnUrl": "https://shop.example/thanks"},
        )
        assert not opened.is_error, text(opened)
        checkout = opened.structured_content["checkout"]
        payment = checkout["payment"]
        assert checkout["status"] == "PAYMENT_PENDING"
        link = payment["redirectUrl"]
        assert link == mollie_fake.get(payment["externalId"])["_links"]["checkout"]["href"]
        total = checkout["totals"]["total"]["amount"]
        # The first words are for the shopper, link included.
        first_line = text(opened).splitlines()[0]
        assert first_line == f"Please pay {total} EUR with Mollie here: {link}"

        pending = await tools.ok("get_checkout_status", token=token)
        assert pending["checkout"]["status"] == "PAYMENT_PENDING"
        assert link in pending["summary"]

        mollie_fake.pay(payment["externalId"])
        webhook = mcp_url.removesuffix("/mcp") + f"/webhooks/mollie/{shop.keys.store_id}"  # type: ignore[union-attr]
        async with httpx.AsyncClient() as http:
            delivered = await http.post(
                webhook,
                content=f"id={payment['externalId']}".encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
        assert delivered.status_code == 200, delivered.text

        done = await tools.ok("get_checkout_status", token=token)
        assert done["checkout"]["status"] == "COMPLETED"
        assert done["checkout"]["payment"]["status"] == "PAID"
        number = done["checkout"]["order"]["number"]
        assert done["checkout"]["order"]["paymentStatus"] == "PAID"
        assert f"Done: order {number}." in done["summary"]
