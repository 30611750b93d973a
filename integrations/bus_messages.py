"""Events as they travel between processes: small JSON with the kind and the ids, never the
state itself, which every process reads for itself after the commit."""

from __future__ import annotations

import json
from typing import Any

import structlog

from domain.events import CheckoutChanged, Event, OrderChanged

log = structlog.get_logger("checkout_flow.bus")


def encode(event: Event) -> str:
    body: dict[str, str]
    if isinstance(event, CheckoutChanged):
        body = {"kind": "checkout", "store": event.store_id, "token": event.token}
    else:
        body = {
            "kind": "order",
            "store": event.store_id,
            "order": event.order_id,
            "token": event.checkout_token,
        }
    return json.dumps(body, separators=(",", ":"))


def decode(payload: str | bytes) -> Event | None:
    """The event, or None (logged) for a message this version does not understand, so that a
    newer process publishing a new kind does not break an older one listening."""
    try:
        body: Any = json.loads(payload)
        if body["kind"] == "checkout":
            return CheckoutChanged(str(body["store"]), str(body["token"]))
        if body["kind"] == "order":
            return OrderChanged(str(body["store"]), str(body["order"]), str(body["token"]))
    except (ValueError, KeyError, TypeError):
        pass
    log.warning("bus message ignored", payload=str(payload)[:200])
    return None
