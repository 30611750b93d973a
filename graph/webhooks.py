"""The providers' webhooks: `POST /webhooks/stripe/{storeId}` and `/webhooks/mollie/{storeId}`.

Stripe's events are trusted by their signature (the store's signing secret, 300 s
tolerance); Mollie's carry only a payment id, and the payment is fetched from Mollie with the
store's key. Either way the update goes through `apply_payment_update`: recorded once by event
id, only ever forwards. The answer tells the provider whether to retry: 2xx done (also for a
replay), 4xx refused for good (bad signature, unknown store or payment), 503 try again later
(the provider could not be asked back). Nothing slow happens here: mail leaves via the outbox.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs

import structlog
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from domain.payment import PaymentProvider
from domain.payment_gateway import PaymentNotFound, PaymentProviderFailed, ProviderPayment
from domain.payment_updates import UpdateResult, apply_payment_update
from domain.store import Store
from graph import request_facts
from graph.metrics import WEBHOOK_EVENTS
from graph.mutation_metrics import count_payment
from graph.runtime import Runtime
from integrations.stripe_events import REFUND_EVENTS, EventRefused, StripeNotice, read_event

log = structlog.get_logger("checkout_flow.webhooks")

_STORE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_MOLLIE_ID = re.compile(r"^tr_[A-Za-z0-9]{1,64}$")
_ANSWER = {
    UpdateResult.APPLIED: 200,
    UpdateResult.DUPLICATE: 200,
    UpdateResult.STALE: 200,
    UpdateResult.UNKNOWN_PAYMENT: 404,
}


def webhook_routes() -> list[Route]:
    return [
        Route(
            "/webhooks/stripe/{store_id}",
            _observed(PaymentProvider.STRIPE, stripe_webhook),
            methods=["POST"],
        ),
        Route(
            "/webhooks/mollie/{store_id}",
            _observed(PaymentProvider.MOLLIE, mollie_webhook),
            methods=["POST"],
        ),
    ]


Endpoint = Callable[[Request], Awaitable[Response]]


def _observed(provider: PaymentProvider, endpoint: Endpoint) -> Endpoint:
    """One log line and one count per webhook: the result (the answer's `outcome`), with the
    provider, store and event noted in the request's facts as they become known, so that
    every line of the request shows them."""

    async def observed(request: Request) -> Response:
        _note(provider=provider.value)
        result = "error"
        try:
            response = await endpoint(request)
            result = _outcome(response)
            return response
        finally:
            WEBHOOK_EVENTS.labels(provider.value, result).inc()
            log.info("webhook", result=result)

    return observed


def _note(**details: str) -> None:
    facts = request_facts.current()
    if facts is not None:
        facts.extra.update(details)


def _outcome(response: Response) -> str:
    try:
        return str(json.loads(bytes(response.body))["outcome"])
    except (ValueError, KeyError, TypeError):
        return "error"


def _answer(status: int, outcome: str, message: str | None = None) -> JSONResponse:
    body = {"outcome": outcome} if message is None else {"outcome": outcome, "message": message}
    return JSONResponse(body, status_code=status)


def _result(result: UpdateResult) -> JSONResponse:
    if result is UpdateResult.UNKNOWN_PAYMENT:
        return _answer(404, result.value, "no payment of this store has that id")
    return _answer(_ANSWER[result], result.value)


async def _store(runtime: Runtime, store_id: str) -> Store | None:
    if not _STORE_ID.match(store_id):
        return None
    async with runtime.ports.unit_of_work() as uow:
        store = await uow.stores.get(store_id)
    if store is not None:
        request_facts.note_store(store.id)
    return store


async def stripe_webhook(request: Request) -> JSONResponse:
    runtime: Runtime = request.app.state.runtime
    store_id = request.path_params["store_id"]
    store = await _store(runtime, store_id)
    credentials = (
        await runtime.vault.credentials(store.id, PaymentProvider.STRIPE) if store else None
    )
    if store is None or credentials is None:
        return _answer(404, "unknown_store", "no store with a Stripe account has this id")
    if not credentials.webhook_secret:
        message = "this store has no Stripe webhook signing secret set"
        return _answer(400, "no_webhook_secret", message)
    payload, signature = await request.body(), request.headers.get("stripe-signature")
    try:
        notice = read_event(payload, signature, credentials.webhook_secret)
    except EventRefused as refused:
        log.warning("stripe webhook refused", store_id=store.id, reason=str(refused))
        return _answer(400, "refused", str(refused))
    _note(event_type=notice.type, event_id=notice.event_id)
    if notice.payment is None:
        return _answer(200, "ignored")
    update = notice.payment
    result = await apply_payment_update(runtime.ports, store.id, update, notice.event_id)
    if result is UpdateResult.UNKNOWN_PAYMENT and _may_be_session_intent(notice):
        try:
            session = await _session_of_intent(runtime, store, notice.payment.external_id)
        except PaymentProviderFailed:
            return _answer(503, "provider_unavailable", "Stripe could not be asked; retry later")
        if session is not None:
            update = session
            result = await apply_payment_update(runtime.ports, store.id, session, notice.event_id)
    if result is UpdateResult.APPLIED:
        count_payment(update.provider, update.status)
    return _result(result)


def _may_be_session_intent(notice: StripeNotice) -> bool:
    """An intent we do not know by its id may have been made by one of our Checkout Sessions,
    which we know by the session's id: its events carry our checkout token (we put it in
    `payment_intent_data`). A refunded charge is looked up even without one, since Stripe
    need not copy the intent's metadata onto its charge, and a missed refund costs money."""
    payment = notice.payment
    if payment is None or not payment.external_id.startswith("pi_"):
        return False
    return payment.checkout_token is not None or notice.type in REFUND_EVENTS


