from __future__ import annotations

from tests.support import Api

CREATE = """
mutation($lines: [CartLineInput!]!, $id: ID) {
  createCart(lines: $lines, id: $id) {
    cart { id status lines { sku quantity name unitPrice { amount currency } total { amount } } subtotal { amount currency } }
    errors { code field message }
  }
}"""

UPSERT = """
mutation($input: [ProductInput!]!) {
  upsertProducts(input: $input) { products { sku price { amount currency } stock available } errors { code field message } }
}"""


async def seed(api: Api) -> None:
    data = await api.data(
        UPSERT,
        {
            "input": [
                {"sku": "A", "name": "Apple", "price": "1.10", "stock": 10},
                {"sku": "B", "name": "Banana", "price": "0.35", "stock": None},
            ]
        },
        key="secret",
    )
    assert data["upsertProducts"]["errors"] == []


async def test_create_cart_prices_from_catalog(api: Api) -> None:
    await seed(api)
    data = await api.data(
        CREATE, {"lines": [{"sku": "A", "quantity": 3}, {"sku": "B", "quantity": 1}]}
    )
    cart = data["createCart"]["cart"]
    assert data["createCart"]["errors"] == []
    assert cart["status"] == "ACTIVE"
    assert cart["lines"][0]["total"] == {"amount": "3.30"}
    assert cart["subtotal"] == {"amount": "3.65", "currency": "EUR"}


async def test_unknown_sku_is_refused_with_its_path(api: Api) -> None:
    await seed(api)
    data = await api.data(
        CREATE,
        {
            "lines": [
                {"sku": "A", "quantity": 1},
                {"sku": "A", "quantity": 1},
                {"sku": "Z", "quantity": 1},
            ]
        },
    )
    assert data["createCart"]["cart"] is None
    assert data["createCart"]["errors"] == [
        {
            "code": "PRODUCT_NOT_FOUND",
            "field": ["lines", "2", "sku"],
            "message": "no product with sku 'Z'",
        }
    ]
