"""Stripe's checkout sessions and payment intents as Stripe renders them, and the money rules
their parameters are checked against."""

from __future__ import annotations

import secrets
import string
from typing import Any

from tests.fakes.stripe_errors import StripeError

__all__ = [
    "ZERO_DECIMAL",
    "build_checkout_session",
    "build_line_items",
    "build_payment_intent",
    "format_amount",
    "new_id",
    "to_int",
]

_ALPHABET = string.ascii_letters + string.digits


def _codes(text: str) -> frozenset[str]:
    return frozenset(text.split())


# https://docs.stripe.com/currencies#zero-decimal
ZERO_DECIMAL = _codes("bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf")
# Stripe's minimum charge per currency, in minor units; 50 for those not listed.
_MINIMUM = dict(
    gbp=30, dkk=250, nok=300, sek=300, pln=200, czk=1500, huf=17500, mxn=1000, hkd=400,
    aed=200, ron=200, bgn=100, thb=1000, jpy=50, myr=200,
)  # fmt: skip
_SYMBOL = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥", "chf": "CHF ", "cad": "$", "aud": "$"}
_CURRENCY = _codes(
    "usd eur gbp chf jpy cad aud nzd sek nok dkk pln czk huf ron bgn mxn hkd sgd aed thb myr "
    "brl inr isk krw"
)


def new_id(prefix: str, length: int = 24) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def to_int(value: Any, param: str) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise StripeError.invalid(
            f"Invalid integer: {value}", param=param, code="parameter_invalid_integer"
        ) from None


def format_amount(amount: int, currency: str) -> str:
    units = amount if currency in ZERO_DECIMAL else amount / 100
    text = f"{units:.0f}" if currency in ZERO_DECIMAL else f"{units:.2f}"
    return f"{_SYMBOL.get(currency, '')}{text}"


def _currency(params: dict[str, Any], param: str) -> str:
    currency = str(params.get("currency") or "").lower()
    if not currency:
        raise StripeError.missing_param(param)
    if currency not in _CURRENCY:
        raise StripeError.invalid(f"Invalid currency: {currency}.", param=param)
    return currency


def _check_minimum(amount: int, currency: str, message: str, param: str | None) -> None:
    minimum = _MINIMUM.get(currency, 50)
    if amount < minimum:
        money = f"{format_amount(minimum, currency)} {currency}"
        raise StripeError.invalid(f"{message} {money}", param=param, code="amount_too_small")


def build_line_items(params: dict[str, Any], now: int) -> list[dict[str, Any]]:
    raw = params.get("line_items")
    if not raw:
        raise StripeError.missing_param("line_items")
    if not isinstance(raw, list):
        raise StripeError.invalid("Invalid array", param="line_items")
    items = []
    for index, line in enumerate(raw):
        where = f"line_items[{index}]"
        if line.get("price"):
            raise StripeError.missing("price", str(line["price"]), f"{where}[price]")
        data = line.get("price_data")
        if not data:
            raise StripeError.invalid(
                f"You must specify either `price` or `price_data` in {where}.", param=where
            )
        currency = _currency(data, f"{where}[price_data][currency]")
        if "unit_amount" in data:
            unit_amount = to_int(data["unit_amount"], f"{where}[price_data][unit_amount]")
        elif "unit_amount_decimal" in data:
            unit_amount = int(float(data["unit_amount_decimal"]))
        else:
            raise StripeError.missing_param(f"{where}[price_data][unit_amount]")
        product = data.get("product_data") or {}
        if not data.get("product") and not product.get("name"):
            raise StripeError.missing_param(f"{where}[price_data][product_data][name]")
        if "quantity" not in line:
            raise StripeError.invalid(
                f"Quantity is required. Add `quantity` to `{where}`", param=f"{where}[quantity]"
            )
        quantity = to_int(line["quantity"], f"{where}[quantity]")
        total = unit_amount * quantity
        items.append(
            {
                "id": new_id("li_"),
                "object": "item",
                "amount_discount": 0,
                "amount_subtotal": total,
                "amount_tax": 0,
                "amount_total": total,
                "currency": currency,
                "description": product.get("name") or data.get("product"),
                "price": {
                    "id": new_id("price_"),
                    "object": "price",
                    "active": False,
                    "billing_scheme": "per_unit",
                    "created": now,
                    "currency": currency,
                    "livemode": False,
                    "lookup_key": None,
                    "metadata": {},
                    "nickname": None,
                    "product": data.get("product") or new_id("prod_", 14),
                    "recurring": None,
                    "tax_behavior": data.get("tax_behavior", "unspecified"),
                    "type": "one_time",
                    "unit_amount": unit_amount,
                    "unit_amount_decimal": str(unit_amount),
                },
                "quantity": quantity,
            }
        )
    if len({item["currency"] for item in items}) > 1:
        raise StripeError.invalid("All line items must have the same currency.", param="line_items")
    return items


def _shipping_amount(params: dict[str, Any], currency: str) -> tuple[int, dict[str, Any] | None]:
    options = params.get("shipping_options") or []
    if not options:
        return 0, None
    rate = options[0].get("shipping_rate_data") or {}
    fixed = rate.get("fixed_amount") or {}
    amount = to_int(fixed.get("amount", 0), "shipping_options[0][shipping_rate_data][fixed_amount]")
    cost = {
        "amount_subtotal": amount,
        "amount_tax": 0,
        "amount_total": amount,
        "shipping_rate": options[0].get("shipping_rate") or new_id("shr_"),
    }
    return amount, cost


