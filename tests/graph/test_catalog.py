"""The catalog over GraphQL: upsertProducts, products (cursor pages, search, skus), product."""

from __future__ import annotations

from typing import Any

import pytest

from tests.graph.documents import (
    PRODUCT,
    PRODUCTS,
    UPSERT_PRODUCTS,
    product,
    upsert,
)
from tests.snapshots import snapshot
from tests.support import Api, counted_statements, open_store


async def test_upsert_creates_products(api: Api) -> None:
    created = await upsert(
        api, product("A-1", "12.50", 3, name="Apple"), product("B-2", "0", None, name="Gift")
    )
    assert created == [
        {
            "sku": "A-1",
            "name": "Apple",
            "price": {"amount": "12.50", "currency": "EUR"},
            "stock": 3,
            "available": True,
            "availableQuantity": 3,
        },
        {
            "sku": "B-2",
            "name": "Gift",
            "price": {"amount": "0.00", "currency": "EUR"},
            "stock": None,
            "available": True,
            "availableQuantity": None,
        },
    ]


async def test_upsert_updates_by_sku(api: Api) -> None:
    await upsert(api, product("A", "1.00", 5, name="Old name"), product("B", "2.00", 1))
    updated = await upsert(api, product("A", "3.1", None, name="New name"))
    assert updated[0]["name"] == "New name"
    assert updated[0]["price"]["amount"] == "3.10"
    assert updated[0]["stock"] is None

    data = await api.data(PRODUCTS, {"first": 10})
    assert data["products"]["totalCount"] == 2
    nodes = [edge["node"] for edge in data["products"]["edges"]]
    assert [(n["sku"], n["name"], n["price"]["amount"]) for n in nodes] == [
        ("A", "New name", "3.10"),
        ("B", "Product B", "2.00"),
    ]


BAD_PRODUCTS = [
    pytest.param(
        [product("OK"), product("bad sku!")],
        [("INVALID", ["input", "1", "sku"])],
        id="sku-characters",
    ),
    pytest.param([product("")], [("INVALID", ["input", "0", "sku"])], id="sku-empty"),
    pytest.param([product("X" * 65)], [("INVALID", ["input", "0", "sku"])], id="sku-too-long"),
    pytest.param(
        [product("A"), product("A")], [("INVALID", ["input", "1", "sku"])], id="sku-twice"
    ),
    pytest.param([product("A", name="  ")], [("INVALID", ["input", "0", "name"])], id="name-blank"),
    pytest.param(
        [product("A", name="n" * 201)], [("INVALID", ["input", "0", "name"])], id="name-long"
    ),
    pytest.param(
        [product("A"), product("B", "-1.00")],
        [("INVALID", ["input", "1", "price"])],
        id="price-negative",
    ),
    pytest.param(
        [product("A", "100000000")], [("INVALID", ["input", "0", "price"])], id="price-too-big"
    ),
    pytest.param(
        [product("A", "NaN")], [("INVALID", ["input", "0", "price"])], id="price-not-a-number"
    ),
    pytest.param(
        [product("A", "Infinity")], [("INVALID", ["input", "0", "price"])], id="price-infinite"
    ),
    pytest.param(
        [product("A"), product("B", "1.005")],
        [("INVALID", ["input", "1", "price"])],
        id="price-too-many-digits-for-eur",
    ),
    pytest.param([product("A", stock=-1)], [("INVALID", ["input", "0", "stock"])], id="stock"),
    pytest.param(
        [product("A", stock=1_000_000_001)],
        [("INVALID", ["input", "0", "stock"])],
        id="stock-too-big",
    ),
    pytest.param(
        [product("ok", "-3", -5, name="")],
        [
            ("INVALID", ["input", "0", "name"]),
            ("INVALID", ["input", "0", "price"]),
            ("INVALID", ["input", "0", "stock"]),
        ],
        id="every-problem-at-once",
    ),
    pytest.param(
        [product(f"P{i}") for i in range(101)],
        [("LIMIT_EXCEEDED", ["input"])],
        id="more-than-100",
    ),
]


@pytest.mark.parametrize(("items", "expected"), BAD_PRODUCTS)
async def test_bad_products_are_refused_and_nothing_is_stored(
    api: Api, items: list[dict[str, Any]], expected: list[tuple[str, list[str]]]
) -> None:
    await upsert(api, product("A", "5.00", 2, name="Kept"))
    before = await snapshot(api.runtime.database)
    data = await api.data(UPSERT_PRODUCTS, {"input": items}, key="secret")
    payload = data["upsertProducts"]
    assert payload["products"] == []
    assert [(e["code"], e["field"]) for e in payload["errors"]] == expected
    assert all(e["message"] for e in payload["errors"])
    assert await snapshot(api.runtime.database) == before


