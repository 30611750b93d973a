"""Subscriptions in one process, over a real WebSocket: what a subscriber sees, who may
subscribe, one read per event however many watch, expiry, and the end at shutdown."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from typing import Any

import pytest
import websockets

from domain.events import CheckoutChanged
from domain.ports import BusResumed
from graph.worker import Worker
from integrations.in_process_bus import InProcessBus
from tests.checkout.flow import (
    CANCEL,
    COMPLETE,
    CREATE_PAYMENT,
    invoiced,
    mutate,
    ready_to_pay,
    stock_shop,
)
from tests.subscriptions.clients import (
    CHECKOUT_STATUS,
    LEGACY_WS,
    ORDER_STATUS,
    PROTOCOLS,
    TRANSPORT_WS,
    GraphQLSocket,
)
from tests.subscriptions.conftest import Served
from tests.support import counted_statements

UPDATE_ORDER = """mutation($id: ID!, $status: OrderStatus!) { updateOrderStatus(id: $id, status: $status) { errors { code } } }"""
LENSES = [{"sku": "LENS", "quantity": 1}]


def public(served: Served) -> dict[str, str]:
    return {"X-Store-Key": served.keys.public_key}


def secret(served: Served) -> dict[str, str]:
    return {"Authorization": f"Bearer {served.keys.secret_key}"}


async def ordered(served: Served) -> tuple[str, str]:
    """A completed invoice checkout: its token and its order's id."""
    token = await invoiced(served.api, LENSES)
    done = await mutate(served.api, COMPLETE, {"token": token})
    assert done["errors"] == [], done
    return token, done["order"]["id"]


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_subscriber_sees_the_checkout_now_and_after_each_change(
    served: Served, protocol: str
) -> None:
    await stock_shop(served.api)
    token = await ready_to_pay(served.api, LENSES)
    async with GraphQLSocket.open(served.server.ws_url, protocol, public(served)) as socket:
        await socket.subscribe("1", CHECKOUT_STATUS, token=token)
        now = (await socket.data("1"))["checkoutStatusChanged"]
        assert (now["token"], now["status"], now["payment"]) == (token, "ACTIVE", None)

        await mutate(served.api, CREATE_PAYMENT, {"token": token, "input": {"provider": "INVOICE"}})
        paying = (await socket.data("1"))["checkoutStatusChanged"]
        assert paying["status"] == "COMPLETABLE"
        assert paying["payment"] == {"provider": "INVOICE", "status": "PENDING"}

        done = await mutate(served.api, COMPLETE, {"token": token})
        completed = (await socket.data("1"))["checkoutStatusChanged"]
        assert completed["status"] == "COMPLETED"
        assert completed["order"] == {
            "id": done["order"]["id"],
            "number": done["order"]["number"],
            "status": "PENDING",
        }


async def test_a_cancelled_checkout_reaches_its_subscriber_without_a_key(served: Served) -> None:
    await stock_shop(served.api)
    token = await invoiced(served.api, LENSES)
    async with GraphQLSocket.open(served.server.ws_url) as socket:  # the token is enough
        await socket.subscribe("c", CHECKOUT_STATUS, token=token)
        assert (await socket.data("c"))["checkoutStatusChanged"]["status"] == "COMPLETABLE"
        await mutate(served.api, CANCEL, {"token": token})
        assert (await socket.data("c"))["checkoutStatusChanged"]["status"] == "CANCELLED"


async def test_the_worker_expiring_a_checkout_reaches_its_subscriber(served: Served) -> None:
    await stock_shop(served.api)
    token = await ready_to_pay(served.api, LENSES)
    async with GraphQLSocket.open(served.server.ws_url) as socket:
        await socket.subscribe("1", CHECKOUT_STATUS, token=token)
        assert (await socket.data("1"))["checkoutStatusChanged"]["status"] == "ACTIVE"

        served.api.clock.advance(hours=2)
        report = await served.server.call(Worker(served.runtime).run_once())
        assert report[1].checkouts == 1
        assert (await socket.data("1"))["checkoutStatusChanged"]["status"] == "EXPIRED"


