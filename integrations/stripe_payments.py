"""Stripe behind the payment port, through the official SDK's `StripeClient`.

REDIRECT opens a Checkout Session, EMBEDDED a PaymentIntent for Stripe.js. Every call ends
within the endpoints' time budget: one retry on a network error or a 5xx (with the same
idempotency key, so it can never make a second object), each try given under half of the
budget, and a hard deadline around the whole. Every SDK error leaves this module as
`PaymentProviderFailed` with a message fit for a shopper; the key never appears in one.
"""

from __future__ import annotations

import asyncio
import time
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar, cast

import httpx
import stripe

from domain.money import Money
from domain.payment import PaymentFlow, PaymentProvider
from domain.payment_gateway import (
    PaymentLine,
    PaymentNotFound,
    PaymentProviderFailed,
    PaymentRequest,
    ProviderPayment,
)
from integrations import stripe_states
from integrations.payment_gateways import ProviderEndpoints

T = TypeVar("T")

# The SDK hands httpx its encoded form as `data=`, which httpx deprecates for raw text; the
# request is the same either way.
warnings.filterwarnings("ignore", message=r"Use 'content=<\.\.\.>'", category=DeprecationWarning)

NETWORK_RETRIES = 1
# Stripe keeps a Checkout Session open between 30 minutes and 24 hours after it is created.
SESSION_MIN_SECONDS = 30 * 60 + 120
SESSION_MAX_SECONDS = 24 * 3600 - 120
# Session expiry is rounded down to this grid, so that two tries of the same payment send the
# same parameters (Stripe refuses an idempotency key reused with other parameters).
EXPIRY_GRID_SECONDS = 300
_SESSION_EXPAND = ["payment_intent", "payment_intent.latest_charge"]
_INTENT_EXPAND = ["latest_charge"]


class StripeGateway:
    provider = PaymentProvider.STRIPE

    def __init__(self, api_key: str, endpoints: ProviderEndpoints) -> None:
        self._api_key = api_key
        self._endpoints = endpoints

    def __repr__(self) -> str:  # never the key, also not in a traceback's locals
        return "StripeGateway()"

    # -- the port ------------------------------------------------------------------------

    async def open(self, request: PaymentRequest) -> ProviderPayment:
        if request.flow is PaymentFlow.EMBEDDED:
            return await self._call(lambda client: self._open_intent(client, request))
        return await self._call(lambda client: self._open_session(client, request))

    async def fetch(self, external_id: str) -> ProviderPayment:
        return await self._call(lambda client: self._fetch(client, external_id))

    async def cancel(self, external_id: str) -> ProviderPayment:
        return await self._call(lambda client: self._cancel(client, external_id))

    async def refund(
        self, external_id: str, amount: Money, idempotency_key: str
    ) -> ProviderPayment:
        return await self._call(
            lambda client: self._refund(client, external_id, amount, idempotency_key)
        )

    # -- beyond the port: for the webhook --------------------------------------------------

    async def session_of_intent(self, intent_id: str) -> ProviderPayment | None:
        """The Checkout Session that made this PaymentIntent, as it stands now; None when it
        was made by no session (an EMBEDDED payment, or not one of ours)."""

        async def find(client: stripe.StripeClient) -> ProviderPayment | None:
            found = await client.v1.checkout.sessions.list_async(
                {"payment_intent": intent_id, "limit": 1}
            )
            if not found.data:
                return None
            return await self._fetch(client, found.data[0].id)

        return await self._call(find)

    # -- the calls ---------------------------------------------------------------------------

    async def _open_session(
        self, client: stripe.StripeClient, request: PaymentRequest
    ) -> ProviderPayment:
        expires_at = session_expiry(request.expires_at.timestamp(), time.time())
        metadata = dict(request.metadata)
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": line_items(request),
            "success_url": request.return_url,
            "client_reference_id": request.checkout_token,
            "metadata": metadata,
            # The intent Stripe makes when the shopper pays carries the token too, so its
            # events can be traced back to the checkout.
            "payment_intent_data": {"metadata": metadata, "description": request.description},
            "expires_at": expires_at,
        }
        if request.cancel_url:
            params["cancel_url"] = request.cancel_url
        if request.customer_email:
            params["customer_email"] = request.customer_email
        # The expiry is part of the key: a try in a later grid slot opens its own session
        # instead of being refused for changed parameters.
        key = f"{request.idempotency_key}-cs-{expires_at}"
        session = await client.v1.checkout.sessions.create_async(
            cast(Any, params), {"idempotency_key": key}
        )
        return stripe_states.from_session(session.to_dict())

    async def _open_intent(
        self, client: stripe.StripeClient, request: PaymentRequest
    ) -> ProviderPayment:
        params: dict[str, Any] = {
            "amount": request.amount.minor,
            "currency": request.amount.currency.lower(),
            "automatic_payment_methods": {"enabled": True},
            "metadata": dict(request.metadata),
            "description": request.description,
        }
        if request.customer_email:
            params["receipt_email"] = request.customer_email
        intent = await client.v1.payment_intents.create_async(
            cast(Any, params), {"idempotency_key": f"{request.idempotency_key}-pi"}
        )
        return stripe_states.from_intent(intent.to_dict())

    async def _fetch(self, client: stripe.StripeClient, external_id: str) -> ProviderPayment:
        kind = _kind(external_id)
        if kind == "session":
            session = await client.v1.checkout.sessions.retrieve_async(
                external_id, {"expand": _SESSION_EXPAND}
            )
            return stripe_states.from_session(session.to_dict())
        intent = await client.v1.payment_intents.retrieve_async(
            external_id, {"expand": _INTENT_EXPAND}
        )
        return stripe_states.from_intent(intent.to_dict())

    async def _cancel(self, client: stripe.StripeClient, external_id: str) -> ProviderPayment:
        try:
            if _kind(external_id) == "session":
                session = await client.v1.checkout.sessions.expire_async(external_id)
                return stripe_states.from_session(session.to_dict())
            intent = await client.v1.payment_intents.cancel_async(external_id)
            return stripe_states.from_intent(intent.to_dict())
        except stripe.InvalidRequestError as exc:
            if exc.code == "resource_missing":
                raise
        # Not open any more (paid, say, or expired before): what it is now is the answer.
        return await self._fetch(client, external_id)

    async def _refund(
        self, client: stripe.StripeClient, external_id: str, amount: Money, key: str
    ) -> ProviderPayment:
        intent_id = external_id
        if _kind(external_id) == "session":
            session = await client.v1.checkout.sessions.retrieve_async(external_id)
            paid_by = _id_of(session.to_dict().get("payment_intent"))
            if not paid_by:
                raise PaymentProviderFailed("Stripe has no payment to refund for this session")
            intent_id = paid_by
        try:
            await client.v1.refunds.create_async(
                {"payment_intent": intent_id, "amount": amount.minor}, {"idempotency_key": key}
            )
        except stripe.InvalidRequestError as exc:
            if exc.code == "amount_too_large":
                # Part was refunded elsewhere (the Dashboard) meanwhile: refund the rest.
                await client.v1.refunds.create_async(
                    {"payment_intent": intent_id}, {"idempotency_key": f"{key}-rest"}
                )
            elif exc.code != "charge_already_refunded":
                raise
        return await self._fetch(client, external_id)

    # -- the client, the budget and the errors ----------------------------------------------

    async def _call(self, work: Callable[[stripe.StripeClient], Awaitable[T]]) -> T:
        budget = self._endpoints.timeout_seconds
        try:
            async with asyncio.timeout(budget):
                async with self._client(budget) as client:
                    return await work(client)
        except TimeoutError:
            raise PaymentProviderFailed("Stripe did not answer in time") from None
        except stripe.StripeError as exc:
            message = safe_message(exc).replace(self._api_key, "[key]")
            if isinstance(exc, stripe.InvalidRequestError) and exc.code == "resource_missing":
                raise PaymentNotFound(message) from None
            raise PaymentProviderFailed(message) from None

    @asynccontextmanager
    async def _client(self, budget: float) -> AsyncIterator[stripe.StripeClient]:
        # One HTTP client per call: its pooled connections belong to the event loop that
        # opened them, and a gateway lives no longer than the request that asked for it.
        per_try = budget * 0.45
        http_client = stripe.HTTPXClient(timeout=httpx.Timeout(per_try, connect=min(per_try, 3)))
        options: dict[str, Any] = {}
        if self._endpoints.stripe_api_base:
            options["base_addresses"] = {"api": self._endpoints.stripe_api_base.rstrip("/")}
        try:
            yield stripe.StripeClient(
                self._api_key,
                http_client=http_client,
                max_network_retries=NETWORK_RETRIES,
                **options,
            )
        finally:
            await http_client.close_async()  # type: ignore[no-untyped-call]


