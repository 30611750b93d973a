"""The Mollie fake's HTTP face: Mollie's `/v2` payment and refund endpoints, with Mollie's
authentication, idempotency and error shape; the fake's own pages come from `mollie_control`."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.control import (
    common_control_routes,
)
from tests.fakes.faults import LoggedRequest, RequestLog
from tests.fakes.mollie_control import control_routes, page_routes
from tests.fakes.mollie_errors import MollieError
from tests.fakes.mollie_objects import link, snapshot
from tests.fakes.mollie_state import IdempotentResult, MollieAccount

if TYPE_CHECKING:
    from tests.fakes.mollie_fake import MollieFake

__all__ = ["build_mollie_app"]

_HAL = "application/hal+json"


@dataclass(frozen=True)
class ApiCall:
    account: MollieAccount
    body: dict[str, Any]
    query: dict[str, str]
    path: dict[str, str]
    api_base: str


# A handler answers (status, body); body None means 204 No Content.
Handler = Callable[["MollieFake", ApiCall], tuple[int, dict[str, Any] | None]]


def _api_key(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def _hal(body: dict[str, Any], status: int, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(body, status, headers=headers, media_type=_HAL)


def _endpoint(fake: MollieFake, handler: Handler) -> Callable[[Request], Any]:
    async def run(request: Request) -> Response:
        raw = await request.body()
        api_key = _api_key(request)
        idempotency_key = request.headers.get("idempotency-key")
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = None
        entry = fake.log.add(
            LoggedRequest(
                method=request.method,
                path=request.url.path,
                query=dict(request.query_params),
                params=body if isinstance(body, dict) else {"_raw": raw.decode(errors="replace")},
                idempotency_key=idempotency_key,
                api_key_last4=RequestLog.last4(api_key),
            )
        )
        for fault in fake.faults.take(request.url.path):
            entry.fault = fault.kind
            if fault.kind == "hang" and await fake.faults.hang(fault.seconds):
                continue
            # An armed failure, or a hang cut short by a reset: the request never runs.
            entry.status = fault.status
            return _hal(MollieError.server_error(fault.status).body(), fault.status)
        status, payload, headers = _execute(fake, handler, request, body, api_key, idempotency_key)
        entry.status = status
        if payload is None:
            return Response(status_code=204, headers=headers)
        return _hal(payload, status, headers)

    return run


def _execute(
    fake: MollieFake,
    handler: Handler,
    request: Request,
    body: Any,
    api_key: str | None,
    idempotency_key: str | None,
) -> tuple[int, dict[str, Any] | None, dict[str, str]]:
    try:
        if api_key is None or not fake.accepts(api_key):
            raise MollieError.unauthorized()
        if not isinstance(body, dict):
            raise MollieError(400, "The request body is not a valid JSON object")
        account = fake.state.account(api_key)
        call = ApiCall(
            account=account,
            body=body,
            query=dict(request.query_params),
            path=dict(request.path_params),
            api_base=str(request.base_url).rstrip("/"),
        )
        if request.method == "GET" or not idempotency_key:
            status, payload = handler(fake, call)
            return status, payload, {}
        endpoint = f"{request.method} {request.url.path}"
        with fake.state.lock:
            prior = account.idempotency.get(idempotency_key)
            if prior is not None and prior.endpoint == endpoint:
                # Mollie answers a repeated key with the first response, marked as a replay.
                return prior.status, prior.response, {"Idempotent-Replayed": "true"}
            status, payload = handler(fake, call)
            account.idempotency[idempotency_key] = IdempotentResult(endpoint, body, status, payload)
            return status, payload, {}
    except MollieError as exc:
        return exc.status, exc.body(), {}


# -- API handlers --------------------------------------------------------------------------


def _create_payment(fake: MollieFake, call: ApiCall) -> tuple[int, dict[str, Any] | None]:
    page_base = f"{fake.base_url or call.api_base}/_pay/mollie/"
    payment = fake.state.create_payment(call.account, call.body, call.api_base, page_base)
    return 201, snapshot(payment)


def _get_payment(fake: MollieFake, call: ApiCall) -> tuple[int, dict[str, Any] | None]:
    with fake.state.lock:
        payment = snapshot(fake.state.get_payment(call.account, call.path["id"]))
        if "refunds" in call.query.get("embed", "").split(","):
            refunds = fake.state.refunds_of(call.account, call.path["id"])
            payment["_embedded"] = {"refunds": snapshot(refunds)}
    return 200, payment


def _list_payments(fake: MollieFake, call: ApiCall) -> tuple[int, dict[str, Any] | None]:
    try:
        limit = int(call.query.get("limit", 50))
    except ValueError:
        raise MollieError(400, "Invalid limit", "limit") from None
    if not 1 <= limit <= 250:
        raise MollieError(400, "The limit must be between 1 and 250", "limit")
    page = fake.state.list_payments(call.account, call.api_base, call.query.get("from"), limit)
    return 200, page


def _cancel_payment(fake: MollieFake, call: ApiCall) -> tuple[int, dict[str, Any] | None]:
    return 200, snapshot(fake.state.cancel_payment(call.account, call.path["id"]))


def _create_refund(fake: MollieFake, call: ApiCall) -> tuple[int, dict[str, Any] | None]:
    refund = fake.state.create_refund(call.account, call.path["id"], call.body, call.api_base)
    return 201, snapshot(refund)


def _list_refunds(fake: MollieFake, call: ApiCall) -> tuple[int, dict[str, Any] | None]:
    refunds = snapshot(fake.state.refunds_of(call.account, call.path["id"]))
    url = f"{call.api_base}/v2/payments/{call.path['id']}/refunds"
    return 200, {
        "count": len(refunds),
        "_embedded": {"refunds": refunds},
        "_links": {
            "self": link(url),
            "previous": None,
            "next": None,
            "documentation": link("https://docs.mollie.com/reference/list-refunds", "text/html"),
        },
    }


def _get_refund(fake: MollieFake, call: ApiCall) -> tuple[int, dict[str, Any] | None]:
    refund = fake.state.get_refund(call.account, call.path["id"], call.path["refund_id"])
    return 200, snapshot(refund)


def _cancel_refund(fake: MollieFake, call: ApiCall) -> tuple[int, dict[str, Any] | None]:
    fake.state.cancel_refund(call.account, call.path["id"], call.path["refund_id"])
    return 204, None


async def _unknown(request: Request) -> Response:
    return _hal(MollieError(404, "The requested resource does not exist").body(), 404)


def build_mollie_app(fake: MollieFake) -> Starlette:
    def api(path: str, handler: Handler, method: str) -> Route:
        return Route(path, _endpoint(fake, handler), methods=[method])

    routes = [
        api("/v2/payments", _create_payment, "POST"),
        api("/v2/payments", _list_payments, "GET"),
        api("/v2/payments/{id}", _get_payment, "GET"),
        api("/v2/payments/{id}", _cancel_payment, "DELETE"),
        api("/v2/payments/{id}/refunds", _create_refund, "POST"),
        api("/v2/payments/{id}/refunds", _list_refunds, "GET"),
        api("/v2/payments/{id}/refunds/{refund_id}", _get_refund, "GET"),
        api("/v2/payments/{id}/refunds/{refund_id}", _cancel_refund, "DELETE"),
        Route("/v2/{rest:path}", _unknown, methods=["GET", "POST", "PATCH", "DELETE"]),
        *page_routes(fake),
        *control_routes(fake),
        *common_control_routes(fake.faults, fake.log, fake.reset),
    ]
    return Starlette(routes=routes)
