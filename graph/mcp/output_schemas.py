"""JSON Schemas of what the tools return in `structuredContent`: the GraphQL payload of the
tool's twin, in the same field names, plus a `summary` in words.

Shared shapes (Money, Address, Checkout…) are `$defs` that each schema carries for itself,
which keeps tools/list small; the SDK's client and the usual validators resolve such local
references.
"""

from __future__ import annotations

import json
import re
from enum import Enum
from typing import Any

from domain.cart import CartStatus
from domain.checkout import CheckoutStatus
from domain.errors import ErrorCode
from domain.line_meta import MetaFieldType
from domain.order import OrderPaymentStatus, OrderStatus
from domain.payment import PaymentFlow, PaymentProvider, PaymentStatus
from graph import errors as api_errors

Schema = dict[str, Any]


def values(enum: type[Enum]) -> list[str]:
    return [member.value for member in enum]


def nullable(schema: Schema) -> Schema:
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    kind = schema["type"]
    shown = {**schema, "type": [kind, "null"] if isinstance(kind, str) else [*kind, "null"]}
    if "enum" in schema:
        shown["enum"] = [*schema["enum"], None]
    return shown


def ref(name: str) -> Schema:
    return {"$ref": f"#/$defs/{name}"}


def enum_of(enum: type[Enum], description: str) -> Schema:
    return {"type": "string", "enum": values(enum), "description": description}


def record(properties: dict[str, Schema], description: str = "") -> Schema:
    """An object whose every property is always present (null where the contract allows)."""
    schema: Schema = {"type": "object", "properties": properties, "required": list(properties)}
    if description:
        schema["description"] = description
    return schema


def many(item: Schema) -> Schema:
    return {"type": "array", "items": item}


STRING: Schema = {"type": "string"}
TEXT = nullable(STRING)
INTEGER: Schema = {"type": "integer"}
JSON_OBJECT: Schema = {"type": ["object", "null"]}
DATE_TIME: Schema = {"type": "string", "description": "ISO 8601 with offset."}
MONEY = ref("Money")

# Top-level GraphQL error codes (credentials, malformed input, faults) next to the ErrorCodes
# of refused changes, so one `code` field carries either.
REQUEST_CODES = [
    api_errors.UNAUTHENTICATED,
    api_errors.FORBIDDEN,
    api_errors.BAD_REQUEST,
    api_errors.VALIDATION_FAILED,
    api_errors.QUERY_TOO_COMPLEX,
    api_errors.INTERNAL,
]
ERROR_CODES = values(ErrorCode) + [c for c in REQUEST_CODES if c not in values(ErrorCode)]

ORDER_NUMBER: Schema = {"type": "string", "description": "What the shopper quotes: CF-2026-000042."}
ORDER_STATUS = enum_of(OrderStatus, "Fulfilment state.")
ORDER_PAYMENT_STATUS = enum_of(OrderPaymentStatus, "UNPAID for an invoice until it is paid.")

