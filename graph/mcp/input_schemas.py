"""JSON Schemas of the tools' arguments, named and nested exactly like the arguments of the
GraphQL twin, so a refusal's field path (`["input", "email"]`) points at the tool argument.

They constrain types only. Ranges, lengths and formats stay the domain's to check, so a
quantity of 0 is refused with INVALID_QUANTITY here just as it is over GraphQL.
"""

from __future__ import annotations

from typing import Any

from domain.payment import PaymentProvider
from graph.mcp.output_schemas import values

Schema = dict[str, Any]


def arguments(properties: dict[str, Schema], *required: str) -> Schema:
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }


def text(description: str) -> Schema:
    return {"type": "string", "description": description}


TOKEN = text(
    "The checkout token: `checkout.token` from checkout-flow_initiate_checkout. It is the "
    "checkout's only key, so keep it for every later step of this checkout. "
    "Example: 'q0Zy3tVc9p1G8fW2bXr4Ls7mNa6Kd5Jh'."
)

ADDRESS: Schema = {
    "type": "object",
    "description": "A postal address.",
    "properties": {
        "line1": text("Street and house number. Example: 'Damrak 1'."),
        "line2": text("Apartment, floor or c/o, if any."),
        "city": text("Example: 'Amsterdam'."),
        "postalCode": text("As written in the country. Example: '1012 LG'."),
        "country": text("ISO 3166-1 alpha-2 country code, upper case. Example: 'NL'."),
        "region": text("State or province where the country uses one. Example: 'CA'."),
        "name": text("Recipient's name, if different from the customer's."),
        "company": text("Company name, if any."),
        "phone": text("Phone number for the carrier, international form. Example: '+31201234567'."),
    },
    "required": ["line1", "city", "postalCode", "country"],
    "additionalProperties": False,
}

CART_LINE: Schema = {
    "type": "object",
    "properties": {
        "sku": text("The product's sku from checkout-flow_search_products. Example: 'LENS'."),
        "quantity": {
            "type": "integer",
            "description": "How many, 1 to 9999. Example: 2.",
        },
    },
    "required": ["sku", "quantity"],
    "additionalProperties": False,
}

SEARCH_PRODUCTS = arguments(
    {
        "search": text(
            "Words to find in the product's sku or name, case-insensitive; leave out to list "
            "the whole catalog. Example: 'lens'."
        ),
        "skus": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Look up these exact skus (at most 100), e.g. to check that they "
            "are available. Example: ['LENS', 'CASE'].",
        },
        "first": {
            "type": "integer",
            "description": "Page size, 1 to 100; 20 when left out. Example: 10.",
        },
        "after": text(
            "Cursor for the next page: `endCursor` of the previous answer, when `hasNextPage`. "
            "Example: 'c2t1OkNBU0U='."
        ),
    }
)

CREATE_CART = arguments(
    {
        "lines": {
            "type": "array",
            "items": CART_LINE,
            "description": "What the shopper wants, one entry per sku (at most 100). Prices "
            "come from the catalog, never from here. Example: "
            "[{'sku': 'LENS', 'quantity': 2}, {'sku': 'CASE', 'quantity': 1}].",
        },
        "id": text(
            "Optional cart id of your own choosing, 20-64 of A-Z a-z 0-9 _ -: calling again "
            "with the same id returns that cart instead of making a second one, so a retry is "
            "safe. Example: 'chat-7f3a9c2e-cart-0001'."
        ),
    },
    "lines",
)

INITIATE_CHECKOUT = arguments(
    {
        "cartId": text(
            "`cart.id` from checkout-flow_create_cart. Example: 'k3J9xQ2mP7vL0sT8wY4zA1bC'."
        ),
        "metadata": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "Optional notes passed on to the payment provider: at most 20 "
            "string keys and values of up to 500 characters. Example: {'channel': 'assistant'}.",
        },
    },
    "cartId",
)

