"""The Stripe fake as a test sees it: state, control helpers, webhooks, faults and log."""

from __future__ import annotations

import copy
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette

from tests.fakes.delivery import Delivery, DeliveryLog
from tests.fakes.faults import FaultPlan, LoggedRequest, RequestLog
from tests.fakes.stripe_api import build_stripe_app
from tests.fakes.stripe_events import SignedEvent, sign_event
from tests.fakes.stripe_outcomes import StripeOutcomes
from tests.fakes.stripe_state import StripeState

__all__ = ["StripeFake", "WebhookEndpoint"]

Event = dict[str, Any]

# Test-mode secret and restricted keys; anything else is refused as Stripe refuses a bad key.
_KEY = re.compile(r"^(sk|rk)_test_[A-Za-z0-9_]+$")


@dataclass(frozen=True)
class WebhookEndpoint:
    url: str
    secret: str
    api_key: str | None = None  # None: events of every account

    def wants(self, api_key: str) -> bool:
        return self.api_key is None or self.api_key == api_key


class StripeFake:
    """A Stripe test double. Serve `app` (see `tests.fakes.running`) and point
    `StripeClient(base_addresses={"api": base_url})` at it."""

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self.state = StripeState(clock)
        self.outcomes = StripeOutcomes(self.state)
        self.faults = FaultPlan()
        self.log = RequestLog()
        self.deliveries = DeliveryLog()
        self.base_url = ""
        self._lock = threading.Lock()
        self._webhooks: list[WebhookEndpoint] = []
        self._rejected_keys: set[str] = set()
        self.app: Starlette = build_stripe_app(self)

    # -- keys ------------------------------------------------------------------------------

    def accepts(self, api_key: str) -> bool:
        return bool(_KEY.match(api_key)) and api_key not in self._rejected_keys

    def reject_key(self, api_key: str) -> None:
        """Answer 401 to this key from now on, as for a rolled or deleted key."""
        self._rejected_keys.add(api_key)

    # -- reading ---------------------------------------------------------------------------

    def get(self, object_id: str) -> dict[str, Any]:
        """Any object by id (session, payment intent, charge, refund, event), as stored now."""
        with self.state.lock:
            return copy.deepcopy(self.state.owner(object_id).objects[object_id])

    def events(self, *, api_key: str | None = None, type: str | None = None) -> list[Event]:
        """Every event recorded so far (of one account, of one type), oldest first."""
        with self.state.lock:
            found = [
                event
                for account in self.state.accounts.values()
                if api_key is None or account.api_key == api_key
                for event in account.events
                if type is None or event["type"] == type
            ]
            return copy.deepcopy(sorted(found, key=lambda e: e["created"]))

    def requests(self, *, method: str | None = None, path_prefix: str = "") -> list[LoggedRequest]:
        return self.log.entries(method=method, path_prefix=path_prefix)

    # -- test control: what the shopper or Stripe does -------------------------------------

    def complete_checkout_session(
        self, session_id: str, *, email: str | None = None
    ) -> list[Event]:
        return self._after(self.outcomes.complete_checkout_session(session_id, email=email))

    def expire_checkout_session(self, session_id: str) -> list[Event]:
        return self._after(self.outcomes.expire_checkout_session(session_id))

    def succeed_payment_intent(self, intent_id: str) -> list[Event]:
        return self._after(self.outcomes.succeed_payment_intent(intent_id))

    def fail_payment_intent(
        self,
        intent_id: str,
        *,
        code: str | None = None,
        decline_code: str | None = None,
        message: str | None = None,
    ) -> list[Event]:
        return self._after(
            self.outcomes.fail_payment_intent(
                intent_id, code=code, decline_code=decline_code, message=message
            )
        )

    def cancel_payment_intent(self, intent_id: str, *, reason: str | None = None) -> list[Event]:
        return self._after(self.outcomes.cancel_payment_intent(intent_id, reason))

    def refund(self, object_id: str, amount: int | None = None) -> list[Event]:
        """Refund a payment intent's or charge's money outside the API (as from the Dashboard)."""
        return self._after(self.outcomes.refund(object_id, amount))

    # -- webhooks --------------------------------------------------------------------------

    def register_webhook(self, url: str, secret: str, *, api_key: str | None = None) -> None:
        """From now on, POST every new event (of `api_key`'s account, or all) to `url`."""
        with self._lock:
            self._webhooks.append(WebhookEndpoint(url, secret, api_key))

    def sign(self, event: Event, secret: str, timestamp: int | None = None) -> SignedEvent:
        return sign_event(event, secret, timestamp)

    def deliver(
        self,
        event: Event | SignedEvent,
        url: str,
        secret: str | None = None,
        timestamp: int | None = None,
    ) -> Delivery:
        """POST one event to `url`, signed now with `secret` unless it is already signed."""
        if not isinstance(event, SignedEvent):
            if secret is None:
                raise ValueError("an unsigned event needs a secret")
            event = sign_event(event, secret, timestamp)
        return self.deliveries.send(event.call(url))

    def endpoints_for(self, api_key: str) -> list[WebhookEndpoint]:
        with self._lock:
            return [w for w in self._webhooks if w.wants(api_key)]

    def prepare_deliveries(self, events: list[Event]) -> list[tuple[SignedEvent, str]]:
        """Stamp `pending_webhooks` and sign each event for each endpoint that wants it."""
        prepared = []
        for event in events:
            api_key = self.state.owner(event["id"]).api_key
            endpoints = self.endpoints_for(api_key)
            event["pending_webhooks"] = len(endpoints)
            prepared += [(sign_event(event, w.secret), w.url) for w in endpoints]
        return prepared

    def _after(self, events: list[Event]) -> list[Event]:
        for signed, url in self.prepare_deliveries(events):
            self.deliveries.send(signed.call(url))
        return copy.deepcopy(events)

    async def deliver_async(self, events: list[Event]) -> None:
        for signed, url in self.prepare_deliveries(events):
            await self.deliveries.send_async(signed.call(url))

    # -- faults ----------------------------------------------------------------------------

    def fail_next(self, count: int = 1, *, path_prefix: str = "", status: int = 500) -> None:
        """The next `count` API requests under `path_prefix` answer `status` (api_error)."""
        self.faults.fail_next(count, path_prefix=path_prefix, status=status)

    def hang_next(self, count: int = 1, *, seconds: float, path_prefix: str = "") -> None:
        """The next `count` API requests wait `seconds`, then are served as usual."""
        self.faults.hang_next(count, seconds=seconds, path_prefix=path_prefix)

    def reset(self) -> None:
        self.state.reset()
        self.faults.clear()
        self.log.clear()
        self.deliveries.clear()
        with self._lock:
            self._webhooks.clear()
        self._rejected_keys.clear()
