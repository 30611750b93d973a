"""Checkouts and carts run out of time: at once for anyone who looks, and recorded by the
worker; stock held by an expired checkout is free again at once."""

from __future__ import annotations

from sqlalchemy import select

from graph.worker import Worker
from persistence.tables import carts, checkouts, stock_reservations
from tests.checkout.flow import CREATE_PAYMENT, PRODUCT, invoiced, mutate, ready_to_pay, stock_shop
from tests.support import Api


async def test_an_expired_checkout_frees_its_stock_before_the_worker_runs(api: Api) -> None:
    await stock_shop(api, [{"sku": "ONE", "name": "The only one", "price": "5.00", "stock": 1}])
    second = await ready_to_pay(api, [{"sku": "ONE", "quantity": 1}])
    first = await invoiced(api, [{"sku": "ONE", "quantity": 1}])
    assert (await api.data(PRODUCT, {"sku": "ONE"}))["product"]["availableQuantity"] == 0
    refused = await mutate(api, CREATE_PAYMENT, {"token": second, "input": {"provider": "INVOICE"}})
    assert [e["code"] for e in refused["errors"]] == ["INSUFFICIENT_STOCK"]

    api.clock.advance(minutes=61)
    status = await api.data("query($t: ID!) { checkout(token: $t) { status } }", {"t": first})
    assert status["checkout"]["status"] == "EXPIRED"
    second = await ready_to_pay(api, [{"sku": "ONE", "quantity": 1}])  # the old one expired too
    taken = await mutate(api, CREATE_PAYMENT, {"token": second, "input": {"provider": "INVOICE"}})
    assert taken["errors"] == []

    _, expired = await Worker(api.runtime).run_once()
    assert expired.checkouts >= 1
    async with api.runtime.database.connect() as connection:
        statuses = dict(
            (await connection.execute(select(checkouts.c.token, checkouts.c.status))).all()
        )
        held = (await connection.execute(select(stock_reservations.c.checkout_id))).scalars().all()
    assert statuses[first] == "EXPIRED"
    assert statuses[second] == "COMPLETABLE"
    assert len(held) == 1


async def test_the_worker_records_expired_carts(api: Api) -> None:
    await stock_shop(api)
    await mutate(
        api, """mutation { createCart(lines: [{sku: "CASE", quantity: 1}]) { cart { id } } }""", {}
    )
    api.clock.advance(days=8)
    _, expired = await Worker(api.runtime).run_once()
    assert expired.carts == 1
    async with api.runtime.database.connect() as connection:
        assert (await connection.execute(select(carts.c.status))).scalars().all() == ["EXPIRED"]
