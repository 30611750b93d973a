"""What the fuzzing found, kept as plain examples: each of these answered "Internal server
error" before its fix (a decimal that is not a number, or too big to round or to store; text
with NUL, which PostgreSQL does not store)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.checkout.flow import ERRORS, mutate, new_checkout, stock_shop
from tests.support import Api

ONE_BACKEND = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

DEFINE = f"""mutation($sku: String!, $fields: [MetaFieldInput!]!) {{ defineLineMeta(sku: $sku, fields: $fields) {{ {ERRORS} }} }}"""
SET_LINE_META = f"""mutation($token: ID!, $meta: JSON!) {{ setLineMeta(token: $token, productSku: "LENS", meta: $meta) {{ {ERRORS} }} }}"""
SETTINGS = f"""mutation($input: StoreSettingsInput!) {{ updateStoreSettings(input: $input) {{ {ERRORS} }} }}"""
SET_CUSTOMER = f"""mutation($token: ID!, $input: CustomerInput!) {{ setCustomer(token: $token, input: $input) {{ {ERRORS} }} }}"""


def refusals(answer: dict[str, Any]) -> list[tuple[str, list[str] | None]]:
    return [(error["code"], error["field"]) for error in answer["errors"]]


@ONE_BACKEND
@pytest.mark.parametrize("bound", ["min", "max", "step"])
@pytest.mark.parametrize("value", ["NaN", "-Infinity", "sNaN"])
async def test_a_meta_bound_that_is_not_a_number(api: Api, bound: str, value: str) -> None:
    await stock_shop(api)
    fields = [{"name": "sphere", "type": "DECIMAL", "min": "-20", "max": "20", bound: value}]
    answer = await mutate(api, DEFINE, {"sku": "LENS", "fields": fields}, key="secret")
    assert refusals(answer) == [("INVALID", ["fields", "0", bound])]


@ONE_BACKEND
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ({"type": "DECIMAL", "step": "0.01"}, "1e30"),  # steps past decimal's 28 digits
        ({"type": "DECIMAL", "step": "1E-31"}, "1.5"),
        ({"type": "DECIMAL"}, "1e30000000"),  # written out: 30 million digits
        ({"type": "INTEGER"}, "1e5000"),  # past Python's int-to-text limit
    ],
)
async def test_a_shoppers_number_too_big_to_check(
    api: Api, field: dict[str, str], value: str
) -> None:
    await stock_shop(api)
    definition = [{"name": "power", **field}]
    assert (await mutate(api, DEFINE, {"sku": "LENS", "fields": definition}, key="secret"))[
        "errors"
    ] == []
    token = (await new_checkout(api, [{"sku": "LENS", "quantity": 1}]))["token"]
    answer = await mutate(api, SET_LINE_META, {"token": token, "meta": {"power": value}})
    assert refusals(answer) == [("INVALID_META", ["meta", "power"])]


@ONE_BACKEND
@pytest.mark.parametrize("price", ["1e400", "100000000000000000000", "-0.01"])
async def test_a_shipping_price_too_big_to_keep(api: Api, price: str) -> None:
    methods = [{"id": "freight", "name": "Freight", "price": price}]
    answer = await mutate(api, SETTINGS, {"input": {"shippingMethods": methods}}, key="secret")
    assert refusals(answer) == [("INVALID", ["input", "shippingMethods", "0", "price"])]


@ONE_BACKEND
@pytest.mark.parametrize("amount", ["1e400", "1e25"])
async def test_a_shipping_cost_or_tax_too_big_to_keep(api: Api, amount: str) -> None:
    await stock_shop(api)
    token = (await new_checkout(api, [{"sku": "CASE", "quantity": 1}]))["token"]
    changes = {"email": "ada@example.com", "shippingCost": amount, "taxAmount": amount}
    answer = await mutate(api, SET_CUSTOMER, {"token": token, "input": changes}, key="secret")
    assert refusals(answer) == [
        ("INVALID", ["input", "shippingCost"]),
        ("INVALID", ["input", "taxAmount"]),
    ]


NUL_CASES = [
    pytest.param(
        "query($sku: String!) { product(sku: $sku) { sku } }", {"sku": "LE\u0000NS"}, id="variable"
    ),
    pytest.param('query { product(sku: "LE\\u0000NS") { sku } }', {}, id="literal"),
    pytest.param(
        "mutation($id: ID!, $m: JSON) { initiateCheckout(cartId: $id, metadata: $m) { errors { code } } }",
        {"id": "x" * 24, "m": {"channel\u0000": "chat"}},
        id="json-key",
    ),
    pytest.param(
        "mutation($t: ID!) { cancelCheckout(token: $t) { errors { code } } }",
        {"t": "\u0000"},
        id="token",
    ),
]


@pytest.mark.parametrize(("document", "variables"), NUL_CASES)
async def test_text_with_nul_is_a_bad_request(
    api: Api, document: str, variables: dict[str, Any]
) -> None:
    answer = await api.call(document, variables)
    assert answer["data"] is None, answer
    assert [e["extensions"]["code"] for e in answer["errors"]] == ["BAD_REQUEST"]
