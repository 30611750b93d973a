"""The Mollie fake's non-Mollie pages: the test-mode payment screen a shopper would see, and
the `/_test` routes through which a test makes things happen (as `MollieFake`'s methods do)."""

from __future__ import annotations

import html
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.fakes.control import ControlError, control_error_response, read_control_json
from tests.fakes.mollie_objects import snapshot

if TYPE_CHECKING:
    from tests.fakes.mollie_fake import MollieFake

__all__ = ["control_routes", "page_routes"]


# -- the test-mode payment screen ----------------------------------------------------------

_SCREEN_CHOICES = ("paid", "authorized", "failed", "canceled", "expired")


def page_routes(fake: MollieFake) -> list[Route]:
    async def show(request: Request) -> Response:
        payment_id = request.path_params["id"]
        try:
            payment = fake.get(payment_id)
        except ControlError:
            return HTMLResponse("<h1>Payment not found</h1>", 404)
        buttons = "".join(
            f'<button name="status" value="{s}">{s}</button>' for s in _SCREEN_CHOICES
        )
        amount = payment["amount"]
        return HTMLResponse(
            f"<h1>Fake Mollie test payment</h1><p>{html.escape(payment_id)}: "
            f"{html.escape(amount['value'])} {html.escape(amount['currency'])}, "
            f"{html.escape(payment['status'])}</p>"
            f'<form method="post" action="/_pay/mollie/{payment_id}">{buttons}</form>'
        )

    async def choose(request: Request) -> Response:
        payment_id = request.path_params["id"]
        form = dict(parse_qsl((await request.body()).decode()))
        try:
            payment = fake.state.set_payment_status(payment_id, form.get("status", ""))
        except ControlError as exc:
            return HTMLResponse(f"<h1>{html.escape(str(exc))}</h1>", exc.status)
        call = fake.state.webhook_call(payment_id)
        background = BackgroundTask(fake.deliveries.send_async, call) if call else None
        target = str(payment["redirectUrl"])
        if payment["status"] == "canceled" and payment.get("cancelUrl"):
            target = str(payment["cancelUrl"])
        return RedirectResponse(target, 303, background=background)

    return [
        Route("/_pay/mollie/{id}", show),
        Route("/_pay/mollie/{id}", choose, methods=["POST"]),
    ]


# -- test control --------------------------------------------------------------------------


def control_routes(fake: MollieFake) -> list[Route]:
    state = fake.state

    async def webhook_part(payment_id: str, notify: bool) -> dict[str, Any] | None:
        call = state.webhook_call(payment_id)
        if call is None:
            return None
        part: dict[str, Any] = {
            "url": call.url,
            "body": call.body.decode(),
            "headers": call.headers,
        }
        if notify:
            done = await fake.deliveries.send_async(call)
            part.update(status=done.status, error=done.error)
        return part

    async def set_status(request: Request) -> Response:
        payment_id = request.path_params["id"]
        try:
            body = await read_control_json(request)
            payment = snapshot(
                state.set_payment_status(
                    payment_id, str(body.get("status", "")), method=body.get("method")
                )
            )
        except ControlError as exc:
            return control_error_response(exc)
        webhook = await webhook_part(payment_id, bool(body.get("notify")))
        return JSONResponse({"payment": payment, "webhook": webhook})

    async def set_cancelable(request: Request) -> Response:
        try:
            body = await read_control_json(request)
            payment = state.set_cancelable(request.path_params["id"], bool(body["cancelable"]))
        except ControlError as exc:
            return control_error_response(exc)
        return JSONResponse({"payment": snapshot(payment)})

    async def refund(request: Request) -> Response:
        payment_id = request.path_params["id"]
        try:
            body = await read_control_json(request)
            raw = body.get("amount")
            amount = None if raw is None else Decimal(str(raw))
            created = snapshot(state.refund_now(payment_id, amount))
        except ControlError as exc:
            return control_error_response(exc)
        except InvalidOperation:
            return control_error_response(ControlError("amount must be a decimal", 400))
        webhook = await webhook_part(payment_id, bool(body.get("notify")))
        return JSONResponse({"refund": created, "webhook": webhook})

    async def refund_status(request: Request) -> Response:
        try:
            body = await read_control_json(request)
            refund = state.set_refund_status(request.path_params["id"], str(body.get("status")))
        except ControlError as exc:
            return control_error_response(exc)
        return JSONResponse({"refund": snapshot(refund)})

    async def notify(request: Request) -> Response:
        try:
            webhook = await webhook_part(request.path_params["id"], True)
        except ControlError as exc:
            return control_error_response(exc)
        return JSONResponse({"webhook": webhook})

    async def get_object(request: Request) -> Response:
        try:
            return JSONResponse(fake.get(request.path_params["id"]))
        except ControlError as exc:
            return control_error_response(exc)

    async def reject_key(request: Request) -> Response:
        fake.reject_key((await read_control_json(request))["api_key"])
        return JSONResponse({"ok": True})

    return [
        Route("/_test/payments/{id}/status", set_status, methods=["POST"]),
        Route("/_test/payments/{id}/cancelable", set_cancelable, methods=["POST"]),
        Route("/_test/payments/{id}/refunds", refund, methods=["POST"]),
        Route("/_test/payments/{id}/notify", notify, methods=["POST"]),
        Route("/_test/refunds/{id}/status", refund_status, methods=["POST"]),
        Route("/_test/objects/{id}", get_object),
        Route("/_test/keys/reject", reject_key, methods=["POST"]),
    ]