async def test_a_price_that_is_not_a_decimal_is_a_request_error(api: Api) -> None:
    before = await snapshot(api.runtime.database)
    answer = await api.call(UPSERT_PRODUCTS, {"input": [product("A", "twelve")]}, key="secret")
    assert answer["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert "data" not in answer or answer["data"] is None
    assert await snapshot(api.runtime.database) == before


async def test_exactly_100_products_are_accepted(api: Api) -> None:
    created = await upsert(api, *[product(f"P{i:03}") for i in range(100)])
    assert len(created) == 100


async def test_public_key_may_not_upsert(api: Api) -> None:
    before = await snapshot(api.runtime.database)
    answer = await api.call(UPSERT_PRODUCTS, {"input": [product("A")]}, key="public")
    assert answer["data"] is None
    assert [e["extensions"]["code"] for e in answer["errors"]] == ["FORBIDDEN"]
    assert answer["errors"][0]["path"] == ["upsertProducts"]
    assert await snapshot(api.runtime.database) == before


async def test_jpy_prices_have_no_minor_digits(api: Api) -> None:
    jpy = await open_store(api.runtime, "Tokyo shop", "JPY")
    created = await upsert(api, product("TEA", "1200", 4), key=jpy.secret_key)
    assert created[0]["price"] == {"amount": "1200", "currency": "JPY"}
    again = await upsert(api, product("TEA", "1300.00", 4), key=jpy.secret_key)
    assert again[0]["price"] == {"amount": "1300", "currency": "JPY"}

    data = await api.data(PRODUCT, {"sku": "TEA"}, key=jpy.public_key)
    assert data["product"]["price"] == {"amount": "1300", "currency": "JPY"}

    refused = await api.data(
        UPSERT_PRODUCTS, {"input": [product("TEA", "1200.5")]}, key=jpy.secret_key
    )
    assert [(e["code"], e["field"]) for e in refused["upsertProducts"]["errors"]] == [
        ("INVALID", ["input", "0", "price"])
    ]


async def test_kwd_prices_have_three_minor_digits(api: Api) -> None:
    kwd = await open_store(api.runtime, "Kuwait shop", "KWD")
    created = await upsert(api, product("DATES", "2.5", 4), key=kwd.secret_key)
    assert created[0]["price"] == {"amount": "2.500", "currency": "KWD"}


async def test_products_page_through_with_cursors(api: Api) -> None:
    await upsert(api, *[product(f"P-{i:02}") for i in reversed(range(25))])
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        data = await api.data(PRODUCTS, {"first": 10, "after": after})
        connection = data["products"]
        assert connection["totalCount"] == 25
        seen += [edge["node"]["sku"] for edge in connection["edges"]]
        pages += 1
        info = connection["pageInfo"]
        assert info["endCursor"] == connection["edges"][-1]["cursor"]
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    assert pages == 3
    assert seen == [f"P-{i:02}" for i in range(25)]


async def test_a_cursor_from_the_middle_continues_after_its_product(api: Api) -> None:
    await upsert(api, *[product(f"P-{i}") for i in range(5)])
    first = await api.data(PRODUCTS, {"first": 5})
    cursor_of_second = first["products"]["edges"][1]["cursor"]
    rest = await api.data(PRODUCTS, {"first": 2, "after": cursor_of_second})
    assert [e["node"]["sku"] for e in rest["products"]["edges"]] == ["P-2", "P-3"]
    assert rest["products"]["pageInfo"]["hasNextPage"] is True


async def test_an_empty_catalog_is_one_empty_page(api: Api) -> None:
    data = await api.data(PRODUCTS, {"first": 10})
    assert data["products"] == {
        "totalCount": 0,
        "edges": [],
        "pageInfo": {"hasNextPage": False, "endCursor": None},
    }


async def test_search_matches_sku_or_name_ignoring_case(api: Api) -> None:
    await upsert(
        api,
        product("LENS-1", name="Daily lenses"),
        product("CASE", name="Travel case for LENSES"),
        product("DROPS", name="Eye drops"),
        product("X_1", name="100% cotton"),
        product("X-1", name="Plain"),
    )
    data = await api.data(PRODUCTS, {"first": 10, "search": "lens"})
    assert [e["node"]["sku"] for e in data["products"]["edges"]] == ["CASE", "LENS-1"]
    assert data["products"]["totalCount"] == 2

    # LIKE wildcards in the search are plain characters.
    underscore = await api.data(PRODUCTS, {"first": 10, "search": "x_"})
    assert [e["node"]["sku"] for e in underscore["products"]["edges"]] == ["X_1"]
    percent = await api.data(PRODUCTS, {"first": 10, "search": "0%"})
    assert [e["node"]["sku"] for e in percent["products"]["edges"]] == ["X_1"]
    assert percent["products"]["totalCount"] == 1


async def test_skus_look_up_several_products_at_once(api: Api) -> None:
    await upsert(api, product("A", stock=0), product("B", stock=None), product("C"))
    data = await api.data(PRODUCTS, {"first": 100, "skus": ["C", "A", "NOPE"]})
    nodes = [e["node"] for e in data["products"]["edges"]]
    assert [(n["sku"], n["available"]) for n in nodes] == [("A", False), ("C", True)]
    assert data["products"]["totalCount"] == 2


async def test_more_than_100_skus_exceed_the_limit(api: Api) -> None:
    answer = await api.call(PRODUCTS, {"first": 10, "skus": [f"S{i}" for i in range(101)]})
    assert answer["data"] is None
    assert answer["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"
    allowed = await api.data(PRODUCTS, {"first": 10, "skus": [f"S{i}" for i in range(100)]})
    assert allowed["products"]["totalCount"] == 0


async def test_first_over_100_exceeds_the_limit(api: Api) -> None:
    answer = await api.call(PRODUCTS, {"first": 101})
    assert answer["data"] is None
    assert [e["extensions"]["code"] for e in answer["errors"]] == ["LIMIT_EXCEEDED"]
    assert answer["errors"][0]["path"] == ["products"]
    allowed = await api.data(PRODUCTS, {"first": 100})
    assert allowed["products"]["edges"] == []


@pytest.mark.parametrize("first", [-1])
async def test_a_negative_first_is_a_bad_request(api: Api, first: int) -> None:
    answer = await api.call(PRODUCTS, {"first": first})
    assert answer["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


@pytest.mark.parametrize("cursor", ["not a cursor", "b3JkZXI6MQ==", "@@@"])
async def test_a_foreign_cursor_is_a_bad_request(api: Api, cursor: str) -> None:
    answer = await api.call(PRODUCTS, {"first": 10, "after": cursor})
    assert answer["data"] is None
    assert answer["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_product_by_sku(api: Api) -> None:
    await upsert(api, product("A", "7.5", None, name="Untracked"), product("B", "1", 0))
    data = await api.data(PRODUCT, {"sku": "A"})
    assert data["product"] == {
        "sku": "A",
        "name": "Untracked",
        "price": {"amount": "7.50", "currency": "EUR"},
        "stock": None,
        "available": True,
        "availableQuantity": None,
    }
    sold_out = await api.data(PRODUCT, {"sku": "B"})
    assert sold_out["product"]["stock"] == 0
    assert sold_out["product"]["available"] is False
    assert (await api.data(PRODUCT, {"sku": "MISSING"}))["product"] is None


async def test_the_secret_key_reads_the_catalog_too(api: Api) -> None:
    await upsert(api, product("A"))
    data = await api.data(PRODUCT, {"sku": "A"}, key="secret")
    assert data["product"]["sku"] == "A"


async def test_another_stores_products_are_invisible(api: Api) -> None:
    await upsert(api, product("SHARED", "1.00"), product("MINE", "2.00"))
    other = await open_store(api.runtime, "Other shop")
    await upsert(api, product("SHARED", "9.00"), product("THEIRS", "3.00"), key=other.secret_key)

    mine = await api.data(PRODUCTS, {"first": 10})
    assert [e["node"]["sku"] for e in mine["products"]["edges"]] == ["MINE", "SHARED"]
    assert mine["products"]["totalCount"] == 2
    shared = await api.data(PRODUCT, {"sku": "SHARED"})
    assert shared["product"]["price"]["amount"] == "1.00"
    assert (await api.data(PRODUCT, {"sku": "THEIRS"}))["product"] is None
    looked_up = await api.data(PRODUCTS, {"first": 10, "skus": ["THEIRS"]})
    assert looked_up["products"]["edges"] == []
    searched = await api.data(PRODUCTS, {"first": 10, "search": "theirs"})
    assert searched["products"]["totalCount"] == 0


async def test_a_page_costs_the_same_for_1_and_50_products(api: Api) -> None:
    await upsert(api, *[product(f"P{i:02}", stock=i) for i in range(50)])
    await api.data(PRODUCTS, {"first": 1})  # the store key is read once, then kept a while
    counts = []
    for first in (1, 50):
        with counted_statements(api.runtime.database) as log:
            data = await api.data(PRODUCTS, {"first": first})
        assert len(data["products"]["edges"]) == first
        counts.append(log.count)
    assert counts[0] == counts[1], counts


async def test_products_asked_for_together_are_read_together(api: Api) -> None:
    await upsert(api, *[product(f"P{i}") for i in range(5)])
    fields = " ".join(f'p{i}: product(sku: "P{i}") {{ sku price {{ amount }} }}' for i in range(5))
    with counted_statements(api.runtime.database) as log:
        data = await api.data("{ " + fields + " }")
    assert [data[f"p{i}"]["sku"] for i in range(5)] == [f"P{i}" for i in range(5)]
    assert log.count == 2, log.statements  # the key, then the products in one statement
