"""Every refusal comes back as an isError result with the code and field path GraphQL gives
for the same request, and a missing or wrong credential is refused as GraphQL refuses it."""

from __future__ import annotations

from typing import Any

import pytest

from graph.mcp.operation import Operation, document
from graph.schema import schema
from tests.checkout.flow import (
    ADDRESS,
    CANCEL,
    COMPLETE,
    CREATE_CART,
    CREATE_PAYMENT,
    CUSTOMER,
    SET_CUSTOMER,
    SET_LINE_META,
    UPSERT,
    mutate,
)
from tests.mcp.served import Tools, key_headers, mcp_client, text
from tests.support import Api, open_store

Refusal = list[tuple[str, list[str] | None]]
UNKNOWN_TOKEN = "no-such-token-aaaaaaaaaaaaaaaaaaaaaaaa"
SEARCH = """query { products { totalCount } }"""
STATUS = """query($token: ID!) { checkout(token: $token) { status } }"""


async def graphql_refusal(
    api: Api, document: str, variables: dict[str, Any], key: str | None = "public"
) -> Refusal:
    answer = await mutate(api, document, variables, key=key)
    return [(e["code"], e["field"]) for e in answer["errors"]]


async def graphql_top_level(api: Api, document: str, variables: dict[str, Any], **kw: Any) -> str:
    answer = await api.call(document, variables, **kw)
    return answer["errors"][0]["extensions"]["code"]  # type: ignore[no-any-return]


async def checkout(tools: Tools, lines: list[dict[str, Any]] | None = None) -> str:
    cart = await tools.ok("create_cart", lines=lines or [{"sku": "CASE", "quantity": 2}])
    started = await tools.ok("initiate_checkout", cartId=cart["cart"]["id"])
    return started["checkout"]["token"]  # type: ignore[no-any-return]


async def test_cart_and_customer_refusals_match_graphql(shop: Api, mcp_url: str) -> None:
    async with mcp_client(mcp_url, key_headers(shop.keys)) as session:
        tools = Tools(session)
        unknown = [{"sku": "NOPE", "quantity": 1}]
        assert await tools.refused("create_cart", lines=unknown) == [
            ("PRODUCT_NOT_FOUND", ["lines", "0", "sku"])
        ]
        assert await graphql_refusal(shop, CREATE_CART, {"lines": unknown}) == [
            ("PRODUCT_NOT_FOUND", ["lines", "0", "sku"])
        ]
        none = [{"sku": "CASE", "quantity": 0}]
        assert await tools.refused("create_cart", lines=none) == [
            ("INVALID_QUANTITY", ["lines", "0", "quantity"])
        ]
        assert await graphql_refusal(shop, CREATE_CART, {"lines": none}) == [
            ("INVALID_QUANTITY", ["lines", "0", "quantity"])
        ]

        token = await checkout(tools)
        for changes, expected in [
            ({"email": "not-an-email"}, [("INVALID_EMAIL", ["input", "email"])]),
            (
                {**CUSTOMER, "shippingCost": "0.00"},
                [("FORBIDDEN_FIELD", ["input", "shippingCost"])],
            ),
            (
                {**CUSTOMER, "shippingAddress": {**ADDRESS, "country": "XX"}},
                await graphql_refusal(
                    shop,
                    SET_CUSTOMER,
                    {
                        "token": token,
                        "input": {**CUSTOMER, "shippingAddress": {**ADDRESS, "country": "XX"}},
                    },
                ),
            ),
        ]:
            assert await tools.refused("set_customer", token=token, input=changes) == expected
            variables = {"token": token, "input": changes}
            assert await graphql_refusal(shop, SET_CUSTOMER, variables) == expected


