"""The Stripe fake's HTTP face: Stripe's `/v1` endpoints, with Stripe's authentication,
idempotency and error envelope; the fake's own pages are added from `stripe_control`."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.control import common_control_routes
from tests.fakes.faults import LoggedRequest, RequestLog
from tests.fakes.stripe_control import control_routes, page_routes
from tests.fakes.stripe_errors import StripeError
from tests.fakes.stripe_form import parse_form
from tests.fakes.stripe_objects import new_id, to_int
from tests.fakes.stripe_state import IdempotentResult, RequestContext, StripeAccount

if TYPE_CHECKING:
    from tests.fakes.stripe_fake import StripeFake

__all__ = ["build_stripe_app"]

Event = dict[str, Any]


@dataclass(frozen=True)
class ApiCall:
    account: StripeAccount
    params: dict[str, Any]
    ctx: RequestContext
    path_id: str
    base_url: str


Handler = Callable[["StripeFake", ApiCall], tuple[dict[str, Any], list[Event]]]


def _api_key(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip() or None
    if scheme.lower() == "basic":
        # curl -u sk_test_...: sends the key as the Basic user name
        try:
            return base64.b64decode(value).decode().split(":", 1)[0] or None
        except (binascii.Error, UnicodeDecodeError):
            return None
    return None


def _endpoint(fake: StripeFake, handler: Handler) -> Callable[[Request], Any]:
    async def run(request: Request) -> Response:
        request_id = new_id("req_", 14)
        raw = await request.body()
        pairs = parse_qsl(request.url.query, keep_blank_values=True)
        pairs += parse_qsl(raw.decode(), keep_blank_values=True)
        params = parse_form(pairs)
        api_key = _api_key(request)
        idempotency_key = request.headers.get("idempotency-key")
        entry = fake.log.add(
            LoggedRequest(
                method=request.method,
                path=request.url.path,
                query=dict(request.query_params),
                params=params,
                idempotency_key=idempotency_key,
                api_key_last4=RequestLog.last4(api_key),
            )
        )
        for fault in fake.faults.take(request.url.path):
            entry.fault = fault.kind
            if fault.kind == "hang" and await fake.faults.hang(fault.seconds):
                continue
            # An armed failure, or a hang cut short by a reset: the request never runs.
            error = StripeError.server_error(fault.status)
            entry.status = error.status
            return JSONResponse(
                error.envelope(request_id), error.status, headers={"Request-Id": request_id}
            )
        status, body, events, headers = _execute(
            fake, handler, request, params, api_key, idempotency_key, request_id
        )
        entry.status = status
        headers["Request-Id"] = request_id
        background = BackgroundTask(fake.deliver_async, events) if events else None
        return JSONResponse(body, status, headers=headers, background=background)

    return run


def _execute(
    fake: StripeFake,
    handler: Handler,
    request: Request,
    params: dict[str, Any],
    api_key: str | None,
    idempotency_key: str | None,
    request_id: str,
) -> tuple[int, dict[str, Any], list[Event], dict[str, str]]:
    headers: dict[str, str] = {}
    try:
        if api_key is None:
            raise StripeError.no_api_key()
        if not fake.accepts(api_key):
            raise StripeError.bad_api_key(api_key)
        account = fake.state.account(api_key)
        version = request.headers.get("stripe-version")
        if version:
            account.api_version = version
        headers["Stripe-Version"] = account.api_version
        call = ApiCall(
            account=account,
            params=params,
            ctx=RequestContext(request_id, idempotency_key),
            path_id=request.path_params.get("id", ""),
            base_url=str(request.base_url).rstrip("/"),
        )
        expand = params.get("expand") or []
        if request.method != "POST" or not idempotency_key:
            obj, events = handler(fake, call)
            return 200, fake.state.expand(account, obj, expand), events, headers
        headers["Idempotency-Key"] = idempotency_key
        endpoint = f"{request.method} {request.url.path}"
        with fake.state.lock:
            prior = account.idempotency.get(idempotency_key)
            if prior is not None:
                if prior.endpoint != endpoint:
                    raise StripeError.idempotency_endpoint(
                        idempotency_key, prior.endpoint, endpoint
                    )
                if prior.params != params:
                    raise StripeError.idempotency_params(idempotency_key)
                headers["Idempotent-Replayed"] = "true"
                return prior.status, prior.body, [], headers
            obj, events = handler(fake, call)
            body = fake.state.expand(account, obj, expand)
            # Only requests that ran are remembered; Stripe forgets rejected ones too.
            account.idempotency[idempotency_key] = IdempotentResult(endpoint, params, 200, body)
            return 200, body, events, headers
    except StripeError as exc:
        return exc.status, exc.envelope(request_id), [], headers


# -- API handlers --------------------------------------------------------------------------


def _create_session(fake: StripeFake, call: ApiCall) -> tuple[dict[str, Any], list[Event]]:
    page_base = f"{fake.base_url or call.base_url}/_pay/stripe/"
    return fake.state.create_checkout_session(call.account, call.params, page_base), []


def _expire_session(fake: StripeFake, call: ApiCall) -> tuple[dict[str, Any], list[Event]]:
    return fake.state.expire_checkout_session(call.account, call.path_id, call.ctx)


def _session_lines(fake: StripeFake, call: ApiCall) -> tuple[dict[str, Any], list[Event]]:
    lines = fake.state.line_items(call.account, call.path_id)
    url = f"/v1/checkout/sessions/{call.path_id}/line_items"
    return {"object": "list", "data": lines, "has_more": False, "url": url}, []


def _create_intent(fake: StripeFake, call: ApiCall) -> tuple[dict[str, Any], list[Event]]:
    return fake.state.create_payment_intent(call.account, call.params, call.ctx)


def _update_intent(fake: StripeFake, call: ApiCall) -> tuple[dict[str, Any], list[Event]]:
    return fake.state.update_payment_intent(call.account, call.path_id, call.params), []


def _cancel_intent(fake: StripeFake, call: ApiCall) -> tuple[dict[str, Any], list[Event]]:
    return fake.state.cancel_payment_intent(call.account, call.path_id, call.params, call.ctx)


def _create_refund(fake: StripeFake, call: ApiCall) -> tuple[dict[str, Any], list[Event]]:
    return fake.state.create_refund(call.account, call.params, call.ctx)


def _retriever(object_name: str) -> Handler:
    def retrieve(fake: StripeFake, call: ApiCall) -> tuple[dict[str, Any], list[Event]]:
        return fake.state.get(call.account, call.path_id, object_name), []

    return retrieve


def _lister(object_name: str, url: str, filters: tuple[str, ...]) -> Handler:
    def list_objects(fake: StripeFake, call: ApiCall) -> tuple[dict[str, Any], list[Event]]:
        params = call.params
        limit = to_int(params.get("limit", 10), "limit")
        if not 1 <= limit <= 100:
            raise StripeError.invalid(
                "This value must be greater than or equal to 1 and less than or equal to 100.",
                param="limit",
            )
        return fake.state.list_page(
            call.account,
            object_name,
            url=url,
            filters={key: params[key] for key in filters if key in params},
            limit=limit,
            starting_after=params.get("starting_after"),
            ending_before=params.get("ending_before"),
        ), []

    return list_objects


async def _unknown(request: Request) -> Response:
    error = StripeError(
        404,
        f"Unrecognized request URL ({request.method}: {request.url.path}). Please see "
        "https://stripe.com/docs or we can help at https://support.stripe.com/.",
    )
    return JSONResponse(error.envelope(new_id("req_", 14)), 404)


def build_stripe_app(fake: StripeFake) -> Starlette:
    def api(path: str, handler: Handler, method: str) -> Route:
        return Route(path, _endpoint(fake, handler), methods=[method])

    routes = [
        api("/v1/checkout/sessions", _create_session, "POST"),
        api(
            "/v1/checkout/sessions",
            _lister(
                "checkout.session",
                "/v1/checkout/sessions",
                ("payment_intent", "status", "customer"),
            ),
            "GET",
        ),
        api("/v1/checkout/sessions/{id}", _retriever("checkout.session"), "GET"),
        api("/v1/checkout/sessions/{id}/expire", _expire_session, "POST"),
        api("/v1/checkout/sessions/{id}/line_items", _session_lines, "GET"),
        api("/v1/payment_intents", _create_intent, "POST"),
        api(
            "/v1/payment_intents",
            _lister("payment_intent", "/v1/payment_intents", ("customer",)),
            "GET",
        ),
        api("/v1/payment_intents/{id}", _retriever("payment_intent"), "GET"),
        api("/v1/payment_intents/{id}", _update_intent, "POST"),
        api("/v1/payment_intents/{id}/cancel", _cancel_intent, "POST"),
        api("/v1/refunds", _create_refund, "POST"),
        api("/v1/refunds", _lister("refund", "/v1/refunds", ("payment_intent", "charge")), "GET"),
        api("/v1/refunds/{id}", _retriever("refund"), "GET"),
        api("/v1/charges", _lister("charge", "/v1/charges", ("payment_intent",)), "GET"),
        api("/v1/charges/{id}", _retriever("charge"), "GET"),
        api("/v1/events", _lister("event", "/v1/events", ("type",)), "GET"),
        api("/v1/events/{id}", _retriever("event"), "GET"),
        Route("/v1/{rest:path}", _unknown, methods=["GET", "POST", "DELETE"]),
        *page_routes(fake),
        *control_routes(fake),
        *common_control_routes(fake.faults, fake.log, fake.reset),
    ]
    return Starlette(routes=routes)
