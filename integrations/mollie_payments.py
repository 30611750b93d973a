"""Mollie behind the payment port, through the official mollie-api-python SDK.

The SDK is synchronous (requests), so each call runs in a worker thread with a client of its
own, under a hard deadline of the endpoints' time budget. Every SDK error leaves this module
as `PaymentProviderFailed` with a message fit for a shopper; the key never appears in one.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from mollie.api.client import Client
from mollie.api.error import (
    Error,
    IdentifierError,
    NotFoundError,
    RequestError,
    RequestSetupError,
    ResponseError,
    ResponseHandlingError,
    UnauthorizedError,
)
from mollie.api.objects.payment import Payment
from mollie.api.resources.refunds import PaymentRefunds

from domain.money import Money
from domain.payment import PaymentProvider, PaymentStatus
from domain.payment_gateway import (
    PaymentNotFound,
    PaymentProviderFailed,
    PaymentRequest,
    ProviderPayment,
)
from integrations.payment_gateways import ProviderEndpoints

T = TypeVar("T")

TOKEN_KEY = "checkout_token"
MAX_DESCRIPTION = 255
# Mollie keeps at most 1 KB of metadata; a checkout may carry more, the token always fits.
MAX_METADATA_CHARS = 1024
_PAYMENT_ID = re.compile(r"^tr_[A-Za-z0-9]+$")
_LOOPBACK = ("localhost", "127.0.0.1", "::1", "0.0.0.0")

_STATUS = {
    "open": PaymentStatus.PENDING,
    "pending": PaymentStatus.PENDING,
    "authorized": PaymentStatus.AUTHORIZED,
    "paid": PaymentStatus.PAID,
    "failed": PaymentStatus.FAILED,
    "canceled": PaymentStatus.CANCELED,
    "expired": PaymentStatus.EXPIRED,
}


def is_payment_id(text: str) -> bool:
    return bool(_PAYMENT_ID.match(text))


class MollieGateway:
    provider = PaymentProvider.MOLLIE

    def __init__(self, api_key: str, endpoints: ProviderEndpoints, webhook_url: str) -> None:
        self._api_key = api_key
        self._endpoints = endpoints
        self._webhook_url = webhook_url

    def __repr__(self) -> str:  # never the key, also not in a traceback's locals
        return "MollieGateway()"

    async def open(self, request: PaymentRequest) -> ProviderPayment:
        body: dict[str, Any] = {
            "amount": _amount(request.amount),
            "description": request.description[:MAX_DESCRIPTION],
            "redirectUrl": request.return_url,
            "metadata": _metadata(request),
        }
        if request.cancel_url:
            body["cancelUrl"] = request.cancel_url
        if self._webhook_reachable():
            body["webhookUrl"] = self._webhook_url

        def create(client: Client) -> Payment:
            created = client.payments.create(body, idempotency_key=request.idempotency_key)
            return cast(Payment, created)

        return from_payment(await self._call(create))

    async def fetch(self, external_id: str) -> ProviderPayment:
        _check_id(external_id)
        return from_payment(await self._call(lambda client: client.payments.get(external_id)))

    async def cancel(self, external_id: str) -> ProviderPayment:
        _check_id(external_id)

        def close(client: Client) -> Payment:
            payment = client.payments.get(external_id)
            if not payment.is_cancelable:
                # Real Mollie says so for an open payment whose method is not chosen yet: it
                # expires by itself; what it is now is the answer.
                return payment
            return cast(Payment, client.payments.delete(external_id))  # typed dict, is Payment

        return from_payment(await self._call(close))

    async def refund(
        self, external_id: str, amount: Money, idempotency_key: str
    ) -> ProviderPayment:
        _check_id(external_id)

        def give_back(client: Client) -> Payment:
            parent = Payment({"id": external_id}, client)  # type: ignore[no-untyped-call]
            refunds = PaymentRefunds(client, parent)
            try:
                refunds.create(
                    {"amount": _amount(amount), "description": "Refund"},
                    idempotency_key=idempotency_key,
                )
            except ResponseError as exc:
                if exc.status != 422:
                    raise
                # Refused: fine when nothing is left (refunded already); when less is left
                # than asked (refunded in part elsewhere), the rest goes back. Any other
                # refusal is raised, so that the outbox tries again later.
                left = _money(client.payments.get(external_id).amount_remaining)
                if left is not None and left.amount > 0:
                    if left.amount >= amount.amount:
                        raise
                    refunds.create(
                        {"amount": _amount(left), "description": "Refund"},
                        idempotency_key=f"{idempotency_key}-rest",
                    )
            return client.payments.get(external_id)

        return from_payment(await self._call(give_back))

    def _webhook_reachable(self) -> bool:
        """Real Mollie refuses a webhook URL it cannot reach; a local test double takes it."""
        if self._endpoints.mollie_api_base:
            return True
        host = urlsplit(self._webhook_url).hostname or ""
        return host not in _LOOPBACK and not host.endswith(".localhost")

    async def _call(self, work: Callable[[Client], T]) -> T:
        budget = self._endpoints.timeout_seconds

        def run() -> T:
            # Floats work (requests takes them); the SDK's hint says int.
            timeout: Any = (min(budget / 2, 3.0), budget * 0.9)
            client = Client(timeout=timeout, retry=1)
            if self._endpoints.mollie_api_base:
                client.set_api_endpoint(self._endpoints.mollie_api_base)
            client.set_api_key(self._api_key)
            return work(client)

        try:
            # The thread cannot be stopped; its own timeouts end it soon after.
            return await asyncio.wait_for(asyncio.to_thread(run), budget)
        except TimeoutError:
            raise PaymentProviderFailed("Mollie did not answer in time") from None
        except Error as exc:
            message = scrubbed(safe_message(exc), self._api_key)
            if isinstance(exc, NotFoundError | IdentifierError):
                raise PaymentNotFound(message) from None
            raise PaymentProviderFailed(message) from None


def _check_id(external_id: str) -> None:
    if not is_payment_id(external_id):
        raise PaymentNotFound("that is not a Mollie payment id (tr_…)")


def _amount(money: Money) -> dict[str, str]:
    return {"currency": money.currency, "value": money.formatted()}


def _metadata(request: PaymentRequest) -> dict[str, str]:
    metadata = dict(request.metadata)
    if len(json.dumps(metadata)) > MAX_METADATA_CHARS:
        metadata = {TOKEN_KEY: request.checkout_token}
    return metadata


def _money(raw: Any) -> Money | None:
    if not isinstance(raw, dict):
        return None
    try:
        return Money(Decimal(str(raw["value"])), str(raw["currency"]))
    except (KeyError, InvalidOperation, ValueError):
        return None


def from_payment(payment: Payment) -> ProviderPayment:
    amount = _money(payment.amount)
    if amount is None:
        raise PaymentProviderFailed("Mollie answered without an amount")
    status = _STATUS.get(str(payment.status), PaymentStatus.PENDING)
    refunded = _money(payment.amount_refunded)
    if refunded is not None and refunded.amount > 0 and status.is_paid:
        whole = refunded.amount >= amount.amount
        status = PaymentStatus.REFUNDED if whole else PaymentStatus.PARTIALLY_REFUNDED
    else:
        refunded = None
    metadata = payment.metadata if isinstance(payment.metadata, dict) else {}
    token = metadata.get(TOKEN_KEY)
    return ProviderPayment(
        provider=PaymentProvider.MOLLIE,
        external_id=str(payment.id),
        status=status,
        amount=amount,
        redirect_url=payment.checkout_url,
        checkout_token=str(token) if token else None,
        refunded=refunded,
    )


def scrubbed(message: str, secret: str) -> str:
    """A provider's words with the key blotted out, should they ever quote it."""
    return message.replace(secret, "[key]") if secret else message


def safe_message(exc: Error) -> str:
    """What Mollie said, as much of it as a shopper may read: never the key."""
    if isinstance(exc, IdentifierError):
        return "that is not a Mollie id"
    if isinstance(exc, RequestSetupError):
        # Its own message quotes the key it refused.
        return "the store's Mollie API key is not in Mollie's format (test_… or live_…)"
    if isinstance(exc, RequestError):
        return "Mollie did not answer in time or could not be reached"
    if isinstance(exc, UnauthorizedError):
        return "Mollie refused the store's API key"
    if isinstance(exc, NotFoundError):
        return "Mollie knows no such payment"
    if isinstance(exc, ResponseHandlingError):
        return "Mollie answered with something unreadable"
    if isinstance(exc, ResponseError):
        if exc.status is not None and exc.status >= 500:
            return "Mollie had an internal error; try again"
        detail = str(exc)[:200]
        where = f" ({exc.field})" if exc.field else ""
        return f"Mollie refused: {detail}{where}"
    return "Mollie refused the request"