async def test_payment_and_completion_refusals_match_graphql(shop: Api, mcp_url: str) -> None:
    async with mcp_client(mcp_url, key_headers(shop.keys)) as session:
        tools = Tools(session)
        token = await checkout(tools, [{"sku": "LENS", "quantity": 1}])
        invoice = {"provider": "INVOICE"}

        cases: list[tuple[str, str, dict[str, Any], Refusal]] = [
            (
                "create_payment",
                CREATE_PAYMENT,
                {"input": invoice},
                [("CUSTOMER_REQUIRED", ["token"])],
            ),
            ("complete_checkout", COMPLETE, {}, [("CUSTOMER_REQUIRED", ["token"])]),
        ]
        for action, document, arguments, expected in cases:
            assert await tools.refused(action, token=token, **arguments) == expected
            assert await graphql_refusal(shop, document, {"token": token, **arguments}) == expected

        await tools.ok("set_customer", token=token, input=CUSTOMER)
        wrong_meta = {"eye": "MIDDLE", "sphere": "-1.25"}
        cases = [
            ("complete_checkout", COMPLETE, {}, [("PAYMENT_REQUIRED", ["token"])]),
            (
                "create_payment",
                CREATE_PAYMENT,
                {"input": invoice},
                [("META_REQUIRED", ["items", "0", "meta"])],
            ),
        ]
        for action, document, arguments, expected in cases:
            assert await tools.refused(action, token=token, **arguments) == expected
            assert await graphql_refusal(shop, document, {"token": token, **arguments}) == expected
        assert await tools.refused(
            "set_line_meta", token=token, productSku="LENS", meta=wrong_meta
        ) == [("INVALID_META", ["meta", "eye"])]
        assert await graphql_refusal(
            shop, SET_LINE_META, {"token": token, "sku": "LENS", "meta": wrong_meta}
        ) == [("INVALID_META", ["meta", "eye"])]
        assert await tools.refused(
            "set_line_meta", token=token, productSku="CASE", meta={"eye": "LEFT"}
        ) == [("NOT_FOUND", ["productSku"])]

        await tools.ok(
            "set_line_meta", token=token, productSku="LENS", meta={"eye": "LEFT", "sphere": "0"}
        )
        # Online providers: whatever GraphQL answers today (no keys vaulted for this store).
        stripe = {"input": {"provider": "STRIPE"}}
        online = await tools.call("create_payment", token=token, **stripe)
        expected = await graphql_refusal(shop, CREATE_PAYMENT, {"token": token, **stripe})
        if expected:
            assert online.is_error
            assert [
                (e["code"], e["field"]) for e in online.structured_content["errors"]
            ] == expected

        # A price that moved is shown, not charged.
        await mutate(
            shop,
            UPSERT,
            {"input": [{"sku": "LENS", "name": "Lenses", "price": "26.00", "stock": 10}]},
            key="secret",
        )
        moved = await tools.call("create_payment", token=token, input=invoice)
        assert moved.is_error
        assert [(e["code"], e["field"]) for e in moved.structured_content["errors"]] == [
            ("PRICE_CHANGED", ["items", "0"])
        ]
        assert moved.structured_content["checkout"]["items"][0]["unitPrice"]["amount"] == "26.00"
        assert "confirm" in text(moved)
        await tools.ok("create_payment", token=token, input=invoice)


async def test_invoice_not_allowed(shop: Api, mcp_url: str) -> None:
    strict = await open_store(shop.runtime, "Prepaid only", allow_invoice=False)
    products = {"input": [{"sku": "MUG", "name": "Mug", "price": "9.00", "stock": 5}]}
    await mutate(shop, UPSERT, products, key=strict.secret_key)
    async with mcp_client(mcp_url, key_headers(strict)) as session:
        tools = Tools(session)
        token = await checkout(tools, [{"sku": "MUG", "quantity": 1}])
        await tools.ok(
            "set_customer",
            token=token,
            input={"email": "ada@example.com", "shippingAddress": ADDRESS},
        )
        arguments = {"input": {"provider": "INVOICE"}}
        expected = [("INVOICE_NOT_ALLOWED", ["input", "provider"])]
        assert await tools.refused("create_payment", token=token, **arguments) == expected
        assert (
            await graphql_refusal(
                shop, CREATE_PAYMENT, {"token": token, **arguments}, strict.public_key
            )
            == expected
        )


async def test_unknown_token_and_closed_checkout(shop: Api, mcp_url: str) -> None:
    async with mcp_client(mcp_url, key_headers(shop.keys)) as session:
        tools = Tools(session)
        not_found = [("NOT_FOUND", ["token"])]
        assert await tools.refused("get_checkout_status", token=UNKNOWN_TOKEN) == not_found
        assert await tools.refused("complete_checkout", token=UNKNOWN_TOKEN) == not_found
        assert await tools.refused("cancel_checkout", token=UNKNOWN_TOKEN) == not_found
        assert (
            await tools.refused(
                "create_payment", token=UNKNOWN_TOKEN, input={"provider": "INVOICE"}
            )
            == not_found
        )
        assert await graphql_refusal(shop, COMPLETE, {"token": UNKNOWN_TOKEN}) == not_found
        assert await tools.refused("initiate_checkout", cartId="no-such-cart-xxxxxxxxxxxx") == [
            ("NOT_FOUND", ["cartId"])
        ]

        token = await checkout(tools)
        cancelled = await tools.call("cancel_checkout", token=token)
        assert not cancelled.is_error
        assert cancelled.structured_content["checkout"]["status"] == "CANCELLED"
        assert "initiate_checkout" in text(cancelled)
        assert await tools.refused("set_customer", token=token, input=CUSTOMER) == [
            ("CHECKOUT_NOT_ACTIVE", ["token"])
        ]
        assert await graphql_refusal(shop, CANCEL, {"token": token}) == []  # twice is once


