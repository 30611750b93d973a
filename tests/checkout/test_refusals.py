"""Every business refusal of the checkout answers with its code and field path, and changes
nothing in the database."""

from __future__ import annotations

from typing import Any

import pytest

from tests.checkout.flow import (
    ADDRESS,
    CANCEL,
    COMPLETE,
    CREATE_CART,
    CREATE_PAYMENT,
    CUSTOMER,
    INITIATE,
    SET_CUSTOMER,
    SET_LINE_META,
    invoiced,
    mutate,
    new_checkout,
    ready_to_pay,
    stock_shop,
)
from tests.snapshots import snapshot
from tests.support import Api

DEFINE = """mutation($sku: String!, $fields: [MetaFieldInput!]!) { defineLineMeta(sku: $sku, fields: $fields) { errors { code field message } } }"""
OPTIONS = """mutation($key: String!, $values: [String!]!) { setOptionSource(key: $key, values: $values) { errors { code } } }"""
PRESCRIPTION = [
    {"name": "eye", "type": "ENUM", "required": True, "options": ["LEFT", "RIGHT"]},
    {
        "name": "sphere",
        "type": "DECIMAL",
        "required": True,
        "min": "-20.00",
        "max": "20.00",
        "step": "0.25",
    },
    {"name": "cylinder", "type": "DECIMAL", "min": "-6.00", "max": "0", "step": "0.25"},
    {"name": "axis", "type": "INTEGER", "min": "1", "max": "180", "requiredWhenSet": "cylinder"},
    {"name": "baseCurve", "type": "ENUM", "required": True, "optionsSource": "base-curves"},
]


async def define_prescription(api: Api, sku: str = "LENS") -> None:
    answer = await mutate(
        api, OPTIONS, {"key": "base-curves", "values": ["8.4", "8.6"]}, key="secret"
    )
    assert answer["errors"] == []
    answer = await mutate(api, DEFINE, {"sku": sku, "fields": PRESCRIPTION}, key="secret")
    assert answer["errors"] == [], answer


async def refused(
    api: Api, document: str, variables: dict[str, Any], *, key: str | None = "public"
) -> list[dict[str, Any]]:
    """The errors of a refused mutation, after checking it stored nothing."""
    before = await snapshot(api.runtime.database)
    answer = await mutate(api, document, variables, key=key)
    assert answer["errors"], answer
    assert await snapshot(api.runtime.database) == before
    return answer["errors"]  # type: ignore[no-any-return]


def codes(errors: list[dict[str, Any]]) -> list[tuple[str, list[str] | None]]:
    return [(e["code"], e["field"]) for e in errors]


@pytest.fixture
async def shop(api: Api) -> Api:
    await stock_shop(api)
    return api


async def test_initiate_refusals(shop: Api) -> None:
    api = shop
    assert codes(await refused(api, INITIATE, {"cartId": "no-such-cart-xxxxxxxxxxxx"})) == [
        ("NOT_FOUND", ["cartId"])
    ]
    empty = await mutate(api, CREATE_CART, {"lines": []})
    assert codes(await refused(api, INITIATE, {"cartId": empty["cart"]["id"]})) == [
        ("CART_EMPTY", ["cartId"])
    ]
    cart = await mutate(api, CREATE_CART, {"lines": [{"sku": "LENS", "quantity": 2}]})
    too_many = {str(i): "x" for i in range(21)}
    assert codes(
        await refused(api, INITIATE, {"cartId": cart["cart"]["id"], "metadata": too_many})
    ) == [("LIMIT_EXCEEDED", ["metadata"])]
    assert codes(
        await refused(api, INITIATE, {"cartId": cart["cart"]["id"], "metadata": {"n": 1}})
    ) == [("INVALID", ["metadata", "n"])]
    assert codes(
        await refused(api, INITIATE, {"cartId": cart["cart"]["id"], "metadata": {"n": "x" * 501}})
    ) == [("INVALID", ["metadata", "n"])]
    # Someone else buys most of the stock meanwhile: this cart's 2 are no longer there.
    await mutate(
        api,
        """mutation($input: [ProductInput!]!) { upsertProducts(input: $input) { errors { code } } }""",
        {"input": [{"sku": "LENS", "name": "Lenses", "price": "24.95", "stock": 1}]},
        key="secret",
    )
    assert codes(await refused(api, INITIATE, {"cartId": cart["cart"]["id"]})) == [
        ("INSUFFICIENT_STOCK", ["lines", "0", "quantity"])
    ]


