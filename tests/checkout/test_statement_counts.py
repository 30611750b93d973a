"""SQL statements per operation: constant in the number of lines, and within budget."""

from __future__ import annotations

from tests.checkout.flow import (
    COMPLETE,
    CREATE_CART,
    CREATE_PAYMENT,
    CUSTOMER,
    INITIATE,
    SET_CUSTOMER,
    invoiced,
    mutate,
    stock_shop,
)
from tests.support import Api, counted_statements

COMPLETE_BUDGET = 12
FLOW_BUDGET = 40


async def completion_statements(api: Api, lines: int) -> int:
    token = await invoiced(api, [{"sku": f"P{i:03d}", "quantity": 1} for i in range(lines)])
    with counted_statements(api.runtime.database) as log:
        done = await mutate(api, COMPLETE, {"token": token})
    assert done["errors"] == [], done
    return log.count


async def test_completion_costs_the_same_for_1_and_50_lines(api: Api) -> None:
    await stock_shop(
        api,
        [
            {"sku": f"P{i:03d}", "name": f"Product {i}", "price": "1.00", "stock": 5}
            for i in range(50)
        ],
    )
    one = await completion_statements(api, 1)
    fifty = await completion_statements(api, 50)
    assert one == fifty
    assert fifty <= COMPLETE_BUDGET


async def test_the_whole_flow_stays_in_budget(api: Api) -> None:
    await stock_shop(api)
    lines = [
        {"sku": "LENS", "quantity": 1},
        {"sku": "CASE", "quantity": 2},
        {"sku": "CARD", "quantity": 1},
    ]
    with counted_statements(api.runtime.database) as log:
        cart = await mutate(api, CREATE_CART, {"lines": lines})
        checkout = await mutate(api, INITIATE, {"cartId": cart["cart"]["id"]})
        token = checkout["checkout"]["token"]
        await mutate(api, SET_CUSTOMER, {"token": token, "input": CUSTOMER})
        await mutate(api, CREATE_PAYMENT, {"token": token, "input": {"provider": "INVOICE"}})
        done = await mutate(api, COMPLETE, {"token": token})
    assert done["errors"] == []
    assert log.count <= FLOW_BUDGET, "\n".join(log.statements)
    # Nothing is read twice in one completion.
    token = await invoiced(api, lines)
    with counted_statements(api.runtime.database) as log:
        await mutate(api, COMPLETE, {"token": token})
    assert len(set(log.statements)) == len(log.statements), "\n".join(log.statements)