async def test_ill_typed_arguments_name_the_argument(shop: Api, mcp_url: str) -> None:
    async with mcp_client(mcp_url, key_headers(shop.keys)) as session:
        tools = Tools(session)
        assert await tools.refused("create_cart", lines=[{"sku": "CASE", "quantity": "two"}]) == [
            ("BAD_REQUEST", ["lines", "0", "quantity"])
        ]
        assert await tools.refused("complete_checkout") == [("BAD_REQUEST", ["token"])]
        assert await tools.refused("initiate_checkout", cart_id="x") == [
            ("BAD_REQUEST", ["cartId"]),
            ("BAD_REQUEST", ["cart_id"]),
        ]
        assert await tools.refused("create_payment", token="t", input={"provider": "PAYPAL"}) == [
            ("BAD_REQUEST", ["input", "provider"])
        ]


@pytest.mark.parametrize(
    ("headers", "graphql_key"),
    [
        pytest.param({}, None, id="no key"),
        pytest.param({"X-Store-Key": "pk_not_a_real_key"}, "pk_not_a_real_key", id="unknown key"),
        pytest.param({"Authorization": "Basic c2s6"}, None, id="not bearer"),
    ],
)
async def test_store_tools_refuse_a_missing_or_wrong_key(
    shop: Api, mcp_url: str, headers: dict[str, str], graphql_key: str | None
) -> None:
    graphql_headers = {"Authorization": "Basic c2s6"} if "Authorization" in headers else None
    expected = await graphql_top_level(shop, SEARCH, {}, key=graphql_key, headers=graphql_headers)
    assert expected == "UNAUTHENTICATED"
    async with mcp_client(mcp_url, headers) as session:
        tools = Tools(session)
        assert await tools.refused("search_products", search="lens") == [(expected, None)]
        assert await tools.refused("create_cart", lines=[{"sku": "CASE", "quantity": 1}]) == [
            (expected, None)
        ]
        refused = await tools.call("initiate_checkout", cartId="k3J9xQ2mP7vL0sT8wY4zA1bC")
        assert "X-Store-Key" in text(refused)  # says how to fix the connection


async def test_token_tools_refuse_a_wrong_key_as_graphql_does(shop: Api, mcp_url: str) -> None:
    async with mcp_client(mcp_url, key_headers(shop.keys)) as session:
        token = await checkout(Tools(session))
    wrong = "pk_not_a_real_key"
    assert await graphql_top_level(shop, STATUS, {"token": token}, key=wrong) == "UNAUTHENTICATED"
    async with mcp_client(mcp_url, {"X-Store-Key": wrong}) as session:
        tools = Tools(session)
        assert await tools.refused("get_checkout_status", token=token) == [
            ("UNAUTHENTICATED", None)
        ]
        assert await tools.refused("cancel_checkout", token=token) == [("UNAUTHENTICATED", None)]


async def test_set_payment_follows_its_graphql_twin(shop: Api, mcp_url: str) -> None:
    """setPayment is being built; until it is in the schema the tool says it is unavailable."""
    async with mcp_client(mcp_url, key_headers(shop.keys)) as session:
        tools = Tools(session)
        token = await checkout(tools)
        link = {"provider": "MOLLIE", "externalId": "tr_WDqYK6vllg"}
        result = await tools.call("set_payment", token=token, input=link)
    assert result.is_error
    errors = result.structured_content["errors"]
    if "setPayment" not in schema._schema.mutation_type.fields:
        assert errors[0]["code"] == "GRAPHQL_VALIDATION_FAILED"
        assert "not available" in errors[0]["message"]
        return
    # The twin as GraphQL spells it, whatever its input type is named.
    twin = Operation("mutation", "setPayment", "{ errors { code field } }")
    variables = {"token": token, "input": link}
    answer = await shop.call(document(schema._schema, twin, variables), variables)
    graphql = answer.get("errors") or answer["data"]["setPayment"]["errors"]
    assert [e["code"] for e in errors] == [
        e.get("code") or e["extensions"]["code"] for e in graphql
    ]
