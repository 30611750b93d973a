"""The Mollie fake as a test sees it: state, control helpers, webhooks, faults and log."""

from __future__ import annotations

import copy
import re
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from starlette.applications import Starlette

from tests.fakes.delivery import Delivery, DeliveryLog, WebhookCall
from tests.fakes.faults import FaultPlan, LoggedRequest, RequestLog
from tests.fakes.mollie_api import build_mollie_app
from tests.fakes.mollie_state import MollieState

__all__ = ["MollieFake"]

# The SDK itself insists on test_/live_ keys; the fake is test mode only.
_KEY = re.compile(r"^test_\w+$")


class MollieFake:
    """A Mollie test double. Serve `app` (see `tests.fakes.running`) and point
    `mollie.api.client.Client` at it with `set_api_endpoint(base_url)`."""

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self.state = MollieState(clock)
        self.faults = FaultPlan()
        self.log = RequestLog()
        self.deliveries = DeliveryLog()
        self.base_url = ""
        self._rejected_keys: set[str] = set()
        self.app: Starlette = build_mollie_app(self)

    # -- keys ------------------------------------------------------------------------------

    def accepts(self, api_key: str) -> bool:
        return bool(_KEY.match(api_key)) and api_key not in self._rejected_keys

    def reject_key(self, api_key: str) -> None:
        """Answer 401 to this key from now on, as for a revoked key."""
        self._rejected_keys.add(api_key)

    # -- reading ---------------------------------------------------------------------------

    def get(self, object_id: str) -> dict[str, Any]:
        """A payment (`tr_…`) or refund (`re_…`) as stored now."""
        with self.state.lock:
            return copy.deepcopy(self.state.find(object_id))

    def payments(self, *, api_key: str | None = None) -> list[dict[str, Any]]:
        with self.state.lock:
            accounts = (
                list(self.state.accounts.values())
                if api_key is None
                else [a for a in self.state.accounts.values() if a.api_key == api_key]
            )
            return copy.deepcopy([p for a in accounts for p in a.payments.values()])

    def requests(self, *, method: str | None = None, path_prefix: str = "") -> list[LoggedRequest]:
        return self.log.entries(method=method, path_prefix=path_prefix)

    # -- test control: what the shopper or Mollie does -------------------------------------

    def set_payment_status(
        self, payment_id: str, status: str, *, method: str | None = None, notify: bool = False
    ) -> dict[str, Any]:
        """Move a payment on (paid, failed, canceled, expired, authorized, pending), stamping
        `paidAt` etc. as Mollie does; with `notify`, POST the webhook to its `webhookUrl`."""
        with self.state.lock:
            payment = copy.deepcopy(
                self.state.set_payment_status(payment_id, status, method=method)
            )
        if notify:
            self.notify(payment_id)
        return payment

    def pay(
        self, payment_id: str, *, method: str | None = None, notify: bool = False
    ) -> dict[str, Any]:
        return self.set_payment_status(payment_id, "paid", method=method, notify=notify)

    def fail(self, payment_id: str, *, notify: bool = False) -> dict[str, Any]:
        return self.set_payment_status(payment_id, "failed", notify=notify)

    def cancel(self, payment_id: str, *, notify: bool = False) -> dict[str, Any]:
        return self.set_payment_status(payment_id, "canceled", notify=notify)

    def expire(self, payment_id: str, *, notify: bool = False) -> dict[str, Any]:
        return self.set_payment_status(payment_id, "expired", notify=notify)

    def set_cancelable(self, payment_id: str, cancelable: bool) -> dict[str, Any]:
        with self.state.lock:
            return copy.deepcopy(self.state.set_cancelable(payment_id, cancelable))

    def refund(
        self, payment_id: str, amount: Decimal | str | None = None, *, notify: bool = False
    ) -> dict[str, Any]:
        """Refund outside the API (as from the Dashboard); all that remains unless `amount`."""
        value = None if amount is None else Decimal(str(amount))
        with self.state.lock:
            refund = copy.deepcopy(self.state.refund_now(payment_id, value))
        if notify:
            self.notify(payment_id)
        return refund

    def set_refund_status(self, refund_id: str, status: str) -> dict[str, Any]:
        with self.state.lock:
            return copy.deepcopy(self.state.set_refund_status(refund_id, status))

    # -- webhooks --------------------------------------------------------------------------

    def webhook_call(self, payment_id: str) -> WebhookCall | None:
        """The webhook Mollie would POST for this payment, for a test to send itself."""
        return self.state.webhook_call(payment_id)

    def notify(self, payment_id: str) -> Delivery:
        call = self.state.webhook_call(payment_id)
        if call is None:
            raise ValueError(f"payment {payment_id} has no webhookUrl")
        return self.deliveries.send(call)

    # -- faults ----------------------------------------------------------------------------

    def fail_next(self, count: int = 1, *, path_prefix: str = "", status: int = 500) -> None:
        """The next `count` API requests under `path_prefix` answer `status`."""
        self.faults.fail_next(count, path_prefix=path_prefix, status=status)

    def hang_next(self, count: int = 1, *, seconds: float, path_prefix: str = "") -> None:
        """The next `count` API requests wait `seconds`, then are served as usual."""
        self.faults.hang_next(count, seconds=seconds, path_prefix=path_prefix)

    def reset(self) -> None:
        self.state.reset()
        self.faults.clear()
        self.log.clear()
        self.deliveries.clear()
        self._rejected_keys.clear()
