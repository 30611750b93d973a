"""`store` and `updateStoreSettings` (secret key): what is left out stays as it was, and a
refused change stores nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.snapshots import snapshot
from tests.support import Api, open_store

SETTINGS = """
settings {
  allowInvoiceCheckout pricesIncludeTax cartTtlSeconds checkoutTtlSeconds
  taxRates { country rate }
  shippingMethods { id name price { amount currency } countries }
  emailSender successUrl cancelUrl
}"""
STORE = "{ store { id name currency " + SETTINGS + " } }"
UPDATE = (
    "mutation($input: StoreSettingsInput!) { updateStoreSettings(input: $input) {"
    " store { id " + SETTINGS + " } errors { code field message } } }"
)


async def update(api: Api, changes: dict[str, Any], key: str | None = "secret") -> Any:
    return (await api.data(UPDATE, {"input": changes}, key=key))["updateStoreSettings"]


async def test_a_new_store_has_the_default_settings(api: Api) -> None:
    store = (await api.data(STORE, key="secret"))["store"]
    assert store["currency"] == "EUR"
    assert store["settings"] == {
        "allowInvoiceCheckout": True,  # the test shop allows it; the default is False
        "pricesIncludeTax": False,
        "cartTtlSeconds": 7 * 24 * 3600,
        "checkoutTtlSeconds": 3600,
        "taxRates": [],
        "shippingMethods": [],
        "emailSender": None,
        "successUrl": None,
        "cancelUrl": None,
    }


async def test_what_is_left_out_stays_as_it_was(api: Api) -> None:
    first = await update(
        api,
        {
            "cartTtlSeconds": 600,
            "taxRates": [{"country": "nl", "rate": "0.21"}],
            "shippingMethods": [
                {"id": "std", "name": "Standard", "price": "4.5", "countries": ["NL", "be"]}
            ],
            "successUrl": "https://shop.example/thanks",
        },
    )
    assert first["errors"] == []
    second = await update(api, {"pricesIncludeTax": True})
    assert second["errors"] == []
    settings = second["store"]["settings"]
    assert settings["pricesIncludeTax"] is True
    assert settings["cartTtlSeconds"] == 600
    assert settings["taxRates"] == [{"country": "NL", "rate": "0.21"}]
    assert settings["shippingMethods"] == [
        {
            "id": "std",
            "name": "Standard",
            "price": {"amount": "4.50", "currency": "EUR"},
            "countries": ["NL", "BE"],
        }
    ]
    assert settings["successUrl"] == "https://shop.example/thanks"
    stored = (await api.data(STORE, key="secret"))["store"]["settings"]
    assert stored == settings


async def test_empty_text_clears_a_setting(api: Api) -> None:
    await update(api, {"emailSender": "shop@example.com", "successUrl": "https://x.example/"})
    cleared = await update(api, {"emailSender": "", "successUrl": " "})
    assert cleared["store"]["settings"]["emailSender"] is None
    assert cleared["store"]["settings"]["successUrl"] is None


async def test_a_price_of_minus_nothing_is_shown_without_a_sign(api: Api) -> None:
    changed = await update(
        api, {"shippingMethods": [{"id": "free", "name": "Free", "price": "-0"}]}
    )
    assert changed["errors"] == []
    price = changed["store"]["settings"]["shippingMethods"][0]["price"]
    assert price == {"amount": "0.00", "currency": "EUR"}


async def test_shipping_prices_follow_the_store_currency(api: Api) -> None:
    jpy = await open_store(api.runtime, "Tokyo shop", "JPY")
    changed = await update(
        api,
        {"shippingMethods": [{"id": "std", "name": "Standard", "price": "500"}]},
        key=jpy.secret_key,
    )
    assert changed["store"]["settings"]["shippingMethods"][0]["price"] == {
        "amount": "500",
        "currency": "JPY",
    }
    refused = await update(
        api,
        {"shippingMethods": [{"id": "std", "name": "Standard", "price": "4.5"}]},
        key=jpy.secret_key,
    )
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [
        ("INVALID", ["input", "shippingMethods", "0", "price"])
    ]


BAD_SETTINGS = [
    pytest.param({"cartTtlSeconds": 59}, [["input", "cartTtlSeconds"]], id="cart-ttl-short"),
    pytest.param(
        {"cartTtlSeconds": 366 * 24 * 3600}, [["input", "cartTtlSeconds"]], id="cart-ttl-long"
    ),
    pytest.param({"checkoutTtlSeconds": 600}, [["input", "checkoutTtlSeconds"]], id="checkout-ttl"),
    pytest.param(
        {"taxRates": [{"country": "NL", "rate": "0.21"}, {"country": "XX", "rate": "1.5"}]},
        [["input", "taxRates", "1", "country"], ["input", "taxRates", "1", "rate"]],
        id="tax-rates",
    ),
    pytest.param(
        {"taxRates": [{"country": "NL", "rate": "0.21"}, {"country": "nl", "rate": "0.09"}]},
        [["input", "taxRates", "1", "country"]],
        id="tax-rate-twice",
    ),
    pytest.param(
        {
            "shippingMethods": [
                {"id": "a", "name": "A", "price": "1"},
                {"id": "a", "name": "", "price": "-1", "countries": ["NL", "ZZ"]},
            ]
        },
        [
            ["input", "shippingMethods", "1", "id"],
            ["input", "shippingMethods", "1", "name"],
            ["input", "shippingMethods", "1", "price"],
            ["input", "shippingMethods", "1", "countries", "1"],
        ],
        id="shipping-methods",
    ),
    pytest.param({"emailSender": "not an address"}, [["input", "emailSender"]], id="sender"),
    pytest.param({"cancelUrl": "javascript:alert(1)"}, [["input", "cancelUrl"]], id="url"),
    pytest.param(
        {"cartTtlSeconds": 3600, "successUrl": "ftp://x"},
        [["input", "successUrl"]],
        id="good-and-bad-together",
    ),
]


@pytest.mark.parametrize(("changes", "fields"), BAD_SETTINGS)
async def test_bad_settings_are_refused_and_nothing_is_stored(
    api: Api, changes: dict[str, Any], fields: list[list[str]]
) -> None:
    before = await snapshot(api.runtime.database)
    refused = await update(api, changes)
    assert refused["store"] is None
    assert [e["field"] for e in refused["errors"]] == fields
    assert {e["code"] for e in refused["errors"]} == {"INVALID"}
    assert await snapshot(api.runtime.database) == before


async def test_more_than_50_shipping_methods_exceed_the_limit(api: Api) -> None:
    methods = [{"id": f"m{i}", "name": f"M{i}", "price": "1"} for i in range(51)]
    refused = await update(api, {"shippingMethods": methods})
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [
        ("LIMIT_EXCEEDED", ["input", "shippingMethods"])
    ]


async def test_settings_are_per_store(api: Api) -> None:
    other = await open_store(api.runtime, "Other shop")
    await update(api, {"cartTtlSeconds": 900}, key=other.secret_key)
    mine = (await api.data(STORE, key="secret"))["store"]["settings"]
    assert mine["cartTtlSeconds"] == 7 * 24 * 3600