async def _session_of_intent(
    runtime: Runtime, store: Store, intent_id: str
) -> ProviderPayment | None:
    """The session behind the intent, as Stripe has it now. Its own state (paid, refunded in
    part or whole) is the truth about the payment; the intent's event only said it moved."""
    from integrations.stripe_payments import StripeGateway

    gateway = await runtime.ports.payments.gateway(store, PaymentProvider.STRIPE)
    if not isinstance(gateway, StripeGateway):
        return None
    return await gateway.session_of_intent(intent_id)


async def mollie_webhook(request: Request) -> JSONResponse:
    runtime: Runtime = request.app.state.runtime
    store = await _store(runtime, request.path_params["store_id"])
    gateway = await runtime.ports.payments.gateway(store, PaymentProvider.MOLLIE) if store else None
    if store is None or gateway is None:
        return _answer(404, "unknown_store", "no store with a Mollie account has this id")
    # Only the id is taken from the request; everything else comes from Mollie itself.
    form = parse_qs((await request.body()).decode("latin-1"))
    payment_id = (form.get("id") or [""])[0].strip()
    if not payment_id:
        return _answer(400, "refused", "the body must be id=tr_…")
    if not _MOLLIE_ID.match(payment_id):
        return _answer(404, UpdateResult.UNKNOWN_PAYMENT.value, "not a Mollie payment id")
    try:
        seen = await gateway.fetch(payment_id)
    except PaymentNotFound:
        return _answer(404, UpdateResult.UNKNOWN_PAYMENT.value, "Mollie knows no such payment")
    except PaymentProviderFailed:
        return _answer(503, "provider_unavailable", "Mollie could not be asked; retry later")
    refunded = seen.refunded.minor if seen.refunded else 0
    # Mollie names no event: what it says is the payment's state, which stands for one.
    _note(event_type=f"payment.{seen.status.value.lower()}", payment_id=payment_id)
    # Mollie sends no event id: the state itself is the event, so a repeat of it is a replay.
    event_id = f"{seen.external_id}:{seen.status.value}:{refunded}"
    result = await apply_payment_update(runtime.ports, store.id, seen, event_id)
    if result is UpdateResult.APPLIED:
        count_payment(seen.provider, seen.status)
    return _result(result)
