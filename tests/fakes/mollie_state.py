"""What the Mollie fake remembers, one account per API key, and every change it can make.

API calls raise `MollieError`; test-control calls raise `ControlError`.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tests.fakes.control import ControlError
from tests.fakes.delivery import WebhookCall
from tests.fakes.mollie_errors import MollieError
from tests.fakes.mollie_objects import (
    build_payment,
    build_refund,
    iso,
    link,
    money,
    new_id,
    parse_amount,
)

__all__ = ["IdempotentResult", "MollieAccount", "MollieState"]

# Where a payment may go from each status that is not final.
_NEXT = {
    "open": {"pending", "authorized", "paid", "failed", "canceled", "expired"},
    "pending": {"authorized", "paid", "failed", "canceled", "expired"},
    "authorized": {"paid", "canceled", "expired"},
}
_STAMP = {
    "authorized": "authorizedAt",
    "paid": "paidAt",
    "failed": "failedAt",
    "canceled": "canceledAt",
    "expired": "expiredAt",
}
_DETAILS = {
    "ideal": {
        "consumerName": "T. TEST",
        "consumerAccount": "NL17RABO0213698412",
        "consumerBic": "TESTNL99",
    },
    "creditcard": {
        "cardNumber": "6787",
        "cardHolder": "T. TEST",
        "cardAudience": "consumer",
        "cardLabel": "Mastercard",
        "cardCountryCode": "NL",
        "cardSecurity": "normal",
        "feeRegion": "other",
    },
}
_REFUND_STATUSES = {"queued", "pending", "processing", "refunded", "failed", "canceled"}
_REFUND_LIVE = {"queued", "pending", "processing", "refunded"}


@dataclass(frozen=True)
class IdempotentResult:
    endpoint: str
    body: Any
    status: int
    response: dict[str, Any] | None


@dataclass
class MollieAccount:
    api_key: str
    profile_id: str = field(default_factory=lambda: new_id("pfl_"))
    payments: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    idempotency: dict[str, IdempotentResult] = field(default_factory=dict)


class MollieState:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.accounts: dict[str, MollieAccount] = {}
        self._owners: dict[str, MollieAccount] = {}
        # Real Mollie decides by method; the fake lets a test choose (see README).
        self.cancelable_when_open = True

    def reset(self) -> None:
        with self.lock:
            self.accounts.clear()
            self._owners.clear()
            self.cancelable_when_open = True

    def account(self, api_key: str) -> MollieAccount:
        with self.lock:
            return self.accounts.setdefault(api_key, MollieAccount(api_key))

    def owner(self, object_id: str) -> MollieAccount:
        with self.lock:
            try:
                return self._owners[object_id]
            except KeyError:
                raise ControlError(f"no Mollie object {object_id!r} in any account", 404) from None

    def find(self, object_id: str) -> dict[str, Any]:
        with self.lock:
            account = self.owner(object_id)
            return account.payments.get(object_id) or account.refunds[object_id]

    # -- API -------------------------------------------------------------------------------

    def create_payment(
        self, account: MollieAccount, body: dict[str, Any], api_base: str, page_base: str
    ) -> dict[str, Any]:
        with self.lock:
            payment_id = new_id("tr_")
            payment = build_payment(
                body,
                payment_id=payment_id,
                now=self.clock(),
                api_base=api_base,
                page_url=page_base + payment_id,
                profile_id=account.profile_id,
                cancelable=self.cancelable_when_open,
            )
            account.payments[payment_id] = payment
            self._owners[payment_id] = account
            return payment

    def get_payment(self, account: MollieAccount, payment_id: str) -> dict[str, Any]:
        with self.lock:
            payment = account.payments.get(payment_id)
            if payment is None:
                raise MollieError.not_found("payment", payment_id)
            return payment

    def list_payments(
        self, account: MollieAccount, api_base: str, start: str | None, limit: int
    ) -> dict[str, Any]:
        with self.lock:
            newest_first = list(reversed(account.payments.values()))
            ids = [p["id"] for p in newest_first]
            if start is not None:
                if start not in ids:
                    raise MollieError.not_found("payment", start)
                newest_first = newest_first[ids.index(start) :]
            page, rest = newest_first[:limit], newest_first[limit:]
            url = f"{api_base}/v2/payments"
            return {
                "count": len(page),
                "_embedded": {"payments": copy.deepcopy(page)},
                "_links": {
                    "self": link(f"{url}?limit={limit}"),
                    "previous": None,
                    "next": link(f"{url}?from={rest[0]['id']}&limit={limit}") if rest else None,
                    "documentation": link(
                        "https://docs.mollie.com/reference/list-payments", "text/html"
                    ),
                },
            }

    def cancel_payment(self, account: MollieAccount, payment_id: str) -> dict[str, Any]:
        with self.lock:
            payment = self.get_payment(account, payment_id)
            if not payment.get("isCancelable"):
                raise MollieError.invalid("The payment cannot be canceled")
            self._move(payment, "canceled", method=None)
            return payment

    def create_refund(
        self, account: MollieAccount, payment_id: str, body: dict[str, Any], api_base: str
    ) -> dict[str, Any]:
        with self.lock:
            payment = self.get_payment(account, payment_id)
            if "amount" not in body:
                raise MollieError.invalid("The amount is required for refunds", "amount")
            amount, currency = parse_amount(body["amount"])
            if payment["status"] != "paid":
                raise MollieError.invalid(
                    f"The payment has status {payment['status']} and cannot be refunded"
                )
            if currency != payment["amount"]["currency"]:
                raise MollieError.invalid(
                    "The refund currency must be the same as the payment currency",
                    "amount.currency",
                )
            if amount > Decimal(payment["amountRemaining"]["value"]):
                raise MollieError.invalid(
                    "The amount of the refund is higher than the remaining amount of the payment",
                    "amount.value",
                )
            refund = build_refund(
                payment,
                amount,
                refund_id=new_id("re_"),
                now=self.clock(),
                api_base=api_base,
                description=body.get("description"),
                metadata=body.get("metadata"),
            )
            account.refunds[refund["id"]] = refund
            self._owners[refund["id"]] = account
            payment["_links"]["refunds"] = link(f"{api_base}/v2/payments/{payment_id}/refunds")
            self._recount(account, payment)
            return refund

    def refunds_of(self, account: MollieAccount, payment_id: str) -> list[dict[str, Any]]:
        with self.lock:
            self.get_payment(account, payment_id)
            return [r for r in account.refunds.values() if r["paymentId"] == payment_id]

    def get_refund(self, account: MollieAccount, payment_id: str, refund_id: str) -> dict[str, Any]:
        with self.lock:
            self.get_payment(account, payment_id)
            refund = account.refunds.get(refund_id)
            if refund is None or refund["paymentId"] != payment_id:
                raise MollieError.not_found("refund", refund_id)
            return refund

    def cancel_refund(self, account: MollieAccount, payment_id: str, refund_id: str) -> None:
        with self.lock:
            refund = self.get_refund(account, payment_id, refund_id)
            if refund["status"] not in {"queued", "pending"}:
                raise MollieError.invalid("The refund cannot be canceled")
            refund["status"] = "canceled"
            self._recount(account, account.payments[payment_id])

    # -- test control ----------------------------------------------------------------------

    def set_payment_status(
        self, payment_id: str, status: str, *, method: str | None = None
    ) -> dict[str, Any]:
        with self.lock:
            account = self.owner(payment_id)
            payment = account.payments.get(payment_id)
            if payment is None:
                raise ControlError(f"{payment_id} is not a payment", 400)
            if status not in _NEXT.get(payment["status"], set()):
                raise ControlError(
                    f"payment {payment_id} cannot go from {payment['status']} to {status}"
                )
            self._move(payment, status, method=method)
            return payment

    def set_cancelable(self, payment_id: str, cancelable: bool) -> dict[str, Any]:
        with self.lock:
            payment = self.owner(payment_id).payments[payment_id]
            if "isCancelable" not in payment:
                raise ControlError(f"payment {payment_id} is {payment['status']}")
            payment["isCancelable"] = cancelable
            return payment

    def refund_now(self, payment_id: str, amount: Decimal | None) -> dict[str, Any]:
        """A refund made outside the API (as from the Mollie Dashboard)."""
        with self.lock:
            account = self.owner(payment_id)
            payment = account.payments[payment_id]
            if "amountRemaining" not in payment:
                raise ControlError(f"payment {payment_id} is {payment['status']}")
            currency = payment["amount"]["currency"]
            value = Decimal(payment["amountRemaining"]["value"]) if amount is None else amount
            api_base = payment["_links"]["self"]["href"].split("/v2/")[0]
            try:
                return self.create_refund(
                    account, payment_id, {"amount": money(value, currency)}, api_base
                )
            except MollieError as exc:
                raise ControlError(exc.detail) from None

    def set_refund_status(self, refund_id: str, status: str) -> dict[str, Any]:
        with self.lock:
            account = self.owner(refund_id)
            refund = account.refunds.get(refund_id)
            if refund is None or status not in _REFUND_STATUSES:
                raise ControlError(f"cannot set refund {refund_id} to {status}", 400)
            refund["status"] = status
            self._recount(account, account.payments[refund["paymentId"]])
            return refund

    def webhook_call(self, payment_id: str) -> WebhookCall | None:
        """Mollie's webhook for this payment: `id=tr_…` posted to its `webhookUrl`."""
        with self.lock:
            payment = self.owner(payment_id).payments[payment_id]
            url = payment.get("webhookUrl")
            if not url:
                return None
            return WebhookCall(
                url=url,
                body=f"id={payment_id}".encode(),
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "User-Agent": "Mollie.com/webhooks",
                },
            )

    # -- rules -----------------------------------------------------------------------------

    def _move(self, payment: dict[str, Any], status: str, *, method: str | None) -> None:
        payment["status"] = status
        if status in _STAMP:
            payment[_STAMP[status]] = iso(self.clock())
        if status in {"pending", "authorized", "paid", "failed"}:
            chosen = (
                method
                or payment.get("method")
                or ("creditcard" if status == "authorized" else "ideal")
            )
            payment["method"] = chosen
            payment["details"] = copy.deepcopy(_DETAILS.get(chosen, {}))
        if status in {"paid", "failed", "canceled", "expired"}:
            # Final: Mollie drops what only an open payment has.
            payment.pop("isCancelable", None)
            payment.pop("expiresAt", None)
            payment["_links"].pop("checkout", None)
            payment["_links"].pop("changePaymentState", None)
        if status == "paid":
            amount = payment["amount"]
            payment["amountRefunded"] = money(Decimal(0), amount["currency"])
            payment["amountRemaining"] = dict(amount)
            payment["settlementAmount"] = dict(amount)
            payment["countryCode"] = "NL"

    def _recount(self, account: MollieAccount, payment: dict[str, Any]) -> None:
        currency = payment["amount"]["currency"]
        refunded = sum(
            (
                Decimal(r["amount"]["value"])
                for r in account.refunds.values()
                if r["paymentId"] == payment["id"] and r["status"] in _REFUND_LIVE
            ),
            Decimal(0),
        )
        payment["amountRefunded"] = money(refunded, currency)
        payment["amountRemaining"] = money(Decimal(payment["amount"]["value"]) - refunded, currency)
