"""The tools' answers in words an assistant can read out or pass on to the shopper, with the
next step named, so a conversation can go on without reading the JSON."""

from __future__ import annotations

from typing import Any

Data = dict[str, Any]

NEXT_STEP = {
    "PAYMENT_PENDING": "Waiting for the shopper to pay at the payment link; the order is placed "
    "automatically once the provider confirms. Check with checkout-flow_get_checkout_status.",
    "COMPLETABLE": "Ready: place the order with checkout-flow_complete_checkout.",
    "CANCELLED": "This checkout is cancelled; the cart is still there, so "
    "checkout-flow_initiate_checkout with its cart id starts a new one.",
    "EXPIRED": "This checkout has expired; checkout-flow_initiate_checkout with its cart id "
    "starts a new one.",
}


def money(value: Data | None) -> str:
    return f"{value['amount']} {value['currency']}" if value else "-"


def address(value: Data | None) -> str:
    if not value:
        return "-"
    parts = [value["line1"], value.get("line2"), f"{value['postalCode']} {value['city']}"]
    return ", ".join(p for p in [*parts, value.get("region"), value["country"]] if p)


def lines(items: list[Data]) -> list[str]:
    shown = []
    for item in items:
        text = (
            f"- {item['quantity']} x {item['name']} ({item['sku']}) at "
            f"{money(item['unitPrice'])} = {money(item['total'])}"
        )
        if item.get("meta"):
            details = ", ".join(f"{k}: {v}" for k, v in item["meta"].items())
            text += f" [{details}]"
        shown.append(text)
    return shown


def totals(value: Data) -> str:
    return (
        f"Subtotal {money(value['subtotal'])}, shipping {money(value['shipping'])}, "
        f"tax {money(value['tax'])}, total {money(value['total'])}."
    )


def payment(value: Data | None) -> str:
    if value is None:
        return "Payment: not chosen yet."
    text = f"Payment: {value['provider']} {money(value['amount'])}, {value['status']}"
    if value.get("redirectUrl") and value["status"] in ("PENDING", "AUTHORIZED"):
        text += f", the shopper pays at {value['redirectUrl']}"
    return text + "."


def next_step(checkout: Data) -> str:
    status = checkout["status"]
    if status == "COMPLETED":
        order = checkout.get("order")
        return f"Done: order {order['number']}." if order else "Done."
    if status in NEXT_STEP:
        return NEXT_STEP[status]
    if checkout.get("customer") is None:
        return "Next: the shopper's email and shipping address with checkout-flow_set_customer."
    if checkout.get("shippingMethod") is None and checkout["availableShippingMethods"]:
        methods = "; ".join(
            f"{m['id']} ({m['name']}, {money(m['price'])})"
            for m in checkout["availableShippingMethods"]
        )
        return f"Next: a shipping method (input.shippingMethodId of set_customer): {methods}."
    return (
        "Next: how to pay with checkout-flow_create_payment (set each line's meta first with "
        "checkout-flow_set_line_meta where a product asks for it)."
    )


def checkout_words(checkout: Data) -> str:
    shown = [f"Checkout {checkout['token']} ({checkout['status']}), cart {checkout['cartId']}."]
    shown += lines(checkout["items"])
    shown.append(totals(checkout["totals"]))
    customer = checkout.get("customer")
    if customer:
        method = checkout.get("shippingMethod")
        shipping = f" by {method['name']}" if method else ""
        to = address(customer.get("shippingAddress"))
        shown.append(f"Customer: {customer['email']}, ships to {to}{shipping}.")
    shown.append(payment(checkout.get("payment")))
    order = checkout.get("order")
    if order:
        shown.append(
            f"Order number {order['number']}: {order['status']}, payment {order['paymentStatus']}."
        )
    shown.append(next_step(checkout))
    return "\n".join(shown)


