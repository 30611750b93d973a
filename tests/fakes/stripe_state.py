"""What the Stripe fake remembers, one account per API key, and the changes the API makes.

Errors are `StripeError`s, rendered in Stripe's envelope; a change returns the events Stripe
would emit for it. What happens outside the API is in `stripe_outcomes`.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.control import ControlError
from tests.fakes.stripe_charges import build_refund
from tests.fakes.stripe_errors import StripeError
from tests.fakes.stripe_events import DEFAULT_API_VERSION, build_event
from tests.fakes.stripe_objects import (
    build_checkout_session,
    build_payment_intent,
    format_amount,
    new_id,
    to_int,
)

__all__ = [
    "PAYABLE_STATUSES",
    "IdempotentResult",
    "RequestContext",
    "StripeAccount",
    "StripeState",
]

Event = dict[str, Any]

# The path parameter Stripe names in a 404 for each kind of object.
_MISSING_PARAM = {
    "checkout.session": "session",
    "payment_intent": "intent",
    "charge": "charge",
    "refund": "refund",
    "event": "id",
    "payment_method": "payment_method",
}
# Where an intent still waits for a payment: it may be paid, declined, updated or canceled.
PAYABLE_STATUSES = frozenset(
    {"requires_payment_method", "requires_confirmation", "requires_action", "processing"}
)
_CANCELABLE = PAYABLE_STATUSES | {"requires_capture"}
_CANCELLATION_REASONS = {"duplicate", "fraudulent", "requested_by_customer", "abandoned"}
_REFUND_REASONS = {"duplicate", "fraudulent", "requested_by_customer"}


@dataclass(frozen=True)
class RequestContext:
    """The API request behind a change, quoted in the event's `request` field."""

    request_id: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class IdempotentResult:
    endpoint: str
    params: Any
    status: int
    body: dict[str, Any]


@dataclass
class StripeAccount:
    api_key: str
    api_version: str = DEFAULT_API_VERSION
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    session_lines: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    session_intent_data: dict[str, dict[str, Any]] = field(default_factory=dict)
    idempotency: dict[str, IdempotentResult] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)