async def test_when_the_bus_is_back_every_subscriber_gets_the_state_now(served: Served) -> None:
    await stock_shop(served.api)
    token = await ready_to_pay(served.api, LENSES)
    async with GraphQLSocket.open(served.server.ws_url) as socket:
        await socket.subscribe("1", CHECKOUT_STATUS, token=token)
        assert (await socket.data("1"))["checkoutStatusChanged"]["status"] == "ACTIVE"

        # A change whose event was lost, as while the bus's connection was down.
        url = served.runtime.settings.database_url
        with sqlite3.connect(url.removeprefix("sqlite+aiosqlite:///")) as database:
            database.execute("UPDATE checkouts SET status = 'CANCELLED' WHERE token = ?", (token,))
        await socket.nothing_for("1", 0.2)

        bus = served.runtime.bus
        assert isinstance(bus, InProcessBus)
        served.server.loop.call_soon_threadsafe(bus.deliver, BusResumed())  # type: ignore[union-attr]
        assert (await socket.data("1"))["checkoutStatusChanged"]["status"] == "CANCELLED"


@pytest.mark.parametrize(
    "payload",
    [
        {"x-store-key": "pk_nothing_opens_with_this"},
        {"AUTHORIZATION": "Bearer sk_nothing_opens_with_this"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"headers": {"X-Store-Key": "not a key"}},
    ],
)
async def test_a_wrong_credential_closes_the_transport_ws_connection_with_4403(
    served: Served, payload: dict[str, Any]
) -> None:
    async with websockets.connect(served.server.ws_url, subprotocols=[TRANSPORT_WS]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4403, "Forbidden")


async def test_a_wrong_credential_gets_connection_error_on_graphql_ws(served: Served) -> None:
    async with websockets.connect(served.server.ws_url, subprotocols=[LEGACY_WS]) as ws:  # type: ignore[list-item]
        payload = {"Authorization": "Bearer sk_nothing_opens_with_this"}
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        refusal = json.loads(await asyncio.wait_for(ws.recv(), 5))
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 5)
    assert refusal["type"] == "connection_error"
    assert refusal["payload"]["extensions"] == {"code": "UNAUTHENTICATED"}


@pytest.mark.parametrize(
    "payload",
    [
        lambda keys: {"x-store-key": keys.public_key},
        lambda keys: {"authorization": f"bearer {keys.secret_key}"},
        lambda keys: {"headers": {"X-Store-Key": keys.public_key}},
    ],
)
async def test_credentials_are_read_like_http_headers(served: Served, payload: Any) -> None:
    await stock_shop(served.api)
    token = await ready_to_pay(served.api, LENSES)
    async with GraphQLSocket.open(served.server.ws_url, payload=payload(served.keys)) as socket:
        await socket.subscribe("1", CHECKOUT_STATUS, token=token)
        assert (await socket.data("1"))["checkoutStatusChanged"]["token"] == token


async def test_another_stores_checkout_is_not_found(served: Served) -> None:
    await stock_shop(served.api)
    token = await ready_to_pay(served.api, LENSES)
    other = {"X-Store-Key": served.other.public_key}
    async with GraphQLSocket.open(served.server.ws_url, payload=other) as socket:
        await socket.subscribe("1", CHECKOUT_STATUS, token=token)
        assert (await socket.error("1"))["extensions"] == {"code": "NOT_FOUND"}
        await socket.subscribe("2", CHECKOUT_STATUS, token="no-such-token")
        assert (await socket.error("2"))["extensions"] == {"code": "NOT_FOUND"}


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_the_shop_follows_an_order_with_its_secret_key(served: Served, protocol: str) -> None:
    await stock_shop(served.api)
    token, order_id = await ordered(served)
    async with GraphQLSocket.open(served.server.ws_url, protocol, secret(served)) as socket:
        await socket.subscribe("o", ORDER_STATUS, id=order_id)
        now = (await socket.data("o"))["orderStatusChanged"]
        assert (now["id"], now["status"], now["checkoutToken"]) == (order_id, "PENDING", token)

        changed = await served.api.data(
            UPDATE_ORDER, {"id": order_id, "status": "PROCESSING"}, key="secret"
        )
        assert changed["updateOrderStatus"]["errors"] == []
        assert (await socket.data("o"))["orderStatusChanged"]["status"] == "PROCESSING"


async def test_the_shopper_follows_the_order_with_the_checkout_token(served: Served) -> None:
    await stock_shop(served.api)
    token, order_id = await ordered(served)
    async with GraphQLSocket.open(served.server.ws_url) as socket:
        await socket.subscribe("o", ORDER_STATUS, id=order_id, token=token)
        assert (await socket.data("o"))["orderStatusChanged"]["status"] == "PENDING"
        await served.api.data(UPDATE_ORDER, {"id": order_id, "status": "PROCESSING"}, key="secret")
        assert (await socket.data("o"))["orderStatusChanged"]["status"] == "PROCESSING"


