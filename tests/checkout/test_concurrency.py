"""Exactly once under real concurrency: many completions of one checkout, many checkouts
after the last units."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from graph.worker import Worker
from persistence.tables import orders, outbox
from tests.checkout.flow import (
    COMPLETE,
    CREATE_PAYMENT,
    PRODUCT,
    invoiced,
    mutate,
    ready_to_pay,
    stock_shop,
)
from tests.support import Api


async def count(api: Api, table: object) -> int:
    async with api.runtime.database.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(table)) or 0)  # type: ignore[arg-type]


async def test_fifty_concurrent_completions_make_one_order(api: Api) -> None:
    await stock_shop(api)
    token = await invoiced(api, [{"sku": "LENS", "quantity": 3}])
    answers = await asyncio.gather(*(mutate(api, COMPLETE, {"token": token}) for _ in range(50)))
    assert all(a["errors"] == [] for a in answers)
    assert len({a["order"]["id"] for a in answers}) == 1
    assert await count(api, orders) == 1
    assert await count(api, outbox) == 1
    assert (await api.data(PRODUCT, {"sku": "LENS"}))["product"]["stock"] == 7
    await Worker(api.runtime).run_once()
    mails = list((api.runtime.settings.mail_dir).glob("*.eml"))
    assert len(mails) == 1


async def test_twenty_checkouts_racing_for_five_units_sell_five(api: Api) -> None:
    await stock_shop(api, [{"sku": "LAST", "name": "Last ones", "price": "10.00", "stock": 5}])
    tokens = [await ready_to_pay(api, [{"sku": "LAST", "quantity": 1}]) for _ in range(20)]
    paid = await asyncio.gather(
        *(
            mutate(api, CREATE_PAYMENT, {"token": t, "input": {"provider": "INVOICE"}})
            for t in tokens
        )
    )
    winners = [t for t, a in zip(tokens, paid, strict=True) if a["errors"] == []]
    losers = [a for a in paid if a["errors"]]
    assert len(winners) == 5
    assert {e["code"] for a in losers for e in a["errors"]} == {"INSUFFICIENT_STOCK"}
    done = await asyncio.gather(*(mutate(api, COMPLETE, {"token": t}) for t in tokens))
    assert sum(1 for a in done if a["errors"] == []) == 5
    assert (await api.data(PRODUCT, {"sku": "LAST"}))["product"] == {
        "sku": "LAST",
        "stock": 0,
        "availableQuantity": 0,
    }
