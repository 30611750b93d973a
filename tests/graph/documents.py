"""GraphQL documents and small steps several test modules share."""

from __future__ import annotations

from typing import Any

from tests.support import Api

PRODUCT_FIELDS = "sku name price { amount currency } stock available availableQuantity"
CART_FIELDS = (
    "id status updatedAt expiresAt"
    " lines { sku name quantity unitPrice { amount currency } total { amount currency } }"
    " subtotal { amount currency }"
)
ERRORS = "errors { code field message }"

UPSERT_PRODUCTS = f"""
mutation($input: [ProductInput!]!) {{
  upsertProducts(input: $input) {{ products {{ {PRODUCT_FIELDS} }} {ERRORS} }}
}}"""

PRODUCTS = f"""
query($first: Int, $after: String, $search: String, $skus: [String!]) {{
  products(first: $first, after: $after, search: $search, skus: $skus) {{
    totalCount
    edges {{ cursor node {{ {PRODUCT_FIELDS} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}"""

PRODUCT = f"query($sku: String!) {{ product(sku: $sku) {{ {PRODUCT_FIELDS} }} }}"

CREATE_CART = f"""
mutation($lines: [CartLineInput!]!, $id: ID) {{
  createCart(lines: $lines, id: $id) {{ cart {{ {CART_FIELDS} }} {ERRORS} }}
}}"""

ADD_CART_LINES = f"""
mutation($cartId: ID!, $lines: [CartLineInput!]!) {{
  addCartLines(cartId: $cartId, lines: $lines) {{ cart {{ {CART_FIELDS} }} {ERRORS} }}
}}"""

UPDATE_CART_LINES = f"""
mutation($cartId: ID!, $lines: [CartLineInput!]!) {{
  updateCartLines(cartId: $cartId, lines: $lines) {{ cart {{ {CART_FIELDS} }} {ERRORS} }}
}}"""

REMOVE_CART_LINES = f"""
mutation($cartId: ID!, $skus: [String!]!) {{
  removeCartLines(cartId: $cartId, skus: $skus) {{ cart {{ {CART_FIELDS} }} {ERRORS} }}
}}"""

CART = f"query($id: ID!) {{ cart(id: $id) {{ {CART_FIELDS} }} }}"

UPDATE_STORE_SETTINGS = f"""
mutation($input: StoreSettingsInput!) {{
  updateStoreSettings(input: $input) {{
    store {{ id currency settings {{ cartTtlSeconds checkoutTtlSeconds allowInvoiceCheckout }} }}
    {ERRORS}
  }}
}}"""

STORE = "{ store { id name currency settings { cartTtlSeconds checkoutTtlSeconds } } }"


def product(sku: str, price: str = "1.00", stock: int | None = 10, **extra: Any) -> dict[str, Any]:
    return {"sku": sku, "name": extra.pop("name", f"Product {sku}"), "price": price, "stock": stock}


async def upsert(api: Api, *items: dict[str, Any], key: str | None = "secret") -> list[Any]:
    """Upserts products that must be accepted; returns them as the API shows them."""
    data = await api.data(UPSERT_PRODUCTS, {"input": list(items)}, key=key)
    assert data["upsertProducts"]["errors"] == [], data
    return data["upsertProducts"]["products"]  # type: ignore[no-any-return]


async def new_cart(api: Api, lines: list[dict[str, Any]], cart_id: str | None = None) -> Any:
    """A cart that must be created; returns it as the API shows it."""
    data = await api.data(CREATE_CART, {"lines": lines, "id": cart_id})
    assert data["createCart"]["errors"] == [], data
    return data["createCart"]["cart"]


def line(sku: str, quantity: int = 1) -> dict[str, Any]:
    return {"sku": sku, "quantity": quantity}