async def test_who_may_not_follow_an_order(served: Served) -> None:
    await stock_shop(served.api)
    token, order_id = await ordered(served)
    _other_token, other_order = await ordered(served)
    url = served.server.ws_url
    async with GraphQLSocket.open(url) as anonymous:
        await anonymous.subscribe("1", ORDER_STATUS, id=order_id)
        assert (await anonymous.error("1"))["extensions"]["code"] == "UNAUTHENTICATED"
        await anonymous.subscribe("2", ORDER_STATUS, id=other_order, token=token)
        assert (await anonymous.error("2"))["extensions"] == {"code": "NOT_FOUND"}
    async with GraphQLSocket.open(url, payload=public(served)) as shopper:
        await shopper.subscribe("1", ORDER_STATUS, id=order_id)
        assert (await shopper.error("1"))["extensions"]["code"] == "FORBIDDEN"
    stranger = {"Authorization": f"Bearer {served.other.secret_key}"}
    async with GraphQLSocket.open(url, payload=stranger) as other_shop:
        await other_shop.subscribe("1", ORDER_STATUS, id=order_id)
        assert (await other_shop.error("1"))["extensions"] == {"code": "NOT_FOUND"}
        await other_shop.subscribe("2", ORDER_STATUS, id=order_id, token=token)
        assert (await other_shop.error("2"))["extensions"] == {"code": "NOT_FOUND"}


async def test_one_read_per_event_however_many_subscribers(served: Served) -> None:
    await stock_shop(served.api)
    token, _order_id = await ordered(served)  # completed: the read takes its order along
    event = CheckoutChanged(served.keys.store_id, token)

    async def statements_for_one_event(subscribers: int) -> int:
        async with GraphQLSocket.open(served.server.ws_url) as socket:
            for n in range(subscribers):
                await socket.subscribe(str(n), CHECKOUT_STATUS, token=token)
            for n in range(subscribers):
                await socket.data(str(n))
            reads_before = served.hub.reads
            with counted_statements(served.runtime.database) as log:
                await served.server.call(served.runtime.bus.publish([event]))
                for n in range(subscribers):
                    shown = (await socket.data(str(n)))["checkoutStatusChanged"]
                    assert shown["order"] is not None
            assert served.hub.reads == reads_before + 1
            return log.count

    one = await statements_for_one_event(1)
    many = await statements_for_one_event(8)
    assert one == many <= 4  # the checkout and its lines, the order and its lines


async def test_at_shutdown_every_subscription_completes(served: Served) -> None:
    await stock_shop(served.api)
    token = await ready_to_pay(served.api, LENSES)
    url = served.server.ws_url
    async with (
        GraphQLSocket.open(url, TRANSPORT_WS) as modern,
        GraphQLSocket.open(url, LEGACY_WS) as legacy,
    ):
        for socket in (modern, legacy):
            await socket.subscribe("1", CHECKOUT_STATUS, token=token)
            await socket.data("1")
        await served.server.call(served.hub.end_subscriptions())
        for socket in (modern, legacy):
            assert (await socket.message("1"))["type"] == "complete"
        assert served.hub.watch_count == 0

        await modern.subscribe("2", CHECKOUT_STATUS, token=token)
        assert (await modern.error("2"))["extensions"] == {"code": "UNAVAILABLE"}


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_stopped_or_dropped_subscription_lets_go(served: Served, protocol: str) -> None:
    await stock_shop(served.api)
    token = await ready_to_pay(served.api, LENSES)
    async with GraphQLSocket.open(served.server.ws_url, protocol) as socket:
        await socket.subscribe("1", CHECKOUT_STATUS, token=token)
        await socket.subscribe("2", CHECKOUT_STATUS, token=token)
        await socket.data("1")
        await socket.data("2")
        assert served.hub.watch_count == 2
        await socket.stop("1")
        await until(lambda: served.hub.watch_count == 1)
    await until(lambda: served.hub.watch_count == 0)


async def test_queries_over_a_websocket_read_afresh(served: Served) -> None:
    await stock_shop(served.api)
    token = await ready_to_pay(served.api, LENSES)
    query = "query($token: ID!) { checkout(token: $token) { status } }"
    async with GraphQLSocket.open(served.server.ws_url) as socket:
        await socket.subscribe("q1", query, token=token)
        assert (await socket.data("q1"))["checkout"]["status"] == "ACTIVE"
        await mutate(served.api, CREATE_PAYMENT, {"token": token, "input": {"provider": "INVOICE"}})
        await socket.subscribe("q2", query, token=token)
        assert (await socket.data("q2"))["checkout"]["status"] == "COMPLETABLE"


async def until(condition: Any, within: float = 5.0) -> None:
    for _ in range(int(within / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")
