"""Log lines: JSON in production, the console in development; one access line per request; every
line of a request with its request id, store, operation and token prefix — never a whole token
or a secret."""

from __future__ import annotations

import json

from tests.checkout.flow import CUSTOMER, ERRORS, mutate, new_checkout
from tests.operations.conftest import LogLines, ServeApp, ServeShop
from tests.payments.flow import LINES, RETURN_URL, post_stripe

PAY = f"""mutation PayNow($token: ID!, $input: PaymentInput!) {{
  createPayment(token: $token, input: $input) {{
    checkout {{ token status payment {{ externalId }} }} {ERRORS} }} }}"""
CUSTOMER_OF = f"""mutation($token: ID!, $input: CustomerInput!) {{
  setCustomer(token: $token, input: $input) {{ checkout {{ token }} {ERRORS} }} }}"""
COMPLETE = f"""mutation {{ completeCheckout(token: "TOKEN") {{ order {{ id }} {ERRORS} }} }}"""


async def test_request_lines_carry_the_facts_and_never_the_token(
    serve_shop: ServeShop, database_url: str, log_lines: LogLines
) -> None:
    async with serve_shop(database_url, env="production") as (_, shop):
        log_lines.attach()
        api = shop.api
        checkout = await new_checkout(api, LINES)
        token = checkout["token"]
        await mutate(api, CUSTOMER_OF, {"token": token, "input": CUSTOMER})
        paid = await api.post(
            PAY,
            {"token": token, "input": {"provider": "STRIPE", "returnUrl": RETURN_URL}},
            headers={"X-Store-Key": shop.api.keys.public_key},  # type: ignore[union-attr]
        )
        assert paid.json()["data"]["createPayment"]["errors"] == []
        session = paid.json()["data"]["createPayment"]["checkout"]
        events = shop.stripe.complete_checkout_session(session["payment"]["externalId"])
        answers = await post_stripe(shop, events)
        # Without a store key, by a token written into the document itself.
        completed = await api.call(COMPLETE.replace("TOKEN", token), key=None)
        assert completed["data"]["completeCheckout"]["order"] is not None, completed
    assert session["status"] == "PAYMENT_PENDING"

    lines = log_lines.json()  # production: every line is JSON
    access = [line for line in lines if line["event"] == "request"]
    # One access line per request, each with its own request id.
    sent = [paid.headers["x-request-id"], *(a.headers["x-request-id"] for a in answers)]
    for request_id in sent:
        assert [line["request_id"] for line in access].count(request_id) == 1

    pay_line = next(line for line in access if line["request_id"] == paid.headers["x-request-id"])
    assert (
        pay_line
        | {
            "level": "info",
            "method": "POST",
            "path": "/graphql",
            "status": 200,
            "operation": "PayNow",
            "root_fields": "createPayment",
            "store_id": shop.store_id,
            "token_prefix": token[:8],
        }
        == pay_line
    )
    assert isinstance(pay_line["duration_ms"], float)

    complete_line = next(line for line in access if line.get("root_fields") == "completeCheckout")
    # The store of a call without a key is the checkout's, learnt when it was loaded.
    assert complete_line["store_id"] == shop.store_id
    assert complete_line["token_prefix"] == token[:8]
    assert complete_line["operation"] == "completeCheckout"  # unnamed: its root fields

    # One line per webhook: provider, store, event type and result.
    webhooks = [line for line in lines if line["event"] == "webhook"]
    assert [line["request_id"] for line in webhooks] == [a.headers["x-request-id"] for a in answers]
    for line in webhooks:
        assert line["provider"] == "STRIPE"
        assert line["store_id"] == shop.store_id
    seen = {(line["event_type"], line["result"]) for line in webhooks}
    assert ("payment_intent.succeeded", "applied") in seen, webhooks

    for secret in (token, *shop.secrets):
        assert secret not in log_lines.text


async def test_development_logs_to_the_console(
    serve_app: ServeApp, sqlite_url: str, log_lines: LogLines
) -> None:
    async with serve_app(sqlite_url) as served, served.api() as api:
        log_lines.attach()
        await api.data("query Catalog { products(first: 1) { totalCount } }")
    line = next(line for line in log_lines.text.splitlines() if " request " in line)
    assert "operation=Catalog" in line
    assert "status=200" in line
    assert not line.startswith("{")


async def test_production_logs_to_the_console_when_asked(
    serve_app: ServeApp, sqlite_url: str, log_lines: LogLines
) -> None:
    async with serve_app(sqlite_url, env="production", log_format="console") as served:
        log_lines.attach()
        async with served.api() as api:
            await api.data("query { products(first: 1) { totalCount } }")
    assert log_lines.text
    for line in log_lines.text.splitlines():
        try:
            json.loads(line)
        except ValueError:
            continue
        raise AssertionError(f"a JSON line: {line}")
