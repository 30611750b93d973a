"""Rate limits per client IP and per store on the mutations that call a provider or send mail:
the call over the limit answers LIMIT_EXCEEDED with a retry hint and changes nothing; other
clients and stores go on; X-Forwarded-For counts only from a trusted proxy."""

from __future__ import annotations

from typing import Any

import pytest

from graph.mutations import Mutation
from graph.rate_limits import RateLimited, RateLimits
from tests.checkout.flow import mutate, new_checkout, ready_to_pay
from tests.checkout.flow import stock_shop as stocked
from tests.mcp.served import Tools, mcp_client, served
from tests.operations.conftest import ServeApp
from tests.snapshots import snapshot
from tests.support import Api, open_store

UNKNOWN_TOKEN = "no-such-token-aaaaaaaaaaaaaaaaaaaaaaaa"
ERRORS = "errors { code field message retryAfterSeconds }"
CANCEL_CODES = f"""mutation($token: ID!) {{ cancelCheckout(token: $token) {{ {ERRORS} }} }}"""
PAY = f"""mutation($token: ID!, $input: PaymentInput!) {{
  createPayment(token: $token, input: $input) {{ checkout {{ status }} {ERRORS} }} }}"""
LINES = [{"sku": "CASE", "quantity": 1}]
LIMITED = {
    "createPayment",
    "setPayment",
    "completeCheckout",
    "cancelCheckout",
    "cancelOrder",
    "setProviderCredentials",
}


async def cancel_code(api: Api, token: str = UNKNOWN_TOKEN, **options: Any) -> str:
    """The first error code of a cancelCheckout: NOT_FOUND when let through."""
    answer = await mutate(api, CANCEL_CODES, {"token": token}, **options)
    return answer["errors"][0]["code"]  # type: ignore[no-any-return]


def test_exactly_the_mutations_that_call_providers_or_send_mail_are_limited() -> None:
    definition = Mutation.__strawberry_definition__  # type: ignore[attr-defined]
    limited = {
        field.graphql_name or _camel(field.python_name)
        for field in definition.fields
        if any(isinstance(extension, RateLimited) for extension in field.extensions)
    }
    assert limited == LIMITED


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


async def test_the_call_over_the_limit_is_refused_and_stores_nothing(
    serve_app: ServeApp, database_url: str
) -> None:
    async with (
        serve_app(database_url, rate_limit_per_minute_ip=3) as served,
        served.api("198.51.100.1") as api,
        served.api("198.51.100.2") as neighbour,
    ):
        await stocked(api)
        tokens = [await ready_to_pay(api, LINES) for _ in range(4)]
        for token in tokens[:3]:
            paid = await mutate(api, PAY, {"token": token, "input": {"provider": "INVOICE"}})
            assert paid["errors"] == [], paid
        before = await snapshot(served.runtime.database)
        over = await mutate(api, PAY, {"token": tokens[3], "input": {"provider": "INVOICE"}})
        assert over["checkout"] is None
        assert over["errors"] == [
            {
                "code": "LIMIT_EXCEEDED",
                "field": None,
                "message": "too many calls; try again in 20 seconds",
                "retryAfterSeconds": 20,
            }
        ]
        assert await snapshot(served.runtime.database) == before
        # Another address has its own allowance.
        theirs = await mutate(
            neighbour, PAY, {"token": tokens[3], "input": {"provider": "INVOICE"}}
        )
        assert theirs["errors"] == [], theirs
        assert theirs["checkout"]["status"] == "COMPLETABLE"


async def test_a_store_has_an_allowance_of_its_own(serve_app: ServeApp, database_url: str) -> None:
    async with (
        serve_app(database_url, rate_limit_per_minute_store=2) as served,
        served.api("198.51.100.1") as api,
        served.api("198.51.100.2") as elsewhere,
    ):
        other = await open_store(served.runtime, "Other shop")
        assert await cancel_code(api) == "NOT_FOUND"
        assert await cancel_code(api) == "NOT_FOUND"
        assert await cancel_code(api) == "LIMIT_EXCEEDED"
        # From another address, the same store is still over its limit ...
        assert await cancel_code(elsewhere) == "LIMIT_EXCEEDED"
        # ... also when only the checkout's token says which store it is.
        await stocked(api)
        theirs = await new_checkout(api, LINES)
        assert await cancel_code(elsewhere, theirs["token"], key=None) == "LIMIT_EXCEEDED"
        # Another store is not.
        assert await cancel_code(api, key=other.public_key) == "NOT_FOUND"