async def test_initiate_refuses_expired_and_converted_carts(shop: Api) -> None:
    api = shop
    token = await invoiced(api, [{"sku": "CASE", "quantity": 1}])
    done = await mutate(api, COMPLETE, {"token": token})
    cart_id = (await api.data("query($t: ID!) { checkout(token: $t) { cartId } }", {"t": token}))[
        "checkout"
    ]["cartId"]
    assert done["errors"] == []
    assert codes(await refused(api, INITIATE, {"cartId": cart_id})) == [
        ("CART_NOT_ACTIVE", ["cartId"])
    ]
    fresh = await mutate(api, CREATE_CART, {"lines": [{"sku": "CASE", "quantity": 1}]})
    api.clock.advance(days=8)
    assert codes(await refused(api, INITIATE, {"cartId": fresh["cart"]["id"]})) == [
        ("CART_EXPIRED", ["cartId"])
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"email": "not-an-address"}, [("INVALID_EMAIL", ["input", "email"])]),
        (
            {"shippingAddress": {**ADDRESS, "country": "XX"}},
            [("INVALID_ADDRESS", ["input", "shippingAddress", "country"])],
        ),
        (
            {"shippingAddress": {**ADDRESS, "line1": " ", "city": ""}},
            [
                ("INVALID_ADDRESS", ["input", "shippingAddress", "line1"]),
                ("INVALID_ADDRESS", ["input", "shippingAddress", "city"]),
            ],
        ),
        (
            {"shippingAddress": {**ADDRESS, "country": "DE"}},
            [("SHIPPING_METHOD_NOT_AVAILABLE", ["input", "shippingMethodId"])],
        ),
        (
            {"shippingMethodId": "drone"},
            [("SHIPPING_METHOD_NOT_AVAILABLE", ["input", "shippingMethodId"])],
        ),
        ({"shippingCost": "0.00"}, [("FORBIDDEN_FIELD", ["input", "shippingCost"])]),
        ({"taxAmount": "0.00"}, [("FORBIDDEN_FIELD", ["input", "taxAmount"])]),
        ({"accountId": "u-1"}, [("FORBIDDEN_FIELD", ["input", "accountId"])]),
    ],
)
async def test_set_customer_refusals(
    shop: Api, change: dict[str, Any], expected: list[Any]
) -> None:
    token = await ready_to_pay(shop, [{"sku": "LENS", "quantity": 1}])
    assert codes(await refused(shop, SET_CUSTOMER, {"token": token, "input": change})) == expected


async def test_secret_key_may_set_shop_fields(shop: Api) -> None:
    token = await ready_to_pay(shop, [{"sku": "LENS", "quantity": 1}])
    answer = await mutate(
        shop,
        SET_CUSTOMER,
        {
            "token": token,
            "input": {"shippingCost": "2.00", "taxAmount": "1.00", "accountId": "u-1"},
        },
        key="secret",
    )
    assert answer["errors"] == []
    totals = answer["checkout"]["totals"]
    assert (totals["shipping"], totals["tax"], totals["total"]["amount"]) == (
        {"amount": "2.00"},
        {"amount": "1.00"},
        "27.95",
    )
    assert answer["checkout"]["customer"]["accountId"] == "u-1"


async def test_unknown_token_is_not_found_everywhere(shop: Api) -> None:
    token = "nope-" + "x" * 27
    for document, variables in (
        (SET_CUSTOMER, {"token": token, "input": CUSTOMER}),
        (SET_LINE_META, {"token": token, "sku": "LENS", "meta": {}}),
        (CREATE_PAYMENT, {"token": token, "input": {"provider": "INVOICE"}}),
        (COMPLETE, {"token": token}),
        (CANCEL, {"token": token}),
    ):
        assert codes(await refused(shop, document, variables)) == [("NOT_FOUND", ["token"])]


async def test_expired_checkout_refuses_changes(shop: Api) -> None:
    token = await ready_to_pay(shop, [{"sku": "LENS", "quantity": 1}])
    shop.clock.advance(hours=2)
    assert codes(await refused(shop, SET_CUSTOMER, {"token": token, "input": CUSTOMER})) == [
        ("CHECKOUT_EXPIRED", ["token"])
    ]
    shown = await shop.data("query($t: ID!) { checkout(token: $t) { status } }", {"t": token})
    assert shown["checkout"]["status"] == "EXPIRED"


async def test_line_meta_refusals_report_every_field(shop: Api) -> None:
    await define_prescription(shop)
    checkout = await new_checkout(
        shop, [{"sku": "LENS", "quantity": 1}, {"sku": "CASE", "quantity": 1}]
    )
    token = checkout["token"]
    wrong = {
        "eye": "MIDDLE",
        "sphere": -2.3,
        "cylinder": "-1.25",
        "baseCurve": "9.9",
        "colour": "blue",
    }
    errors = await refused(shop, SET_LINE_META, {"token": token, "sku": "LENS", "meta": wrong})
    assert sorted(codes(errors)) == sorted(
        [
            ("INVALID_META", ["meta", "colour"]),
            ("INVALID_META", ["meta", "eye"]),
            ("INVALID_META", ["meta", "sphere"]),
            ("INVALID_META", ["meta", "baseCurve"]),
            ("INVALID_META", ["meta", "axis"]),
        ]
    )
    assert codes(
        await refused(shop, SET_LINE_META, {"token": token, "sku": "CASE", "meta": {}})
    ) == [("META_NOT_DEFINED", ["productSku"])]
    assert codes(
        await refused(shop, SET_LINE_META, {"token": token, "sku": "CARD", "meta": {}})
    ) == [("NOT_FOUND", ["productSku"])]
    assert codes(
        await refused(shop, SET_LINE_META, {"token": token, "sku": "LENS", "meta": []})
    ) == [("INVALID_META", ["meta"])]


