from __future__ import annotations

from sqlalchemy import update

from persistence.tables import stores
from tests.checkout.flow import (
    CHECKOUT,
    COMPLETE,
    CREATE_PAYMENT,
    CUSTOMER,
    PRODUCT,
    SET_CUSTOMER,
    SET_LINE_META,
    invoiced,
    mutate,
    new_checkout,
    stock_shop,
)
from tests.support import Api


async def test_cart_to_invoice_order(api: Api) -> None:
    await stock_shop(api)
    checkout = await new_checkout(
        api, [{"sku": "LENS", "quantity": 2}, {"sku": "CARD", "quantity": 1}]
    )
    assert checkout["status"] == "ACTIVE"
    assert checkout["totals"]["subtotal"] == {"amount": "74.90"}
    token = checkout["token"]

    answer = await mutate(api, SET_CUSTOMER, {"token": token, "input": CUSTOMER})
    assert answer["errors"] == []
    totals = answer["checkout"]["totals"]
    # 74.90 + 4.95 shipping; tax 21 % per line: 10.48 + 5.25 + 1.04 = 16.77
    assert totals == {
        "subtotal": {"amount": "74.90"},
        "shipping": {"amount": "4.95"},
        "tax": {"amount": "16.77"},
        "total": {"amount": "96.62", "currency": "EUR"},
    }
    assert answer["checkout"]["customer"]["billingAddress"]["country"] == "NL"

    paid = await mutate(api, CREATE_PAYMENT, {"token": token, "input": {"provider": "INVOICE"}})
    assert paid["errors"] == []
    assert paid["checkout"]["status"] == "COMPLETABLE"
    assert paid["checkout"]["payment"]["provider"] == "INVOICE"

    done = await mutate(api, COMPLETE, {"token": token})
    assert done["errors"] == [], done
    order = done["order"]
    assert order["status"] == "PENDING"
    assert order["paymentStatus"] == "UNPAID"
    assert order["number"].startswith("CF-")
    assert done["checkout"]["status"] == "COMPLETED"

    again = await mutate(api, COMPLETE, {"token": token})
    assert again["order"]["id"] == order["id"]
    stock = await api.data(PRODUCT, {"sku": "LENS"})
    assert stock["product"]["stock"] == 8


async def test_order_numbers_follow_each_other_per_store(api: Api) -> None:
    await stock_shop(api)
    year = api.clock.now().year

    async def next_number() -> str:
        token = await invoiced(api, [{"sku": "CARD", "quantity": 1}])
        done = await mutate(api, COMPLETE, {"token": token})
        assert done["errors"] == [], done
        return done["order"]["number"]  # type: ignore[no-any-return]

    assert [await next_number(), await next_number()] == [f"CF-{year}-000001", f"CF-{year}-000002"]
    # Six digits is a width, not a limit: the millionth order keeps all of its digits.
    assert api.keys is not None
    async with api.runtime.database.engine.begin() as connection:
        await connection.execute(
            update(stores).where(stores.c.id == api.keys.store_id).values(order_sequence=999_999)
        )
    assert await next_number() == f"CF-{year}-1000000"


async def test_lines_keep_their_order_after_the_first_one_changes(api: Api) -> None:
    """The lines, read inside the checkout's own statement, come back in their order and with
    the meta last set, after the first of them changed twice."""
    await stock_shop(api)
    define = """mutation($fields: [MetaFieldInput!]!) {
      defineLineMeta(sku: "LENS", fields: $fields) { errors { code } } }"""
    fields = [{"name": "power", "type": "DECIMAL", "min": "-20", "max": "20"}]
    assert (await mutate(api, define, {"fields": fields}, key="secret"))["errors"] == []
    started = await new_checkout(
        api, [{"sku": sku, "quantity": 1} for sku in ("LENS", "CASE", "CARD")]
    )
    token = started["token"]
    for power in ("-1.25", "-1.5"):
        meta = {"power": power}
        answer = await mutate(api, SET_LINE_META, {"token": token, "sku": "LENS", "meta": meta})
        assert answer["errors"] == [], answer
    read = (await api.data(CHECKOUT, {"token": token}))["checkout"]
    assert [item["sku"] for item in read["items"]] == ["LENS", "CASE", "CARD"]
    assert [item["unitPrice"]["amount"] for item in read["items"]] == ["24.95", "4.50", "25.00"]
    assert read["items"][0]["meta"] == {"power": "-1.5"}
