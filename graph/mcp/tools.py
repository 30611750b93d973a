"""The ten tools: what each is called, says, takes, returns and promises, and which GraphQL
operation answers it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import mcp_types as types

from graph.mcp import input_schemas as inputs
from graph.mcp import output_schemas as outputs
from graph.mcp import selections, wording
from graph.mcp.operation import Answer, Operation

Data = dict[str, Any]
PREFIX = "checkout-flow_"


@dataclass(frozen=True, slots=True)
class ToolSpec:
    name: str
    title: str
    description: str
    operation: Operation
    input_schema: Data
    output_schema: Data
    annotations: types.ToolAnnotations
    # The structured content (without `summary`) from the GraphQL answer.
    shape: Callable[[Answer], Data]
    # The structured content in words.
    words: Callable[[Data], str]

    def tool(self) -> types.Tool:
        return types.Tool(
            name=self.name,
            title=self.title,
            description=self.description,
            input_schema=self.input_schema,
            output_schema=self.output_schema,
            annotations=self.annotations,
        )


def hints(
    title: str, *, read_only: bool, destructive: bool, idempotent: bool, open_world: bool
) -> types.ToolAnnotations:
    return types.ToolAnnotations(
        title=title,
        read_only_hint=read_only,
        destructive_hint=destructive,
        idempotent_hint=idempotent,
        open_world_hint=open_world,
    )


def payload(*fields: str) -> Callable[[Answer], Data]:
    """A mutation payload as it is; all fields null when a top-level error stopped it."""

    def shape(answer: Answer) -> Data:
        value = answer.value or {}
        return {**{f: value.get(f) for f in fields}, "errors": value.get("errors", [])}

    return shape


def product_page(answer: Answer) -> Data:
    value = answer.value
    if value is None:
        return {
            "products": [],
            "totalCount": None,
            "hasNextPage": False,
            "endCursor": None,
            "errors": [],
        }
    return {
        "products": [edge["node"] for edge in value["edges"]],
        "totalCount": value["totalCount"],
        "hasNextPage": value["pageInfo"]["hasNextPage"],
        "endCursor": value["pageInfo"]["endCursor"],
        "errors": [],
    }


def checkout_found(answer: Answer) -> Data:
    """GraphQL answers an unknown token with null; a tool says so, with the code and path
    every mutation uses for it."""
    if answer.value is None and not answer.errors:
        missing = {"code": "NOT_FOUND", "field": ["token"], "message": "checkout not found"}
        return {"checkout": None, "errors": [missing]}
    return {"checkout": answer.value, "errors": []}


def checkout_tool(
    action: str,
    title: str,
    description: str,
    field: str,
    arguments: Data,
    annotations: types.ToolAnnotations,
    words: Callable[[Data], str] = wording.checkout_payload_words,
) -> ToolSpec:
    return ToolSpec(
        name=PREFIX + action,
        title=title,
        description=description,
        operation=Operation("mutation", field, selections.CHECKOUT_PAYLOAD),
        input_schema=arguments,
        output_schema=outputs.CHECKOUT_PAYLOAD,
        annotations=annotations,
        shape=payload("checkout"),
        words=words,
    )


SEARCH_PRODUCTS = ToolSpec(
    name=PREFIX + "search_products",
    title="Search products",
    description=(
        "Find products in the store's catalog by words in their sku or name, or by exact skus. "
        "Answers each product's sku, name, price, whether it can be bought now and how many, "
        "and, when lines of it must carry details (e.g. a lens prescription), the fields to "
        "ask the shopper for. Start here: a cart is made of skus from this list. Needs the "
        "store key in the MCP connection's headers."
    ),
    operation=Operation("query", "products", selections.PRODUCT_PAGE),
    input_schema=inputs.SEARCH_PRODUCTS,
    output_schema=outputs.PRODUCT_PAGE,
    annotations=hints(
        "Search products", read_only=True, destructive=False, idempotent=True, open_world=False
    ),
    shape=product_page,
    words=wording.product_words,
)

CREATE_CART = ToolSpec(
    name=PREFIX + "create_cart",
    title="Create cart",
    description=(
        "Put products in a new cart: skus and quantities, priced from the catalog. Answers "
        "the cart id, its lines and subtotal; refuses unknown skus (PRODUCT_NOT_FOUND), "
        "quantities outside 1-9999 (INVALID_QUANTITY) and more than is in stock "
        "(INSUFFICIENT_STOCK), naming the line. Next: checkout-flow_initiate_checkout with "
        "the cart id. Needs the store key in the MCP connection's headers."
    ),
    operation=Operation("mutation", "createCart", selections.CART_PAYLOAD),
    input_schema=inputs.CREATE_CART,
    output_schema=outputs.CART_PAYLOAD,
    # Each call without `id` makes another cart; only a repeated `id` is a no-op.
    annotations=hints(
        "Create cart", read_only=False, destructive=False, idempotent=False, open_world=False
    ),
    shape=payload("cart"),
    words=wording.cart_words,
)

INITIATE_CHECKOUT = ToolSpec(
    name=PREFIX + "initiate_checkout",
    title="Start checkout",
    description=(
        "Start the checkout of a cart: its lines at today's prices with stock checked. "
        "Answers the checkout with its `token`, which every later step needs, its totals and "
        "the shipping methods on offer. A cart has one open checkout: calling again returns "
        "it (refreshed if the cart changed). Next: checkout-flow_set_customer. Needs the store "
        "key in the MCP connection's headers."
    ),
    operation=Operation("mutation", "initiateCheckout", selections.CHECKOUT_PAYLOAD),
    input_schema=inputs.INITIATE_CHECKOUT,
    output_schema=outputs.CHECKOUT_PAYLOAD,
    annotations=hints(
        "Start checkout", read_only=False, destructive=False, idempotent=True, open_world=False
    ),
    shape=payload("checkout"),
    words=wording.checkout_payload_words,
)

SET_CUSTOMER = checkout_tool(
    "set_customer",
    "Set customer and shipping",
    (
        "Tell the checkout who buys and where it goes: email, name, shipping address and "
        "shipping method (an id from the checkout's availableShippingMethods). Shipping and "
        "tax are recalculated; the new totals are in the answer. Can be called again to "
        "change one detail; fields left out stay as they were. A bad email is refused with "
        "INVALID_EMAIL at ['input', 'email'], a bad address with INVALID_ADDRESS."
    ),
    "setCustomer",
    inputs.SET_CUSTOMER,
    # Replaces earlier details (the shopper can give them again); nothing is lost for good.
    hints(
        "Set customer and shipping",
        read_only=False,
        destructive=False,
        idempotent=True,
        open_world=False,
    ),
)

SET_LINE_META = checkout_tool(
    "set_line_meta",
    "Set line details",
    (
        "Give a checkout line the details its product asks for (its metaDefinition from "
        "checkout-flow_search_products), e.g. the prescription for contact lenses. Each wrong "
        "or missing field is reported as INVALID_META at ['meta', fieldName]. Lines of "
        "products with required fields need this before checkout-flow_create_payment."
    ),
    "setLineMeta",
    inputs.SET_LINE_META,
    hints(
        "Set line details", read_only=False, destructive=False, idempotent=True, open_world=False
    ),
)

CREATE_PAYMENT = checkout_tool(
    "create_payment",
    "Choose payment",
    (
        "Choose how the shopper pays, once the customer (and shipping method) is set. "
        "INVOICE, where the store allows it (INVOICE_NOT_ALLOWED otherwise), makes the "
        "checkout ready to complete at once. STRIPE or MOLLIE opens a payment at the provider "
        "and answers the link where the shopper pays: pass it on to them word for word. The "
        "lines are priced again first; a changed price is refused with PRICE_CHANGED and the "
        "checkout shows the new totals for the shopper to confirm before calling again. "
        "Calling again while the payment is open returns the same payment."
    ),
    "createPayment",
    inputs.CREATE_PAYMENT,
    # Talks to Stripe or Mollie; a repeated call returns the open payment.
    hints("Choose payment", read_only=False, destructive=False, idempotent=True, open_world=True),
    words=wording.payment_words,
)

SET_PAYMENT = checkout_tool(
    "set_payment",
    "Link existing payment",
    (
        "Link a payment the shopper already made at Stripe or Mollie (its id there: cs_…, "
        "pi_… or tr_…) to this checkout. The server fetches it from the provider and checks "
        "its amount and currency (PAYMENT_AMOUNT_MISMATCH otherwise); once it is paid the "
        "checkout can be completed."
    ),
    "setPayment",
    inputs.SET_PAYMENT,
    hints(
        "Link existing payment",
        read_only=False,
        destructive=False,
        idempotent=True,
        open_world=True,
    ),
)

GET_CHECKOUT_STATUS = ToolSpec(
    name=PREFIX + "get_checkout_status",
    title="Checkout status",
    description=(
        "Everything about a checkout a shopper may ask: its status, lines with their details, "
        "customer and shipping, totals, the payment and its state (with the payment link "
        "while it is open), and the order number once it is placed. Use it after the shopper "
        "paid online to see whether the order exists. An unknown token is NOT_FOUND."
    ),
    operation=Operation("query", "checkout", selections.CHECKOUT),
    input_schema=inputs.TOKEN_ONLY,
    output_schema=outputs.CHECKOUT_PAYLOAD,
    annotations=hints(
        "Checkout status", read_only=True, destructive=False, idempotent=True, open_world=False
    ),
    shape=checkout_found,
    words=wording.checkout_payload_words,
)

COMPLETE_CHECKOUT = ToolSpec(
    name=PREFIX + "complete_checkout",
    title="Place order",
    description=(
        "Place the order: needs the customer (CUSTOMER_REQUIRED), every required line detail "
        "(META_REQUIRED) and a chosen payment (PAYMENT_REQUIRED) that is an invoice or has "
        "been paid (PAYMENT_NOT_PAID). Takes the stock, and sends the shopper a confirmation "
        "email. Answers the order with its number for the shopper. Safe to call again: there "
        "is only ever one order per checkout."
    ),
    operation=Operation("mutation", "completeCheckout", selections.COMPLETION_PAYLOAD),
    input_schema=inputs.TOKEN_ONLY,
    output_schema=outputs.COMPLETION_PAYLOAD,
    # Sends the confirmation email to the shopper: a change outside this service.
    annotations=hints(
        "Place order", read_only=False, destructive=False, idempotent=True, open_world=True
    ),
    shape=payload("order", "checkout"),
    words=wording.completion_words,
)

CANCEL_CHECKOUT = checkout_tool(
    "cancel_checkout",
    "Cancel checkout",
    (
        "Cancel the checkout for good: held stock is released and an open online payment is "
        "cancelled at the provider where it allows. The cart stays, so "
        "checkout-flow_initiate_checkout can start a new checkout from it. Only when the "
        "shopper asks to stop or start over."
    ),
    "cancelCheckout",
    inputs.TOKEN_ONLY,
    hints("Cancel checkout", read_only=False, destructive=True, idempotent=True, open_world=True),
)

TOOLS: tuple[ToolSpec, ...] = (
    SEARCH_PRODUCTS,
    CREATE_CART,
    INITIATE_CHECKOUT,
    SET_CUSTOMER,
    SET_LINE_META,
    CREATE_PAYMENT,
    SET_PAYMENT,
    GET_CHECKOUT_STATUS,
    COMPLETE_CHECKOUT,
    CANCEL_CHECKOUT,
)
TOOLS_BY_NAME = {spec.name: spec for spec in TOOLS}