SET_CUSTOMER = arguments(
    {
        "token": TOKEN,
        "input": {
            "type": "object",
            "description": "Who buys and where it goes. Fields left out keep their earlier "
            "value, so this can be called again to correct one detail. Shipping and tax are "
            "recalculated from the shipping address and method. Example: {'email': "
            "'ada@example.com', 'name': 'Ada Lovelace', 'shippingAddress': {'line1': 'Damrak 1', "
            "'city': 'Amsterdam', 'postalCode': '1012 LG', 'country': 'NL'}, "
            "'shippingMethodId': 'standard'}.",
            "properties": {
                "email": text(
                    "The shopper's email; the order confirmation goes there. Needed once. "
                    "Example: 'ada@example.com'."
                ),
                "name": text("The shopper's full name. Example: 'Ada Lovelace'."),
                "phone": text("Phone number, international form. Example: '+31201234567'."),
                "shippingAddress": ADDRESS,
                "billingAddress": {
                    **ADDRESS,
                    "description": "Only when it differs from the shipping address.",
                },
                "shippingMethodId": text(
                    "`id` of one of the checkout's `availableShippingMethods` (they depend on "
                    "the shipping country). Example: 'standard'."
                ),
                "shippingCost": text(
                    "Store's secret key only: a shipping cost the shop sets itself, decimal "
                    "string. Leave out when acting for a shopper. Example: '4.95'."
                ),
                "taxAmount": text(
                    "Store's secret key only: a tax amount the shop sets itself, decimal "
                    "string. Leave out when acting for a shopper. Example: '16.77'."
                ),
                "accountId": text(
                    "Store's secret key only: the shop's own user id for this shopper. "
                    "Example: 'user-1234'."
                ),
            },
            "additionalProperties": False,
        },
    },
    "token",
    "input",
)

SET_LINE_META = arguments(
    {
        "token": TOKEN,
        "productSku": text("The sku of the checkout line it is for. Example: 'LENS'."),
        "meta": {
            "type": "object",
            "description": "The values the product's `metaDefinition` (from "
            "checkout-flow_search_products) asks for, by field name; numbers may be given as "
            "decimal strings. Example: {'sphere': '-1.25', 'eye': 'LEFT'}.",
        },
    },
    "token",
    "productSku",
    "meta",
)

PROVIDER: Schema = {
    "type": "string",
    "enum": values(PaymentProvider),
    "description": "INVOICE: the shopper pays later by invoice (only where the store allows "
    "it); STRIPE or MOLLIE: the shopper pays online at a link this tool returns.",
}

CREATE_PAYMENT = arguments(
    {
        "token": TOKEN,
        "input": {
            "type": "object",
            "description": "How the shopper pays. Needs the customer (and shipping method) set "
            "and every line's required meta first. Example: {'provider': 'INVOICE'}.",
            "properties": {
                "provider": PROVIDER,
                "returnUrl": text(
                    "Online payments: where the provider sends the shopper after paying; the "
                    "store's success page when left out. Example: 'https://shop.example/thanks'."
                ),
                "cancelUrl": text(
                    "Online payments: where the shopper lands when they give up paying. "
                    "Example: 'https://shop.example/cart'."
                ),
            },
            "required": ["provider"],
            "additionalProperties": False,
        },
    },
    "token",
    "input",
)

SET_PAYMENT = arguments(
    {
        "token": TOKEN,
        "input": {
            "type": "object",
            "description": "A payment the shopper already made at the provider, to link to "
            "this checkout. The server fetches it from the provider and checks amount and "
            "currency. Example: {'provider': 'MOLLIE', 'externalId': 'tr_WDqYK6vllg'}.",
            "properties": {
                "provider": {
                    **PROVIDER,
                    "description": "The provider that holds the payment: STRIPE or MOLLIE.",
                },
                "externalId": text(
                    "The payment's id at the provider: 'cs_…' or 'pi_…' for Stripe, 'tr_…' "
                    "for Mollie. Example: 'tr_WDqYK6vllg'."
                ),
            },
            "required": ["provider", "externalId"],
            "additionalProperties": False,
        },
    },
    "token",
    "input",
)

TOKEN_ONLY = arguments({"token": TOKEN}, "token")
