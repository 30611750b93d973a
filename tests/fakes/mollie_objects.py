"""Mollie API objects as Mollie renders them: payments, refunds, money and links."""

from __future__ import annotations

import json
import re
import secrets
import string
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tests.fakes.mollie_errors import MollieError

__all__ = [
    "build_payment",
    "build_refund",
    "iso",
    "link",
    "money",
    "new_id",
    "parse_amount",
    "snapshot",
]

_ALPHABET = string.ascii_letters + string.digits
# Currencies Mollie takes, with the decimals `amount.value` must carry.
_TWO_DECIMALS = (
    "AED AUD BGN BRL CAD CHF CZK DKK EUR GBP HKD HUF ILS MXN MYR NOK NZD PHP PLN RON SEK "
    "SGD THB TWD USD ZAR"
)
_DECIMALS = {code: 2 for code in _TWO_DECIMALS.split(" ")} | {"ISK": 0, "JPY": 0}
_URL = re.compile(r"^https?://[^\s/]+")
# An open payment without a chosen method expires after 15 minutes in Mollie's test mode.
OPEN_PAYMENT_LIFETIME = 15 * 60
_METADATA_LIMIT = 1024


def new_id(prefix: str, length: int = 10) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def snapshot(obj: Any) -> Any:
    """A copy, taken under the state lock, that later changes cannot reach."""
    return json.loads(json.dumps(obj))


def iso(timestamp: float) -> str:
    return datetime.fromtimestamp(int(timestamp), UTC).isoformat()


def link(href: str, kind: str = "application/hal+json") -> dict[str, str]:
    return {"href": href, "type": kind}


def money(value: Decimal, currency: str) -> dict[str, str]:
    places = _DECIMALS.get(currency, 2)
    return {"value": f"{value:.{places}f}", "currency": currency}


def parse_amount(raw: Any, field: str = "amount") -> tuple[Decimal, str]:
    if not isinstance(raw, dict):
        raise MollieError.invalid(f"The {field} is invalid", field)
    currency = raw.get("currency")
    if not isinstance(currency, str) or currency not in _DECIMALS:
        raise MollieError.invalid(f"The {field} contains an invalid currency", f"{field}.currency")
    value = raw.get("value")
    places = _DECIMALS[currency]
    pattern = rf"^\d+\.\d{{{places}}}$" if places else r"^\d+$"
    if not isinstance(value, str) or not re.match(pattern, value):
        # e.g. "10" or 10.0 for EUR: Mollie wants a string with the currency's decimals
        raise MollieError.invalid(f"The {field} contains an invalid value", f"{field}.value")
    amount = Decimal(value)
    if amount <= 0:
        raise MollieError.invalid(f"The {field} is lower than the minimum", f"{field}.value")
    return amount, currency


def _url(body: dict[str, Any], key: str, label: str, *, required: bool) -> str | None:
    value = body.get(key)
    if value is None or value == "":
        if required:
            raise MollieError.invalid(f"The {label} is required", key)
        return None
    if not isinstance(value, str) or not _URL.match(value):
        raise MollieError.invalid(f"The {label} is invalid", key)
    return value


def build_payment(
    body: dict[str, Any],
    *,
    payment_id: str,
    now: float,
    api_base: str,
    page_url: str,
    profile_id: str,
    cancelable: bool,
) -> dict[str, Any]:
    if "amount" not in body:
        raise MollieError.invalid("The amount is required for payments", "amount")
    amount, currency = parse_amount(body["amount"])
    description = body.get("description")
    if not isinstance(description, str) or not description.strip():
        raise MollieError.invalid("The description is required", "description")
    if len(description) > 255:
        raise MollieError.invalid("The description is too long", "description")
    redirect_url = _url(body, "redirectUrl", "redirect URL", required=True)
    cancel_url = _url(body, "cancelUrl", "cancel URL", required=False)
    webhook_url = _url(body, "webhookUrl", "webhook URL", required=False)
    metadata = body.get("metadata")
    if metadata is not None and len(json.dumps(metadata)) > _METADATA_LIMIT:
        raise MollieError.invalid(
            f"The metadata is too large, it may not exceed {_METADATA_LIMIT} characters",
            "metadata",
        )
    payment: dict[str, Any] = {
        "resource": "payment",
        "id": payment_id,
        "mode": "test",
        "createdAt": iso(now),
        "amount": money(amount, currency),
        "description": description,
        "method": body.get("method"),
        "metadata": metadata,
        "status": "open",
        "isCancelable": cancelable,
        "expiresAt": iso(now + OPEN_PAYMENT_LIFETIME),
        "profileId": profile_id,
        "sequenceType": body.get("sequenceType", "oneoff"),
        "redirectUrl": redirect_url,
    }
    # Mollie leaves out the optional fields the caller did not send.
    optional = {"cancelUrl": cancel_url, "webhookUrl": webhook_url, "locale": body.get("locale")}
    payment.update({key: value for key, value in optional.items() if value is not None})
    payment["_links"] = {
        "self": link(f"{api_base}/v2/payments/{payment_id}"),
        "checkout": link(page_url, "text/html"),
        "changePaymentState": link(page_url, "text/html"),
        "dashboard": link(
            f"https://my.mollie.com/dashboard/org_fake/payments/{payment_id}", "text/html"
        ),
        "documentation": link("https://docs.mollie.com/reference/get-payment", "text/html"),
    }
    return payment


def build_refund(
    payment: dict[str, Any],
    amount: Decimal,
    *,
    refund_id: str,
    now: float,
    api_base: str,
    description: str | None,
    metadata: Any,
) -> dict[str, Any]:
    currency = payment["amount"]["currency"]
    payment_id = payment["id"]
    return {
        "resource": "refund",
        "id": refund_id,
        "amount": money(amount, currency),
        "status": "pending",
        "createdAt": iso(now),
        "description": description or "",
        "metadata": metadata,
        "paymentId": payment_id,
        "settlementAmount": money(-amount, currency),
        "_links": {
            "self": link(f"{api_base}/v2/payments/{payment_id}/refunds/{refund_id}"),
            "payment": link(f"{api_base}/v2/payments/{payment_id}"),
            "documentation": link("https://docs.mollie.com/reference/get-refund", "text/html"),
        },
    }
