"""A whole invoice checkout through the tools alone, from an empty conversation to an order
number, and the same checkout seen from another store."""

from __future__ import annotations

from tests.checkout.flow import ADDRESS
from tests.mcp.served import Tools, key_headers, mcp_client, text
from tests.support import Api, open_store


async def test_invoice_checkout_through_the_tools(shop: Api, mcp_url: str) -> None:
    async with mcp_client(mcp_url, key_headers(shop.keys)) as session:
        tools = Tools(session)
        found = await tools.ok("search_products", search="lens")
        [lens] = found["products"]
        assert lens["sku"] == "LENS"
        assert lens["price"] == {"amount": "24.95", "currency": "EUR"}
        needed = {f["name"] for f in lens["metaDefinition"]["fields"] if f["required"]}
        assert needed == {"eye", "sphere"}
        assert "sphere" in found["summary"]

        cart = await tools.ok("create_cart", lines=[{"sku": "LENS", "quantity": 2}])
        cart_id = cart["cart"]["id"]
        assert cart["cart"]["subtotal"]["amount"] == "49.90"

        started = await tools.ok("initiate_checkout", cartId=cart_id)
        token = started["checkout"]["token"]
        assert started["checkout"]["status"] == "ACTIVE"
        assert token in started["summary"]  # the text alone lets the assistant go on

        customer = await tools.ok(
            "set_customer",
            token=token,
            input={
                "email": "ada@example.com",
                "name": "Ada",
                "shippingAddress": ADDRESS,
                "shippingMethodId": "standard",
                "billingAddress": None,  # assistants send null for "not given"
            },
        )
        # 49.90 + 4.95 shipping; tax 21 % in NL: 10.48 on the lenses + 1.04 on shipping
        assert customer["checkout"]["totals"]["total"]["amount"] == "66.37"
        assert customer["checkout"]["shippingMethod"]["id"] == "standard"

        meta = await tools.ok(
            "set_line_meta", token=token, productSku="LENS", meta={"eye": "LEFT", "sphere": "-1.25"}
        )
        assert meta["checkout"]["items"][0]["meta"] == {"eye": "LEFT", "sphere": "-1.25"}

        paid = await tools.ok("create_payment", token=token, input={"provider": "INVOICE"})
        assert paid["checkout"]["status"] == "COMPLETABLE"
        assert paid["checkout"]["payment"]["provider"] == "INVOICE"
        assert "invoice" in paid["summary"]
        assert "complete_checkout" in paid["summary"]

        done = await tools.ok("complete_checkout", token=token)
        number = done["order"]["number"]
        assert number.startswith("CF-")
        assert done["order"]["status"] == "PENDING"
        assert done["order"]["paymentStatus"] == "UNPAID"
        assert done["order"]["lines"][0]["meta"] == {"eye": "LEFT", "sphere": "-1.25"}
        assert number in done["summary"]

        again = await tools.ok("complete_checkout", token=token)
        assert again["order"]["id"] == done["order"]["id"]

        status = await session.call_tool("checkout-flow_get_checkout_status", {"token": token})
        assert not status.is_error
        checkout = status.structured_content["checkout"]
        assert checkout["status"] == "COMPLETED"
        assert checkout["order"]["number"] == number
        assert checkout["items"][0]["sku"] == "LENS"
        assert checkout["payment"]["status"] == "PENDING"
        words = text(status)
        assert number in words
        assert "66.37 EUR" in words
        assert "Lenses" in words


async def test_the_token_alone_opens_its_checkout(shop: Api, mcp_url: str) -> None:
    async with mcp_client(mcp_url, key_headers(shop.keys)) as session:
        cart = await Tools(session).ok("create_cart", lines=[{"sku": "CASE", "quantity": 1}])
        started = await Tools(session).ok("initiate_checkout", cartId=cart["cart"]["id"])
    token = started["checkout"]["token"]
    # As over GraphQL: a token operation needs no store key.
    async with mcp_client(mcp_url, {}) as session:
        status = await Tools(session).ok("get_checkout_status", token=token)
        assert status["checkout"]["items"][0]["sku"] == "CASE"


async def test_another_stores_token_is_not_found(shop: Api, mcp_url: str) -> None:
    async with mcp_client(mcp_url, key_headers(shop.keys)) as session:
        cart = await Tools(session).ok("create_cart", lines=[{"sku": "CASE", "quantity": 1}])
        started = await Tools(session).ok("initiate_checkout", cartId=cart["cart"]["id"])
    token = started["checkout"]["token"]
    other = await open_store(shop.runtime, "Other shop")
    for which in ("public", "secret"):
        async with mcp_client(mcp_url, key_headers(other, which)) as session:
            tools = Tools(session)
            not_found = [("NOT_FOUND", ["token"])]
            assert await tools.refused("get_checkout_status", token=token) == not_found
            assert await tools.refused("cancel_checkout", token=token) == not_found
            assert await tools.refused("complete_checkout", token=token) == not_found
            assert (
                await tools.refused("set_customer", token=token, input={"email": "eve@example.com"})
                == not_found
            )
            # Nor is its cart.
            assert await tools.refused("initiate_checkout", cartId=cart["cart"]["id"]) == [
                ("NOT_FOUND", ["cartId"])
            ]
    async with mcp_client(mcp_url, key_headers(shop.keys)) as session:
        status = await Tools(session).ok("get_checkout_status", token=token)
        assert status["checkout"]["status"] == "ACTIVE"  # untouched