async def test_x_forwarded_for_counts_from_a_trusted_proxy_only(
    serve_app: ServeApp, sqlite_url: str
) -> None:
    async with (
        serve_app(
            sqlite_url, rate_limit_per_minute_ip=1, trusted_proxies="10.0.0.1, 10.1.0.0/16"
        ) as served,
        served.api("10.0.0.1") as proxy,
        served.api("198.51.100.7") as stranger,
    ):

        async def via(client: Api, forwarded: str) -> str:
            return await cancel_code(client, key=None, headers={"X-Forwarded-For": forwarded})

        assert await via(proxy, "203.0.113.5") == "NOT_FOUND"
        assert await via(proxy, "203.0.113.5") == "LIMIT_EXCEEDED"
        assert await via(proxy, "203.0.113.6") == "NOT_FOUND"
        # What a client writes itself stands left of what our proxy appended.
        assert await via(proxy, "203.0.113.77, 203.0.113.5") == "LIMIT_EXCEEDED"
        # Through a chain of our proxies, the first address that is not one is the client.
        assert await via(proxy, "203.0.113.8, 10.1.2.3") == "NOT_FOUND"
        assert await via(proxy, "203.0.113.8") == "LIMIT_EXCEEDED"
        # From anyone else the header means nothing: it is the peer that is counted.
        assert await via(stranger, "203.0.113.50") == "NOT_FOUND"
        assert await via(stranger, "203.0.113.51") == "LIMIT_EXCEEDED"


async def test_the_mcp_tools_share_the_limits(serve_app: ServeApp, sqlite_url: str) -> None:
    async with (
        serve_app(sqlite_url, rate_limit_per_minute_ip=1) as app,
        served(app.app) as url,
        mcp_client(url, {"X-Store-Key": app.keys.public_key}) as session,
    ):
        tools = Tools(session)
        assert await tools.refused("cancel_checkout", token=UNKNOWN_TOKEN) == [
            ("NOT_FOUND", ["token"])
        ]
        result = await tools.call("complete_checkout", token=UNKNOWN_TOKEN)
        assert result.is_error
        (error,) = result.structured_content["errors"]
        assert error["code"] == "LIMIT_EXCEEDED"
        assert "60 seconds" in error["message"]


def test_a_bucket_refills_and_a_limit_of_0_is_off() -> None:
    now = [0.0]
    limits = RateLimits(per_minute_ip=2, per_minute_store=0, clock=lambda: now[0])
    assert limits.admit("a", "st_1") is None
    assert limits.admit("a", "st_1") is None
    refused = limits.admit("a", "st_1")
    assert refused is not None
    assert (refused.limit, refused.retry_after_seconds) == ("ip", 30)
    now[0] += 30
    assert limits.admit("a", "st_1") is None
    off = RateLimits(per_minute_ip=0, per_minute_store=0)
    assert all(off.admit("a", "st_1") is None for _ in range(1000))


def test_a_refused_call_costs_the_other_limit_nothing() -> None:
    limits = RateLimits(per_minute_ip=1, per_minute_store=2, clock=lambda: 0.0)
    assert limits.admit("a", "st_1") is None
    refused = limits.admit("a", "st_1")
    assert refused is not None
    assert refused.limit == "ip"
    # The store's second token is still there for another client.
    assert limits.admit("b", "st_1") is None
    assert limits.admit("c", "st_1") is not None


@pytest.mark.parametrize("peer", ["10.0.0.1", "2001:db8::1"])
def test_client_ip_normalises_what_it_returns(peer: str) -> None:
    from ipaddress import ip_network

    from graph.client_address import client_ip

    scope = {
        "client": (peer, 1),
        "headers": [(b"x-forwarded-for", b"2001:DB8:0:0::7, 203.0.113.9 ")],
    }
    trusted = (ip_network("10.0.0.0/8"), ip_network("2001:db8::1/128"))
    assert client_ip(scope, trusted) == "203.0.113.9"
    scope["headers"] = [(b"x-forwarded-for", b"2001:DB8:0:0::7")]
    assert client_ip(scope, trusted) == "2001:db8::7"
    assert client_ip(scope, ()) == peer