def refusal_words(errors: list[Data]) -> str:
    shown = ["Refused:"]
    for error in errors:
        at = f" at {'.'.join(error['field'])}" if error.get("field") else ""
        reference = f" (request id {error['requestId']})" if error.get("requestId") else ""
        shown.append(f"- {error['code']}{at}: {error['message']}{reference}")
    if any(error["code"] == "PRICE_CHANGED" for error in errors):
        shown.append(
            "The checkout now shows the new prices: confirm them with the shopper, then call again."
        )
    if any(error["code"] in ("UNAUTHENTICATED", "FORBIDDEN") for error in errors):
        shown.append(
            "The MCP server must be added with the store's key in its HTTP headers: "
            "'X-Store-Key: pk_…' (or 'Authorization: Bearer sk_…')."
        )
    return "\n".join(shown)


def with_refusal(data: Data, words: str) -> str:
    errors = data["errors"]
    return (
        f"{refusal_words(errors)}\n\n{words}"
        if errors and words
        else words or refusal_words(errors)
    )


def checkout_payload_words(data: Data) -> str:
    checkout = data.get("checkout")
    return with_refusal(data, checkout_words(checkout) if checkout else "")


def payment_words(data: Data) -> str:
    """What to tell the shopper after choosing how to pay."""
    checkout = data.get("checkout")
    if data["errors"] or not checkout:
        return checkout_payload_words(data)
    chosen = checkout.get("payment") or {}
    amount = money(chosen.get("amount"))
    if chosen.get("provider") == "INVOICE":
        lead = (
            f"The shopper pays {amount} by invoice after the order is placed. Place the order "
            "now with checkout-flow_complete_checkout."
        )
    elif chosen.get("redirectUrl"):
        lead = (
            f"Please pay {amount} with {chosen['provider'].title()} here: "
            f"{chosen['redirectUrl']}\nThe order is placed as soon as the payment is confirmed; "
            "checkout-flow_get_checkout_status shows when it is."
        )
    else:
        lead = f"Payment {chosen.get('provider')} {amount} is {chosen.get('status')}."
    return f"{lead}\n\n{checkout_words(checkout)}"


def completion_words(data: Data) -> str:
    order = data.get("order")
    if data["errors"] or not order:
        return checkout_payload_words(data)
    paid = "paid" if order["paymentStatus"] == "PAID" else "to be paid by invoice"
    return (
        f"Order {order['number']} is placed ({money(order['totals']['total'])}, {paid}). "
        f"A confirmation goes to {order['customer']['email']}.\n\n"
        + "\n".join(lines(order["lines"]))
    )


def cart_words(data: Data) -> str:
    cart = data.get("cart")
    if not cart:
        return with_refusal(data, "")
    shown = [f"Cart {cart['id']} ({cart['status']}):"]
    shown += lines(cart["lines"])
    shown.append(f"Subtotal {money(cart['subtotal'])}.")
    shown.append("Next: checkout-flow_initiate_checkout with this cart id.")
    return with_refusal(data, "\n".join(shown))


def product_words(data: Data) -> str:
    if data["errors"]:
        return with_refusal(data, "")
    products = data["products"]
    if not products:
        return "No products match."
    shown = [f"{data['totalCount']} product(s) match:"]
    for product in products:
        stock = "available" if product["available"] else "sold out"
        if product["available"] and product["availableQuantity"] is not None:
            stock = f"{product['availableQuantity']} available"
        text = f"- {product['sku']}: {product['name']}, {money(product['price'])}, {stock}"
        definition = product.get("metaDefinition")
        if definition:
            fields = ", ".join(
                f"{f['name']} ({f['type']}{', required' if f['required'] else ''})"
                for f in definition["fields"]
            )
            text += f"; lines take meta (checkout-flow_set_line_meta): {fields}"
        shown.append(text)
    if data["hasNextPage"]:
        shown.append(f"More: pass after='{data['endCursor']}'.")
    return "\n".join(shown)
