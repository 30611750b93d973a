"""What a card payment leaves at Stripe: payment methods, charges and refunds."""

from __future__ import annotations

from typing import Any

from tests.fakes.stripe_objects import new_id

__all__ = ["build_charge", "build_payment_method", "build_refund"]

_CARDS = {
    "4242": {"brand": "visa", "funding": "credit", "country": "US"},
    "0002": {"brand": "visa", "funding": "credit", "country": "US"},
}


def _card(last4: str) -> dict[str, Any]:
    card = _CARDS[last4]
    return {
        "brand": card["brand"],
        "checks": {
            "address_line1_check": None,
            "address_postal_code_check": None,
            "cvc_check": "pass",
        },
        "country": card["country"],
        "display_brand": card["brand"],
        "exp_month": 12,
        "exp_year": 2034,
        "fingerprint": "fakeFingerprint" + last4,
        "funding": card["funding"],
        "last4": last4,
        "networks": {"available": [card["brand"]], "preferred": None},
        "wallet": None,
    }


def _billing_details(email: str | None) -> dict[str, Any]:
    return {
        "address": {
            "city": None,
            "country": None,
            "line1": None,
            "line2": None,
            "postal_code": None,
            "state": None,
        },
        "email": email,
        "name": None,
        "phone": None,
    }


def build_payment_method(*, now: int, last4: str, email: str | None) -> dict[str, Any]:
    return {
        "id": new_id("pm_1"),
        "object": "payment_method",
        "allow_redisplay": "unspecified",
        "billing_details": _billing_details(email),
        "card": _card(last4),
        "created": now,
        "customer": None,
        "livemode": False,
        "metadata": {},
        "type": "card",
    }


def build_charge(
    intent: dict[str, Any],
    payment_method: dict[str, Any],
    *,
    now: int,
    declined: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A card charge for `intent`; `declined` holds code, decline_code and message."""
    charge_id = new_id("ch_3")
    succeeded = declined is None
    failure = declined or {}
    card = dict(payment_method["card"])
    outcome = (
        {
            "network_status": "approved_by_network",
            "reason": None,
            "risk_level": "normal",
            "risk_score": 32,
            "seller_message": "Payment complete.",
            "type": "authorized",
        }
        if succeeded
        else {
            "network_status": "declined_by_network",
            "reason": failure["decline_code"],
            "risk_level": "normal",
            "risk_score": 32,
            "seller_message": "The bank did not return any further details with this decline.",
            "type": "issuer_declined",
        }
    )
    return {
        "id": charge_id,
        "object": "charge",
        "amount": intent["amount"],
        "amount_captured": intent["amount"] if succeeded else 0,
        "amount_refunded": 0,
        "application": None,
        "application_fee": None,
        "application_fee_amount": None,
        "balance_transaction": new_id("txn_3") if succeeded else None,
        "billing_details": payment_method["billing_details"],
        "calculated_statement_descriptor": "CHECKOUT FLOW",
        "captured": succeeded,
        "created": now,
        "currency": intent["currency"],
        "customer": intent["customer"],
        "description": intent["description"],
        "disputed": False,
        "failure_balance_transaction": None,
        "failure_code": failure.get("code"),
        "failure_message": failure.get("message"),
        "fraud_details": {},
        "livemode": False,
        "metadata": dict(intent["metadata"]),
        "on_behalf_of": None,
        "outcome": outcome,
        "paid": succeeded,
        "payment_intent": intent["id"],
        "payment_method": payment_method["id"],
        "payment_method_details": {"card": card, "type": "card"},
        "receipt_email": intent["receipt_email"],
        "receipt_number": None,
        "receipt_url": f"https://pay.stripe.com/receipts/payment/{charge_id}",
        "refunded": False,
        "review": None,
        "shipping": None,
        "source": None,
        "source_transfer": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": "succeeded" if succeeded else "failed",
        "transfer_data": None,
        "transfer_group": None,
    }


def build_refund(
    charge: dict[str, Any],
    amount: int,
    *,
    now: int,
    reason: str | None,
    metadata: dict[str, Any],
) -> dict[str, Any]:
    return {
        "id": new_id("re_3"),
        "object": "refund",
        "amount": amount,
        "balance_transaction": new_id("txn_3"),
        "charge": charge["id"],
        "created": now,
        "currency": charge["currency"],
        "destination_details": {
            "card": {
                "reference_status": "pending",
                "reference_type": "acquirer_reference_number",
                "type": "refund",
            },
            "type": "card",
        },
        "metadata": metadata,
        "payment_intent": charge["payment_intent"],
        "reason": reason,
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": "succeeded",
        "transfer_reversal": None,
    }
