"""Who may do what (contract §2): store keys, and another store's objects as if missing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.graph.documents import (
    ADD_CART_LINES,
    CART,
    CREATE_CART,
    PRODUCT,
    PRODUCTS,
    REMOVE_CART_LINES,
    STORE,
    UPDATE_CART_LINES,
    UPDATE_STORE_SETTINGS,
    UPSERT_PRODUCTS,
    line,
    new_cart,
    product,
    upsert,
)
from tests.snapshots import snapshot
from tests.support import Api, open_store

STORE_KEY_OPERATIONS = [
    pytest.param(PRODUCTS, {"first": 1}, id="products"),
    pytest.param(PRODUCT, {"sku": "A"}, id="product"),
    pytest.param(CART, {"id": "some-cart-id-000000000000"}, id="cart"),
    pytest.param(CREATE_CART, {"lines": [line("A")]}, id="createCart"),
    pytest.param(ADD_CART_LINES, {"cartId": "c" * 20, "lines": [line("A")]}, id="addCartLines"),
    pytest.param(
        UPDATE_CART_LINES, {"cartId": "c" * 20, "lines": [line("A")]}, id="updateCartLines"
    ),
    pytest.param(REMOVE_CART_LINES, {"cartId": "c" * 20, "skus": ["A"]}, id="removeCartLines"),
]
SECRET_KEY_OPERATIONS = [
    pytest.param(STORE, {}, id="store"),
    pytest.param(UPSERT_PRODUCTS, {"input": [product("NEW")]}, id="upsertProducts"),
    pytest.param(UPDATE_STORE_SETTINGS, {"input": {"cartTtlSeconds": 600}}, id="settings"),
]


def top_level_codes(answer: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in answer.get("errors", [])]


def no_key(api: Api) -> dict[str, str]:
    return {}


def unknown_public_key(api: Api) -> dict[str, str]:
    return {"X-Store-Key": "pk_" + "x" * 32}


def unknown_secret_key(api: Api) -> dict[str, str]:
    return {"Authorization": "Bearer sk_" + "x" * 43}


def not_a_store_key(api: Api) -> dict[str, str]:
    return {"X-Store-Key": "hello"}


def basic_authorization(api: Api) -> dict[str, str]:
    return {"Authorization": "Basic dXNlcjpwYXNz"}


def bearer_without_key(api: Api) -> dict[str, str]:
    return {"Authorization": "Bearer "}


def malformed_authorization_beside_a_good_key(api: Api) -> dict[str, str]:
    assert api.keys is not None
    return {"Authorization": "Token abc", "X-Store-Key": api.keys.public_key}


def secret_key_body_as_public_key(api: Api) -> dict[str, str]:
    assert api.keys is not None
    return {"X-Store-Key": "pk_" + api.keys.secret_key.removeprefix("sk_")}


def public_key_body_as_secret_key(api: Api) -> dict[str, str]:
    assert api.keys is not None
    return {"Authorization": "Bearer sk_" + api.keys.public_key.removeprefix("pk_")}


BAD_CREDENTIALS = [
    no_key,
    unknown_public_key,
    unknown_secret_key,
    not_a_store_key,
    basic_authorization,
    bearer_without_key,
    malformed_authorization_beside_a_good_key,
    secret_key_body_as_public_key,
    public_key_body_as_secret_key,
]


@pytest.mark.parametrize("credential", BAD_CREDENTIALS, ids=lambda f: f.__name__)
async def test_a_missing_or_wrong_key_is_unauthenticated(api: Api, credential: Any) -> None:
    document, variables = CREATE_CART, {"lines": [line("A")]}
    await upsert(api, product("A"))
    before = await snapshot(api.runtime.database)
    headers = credential(api)
    answer = await api.call(document, variables, key=None, headers=headers)
    assert top_level_codes(answer) == ["UNAUTHENTICATED"]
    assert answer["data"] is None
    for presented in headers.values():  # the answer never echoes a credential
        secret = presented.removeprefix("Bearer ").strip()
        assert not secret or secret not in answer["errors"][0]["message"]
    assert await snapshot(api.runtime.database) == before


@pytest.mark.parametrize(("document", "variables"), STORE_KEY_OPERATIONS + SECRET_KEY_OPERATIONS)
async def test_every_store_operation_needs_a_key(
    api: Api, document: str, variables: dict[str, Any]
) -> None:
    answer = await api.call(document, variables, key=None)
    assert top_level_codes(answer) == ["UNAUTHENTICATED"]


@pytest.mark.parametrize(("document", "variables"), STORE_KEY_OPERATIONS)
async def test_both_keys_open_the_storefront_operations(
    api: Api, document: str, variables: dict[str, Any]
) -> None:
    for key in ("public", "secret"):
        answer = await api.call(document, variables, key=key)
        assert "errors" not in answer, answer


@pytest.mark.parametrize(("document", "variables"), SECRET_KEY_OPERATIONS)
async def test_the_public_key_is_forbidden_where_the_secret_key_is_needed(
    api: Api, document: str, variables: dict[str, Any]
) -> None:
    before = await snapshot(api.runtime.database)
    answer = await api.call(document, variables, key="public")
    assert top_level_codes(answer) == ["FORBIDDEN"]
    assert answer["data"] is None
    assert await snapshot(api.runtime.database) == before
    allowed = await api.call(document, variables, key="secret")
    assert "errors" not in allowed, allowed


async def test_the_secret_key_opens_its_own_store(api: Api) -> None:
    other = await open_store(api.runtime, "Other shop", "JPY")
    mine = await api.data(STORE, key="secret")
    theirs = await api.data(STORE, key=other.secret_key)
    assert api.keys is not None
    assert mine["store"]["id"] == api.keys.store_id
    assert theirs["store"] == {
        "id": other.store_id,
        "name": "Other shop",
        "currency": "JPY",
        "settings": {"cartTtlSeconds": 604800, "checkoutTtlSeconds": 3600},
    }


async def test_a_public_key_in_the_authorization_header_works(api: Api) -> None:
    assert api.keys is not None
    answer = await api.call(PRODUCTS, {"first": 1}, key=api.keys.public_key)
    assert "errors" not in answer
    forbidden = await api.call(STORE, key=api.keys.public_key)
    assert top_level_codes(forbidden) == ["FORBIDDEN"]


async def test_fields_that_need_no_store_need_no_key(api: Api) -> None:
    answer = await api.call("{ __typename }", key=None)
    assert answer == {"data": {"__typename": "Query"}}


async def test_another_stores_cart_is_answered_as_a_missing_one(api: Api) -> None:
    await upsert(api, product("A"))
    other = await open_store(api.runtime, "Other shop")
    await upsert(api, product("A"), key=other.secret_key)
    theirs = await new_cart(api, [line("A")])
    missing_id = "x" * len(theirs["id"])
    for document, variables in (
        (CART, {}),
        (ADD_CART_LINES, {"lines": [line("A")]}),
        (UPDATE_CART_LINES, {"lines": [line("A", 2)]}),
        (REMOVE_CART_LINES, {"skus": ["A"]}),
    ):
        name = "id" if document is CART else "cartId"
        seen_by_other = await api.call(
            document, {name: theirs["id"], **variables}, key=other.public_key
        )
        missing = await api.call(document, {name: missing_id, **variables}, key=other.public_key)
        assert seen_by_other == missing
    # ...and the cart itself is untouched.
    assert (await api.data(CART, {"id": theirs["id"]}))["cart"] == theirs


async def test_another_stores_product_is_answered_as_a_missing_one(api: Api) -> None:
    other = await open_store(api.runtime, "Other shop")
    await upsert(api, product("THEIRS"), key=other.secret_key)
    for sku in ("THEIRS", "NEVER"):
        assert (await api.data(PRODUCT, {"sku": sku}))["product"] is None
    theirs = await api.data(CREATE_CART, {"lines": [line("THEIRS")]})
    never = await api.data(CREATE_CART, {"lines": [line("NEVER")]})
    assert [e["code"] for e in theirs["createCart"]["errors"]] == ["PRODUCT_NOT_FOUND"]
    assert theirs["createCart"]["errors"][0]["field"] == never["createCart"]["errors"][0]["field"]
    assert theirs["createCart"]["errors"][0]["message"].replace("THEIRS", "X") == never[
        "createCart"
    ]["errors"][0]["message"].replace("NEVER", "X")


async def test_keys_are_stored_only_as_hashes(api: Api) -> None:
    assert api.keys is not None
    tables = await snapshot(api.runtime.database)
    dumped = repr(tables)
    assert api.keys.public_key not in dumped
    assert api.keys.secret_key not in dumped
    assert api.keys.secret_key.removeprefix("sk_") not in dumped