class StripeState:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.accounts: dict[str, StripeAccount] = {}
        self._owners: dict[str, StripeAccount] = {}

    def now(self) -> int:
        return int(self.clock())

    def reset(self) -> None:
        with self.lock:
            self.accounts.clear()
            self._owners.clear()

    def account(self, api_key: str) -> StripeAccount:
        with self.lock:
            return self.accounts.setdefault(api_key, StripeAccount(api_key))

    def owner(self, object_id: str) -> StripeAccount:
        with self.lock:
            try:
                return self._owners[object_id]
            except KeyError:
                raise ControlError(f"no Stripe object {object_id!r} in any account", 404) from None

    def store(self, account: StripeAccount, obj: dict[str, Any]) -> dict[str, Any]:
        account.objects[obj["id"]] = obj
        self._owners[obj["id"]] = account
        return obj

    def emit(
        self,
        account: StripeAccount,
        type: str,
        obj: dict[str, Any],
        ctx: RequestContext,
        previous_attributes: dict[str, Any] | None = None,
    ) -> Event:
        event = build_event(
            type,
            obj,
            now=self.now(),
            api_version=account.api_version,
            request_id=ctx.request_id,
            idempotency_key=ctx.idempotency_key,
            previous_attributes=previous_attributes,
        )
        account.events.append(event)
        return self.store(account, event)

    # -- reading ---------------------------------------------------------------------------

    def get(self, account: StripeAccount, object_id: str, object_name: str) -> dict[str, Any]:
        with self.lock:
            obj = account.objects.get(object_id)
            if obj is None or obj["object"] != object_name:
                param = _MISSING_PARAM.get(object_name, "id")
                raise StripeError.missing(object_name, object_id, param)
            return obj

    def line_items(self, account: StripeAccount, session_id: str) -> list[dict[str, Any]]:
        with self.lock:
            self.get(account, session_id, "checkout.session")
            return copy.deepcopy(account.session_lines[session_id])

    def list_page(
        self,
        account: StripeAccount,
        object_name: str,
        *,
        url: str,
        filters: dict[str, Any],
        limit: int,
        starting_after: str | None,
        ending_before: str | None,
    ) -> dict[str, Any]:
        """A Stripe list page, newest first."""
        with self.lock:
            items = [
                obj
                for obj in account.objects.values()
                if obj["object"] == object_name
                and all(obj.get(key) == value for key, value in filters.items())
            ]
            items.reverse()
            items.sort(key=lambda obj: obj["created"], reverse=True)
            ids = [obj["id"] for obj in items]
            if starting_after is not None:
                items = items[ids.index(starting_after) + 1 :] if starting_after in ids else []
            elif ending_before is not None:
                cut = ids.index(ending_before) if ending_before in ids else 0
                items = items[max(cut - limit, 0) : cut]
            page = items[:limit]
            return {
                "object": "list",
                "data": copy.deepcopy(page),
                "has_more": len(items) > limit,
                "url": url,
            }

    def expand(
        self, account: StripeAccount, obj: dict[str, Any], paths: list[str]
    ) -> dict[str, Any]:
        with self.lock:
            out = copy.deepcopy(obj)
            for path in paths:
                self._expand(account, out, path.split("."), path)
            return out

    def _expand(self, account: StripeAccount, node: Any, parts: list[str], path: str) -> None:
        if not parts or not isinstance(node, dict):
            return
        key, rest = parts[0], parts[1:]
        if key == "data" and node.get("object") == "list":
            for item in node["data"]:
                self._expand(account, item, rest, path)
            return
        if key == "line_items" and node.get("object") == "checkout.session":
            lines = account.session_lines[node["id"]]
            node[key] = {
                "object": "list",
                "data": copy.deepcopy(lines),
                "has_more": False,
                "url": f"/v1/checkout/sessions/{node['id']}/line_items",
            }
            return
        if key not in node:
            raise StripeError.invalid(f"This property cannot be expanded ({path}).", "expand")
        value = node[key]
        if isinstance(value, str) and value in account.objects:
            node[key] = value = copy.deepcopy(account.objects[value])
        self._expand(account, value, rest, path)

    # -- API changes -----------------------------------------------------------------------

    def create_checkout_session(
        self, account: StripeAccount, params: dict[str, Any], page_base: str
    ) -> dict[str, Any]:
        with self.lock:
            session_id = new_id("cs_test_a1", 50)
            session, lines = build_checkout_session(
                params, session_id=session_id, now=self.now(), page_url=page_base + session_id
            )
            account.session_lines[session_id] = lines
            account.session_intent_data[session_id] = dict(params.get("payment_intent_data") or {})
            return self.store(account, session)

    def expire_checkout_session(
        self, account: StripeAccount, session_id: str, ctx: RequestContext
    ) -> tuple[dict[str, Any], list[Event]]:
        with self.lock:
            session = self.get(account, session_id, "checkout.session")
            if session["status"] != "open":
                raise StripeError.invalid(
                    'Only Checkout Sessions with a status in ["open"] can be expired. This '
                    f'Checkout Session has a status of "{session["status"]}".'
                )
            session.update(status="expired", url=None)
            return session, [self.emit(account, "checkout.session.expired", session, ctx)]

    def create_payment_intent(
        self, account: StripeAccount, params: dict[str, Any], ctx: RequestContext
    ) -> tuple[dict[str, Any], list[Event]]:
        with self.lock:
            intent = self.store(account, build_payment_intent(params, now=self.now()))
            return intent, [self.emit(account, "payment_intent.created", intent, ctx)]

    def update_payment_intent(
        self, account: StripeAccount, intent_id: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        with self.lock:
            intent = self.get(account, intent_id, "payment_intent")
            if intent["status"] not in PAYABLE_STATUSES:
                raise StripeError.invalid(
                    "This PaymentIntent could not be updated because it has a status of "
                    f"{intent['status']}. You may only update a PaymentIntent with one of the "
                    "following statuses: requires_payment_method, requires_confirmation, "
                    "requires_action.",
                    code="payment_intent_unexpected_state",
                )
            if "amount" in params or "currency" in params:
                checked = build_payment_intent(
                    {
                        "amount": params.get("amount", intent["amount"]),
                        "currency": params.get("currency", intent["currency"]),
                    },
                    now=self.now(),
                )
                intent.update(amount=checked["amount"], currency=checked["currency"])
            for key in ("description", "receipt_email", "statement_descriptor"):
                if key in params:
                    intent[key] = params[key] or None
            metadata = params.get("metadata")
            if metadata == "":
                intent["metadata"] = {}
            elif isinstance(metadata, dict):
                # Stripe merges metadata; an empty value removes its key.
                intent["metadata"].update(metadata)
                intent["metadata"] = {k: v for k, v in intent["metadata"].items() if v != ""}
            return intent

    def cancel_payment_intent(
        self, account: StripeAccount, intent_id: str, params: dict[str, Any], ctx: RequestContext
    ) -> tuple[dict[str, Any], list[Event]]:
        with self.lock:
            intent = self.get(account, intent_id, "payment_intent")
            reason = params.get("cancellation_reason")
            if reason is not None and reason not in _CANCELLATION_REASONS:
                raise StripeError.invalid(
                    f"Invalid cancellation_reason: must be one of "
                    f"{', '.join(sorted(_CANCELLATION_REASONS))}",
                    param="cancellation_reason",
                )
            if intent["status"] not in _CANCELABLE:
                raise StripeError(
                    400,
                    "You cannot cancel this PaymentIntent because it has a status of "
                    f"{intent['status']}. Only a PaymentIntent with one of the following "
                    "statuses may be canceled: requires_payment_method, requires_capture, "
                    "requires_confirmation, requires_action, processing.",
                    code="payment_intent_unexpected_state",
                    extra={"payment_intent": copy.deepcopy(intent)},
                )
            intent.update(status="canceled", canceled_at=self.now(), cancellation_reason=reason)
            return intent, [self.emit(account, "payment_intent.canceled", intent, ctx)]

    def create_refund(
        self, account: StripeAccount, params: dict[str, Any], ctx: RequestContext
    ) -> tuple[dict[str, Any], list[Event]]:
        with self.lock:
            charge = self._refundable_charge(account, params)
            remaining = charge["amount_captured"] - charge["amount_refunded"]
            if remaining <= 0:
                raise StripeError.invalid(
                    f"Charge {charge['id']} has already been refunded.",
                    code="charge_already_refunded",
                )
            amount = to_int(params["amount"], "amount") if "amount" in params else remaining
            if amount <= 0:
                raise StripeError.invalid(
                    "Invalid positive integer", param="amount", code="parameter_invalid_integer"
                )
            if amount > remaining:
                currency = charge["currency"]
                raise StripeError.invalid(
                    f"Refund amount ({format_amount(amount, currency)}) is greater than "
                    f"unrefunded amount on charge ({format_amount(remaining, currency)})",
                    param="amount",
                    code="amount_too_large",
                )
            reason = params.get("reason")
            if reason is not None and reason not in _REFUND_REASONS:
                raise StripeError.invalid(
                    "Invalid reason: must be one of duplicate, fraudulent, or "
                    "requested_by_customer",
                    param="reason",
                )
            refund = self.store(
                account,
                build_refund(
                    charge,
                    amount,
                    now=self.now(),
                    reason=reason,
                    metadata=dict(params.get("metadata") or {}),
                ),
            )
            previous = {
                "amount_refunded": charge["amount_refunded"],
                "refunded": charge["refunded"],
            }
            charge["amount_refunded"] += amount
            charge["refunded"] = charge["amount_refunded"] >= charge["amount_captured"]
            events = [
                self.emit(account, "refund.created", refund, ctx),
                self.emit(account, "charge.refunded", charge, ctx, previous),
            ]
            return refund, events

    def _refundable_charge(self, account: StripeAccount, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("charge"):
            return self.get(account, str(params["charge"]), "charge")
        if not params.get("payment_intent"):
            raise StripeError.invalid(
                "One of the following params should be provided for this request: "
                "payment_intent or charge.",
                param="payment_intent",
            )
        intent = self.get(account, str(params["payment_intent"]), "payment_intent")
        charge = account.objects.get(intent["latest_charge"] or "")
        if charge is None or charge["status"] != "succeeded":
            raise StripeError.invalid(
                f"This PaymentIntent ({intent['id']}) does not have a successful charge to refund.",
                param="payment_intent",
            )
        return charge