def build_checkout_session(
    params: dict[str, Any], *, session_id: str, now: int, page_url: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The session and its line items (which Stripe returns only when asked)."""
    mode = params.get("mode")
    if not mode:
        raise StripeError.missing_param("mode")
    if mode != "payment":
        raise StripeError.invalid("This fake only supports `mode=payment`.", param="mode")
    items = build_line_items(params, now)
    currency = items[0]["currency"]
    subtotal = sum(item["amount_total"] for item in items)
    shipping, shipping_cost = _shipping_amount(params, currency)
    total = subtotal + shipping
    _check_minimum(
        total, currency, "The Checkout Session's total amount due must add up to at least", None
    )
    expires_at = to_int(params.get("expires_at", now + 24 * 3600), "expires_at")
    if expires_at < now + 30 * 60:
        raise StripeError.invalid(
            "The `expires_at` timestamp must be at least 30 minutes from Checkout Session "
            "creation.",
            param="expires_at",
        )
    if expires_at > now + 24 * 3600:
        raise StripeError.invalid(
            "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.",
            param="expires_at",
        )
    ui_mode = params.get("ui_mode", "hosted")
    embedded = ui_mode != "hosted"
    session = {
        "id": session_id,
        "object": "checkout.session",
        "adaptive_pricing": {"enabled": False},
        "after_expiration": None,
        "allow_promotion_codes": None,
        "amount_subtotal": subtotal,
        "amount_total": total,
        "automatic_tax": {"enabled": False, "liability": None, "provider": None, "status": None},
        "billing_address_collection": params.get("billing_address_collection"),
        "cancel_url": params.get("cancel_url"),
        "client_reference_id": params.get("client_reference_id"),
        "client_secret": f"{session_id}_secret_{new_id('', 24)}" if embedded else None,
        "collected_information": None,
        "consent": None,
        "consent_collection": None,
        "created": now,
        "currency": currency,
        "currency_conversion": None,
        "custom_fields": [],
        "custom_text": {
            "after_submit": None,
            "shipping_address": None,
            "submit": None,
            "terms_of_service_acceptance": None,
        },
        "customer": params.get("customer"),
        "customer_creation": params.get("customer_creation", "if_required"),
        "customer_details": None,
        "customer_email": params.get("customer_email"),
        "discounts": [],
        "expires_at": expires_at,
        "invoice": None,
        "invoice_creation": {
            "enabled": False,
            "invoice_data": {
                "account_tax_ids": None,
                "custom_fields": None,
                "description": None,
                "footer": None,
                "issuer": None,
                "metadata": {},
                "rendering_options": None,
            },
        },
        "livemode": False,
        "locale": params.get("locale"),
        "metadata": dict(params.get("metadata") or {}),
        "mode": mode,
        "payment_intent": None,
        "payment_link": None,
        "payment_method_collection": "if_required",
        "payment_method_configuration_details": None,
        "payment_method_options": {},
        "payment_method_types": list(params.get("payment_method_types") or ["card"]),
        "payment_status": "unpaid",
        "phone_number_collection": {"enabled": False},
        "recovered_from": None,
        "return_url": params.get("return_url") if embedded else None,
        "saved_payment_method_options": None,
        "setup_intent": None,
        "shipping_address_collection": None,
        "shipping_cost": shipping_cost,
        "shipping_options": [],
        "status": "open",
        "submit_type": params.get("submit_type"),
        "subscription": None,
        "success_url": params.get("success_url"),
        "total_details": {"amount_discount": 0, "amount_shipping": shipping, "amount_tax": 0},
        "ui_mode": ui_mode,
        "url": None if embedded else page_url,
    }
    return session, items


def build_payment_intent(
    params: dict[str, Any], *, now: int, with_checkout: bool = False
) -> dict[str, Any]:
    if "amount" not in params:
        raise StripeError.missing_param("amount")
    amount = to_int(params["amount"], "amount")
    currency = _currency(params, "currency")
    _check_minimum(amount, currency, "Amount must be at least", "amount")
    intent_id = new_id("pi_3")
    explicit_types = params.get("payment_method_types")
    automatic = params.get("automatic_payment_methods") or {}
    # Since 2023-08-16 automatic payment methods are on unless the caller names the types.
    automatic_on = str(automatic.get("enabled")) == "true" if automatic else not explicit_types
    return {
        "id": intent_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": 0,
        "application": None,
        "application_fee_amount": None,
        "automatic_payment_methods": (
            None
            if with_checkout or not automatic_on
            else {"allow_redirects": automatic.get("allow_redirects", "always"), "enabled": True}
        ),
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": params.get("capture_method", "automatic_async"),
        "client_secret": f"{intent_id}_secret_{new_id('', 25)}",
        "confirmation_method": "automatic",
        "created": now,
        "currency": currency,
        "customer": params.get("customer"),
        "description": params.get("description"),
        "excluded_payment_method_types": None,
        "last_payment_error": None,
        "latest_charge": None,
        "livemode": False,
        "metadata": dict(params.get("metadata") or {}),
        "next_action": None,
        "on_behalf_of": None,
        "payment_method": None,
        "payment_method_configuration_details": None,
        "payment_method_options": {
            "card": {
                "installments": None,
                "mandate_options": None,
                "network": None,
                "request_three_d_secure": "automatic",
            }
        },
        "payment_method_types": list(explicit_types or ["card"]),
        "processing": None,
        "receipt_email": params.get("receipt_email"),
        "review": None,
        "setup_future_usage": None,
        "shipping": None,
        "source": None,
        "statement_descriptor": params.get("statement_descriptor"),
        "statement_descriptor_suffix": None,
        "status": "requires_payment_method",
        "transfer_data": None,
        "transfer_group": None,
    }
