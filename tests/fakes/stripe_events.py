"""Stripe events and webhook signatures, made the way Stripe makes them.

Stripe signs `"{timestamp}.{raw body}"` with HMAC-SHA256 under the endpoint's secret and sends
`Stripe-Signature: t=<timestamp>,v1=<hex digest>`; the SDK's `construct_event` checks exactly
that, within a tolerance (300 s by default) of its own clock.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

from tests.fakes.delivery import WebhookCall
from tests.fakes.stripe_objects import new_id

__all__ = [
    "DEFAULT_API_VERSION",
    "SignedEvent",
    "build_event",
    "sign_event",
    "signature_header",
]

# The version stripe-python 16.1 pins; an account answers with the version its client sent.
DEFAULT_API_VERSION = "2026-10-28.endive"


def build_event(
    type: str,
    obj: dict[str, Any],
    *,
    now: int,
    api_version: str,
    request_id: str | None = None,
    idempotency_key: str | None = None,
    previous_attributes: dict[str, Any] | None = None,
    pending_webhooks: int = 0,
) -> dict[str, Any]:
    data: dict[str, Any] = {"object": copy.deepcopy(obj)}
    if previous_attributes is not None:
        data["previous_attributes"] = previous_attributes
    return {
        "id": new_id("evt_3"),
        "object": "event",
        "api_version": api_version,
        "created": now,
        "data": data,
        "livemode": False,
        "pending_webhooks": pending_webhooks,
        "request": {"id": request_id, "idempotency_key": idempotency_key},
        "type": type,
    }


def signature_header(payload: bytes, secret: str, timestamp: int) -> str:
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@dataclass(frozen=True)
class SignedEvent:
    """An event as Stripe would post it: the raw body and the headers that go with it.

    To tamper, build a copy with `dataclasses.replace(signed, payload=...)`: the signature
    stays that of the original body.
    """

    event: dict[str, Any]
    payload: bytes
    signature: str
    timestamp: int

    @property
    def type(self) -> str:
        return str(self.event["type"])

    @property
    def headers(self) -> dict[str, str]:
        return {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": self.signature,
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        }

    def call(self, url: str) -> WebhookCall:
        return WebhookCall(url=url, body=self.payload, headers=self.headers)


def sign_event(event: dict[str, Any], secret: str, timestamp: int | None = None) -> SignedEvent:
    # Stripe's bodies are pretty-printed; the signature covers those exact bytes.
    payload = json.dumps(event, indent=2).encode()
    stamp = int(time.time()) if timestamp is None else timestamp
    return SignedEvent(event, payload, signature_header(payload, secret, stamp), stamp)