async def test_valid_meta_is_normalised_and_reaches_the_order(shop: Api) -> None:
    await define_prescription(shop)
    token = await ready_to_pay(shop, [{"sku": "LENS", "quantity": 1}])
    meta = {"eye": "LEFT", "sphere": -2.5, "cylinder": "-0.75", "axis": 90, "baseCurve": "8.6"}
    answer = await mutate(shop, SET_LINE_META, {"token": token, "sku": "LENS", "meta": meta})
    assert answer["errors"] == []
    stored = {
        "eye": "LEFT",
        "sphere": "-2.50",
        "cylinder": "-0.75",
        "axis": "90",
        "baseCurve": "8.6",
    }
    assert answer["checkout"]["items"][0]["meta"] == stored
    await mutate(shop, CREATE_PAYMENT, {"token": token, "input": {"provider": "INVOICE"}})
    done = await mutate(shop, COMPLETE, {"token": token})
    assert done["order"]["lines"][0]["meta"] == stored


async def test_payment_refusals(shop: Api) -> None:
    await define_prescription(shop)
    checkout = await new_checkout(shop, [{"sku": "LENS", "quantity": 1}])
    token = checkout["token"]
    invoice = {"token": token, "input": {"provider": "INVOICE"}}
    assert codes(await refused(shop, CREATE_PAYMENT, invoice)) == [("CUSTOMER_REQUIRED", ["token"])]
    await mutate(shop, SET_CUSTOMER, {"token": token, "input": CUSTOMER})
    assert codes(await refused(shop, CREATE_PAYMENT, invoice)) == [
        ("META_REQUIRED", ["items", "0", "meta"])
    ]
    assert codes(
        await refused(shop, CREATE_PAYMENT, {"token": token, "input": {"provider": "STRIPE"}})
    ) == [("PROVIDER_NOT_CONFIGURED", ["input", "provider"])]
    await mutate(
        shop,
        """mutation { updateStoreSettings(input: {allowInvoiceCheckout: false}) { errors { code } } }""",
        {},
        key="secret",
    )
    assert codes(await refused(shop, CREATE_PAYMENT, invoice)) == [
        ("INVOICE_NOT_ALLOWED", ["input", "provider"])
    ]


async def test_completion_refusals(shop: Api) -> None:
    checkout = await new_checkout(shop, [{"sku": "CASE", "quantity": 1}])
    token = checkout["token"]
    assert codes(await refused(shop, COMPLETE, {"token": token})) == [
        ("CUSTOMER_REQUIRED", ["token"])
    ]
    await mutate(shop, SET_CUSTOMER, {"token": token, "input": CUSTOMER})
    assert codes(await refused(shop, COMPLETE, {"token": token})) == [
        ("PAYMENT_REQUIRED", ["token"])
    ]


async def test_price_change_shows_new_totals_to_confirm(shop: Api) -> None:
    token = await ready_to_pay(shop, [{"sku": "LENS", "quantity": 2}])
    await mutate(
        shop,
        """mutation($input: [ProductInput!]!) { upsertProducts(input: $input) { errors { code } } }""",
        {"input": [{"sku": "LENS", "name": "Lenses", "price": "26.00", "stock": 10}]},
        key="secret",
    )
    answer = await mutate(shop, CREATE_PAYMENT, {"token": token, "input": {"provider": "INVOICE"}})
    assert codes(answer["errors"]) == [("PRICE_CHANGED", ["items", "0"])]
    assert answer["checkout"]["totals"]["subtotal"] == {"amount": "52.00"}
    assert answer["checkout"]["status"] == "ACTIVE"
    confirmed = await mutate(
        shop, CREATE_PAYMENT, {"token": token, "input": {"provider": "INVOICE"}}
    )
    assert confirmed["errors"] == []
    assert confirmed["checkout"]["status"] == "COMPLETABLE"


async def test_cancel_then_start_again_from_the_same_cart(shop: Api) -> None:
    token = await invoiced(shop, [{"sku": "LENS", "quantity": 10}])
    stock = 'query { product(sku: "LENS") { stock availableQuantity } }'
    assert (await shop.data(stock))["product"] == {"stock": 10, "availableQuantity": 0}
    answer = await mutate(shop, CANCEL, {"token": token})
    assert answer["errors"] == []
    assert answer["checkout"]["status"] == "CANCELLED"
    assert (await shop.data(stock))["product"] == {"stock": 10, "availableQuantity": 10}
    again = await mutate(shop, CANCEL, {"token": token})
    assert again["errors"] == []
    assert again["checkout"]["status"] == "CANCELLED"
    cart_id = answer["checkout"]["cartId"]
    restarted = await mutate(shop, INITIATE, {"cartId": cart_id})
    assert restarted["errors"] == []
    assert restarted["checkout"]["token"] != token
    done = await invoiced(shop, [{"sku": "CASE", "quantity": 1}])
    await mutate(shop, COMPLETE, {"token": done})
    assert codes(await refused(shop, CANCEL, {"token": done})) == [
        ("CHECKOUT_NOT_ACTIVE", ["token"])
    ]
