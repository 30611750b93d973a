"""Carts over GraphQL: createCart (with the idempotent client id), addCartLines,
updateCartLines, removeCartLines, cart(id), expiry and catalog prices."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from persistence.tables import cart_lines, carts
from tests.graph.documents import (
    ADD_CART_LINES,
    CART,
    CREATE_CART,
    REMOVE_CART_LINES,
    STORE,
    UPDATE_CART_LINES,
    UPDATE_STORE_SETTINGS,
    line,
    new_cart,
    product,
    upsert,
)
from tests.snapshots import snapshot
from tests.support import Api, counted_statements, open_store

CART_ID = "client-chosen-cart-id-0001"


async def seed(api: Api) -> None:
    await upsert(
        api,
        product("A", "1.10", 10, name="Apple"),
        product("B", "0.35", None, name="Banana"),
        product("C", "2.00", 0, name="Cherry"),
    )


def codes(payload: dict[str, Any]) -> list[tuple[str, list[str] | None]]:
    return [(error["code"], error["field"]) for error in payload["errors"]]


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def stored_carts(api: Api) -> int:
    async with api.runtime.database.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(carts)) or 0)


# --- createCart ---------------------------------------------------------------------------


async def test_create_cart_prices_from_catalog(api: Api) -> None:
    await seed(api)
    data = await api.data(CREATE_CART, {"lines": [line("A", 3), line("B", 1)]})
    cart = data["createCart"]["cart"]
    assert data["createCart"]["errors"] == []
    assert cart["status"] == "ACTIVE"
    assert cart["lines"] == [
        {
            "sku": "A",
            "name": "Apple",
            "quantity": 3,
            "unitPrice": {"amount": "1.10", "currency": "EUR"},
            "total": {"amount": "3.30", "currency": "EUR"},
        },
        {
            "sku": "B",
            "name": "Banana",
            "quantity": 1,
            "unitPrice": {"amount": "0.35", "currency": "EUR"},
            "total": {"amount": "0.35", "currency": "EUR"},
        },
    ]
    assert cart["subtotal"] == {"amount": "3.65", "currency": "EUR"}
    assert len(cart["id"]) >= 20


async def test_created_cart_reads_back_the_same(api: Api) -> None:
    await seed(api)
    created = await new_cart(api, [line("A", 2)])
    data = await api.data(CART, {"id": created["id"]})
    assert data["cart"] == created
    for moment in (created["updatedAt"], created["expiresAt"]):
        assert parse_time(moment).utcoffset() == timedelta(0), "ISO 8601 with its offset"


def floats_in(value: Any) -> list[Any]:
    if isinstance(value, float):
        return [value]
    if isinstance(value, dict):
        return [found for item in value.values() for found in floats_in(item)]
    if isinstance(value, list):
        return [found for item in value for found in floats_in(item)]
    return []


async def test_no_amount_is_ever_a_float(api: Api) -> None:
    await seed(api)
    created = await new_cart(api, [line("A", 3), line("B", 7)])
    answer = await api.call(CART, {"id": created["id"]})
    assert floats_in(answer) == []
    assert isinstance(answer["data"]["cart"]["subtotal"]["amount"], str)


async def test_an_empty_cart_has_a_zero_subtotal_in_the_store_currency(api: Api) -> None:
    cart = await new_cart(api, [])
    assert cart["lines"] == []
    assert cart["subtotal"] == {"amount": "0.00", "currency": "EUR"}
    read = await api.data(CART, {"id": cart["id"]})
    assert read["cart"]["subtotal"] == {"amount": "0.00", "currency": "EUR"}


async def test_the_same_sku_twice_makes_one_line(api: Api) -> None:
    await seed(api)
    cart = await new_cart(api, [line("A", 2), line("A", 3)])
    assert [(entry["sku"], entry["quantity"]) for entry in cart["lines"]] == [("A", 5)]


async def test_unknown_sku_is_refused_with_its_path(api: Api) -> None:
    await seed(api)
    data = await api.data(CREATE_CART, {"lines": [line("A"), line("A"), line("Z")]})
    assert data["createCart"]["cart"] is None
    assert data["createCart"]["errors"] == [
        {
            "code": "PRODUCT_NOT_FOUND",
            "field": ["lines", "2", "sku"],
            "message": "no product with sku 'Z'",
        }
    ]


async def test_the_client_id_makes_create_cart_idempotent(api: Api) -> None:
    await seed(api)
    first = await new_cart(api, [line("A", 1)], CART_ID)
    assert first["id"] == CART_ID
    again = await api.data(CREATE_CART, {"lines": [line("B", 7)], "id": CART_ID})
    assert again["createCart"]["errors"] == []
    assert again["createCart"]["cart"] == first
    assert await stored_carts(api) == 1


async def test_a_client_id_is_kept_per_store(api: Api) -> None:
    await seed(api)
    mine = await new_cart(api, [line("A", 1)], CART_ID)
    other = await open_store(api.runtime, "Other shop")
    await upsert(api, product("A", "9.00"), key=other.secret_key)
    theirs = await api.data(
        CREATE_CART, {"lines": [line("A", 2)], "id": CART_ID}, key=other.public_key
    )
    assert theirs["createCart"]["cart"]["subtotal"]["amount"] == "18.00"
    assert (await api.data(CART, {"id": CART_ID}))["cart"] == mine


@pytest.mark.parametrize(
    "cart_id",
    ["short", "x" * 19, "y" * 65, "has spaces in it 123456", "ünïcödé-ünïcödé-ünïcödé", "a/b" * 8],
)
async def test_a_malformed_client_id_is_invalid(api: Api, cart_id: str) -> None:
    await seed(api)
    before = await snapshot(api.runtime.database)
    data = await api.data(CREATE_CART, {"lines": [line("A")], "id": cart_id})
    assert data["createCart"]["cart"] is None
    assert codes(data["createCart"]) == [("INVALID", ["id"])]
    assert await snapshot(api.runtime.database) == before


@pytest.mark.parametrize("cart_id", ["a" * 20, "Z" * 64, "abc_DEF-123_456-789_xyz"])
async def test_a_well_formed_client_id_is_taken(api: Api, cart_id: str) -> None:
    await seed(api)
    assert (await new_cart(api, [line("A")], cart_id))["id"] == cart_id


async def test_concurrent_creates_with_one_client_id_make_one_cart(api: Api) -> None:
    await seed(api)
    answers = await asyncio.gather(
        *(
            api.data(CREATE_CART, {"lines": [line("A", 1 + n % 3)], "id": CART_ID})
            for n in range(20)
        )
    )
    assert all(answer["createCart"]["errors"] == [] for answer in answers)
    ids = {answer["createCart"]["cart"]["id"] for answer in answers}
    assert ids == {CART_ID}
    quantities = {answer["createCart"]["cart"]["lines"][0]["quantity"] for answer in answers}
    assert len(quantities) == 1, "every caller sees the one cart that was made"
    assert await stored_carts(api) == 1
    async with api.runtime.database.connect() as connection:
        lines = await connection.scalar(select(func.count()).select_from(cart_lines))
    assert lines == 1


@pytest.mark.parametrize("quantity", [0, -1, 10_000])
async def test_quantity_must_be_1_to_9999(api: Api, quantity: int) -> None:
    await seed(api)
    data = await api.data(CREATE_CART, {"lines": [line("B", 1), line("B", quantity)]})
    assert codes(data["createCart"]) == [("INVALID_QUANTITY", ["lines", "1", "quantity"])]


async def test_9999_of_an_untracked_product_is_allowed(api: Api) -> None:
    await seed(api)
    cart = await new_cart(api, [line("B", 9999)])
    assert cart["subtotal"]["amount"] == "3499.65"


async def test_more_than_100_lines_exceed_the_limit(api: Api) -> None:
    await upsert(api, *[product(f"P{i:03}", stock=None) for i in range(100)])
    await upsert(api, product("P100", stock=None))
    lines = [line(f"P{i:03}") for i in range(101)]
    data = await api.data(CREATE_CART, {"lines": lines})
    assert codes(data["createCart"]) == [("LIMIT_EXCEEDED", ["lines"])]
    full = await new_cart(api, lines[:100])
    assert len(full["lines"]) == 100
    more = await api.data(ADD_CART_LINES, {"cartId": full["id"], "lines": [line("P100")]})
    assert codes(more["addCartLines"]) == [("LIMIT_EXCEEDED", ["lines"])]
    # More of a product already in the cart adds no line.
    same = await api.data(ADD_CART_LINES, {"cartId": full["id"], "lines": [line("P000")]})
    assert same["addCartLines"]["errors"] == []


async def test_insufficient_stock(api: Api) -> None:
    await seed(api)
    data = await api.data(CREATE_CART, {"lines": [line("A", 11)]})
    assert codes(data["createCart"]) == [("INSUFFICIENT_STOCK", ["lines", "0", "quantity"])]
    sold_out = await api.data(CREATE_CART, {"lines": [line("B"), line("C")]})
    assert codes(sold_out["createCart"]) == [("INSUFFICIENT_STOCK", ["lines", "1", "quantity"])]
    exact = await new_cart(api, [line("A", 10)])
    assert exact["lines"][0]["quantity"] == 10


# --- addCartLines, updateCartLines, removeCartLines ---------------------------------------


async def test_add_cart_lines_merges_quantities(api: Api) -> None:
    await seed(api)
    cart = await new_cart(api, [line("A", 2)])
    data = await api.data(
        ADD_CART_LINES, {"cartId": cart["id"], "lines": [line("A", 3), line("B")]}
    )
    changed = data["addCartLines"]
    assert changed["errors"] == []
    assert [(entry["sku"], entry["quantity"]) for entry in changed["cart"]["lines"]] == [
        ("A", 5),
        ("B", 1),
    ]
    assert changed["cart"]["subtotal"]["amount"] == "5.85"
    read = await api.data(CART, {"id": cart["id"]})
    assert read["cart"]["lines"] == changed["cart"]["lines"]


async def test_added_quantities_are_checked_against_stock_together(api: Api) -> None:
    await seed(api)
    cart = await new_cart(api, [line("A", 6)])
    data = await api.data(ADD_CART_LINES, {"cartId": cart["id"], "lines": [line("A", 5)]})
    assert codes(data["addCartLines"]) == [("INSUFFICIENT_STOCK", ["lines", "0", "quantity"])]
    over = await api.data(ADD_CART_LINES, {"cartId": cart["id"], "lines": [line("B", 9999)]})
    assert over["addCartLines"]["errors"] == []
    again = await api.data(ADD_CART_LINES, {"cartId": cart["id"], "lines": [line("B", 1)]})
    assert codes(again["addCartLines"]) == [("INVALID_QUANTITY", ["lines", "0", "quantity"])]


async def test_concurrent_adds_lose_nothing(api: Api) -> None:
    await seed(api)
    cart = await new_cart(api, [line("B", 1)])
    answers = await asyncio.gather(
        *(
            api.data(ADD_CART_LINES, {"cartId": cart["id"], "lines": [line("B", 1)]})
            for _ in range(10)
        )
    )
    assert all(answer["addCartLines"]["errors"] == [] for answer in answers)
    read = await api.data(CART, {"id": cart["id"]})
    assert read["cart"]["lines"][0]["quantity"] == 11


async def test_update_cart_lines_sets_quantities_and_0_removes(api: Api) -> None:
    await seed(api)
    cart = await new_cart(api, [line("A", 2), line("B", 4)])
    data = await api.data(
        UPDATE_CART_LINES, {"cartId": cart["id"], "lines": [line("A", 7), line("B", 0)]}
    )
    changed = data["updateCartLines"]
    assert changed["errors"] == []
    assert [(entry["sku"], entry["quantity"]) for entry in changed["cart"]["lines"]] == [("A", 7)]
    assert changed["cart"]["subtotal"]["amount"] == "7.70"


async def test_update_refuses_what_is_not_in_the_cart(api: Api) -> None:
    await seed(api)
    cart = await new_cart(api, [line("A", 2)])
    data = await api.data(
        UPDATE_CART_LINES,
        {"cartId": cart["id"], "lines": [line("A", 1), line("B", 1), line("Z", 1)]},
    )
    assert codes(data["updateCartLines"]) == [
        ("NOT_FOUND", ["lines", "1", "sku"]),
        ("NOT_FOUND", ["lines", "2", "sku"]),
    ]
    assert (await api.data(CART, {"id": cart["id"]}))["cart"]["lines"][0]["quantity"] == 2


@pytest.mark.parametrize(
    ("quantity", "code"),
    [(10_000, "INVALID_QUANTITY"), (-1, "INVALID_QUANTITY"), (11, "INSUFFICIENT_STOCK")],
)
async def test_update_checks_the_new_quantity(api: Api, quantity: int, code: str) -> None:
    await seed(api)
    cart = await new_cart(api, [line("A", 2)])
    data = await api.data(UPDATE_CART_LINES, {"cartId": cart["id"], "lines": [line("A", quantity)]})
    assert codes(data["updateCartLines"]) == [(code, ["lines", "0", "quantity"])]


async def test_update_to_the_whole_stock_is_allowed(api: Api) -> None:
    await seed(api)
    cart = await new_cart(api, [line("A", 9)])
    data = await api.data(UPDATE_CART_LINES, {"cartId": cart["id"], "lines": [line("A", 10)]})
    assert data["updateCartLines"]["cart"]["lines"][0]["quantity"] == 10


async def test_remove_cart_lines(api: Api) -> None:
    await seed(api)
    cart = await new_cart(api, [line("A", 2), line("B", 4)])
    data = await api.data(REMOVE_CART_LINES, {"cartId": cart["id"], "skus": ["A"]})
    changed = data["removeCartLines"]
    assert changed["errors"] == []
    assert [entry["sku"] for entry in changed["cart"]["lines"]] == ["B"]
    assert changed["cart"]["subtotal"]["amount"] == "1.40"
    missing = await api.data(REMOVE_CART_LINES, {"cartId": cart["id"], "skus": ["B", "A"]})
    assert codes(missing["removeCartLines"]) == [("NOT_FOUND", ["skus", "1"])]
    emptied = await api.data(REMOVE_CART_LINES, {"cartId": cart["id"], "skus": ["B"]})
    assert emptied["removeCartLines"]["cart"]["lines"] == []
    assert emptied["removeCartLines"]["cart"]["subtotal"] == {"amount": "0.00", "currency": "EUR"}


@pytest.mark.parametrize(
    ("document", "variables"),
    [
        (ADD_CART_LINES, {"lines": [{"sku": "A", "quantity": 1}]}),
        (UPDATE_CART_LINES, {"lines": [{"sku": "A", "quantity": 1}]}),
        (REMOVE_CART_LINES, {"skus": ["A"]}),
    ],
    ids=["add", "update", "remove"],
)
async def test_a_missing_cart_is_not_found(
    api: Api, document: str, variables: dict[str, Any]
) -> None:
    await seed(api)
    data = await api.data(document, {"cartId": "no-such-cart-000000000000", **variables})
    (payload,) = data.values()
    assert payload["cart"] is None
    assert payload["errors"] == [
        {"code": "NOT_FOUND", "field": ["cartId"], "message": "cart not found"}
    ]


# --- cart(id), prices, expiry -------------------------------------------------------------


async def test_cart_of_another_store_is_null(api: Api) -> None:
    await seed(api)
    cart = await new_cart(api, [line("A")])
    other = await open_store(api.runtime, "Other shop")
    assert (await api.data(CART, {"id": cart["id"]}, key=other.public_key))["cart"] is None
    assert (await api.data(CART, {"id": cart["id"]}, key=other.secret_key))["cart"] is None
    assert (await api.data(CART, {"id": "never-made-cart-id-00000"}))["cart"] is None


async def test_prices_always_come_from_the_catalog(api: Api) -> None:
    await seed(api)
    cart = await new_cart(api, [line("A", 3)])
    await upsert(api, product("A", "2.25", 10, name="Green apple"))
    read = (await api.data(CART, {"id": cart["id"]}))["cart"]
    assert read["lines"][0]["name"] == "Green apple"
    assert read["lines"][0]["unitPrice"]["amount"] == "2.25"
    assert read["lines"][0]["total"]["amount"] == "6.75"
    assert read["subtotal"]["amount"] == "6.75"
    added = await api.data(ADD_CART_LINES, {"cartId": cart["id"], "lines": [line("B")]})
    assert added["addCartLines"]["cart"]["subtotal"]["amount"] == "7.10"


async def test_a_client_cannot_send_a_price(api: Api) -> None:
    await seed(api)
    answer = await api.call(
        CREATE_CART, {"lines": [{"sku": "A", "quantity": 1, "unitPrice": "0.01"}]}
    )
    assert answer["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert await stored_carts(api) == 0


async def test_a_cart_expires_after_the_default_ttl_of_7_days(api: Api) -> None:
    await seed(api)
    cart = await new_cart(api, [line("A")])
    assert parse_time(cart["expiresAt"]) - parse_time(cart["updatedAt"]) == timedelta(days=7)
    api.clock.advance(days=6, hours=23)
    assert (await api.data(CART, {"id": cart["id"]}))["cart"]["status"] == "ACTIVE"
    api.clock.advance(hours=2)
    assert (await api.data(CART, {"id": cart["id"]}))["cart"]["status"] == "EXPIRED"


async def test_a_change_keeps_the_cart_alive(api: Api) -> None:
    await seed(api)
    cart = await new_cart(api, [line("A")])
    api.clock.advance(days=6)
    await api.data(ADD_CART_LINES, {"cartId": cart["id"], "lines": [line("B")]})
    api.clock.advance(days=6)
    read = (await api.data(CART, {"id": cart["id"]}))["cart"]
    assert read["status"] == "ACTIVE"
    assert parse_time(read["expiresAt"]) > parse_time(cart["expiresAt"])


@pytest.mark.parametrize(
    ("document", "variables"),
    [
        (ADD_CART_LINES, {"lines": [{"sku": "B", "quantity": 1}]}),
        (UPDATE_CART_LINES, {"lines": [{"sku": "A", "quantity": 2}]}),
        (REMOVE_CART_LINES, {"skus": ["A"]}),
    ],
    ids=["add", "update", "remove"],
)
async def test_an_expired_cart_cannot_change(
    api: Api, document: str, variables: dict[str, Any]
) -> None:
    await seed(api)
    cart = await new_cart(api, [line("A")])
    api.clock.advance(days=8)
    assert (await api.data(CART, {"id": cart["id"]}))["cart"]["status"] == "EXPIRED"
    before = await snapshot(api.runtime.database)
    data = await api.data(document, {"cartId": cart["id"], **variables})
    (payload,) = data.values()
    assert payload["cart"] is None
    assert codes(payload) == [("CART_EXPIRED", ["cartId"])]
    assert await snapshot(api.runtime.database) == before


async def test_the_cart_ttl_follows_the_store_settings(api: Api) -> None:
    await seed(api)
    store = await api.data(STORE, key="secret")
    assert store["store"]["settings"]["cartTtlSeconds"] == 7 * 24 * 3600
    data = await api.data(UPDATE_STORE_SETTINGS, {"input": {"cartTtlSeconds": 3600}}, key="secret")
    assert data["updateStoreSettings"]["errors"] == []
    settings = data["updateStoreSettings"]["store"]["settings"]
    assert settings["cartTtlSeconds"] == 3600
    assert settings["checkoutTtlSeconds"] == 3600, "what is left out stays as it was"
    assert (await api.data(STORE, key="secret"))["store"]["settings"]["cartTtlSeconds"] == 3600

    cart = await new_cart(api, [line("A")])
    assert parse_time(cart["expiresAt"]) - parse_time(cart["updatedAt"]) == timedelta(hours=1)
    api.clock.advance(minutes=61)
    assert (await api.data(CART, {"id": cart["id"]}))["cart"]["status"] == "EXPIRED"
    late = await api.data(ADD_CART_LINES, {"cartId": cart["id"], "lines": [line("A")]})
    assert codes(late["addCartLines"]) == [("CART_EXPIRED", ["cartId"])]


async def test_an_expired_client_id_still_names_its_cart(api: Api) -> None:
    await seed(api)
    await new_cart(api, [line("A")], CART_ID)
    api.clock.advance(days=8)
    again = await api.data(CREATE_CART, {"lines": [line("A")], "id": CART_ID})
    assert again["createCart"]["cart"]["status"] == "EXPIRED"
    assert await stored_carts(api) == 1


# --- what a cart query costs ----------------------------------------------------------------


async def test_a_cart_query_costs_the_same_for_1_and_50_lines(api: Api) -> None:
    await upsert(api, *[product(f"P{i:02}", stock=None) for i in range(50)])
    small = await new_cart(api, [line("P00")])
    large = await new_cart(api, [line(f"P{i:02}", 2) for i in range(50)])
    counts = []
    for cart in (small, large):
        with counted_statements(api.runtime.database) as log:
            read = (await api.data(CART, {"id": cart["id"]}))["cart"]
        assert read["lines"] == cart["lines"]
        counts.append(log.count)
    assert counts[0] == counts[1], counts
    assert counts[0] <= 3, "key, cart with lines, products"


@pytest.mark.parametrize(
    ("document", "budget"),
    [(CREATE_CART, 4), (ADD_CART_LINES, 7), (UPDATE_CART_LINES, 7), (REMOVE_CART_LINES, 7)],
    ids=["create", "add", "update", "remove"],
)
async def test_a_cart_change_costs_the_same_for_1_and_50_lines(
    api: Api, document: str, budget: int
) -> None:
    await upsert(api, *[product(f"P{i:02}", stock=None) for i in range(51)])
    counts = []
    for size in (1, 50):
        lines = [line(f"P{i:02}") for i in range(size)]
        cart = await new_cart(api, [*lines, line("P50")])
        variables: dict[str, Any] = {
            CREATE_CART: {"lines": lines},
            ADD_CART_LINES: {"cartId": cart["id"], "lines": lines},
            UPDATE_CART_LINES: {
                "cartId": cart["id"],
                "lines": [line(entry["sku"], 2) for entry in lines],
            },
            REMOVE_CART_LINES: {"cartId": cart["id"], "skus": [entry["sku"] for entry in lines]},
        }[document]
        with counted_statements(api.runtime.database) as log:
            data = await api.data(document, variables)
        (payload,) = data.values()
        assert payload["errors"] == []
        counts.append(log.count)
    assert counts[0] == counts[1], counts
    assert counts[0] <= budget, counts


async def test_carts_asked_for_together_are_read_together(api: Api) -> None:
    await seed(api)
    ids = [(await new_cart(api, [line("A"), line("B", n)]))["id"] for n in range(1, 4)]
    fields = " ".join(
        f'c{n}: cart(id: "{cart_id}") {{ subtotal {{ amount }} lines {{ name total {{ amount }} }} }}'
        for n, cart_id in enumerate(ids)
    )
    with counted_statements(api.runtime.database) as log:
        data = await api.data("{ " + fields + " }")
    assert [data[f"c{n}"]["subtotal"]["amount"] for n in range(3)] == ["1.45", "1.80", "2.15"]
    # The carts in one statement, their products in another; the key was read by an earlier call.
    assert log.count == 2, log.statements


# --- bad input stores nothing -------------------------------------------------------------

OTHER_STORES_CART = "other-stores-cart-id-000001"

BAD_CHANGES = [
    pytest.param(CREATE_CART, {"lines": [line("Z")]}, "PRODUCT_NOT_FOUND", id="create-unknown"),
    pytest.param(CREATE_CART, {"lines": [line("A", 0)]}, "INVALID_QUANTITY", id="create-zero"),
    pytest.param(CREATE_CART, {"lines": [line("A", 10_000)]}, "INVALID_QUANTITY", id="create-big"),
    pytest.param(CREATE_CART, {"lines": [line("A", 11)]}, "INSUFFICIENT_STOCK", id="create-stock"),
    pytest.param(
        CREATE_CART, {"lines": [line("B")] * 101}, "LIMIT_EXCEEDED", id="create-101-lines"
    ),
    pytest.param(
        CREATE_CART, {"lines": [line("A")], "id": "bad id"}, "INVALID", id="create-bad-id"
    ),
    pytest.param(
        CREATE_CART,
        {"lines": [line("A"), line("Z")], "id": "new-cart-with-bad-lines-1"},
        "PRODUCT_NOT_FOUND",
        id="create-with-new-id-and-bad-line",
    ),
    pytest.param(
        ADD_CART_LINES,
        {"cartId": CART_ID, "lines": [line("Z")]},
        "PRODUCT_NOT_FOUND",
        id="add-unknown",
    ),
    pytest.param(
        ADD_CART_LINES,
        {"cartId": CART_ID, "lines": [line("B"), line("A", 9)]},
        "INSUFFICIENT_STOCK",
        id="add-over-stock",
    ),
    pytest.param(
        ADD_CART_LINES,
        {"cartId": "no-such-cart-000000000000", "lines": [line("B")]},
        "NOT_FOUND",
        id="add-missing-cart",
    ),
    pytest.param(
        ADD_CART_LINES,
        {"cartId": OTHER_STORES_CART, "lines": [line("B")]},
        "NOT_FOUND",
        id="add-other-stores-cart",
    ),
    pytest.param(
        UPDATE_CART_LINES,
        {"cartId": CART_ID, "lines": [line("A", 0), line("B", 1)]},
        "NOT_FOUND",
        id="update-not-in-cart",
    ),
    pytest.param(
        UPDATE_CART_LINES,
        {"cartId": CART_ID, "lines": [line("A", 10_000)]},
        "INVALID_QUANTITY",
        id="update-big",
    ),
    pytest.param(
        UPDATE_CART_LINES,
        {"cartId": CART_ID, "lines": [line("A", 1), line("A", 2)]},
        "INVALID",
        id="update-sku-twice",
    ),
    pytest.param(
        REMOVE_CART_LINES, {"cartId": CART_ID, "skus": ["A", "B"]}, "NOT_FOUND", id="remove-absent"
    ),
    pytest.param(
        REMOVE_CART_LINES,
        {"cartId": OTHER_STORES_CART, "skus": ["A"]},
        "NOT_FOUND",
        id="remove-other-stores-cart",
    ),
    pytest.param(
        UPDATE_STORE_SETTINGS, {"input": {"cartTtlSeconds": 59}}, "INVALID", id="settings-ttl"
    ),
    pytest.param(
        UPDATE_STORE_SETTINGS,
        {"input": {"cartTtlSeconds": 3600, "taxRates": [{"country": "XX", "rate": "0.2"}]}},
        "INVALID",
        id="settings-partly-bad",
    ),
]


@pytest.mark.parametrize(("document", "variables", "code"), BAD_CHANGES)
async def test_a_refused_change_stores_nothing(
    api: Api, document: str, variables: dict[str, Any], code: str
) -> None:
    await seed(api)
    await new_cart(api, [line("A", 2)], CART_ID)
    if OTHER_STORES_CART in variables.values():
        other = await open_store(api.runtime, "Other shop")
        await upsert(api, product("A"), product("B"), key=other.secret_key)
        await api.data(
            CREATE_CART, {"lines": [line("A")], "id": OTHER_STORES_CART}, key=other.public_key
        )
    before = await snapshot(api.runtime.database)
    key = "secret" if document is UPDATE_STORE_SETTINGS else "public"
    data = await api.data(document, variables, key=key)
    (payload,) = data.values()
    assert payload["errors"], payload
    assert {error["code"] for error in payload["errors"]} == {code}
    assert await snapshot(api.runtime.database) == before
