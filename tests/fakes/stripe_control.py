"""The Stripe fake's non-Stripe pages: the hosted checkout page a shopper would see, and the
`/_test` routes through which a test makes things happen (the same as `StripeFake`'s methods)."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.fakes.control import ControlError, control_error_response, read_control_json
from tests.fakes.stripe_events import sign_event

if TYPE_CHECKING:
    from tests.fakes.stripe_fake import StripeFake

__all__ = ["control_routes", "page_routes"]

Event = dict[str, Any]


# -- hosted payment page -------------------------------------------------------------------


def page_routes(fake: StripeFake) -> list[Route]:
    async def show(request: Request) -> Response:
        session_id = request.path_params["id"]
        try:
            session = fake.get(session_id)
        except ControlError:
            return HTMLResponse("<h1>Something went wrong</h1>", 404)
        amount = f"{session['amount_total']} {session['currency'].upper()} (minor units)"
        body = (
            f"<h1>Fake Stripe Checkout</h1><p>{html.escape(session_id)}</p>"
            f"<p>Status: {html.escape(str(session['status']))}. Total: {amount}</p>"
            f'<form method="post" action="/_pay/stripe/{session_id}/pay">'
            "<button>Pay</button></form>"
            f'<form method="post" action="/_pay/stripe/{session_id}/cancel">'
            "<button>Back</button></form>"
        )
        return HTMLResponse(body)

    async def pay(request: Request) -> Response:
        session_id = request.path_params["id"]
        try:
            events = fake.outcomes.complete_checkout_session(session_id)
        except ControlError as exc:
            return HTMLResponse(f"<h1>{html.escape(str(exc))}</h1>", exc.status)
        await fake.deliver_async(events)
        success = fake.get(session_id)["success_url"]
        if not success:
            return HTMLResponse("<h1>Paid</h1>")
        return RedirectResponse(success.replace("{CHECKOUT_SESSION_ID}", session_id), 303)

    async def back(request: Request) -> Response:
        try:
            cancel = fake.get(request.path_params["id"])["cancel_url"]
        except ControlError:
            return HTMLResponse("<h1>Something went wrong</h1>", 404)
        # Stripe leaves the session open: the shopper may still come back and pay.
        return RedirectResponse(cancel, 303) if cancel else HTMLResponse("<h1>Canceled</h1>")

    return [
        Route("/_pay/stripe/{id}", show),
        Route("/_pay/stripe/{id}/pay", pay, methods=["POST"]),
        Route("/_pay/stripe/{id}/cancel", back, methods=["POST"]),
    ]


# -- test control --------------------------------------------------------------------------


def control_routes(fake: StripeFake) -> list[Route]:
    def outcome(run: Callable[[str, dict[str, Any]], list[Event]]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            try:
                body = await read_control_json(request)
                events = run(request.path_params.get("id", ""), body)
            except ControlError as exc:
                return control_error_response(exc)
            await fake.deliver_async(events)
            result: dict[str, Any] = {"events": events}
            sign = body.get("sign")
            if sign:
                signed = [sign_event(e, sign["secret"], sign.get("timestamp")) for e in events]
                result["signed"] = [
                    {"type": s.type, "payload": s.payload.decode(), "headers": s.headers}
                    for s in signed
                ]
            deliver = body.get("deliver")
            if deliver:
                deliveries = []
                for event in events:
                    signed_event = sign_event(event, deliver["secret"])
                    done = await fake.deliveries.send_async(signed_event.call(deliver["url"]))
                    deliveries.append(
                        {"type": event["type"], "status": done.status, "error": done.error}
                    )
                result["deliveries"] = deliveries
            return JSONResponse(result)

        return endpoint

    outcomes = fake.outcomes

    async def sign(request: Request) -> Response:
        try:
            body = await read_control_json(request)
            event = fake.get(request.path_params["id"])
            signed = sign_event(event, body["secret"], body.get("timestamp"))
        except ControlError as exc:
            return control_error_response(exc)
        except KeyError:
            return control_error_response(ControlError("secret is required", 400))
        return JSONResponse(
            {"type": signed.type, "payload": signed.payload.decode(), "headers": signed.headers}
        )

    async def webhooks(request: Request) -> Response:
        body = await read_control_json(request)
        fake.register_webhook(body["url"], body["secret"], api_key=body.get("api_key"))
        return JSONResponse({"ok": True})

    async def events(request: Request) -> Response:
        query = request.query_params
        found = fake.events(api_key=query.get("api_key"), type=query.get("type"))
        return JSONResponse({"events": found})

    async def get_object(request: Request) -> Response:
        try:
            return JSONResponse(fake.get(request.path_params["id"]))
        except ControlError as exc:
            return control_error_response(exc)

    async def reject_key(request: Request) -> Response:
        fake.reject_key((await read_control_json(request))["api_key"])
        return JSONResponse({"ok": True})

    def refund(_: str, body: dict[str, Any]) -> list[Event]:
        amount = body.get("amount")
        return outcomes.refund(str(body.get("id", "")), None if amount is None else int(amount))

    return [
        Route(
            "/_test/checkout/sessions/{id}/complete",
            outcome(lambda i, b: outcomes.complete_checkout_session(i, email=b.get("email"))),
            methods=["POST"],
        ),
        Route(
            "/_test/checkout/sessions/{id}/expire",
            outcome(lambda i, b: outcomes.expire_checkout_session(i)),
            methods=["POST"],
        ),
        Route(
            "/_test/payment_intents/{id}/succeed",
            outcome(lambda i, b: outcomes.succeed_payment_intent(i)),
            methods=["POST"],
        ),
        Route(
            "/_test/payment_intents/{id}/fail",
            outcome(
                lambda i, b: outcomes.fail_payment_intent(
                    i,
                    code=b.get("code"),
                    decline_code=b.get("decline_code"),
                    message=b.get("message"),
                )
            ),
            methods=["POST"],
        ),
        Route(
            "/_test/payment_intents/{id}/cancel",
            outcome(lambda i, b: outcomes.cancel_payment_intent(i, b.get("reason"))),
            methods=["POST"],
        ),
        Route("/_test/refunds", outcome(refund), methods=["POST"]),
        Route("/_test/events", events),
        Route("/_test/events/{id}/sign", sign, methods=["POST"]),
        Route("/_test/objects/{id}", get_object),
        Route("/_test/webhooks", webhooks, methods=["POST"]),
        Route("/_test/keys/reject", reject_key, methods=["POST"]),
    ]