def _kind(external_id: str) -> str:
    if external_id.startswith("cs_"):
        return "session"
    if external_id.startswith("pi_"):
        return "intent"
    raise PaymentNotFound("that is not a Stripe payment id (cs_… or pi_…)")


def _id_of(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("id")
    return str(value) if value else None


def session_expiry(wanted: float, now: float) -> int:
    """The session's `expires_at`: the checkout's, rounded down to the grid, within what
    Stripe allows (ending early is safe; a session outliving its checkout is not)."""
    grid = EXPIRY_GRID_SECONDS
    latest = int(now + SESSION_MAX_SECONDS) // grid * grid
    chosen = min(int(wanted) // grid * grid, latest)
    earliest = now + SESSION_MIN_SECONDS
    if chosen < earliest:
        chosen = (int(earliest) // grid + 1) * grid
    return chosen


def line_items(request: PaymentRequest) -> list[dict[str, Any]]:
    """The checkout's lines, then shipping and tax; one line for the total should they not
    add up to it (Stripe charges what the lines say)."""
    lines = [*request.lines, *request.extra_lines]
    listed = sum(line.unit_price.minor * line.quantity for line in lines)
    if listed != request.amount.minor or any(line.unit_price.minor < 0 for line in lines):
        lines = [PaymentLine("total", request.description, 1, request.amount)]
    return [
        {
            "quantity": line.quantity,
            "price_data": {
                "currency": line.unit_price.currency.lower(),
                "unit_amount": line.unit_price.minor,
                "product_data": {"name": line.name[:250] or line.sku},
            },
        }
        for line in lines
    ]


def safe_message(exc: stripe.StripeError) -> str:
    """What Stripe said, as much of it as a shopper may read: never the key, never a dump."""
    if isinstance(exc, stripe.APIConnectionError):
        if isinstance(exc.__cause__, httpx.TimeoutException):
            return "Stripe did not answer in time"
        return "Stripe could not be reached"
    if isinstance(exc, stripe.AuthenticationError | stripe.PermissionError):
        return "Stripe refused the store's API key"
    if isinstance(exc, stripe.RateLimitError):
        return "Stripe is busy (rate limited); try again shortly"
    if isinstance(exc, stripe.APIError):
        return "Stripe had an internal error; try again"
    if isinstance(exc, stripe.IdempotencyError):
        return "Stripe refused a repeated request; try again"
    if isinstance(exc, stripe.InvalidRequestError) and exc.code == "resource_missing":
        return "Stripe knows no such payment"
    said = exc.user_message or exc.code or "the request was not accepted"
    return f"Stripe refused: {said}"
