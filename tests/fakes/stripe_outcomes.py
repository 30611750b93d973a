"""What happens at Stripe outside the API, on a test's say: a shopper pays or is declined, a
session or intent lapses, money is refunded from the Dashboard. Each returns its events."""

from __future__ import annotations

from typing import Any

from tests.fakes.control import ControlError
from tests.fakes.stripe_charges import build_charge, build_payment_method
from tests.fakes.stripe_errors import StripeError
from tests.fakes.stripe_objects import build_payment_intent
from tests.fakes.stripe_state import (
    PAYABLE_STATUSES,
    RequestContext,
    StripeAccount,
    StripeState,
)

__all__ = ["StripeOutcomes"]

Event = dict[str, Any]

_DECLINE = {
    "code": "card_declined",
    "decline_code": "generic_decline",
    "message": "Your card was declined.",
}


class StripeOutcomes:
    def __init__(self, state: StripeState) -> None:
        self.state = state

    def complete_checkout_session(
        self, session_id: str, *, email: str | None = None
    ) -> list[Event]:
        """The shopper paid on the hosted page: the session completes with a new intent."""
        with self.state.lock:
            account = self.state.owner(session_id)
            session = self._control_get(account, session_id, "checkout.session")
            if session["status"] != "open":
                raise ControlError(f"checkout session {session_id} is {session['status']}")
            ctx = RequestContext()
            intent_data = account.session_intent_data[session_id]
            intent = build_payment_intent(
                {
                    **intent_data,
                    "amount": session["amount_total"],
                    "currency": session["currency"],
                    "payment_method_types": session["payment_method_types"],
                },
                now=self.state.now(),
                with_checkout=True,
            )
            self.state.store(account, intent)
            email = email or session["customer_email"] or "shopper@example.com"
            events = [self.state.emit(account, "payment_intent.created", intent, ctx)]
            events += self._charge(account, intent, ctx, email=email, declined=None)
            session.update(
                status="complete",
                payment_status="paid",
                payment_intent=intent["id"],
                url=None,
                customer_details={
                    "address": _empty_address(),
                    "email": email,
                    "name": "Test Shopper",
                    "phone": None,
                    "tax_exempt": "none",
                    "tax_ids": [],
                },
            )
            events.append(self.state.emit(account, "checkout.session.completed", session, ctx))
            return events

    def expire_checkout_session(self, session_id: str) -> list[Event]:
        with self.state.lock:
            account = self.state.owner(session_id)
            try:
                _, events = self.state.expire_checkout_session(
                    account, session_id, RequestContext()
                )
            except StripeError as exc:
                raise ControlError(str(exc)) from None
            return events

    def succeed_payment_intent(self, intent_id: str) -> list[Event]:
        with self.state.lock:
            account, intent = self._payable_intent(intent_id)
            return self._charge(account, intent, RequestContext(), email=None, declined=None)

    def fail_payment_intent(
        self,
        intent_id: str,
        *,
        code: str | None = None,
        decline_code: str | None = None,
        message: str | None = None,
    ) -> list[Event]:
        with self.state.lock:
            account, intent = self._payable_intent(intent_id)
            declined = {
                "code": code or _DECLINE["code"],
                "decline_code": decline_code or _DECLINE["decline_code"],
                "message": message or _DECLINE["message"],
            }
            return self._charge(account, intent, RequestContext(), email=None, declined=declined)

    def cancel_payment_intent(self, intent_id: str, reason: str | None = None) -> list[Event]:
        with self.state.lock:
            account = self.state.owner(intent_id)
            params = {} if reason is None else {"cancellation_reason": reason}
            try:
                _, events = self.state.cancel_payment_intent(
                    account, intent_id, params, RequestContext()
                )
            except StripeError as exc:
                raise ControlError(str(exc)) from None
            return events

    def refund(self, object_id: str, amount: int | None = None) -> list[Event]:
        """A refund made outside the API (say, from the Dashboard)."""
        with self.state.lock:
            account = self.state.owner(object_id)
            key = "charge" if object_id.startswith("ch_") else "payment_intent"
            params: dict[str, Any] = {key: object_id}
            if amount is not None:
                params["amount"] = amount
            try:
                _, events = self.state.create_refund(account, params, RequestContext())
            except StripeError as exc:
                raise ControlError(str(exc)) from None
            return events

    def _control_get(self, account: StripeAccount, object_id: str, name: str) -> dict[str, Any]:
        obj = account.objects[object_id]
        if obj["object"] != name:
            raise ControlError(f"{object_id} is a {obj['object']}, not a {name}", 400)
        return obj

    def _payable_intent(self, intent_id: str) -> tuple[StripeAccount, dict[str, Any]]:
        account = self.state.owner(intent_id)
        intent = self._control_get(account, intent_id, "payment_intent")
        if intent["status"] not in PAYABLE_STATUSES:
            raise ControlError(f"payment intent {intent_id} is {intent['status']}")
        return account, intent

    def _charge(
        self,
        account: StripeAccount,
        intent: dict[str, Any],
        ctx: RequestContext,
        *,
        email: str | None,
        declined: dict[str, str] | None,
    ) -> list[Event]:
        method = build_payment_method(
            now=self.state.now(), last4="4242" if declined is None else "0002", email=email
        )
        self.state.store(account, method)
        charge = self.state.store(
            account, build_charge(intent, method, now=self.state.now(), declined=declined)
        )
        intent["latest_charge"] = charge["id"]
        if declined is None:
            intent.update(
                status="succeeded",
                amount_received=intent["amount"],
                payment_method=method["id"],
                last_payment_error=None,
            )
            return [
                self.state.emit(account, "charge.succeeded", charge, ctx),
                self.state.emit(account, "payment_intent.succeeded", intent, ctx),
            ]
        intent.update(
            status="requires_payment_method",
            payment_method=None,
            last_payment_error={
                "charge": charge["id"],
                "code": declined["code"],
                "decline_code": declined["decline_code"],
                "doc_url": "https://stripe.com/docs/error-codes/"
                + declined["code"].replace("_", "-"),
                "message": declined["message"],
                "payment_method": method,
                "type": "card_error",
            },
        )
        return [
            self.state.emit(account, "charge.failed", charge, ctx),
            self.state.emit(account, "payment_intent.payment_failed", intent, ctx),
        ]


def _empty_address() -> dict[str, Any]:
    return {
        "city": None,
        "country": "NL",
        "line1": None,
        "line2": None,
        "postal_code": None,
        "state": None,
    }
