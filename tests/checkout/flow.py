"""The checkout operations as a storefront sends them, for the checkout tests."""

from __future__ import annotations

from typing import Any

from tests.support import Api

CHECKOUT_FIELDS = """
  token status cartId expiresAt
  items { sku name quantity unitPrice { amount currency } total { amount } meta }
  customer { email name accountId shippingAddress { line1 city postalCode country } billingAddress { line1 country } }
  payment { provider status amount { amount currency } }
  totals { subtotal { amount } shipping { amount } tax { amount } total { amount currency } }
  shippingMethod { id name }
  availableShippingMethods { id }
  order { id number status paymentStatus }
"""
ERRORS = "errors { code field message }"

UPSERT = f"""mutation($input: [ProductInput!]!) {{ upsertProducts(input: $input) {{ products {{ sku }} {ERRORS} }} }}"""
CREATE_CART = f"""mutation($lines: [CartLineInput!]!) {{ createCart(lines: $lines) {{ cart {{ id }} {ERRORS} }} }}"""
INITIATE = f"""mutation($cartId: ID!, $metadata: JSON) {{ initiateCheckout(cartId: $cartId, metadata: $metadata) {{ checkout {{ {CHECKOUT_FIELDS} }} {ERRORS} }} }}"""
SET_CUSTOMER = f"""mutation($token: ID!, $input: CustomerInput!) {{ setCustomer(token: $token, input: $input) {{ checkout {{ {CHECKOUT_FIELDS} }} {ERRORS} }} }}"""
SET_LINE_META = f"""mutation($token: ID!, $sku: String!, $meta: JSON!) {{ setLineMeta(token: $token, productSku: $sku, meta: $meta) {{ checkout {{ {CHECKOUT_FIELDS} }} {ERRORS} }} }}"""
CREATE_PAYMENT = f"""mutation($token: ID!, $input: PaymentInput!) {{ createPayment(token: $token, input: $input) {{ checkout {{ {CHECKOUT_FIELDS} }} {ERRORS} }} }}"""
COMPLETE = f"""mutation($token: ID!) {{ completeCheckout(token: $token) {{ order {{ id number status paymentStatus lines {{ sku quantity meta }} totals {{ total {{ amount }} }} }} checkout {{ status }} {ERRORS} }} }}"""
CANCEL = f"""mutation($token: ID!) {{ cancelCheckout(token: $token) {{ checkout {{ {CHECKOUT_FIELDS} }} {ERRORS} }} }}"""
CHECKOUT = f"""query($token: ID!) {{ checkout(token: $token) {{ {CHECKOUT_FIELDS} }} }}"""
PRODUCT = """query($sku: String!) { product(sku: $sku) { sku stock availableQuantity } }"""

ADDRESS = {"line1": "Damrak 1", "city": "Amsterdam", "postalCode": "1012 LG", "country": "NL"}
CUSTOMER = {
    "email": "ada@example.com",
    "name": "Ada",
    "shippingAddress": ADDRESS,
    "shippingMethodId": "standard",
}


async def stock_shop(api: Api, products: list[dict[str, Any]] | None = None) -> None:
    """Shipping to NL and BE, 21 % tax in NL, invoice allowed, and a few products."""
    settings = """mutation($input: StoreSettingsInput!) { updateStoreSettings(input: $input) { errors { code field message } } }"""
    answer = await api.data(
        settings,
        {
            "input": {
                "allowInvoiceCheckout": True,
                "taxRates": [{"country": "NL", "rate": "0.21"}],
                "shippingMethods": [
                    {
                        "id": "standard",
                        "name": "Standard",
                        "price": "4.95",
                        "countries": ["NL", "BE"],
                    },
                    {"id": "express", "name": "Express", "price": "9.95", "countries": ["NL"]},
                ],
            }
        },
        key="secret",
    )
    assert answer["updateStoreSettings"]["errors"] == []
    products = products or [
        {"sku": "LENS", "name": "Lenses", "price": "24.95", "stock": 10},
        {"sku": "CASE", "name": "Case", "price": "4.50", "stock": 100},
        {"sku": "CARD", "name": "Gift card", "price": "25.00", "stock": None},
    ]
    answer = await api.data(UPSERT, {"input": products}, key="secret")
    assert answer["upsertProducts"]["errors"] == []


async def mutate(
    api: Api, document: str, variables: dict[str, Any], **options: Any
) -> dict[str, Any]:
    """The payload of the one mutation in `document`."""
    data = await api.data(document, variables, **options)
    return next(iter(data.values()))  # type: ignore[no-any-return]


async def new_checkout(api: Api, lines: list[dict[str, Any]]) -> dict[str, Any]:
    cart = await mutate(api, CREATE_CART, {"lines": lines})
    assert cart["errors"] == [], cart
    started = await mutate(api, INITIATE, {"cartId": cart["cart"]["id"]})
    assert started["errors"] == [], started
    return started["checkout"]  # type: ignore[no-any-return]


async def ready_to_pay(
    api: Api, lines: list[dict[str, Any]], customer: dict[str, Any] = CUSTOMER
) -> str:
    checkout = await new_checkout(api, lines)
    answer = await mutate(api, SET_CUSTOMER, {"token": checkout["token"], "input": customer})
    assert answer["errors"] == [], answer
    return checkout["token"]  # type: ignore[no-any-return]


async def invoiced(api: Api, lines: list[dict[str, Any]]) -> str:
    token = await ready_to_pay(api, lines)
    answer = await mutate(api, CREATE_PAYMENT, {"token": token, "input": {"provider": "INVOICE"}})
    assert answer["errors"] == [], answer
    return token