DEFS: dict[str, Schema] = {
    "Money": record(
        {
            "amount": {"type": "string", "description": 'Decimal string: "96.62".'},
            "currency": {"type": "string", "description": "ISO 4217: EUR."},
        }
    ),
    "UserError": {
        "type": "object",
        "properties": {
            "code": {"type": "string", "enum": ERROR_CODES},
            "field": {
                "type": ["array", "null"],
                "items": STRING,
                "description": "Path of the offending argument: ['input', 'email'].",
            },
            "message": STRING,
            "requestId": {"type": "string", "description": "Quote it when reporting a fault."},
        },
        "required": ["code", "field", "message"],
    },
    "Address": record(
        {
            "name": TEXT,
            "company": TEXT,
            "line1": STRING,
            "line2": TEXT,
            "city": STRING,
            "postalCode": STRING,
            "region": TEXT,
            "country": {"type": "string", "description": "ISO 3166-1 alpha-2."},
            "phone": TEXT,
        }
    ),
    "Customer": record(
        {
            "email": STRING,
            "name": TEXT,
            "phone": TEXT,
            "accountId": TEXT,
            "shippingAddress": nullable(ref("Address")),
            "billingAddress": nullable(ref("Address")),
        }
    ),
    "ShippingMethod": record({"id": STRING, "name": STRING, "price": MONEY}),
    "Line": record(
        {
            "sku": STRING,
            "name": STRING,
            "quantity": INTEGER,
            "unitPrice": MONEY,
            "total": MONEY,
            "meta": JSON_OBJECT,
        }
    ),
    "Totals": record({"subtotal": MONEY, "shipping": MONEY, "tax": MONEY, "total": MONEY}),
    "Payment": record(
        {
            "provider": enum_of(PaymentProvider, "Who takes the money."),
            "flow": nullable(enum_of(PaymentFlow, "REDIRECT: the shopper pays at redirectUrl.")),
            "status": enum_of(PaymentStatus, "PAID once the provider confirmed it."),
            "externalId": TEXT,
            "redirectUrl": {
                "type": ["string", "null"],
                "description": "Where the shopper pays; hand it to them.",
            },
            "amount": MONEY,
            "createdAt": DATE_TIME,
        }
    ),
    "Checkout": record(
        {
            "token": {"type": "string", "description": "The checkout token for the next tools."},
            "status": enum_of(CheckoutStatus, "COMPLETABLE: ready for complete_checkout."),
            "cartId": STRING,
            "expiresAt": DATE_TIME,
            "items": many(ref("Line")),
            "customer": nullable(ref("Customer")),
            "shippingMethod": nullable(ref("ShippingMethod")),
            "availableShippingMethods": many(ref("ShippingMethod")),
            "payment": nullable(ref("Payment")),
            "totals": ref("Totals"),
            "order": nullable(
                record(
                    {
                        "id": STRING,
                        "number": ORDER_NUMBER,
                        "status": ORDER_STATUS,
                        "paymentStatus": ORDER_PAYMENT_STATUS,
                        "createdAt": DATE_TIME,
                    },
                    "The order, once the checkout is completed.",
                )
            ),
            "metadata": JSON_OBJECT,
        }
    ),
    "Order": record(
        {
            "id": STRING,
            "number": ORDER_NUMBER,
            "status": ORDER_STATUS,
            "paymentStatus": ORDER_PAYMENT_STATUS,
            "checkoutToken": STRING,
            "lines": many(ref("Line")),
            "customer": ref("Customer"),
            "totals": ref("Totals"),
            "createdAt": DATE_TIME,
        }
    ),
    "Product": record(
        {
            "sku": STRING,
            "name": STRING,
            "price": MONEY,
            "available": {"type": "boolean"},
            "availableQuantity": {
                "type": ["integer", "null"],
                "description": "Units that can be bought now; null when stock is not tracked.",
            },
            "metaDefinition": nullable(
                record(
                    {
                        "key": STRING,
                        "fields": many(
                            record(
                                {
                                    "name": STRING,
                                    "type": enum_of(MetaFieldType, "The value's type."),
                                    "required": {"type": "boolean"},
                                    "min": TEXT,
                                    "max": TEXT,
                                    "step": TEXT,
                                    "pattern": TEXT,
                                    "options": {"type": ["array", "null"], "items": STRING},
                                    "optionsSource": TEXT,
                                    "requiredWhenSet": TEXT,
                                }
                            )
                        ),
                    },
                    "What each checkout line of it must carry (checkout-flow_set_line_meta).",
                )
            ),
        }
    ),
    "Cart": record(
        {
            "id": {"type": "string", "description": "The cart id for initiate_checkout."},
            "status": enum_of(CartStatus, "ACTIVE while it can be changed and checked out."),
            "lines": many(
                record(
                    {
                        "sku": STRING,
                        "name": STRING,
                        "quantity": INTEGER,
                        "unitPrice": MONEY,
                        "total": MONEY,
                    }
                )
            ),
            "subtotal": MONEY,
            "expiresAt": DATE_TIME,
        }
    ),
}

_REF = re.compile(r'"#/\$defs/(\w+)"')


def payload(properties: dict[str, Schema]) -> Schema:
    """A tool's output: its fields, `errors` and `summary`, with the definitions it uses."""
    schema = record(
        {
            **properties,
            "errors": {
                **many(ref("UserError")),
                "description": "Empty on success; otherwise why nothing (or not all) was done.",
            },
            "summary": {"type": "string", "description": "The outcome in words for the shopper."},
        }
    )
    used: set[str] = set()
    pending = set(_REF.findall(json.dumps(schema)))
    while pending:
        name = pending.pop()
        used.add(name)
        pending |= set(_REF.findall(json.dumps(DEFS[name]))) - used
    return {**schema, "$defs": {name: DEFS[name] for name in sorted(used)}}


CHECKOUT_PAYLOAD = payload({"checkout": nullable(ref("Checkout"))})
COMPLETION_PAYLOAD = payload(
    {"order": nullable(ref("Order")), "checkout": nullable(ref("Checkout"))}
)
CART_PAYLOAD = payload({"cart": nullable(ref("Cart"))})
PRODUCT_PAGE = payload(
    {
        "products": many(ref("Product")),
        "totalCount": {"type": ["integer", "null"], "description": "How many products match."},
        "hasNextPage": {"type": "boolean"},
        "endCursor": {
            "type": ["string", "null"],
            "description": "Pass as `after` for the next page.",
        },
    }
)
