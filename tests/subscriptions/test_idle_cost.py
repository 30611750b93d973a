"""What an open subscription holds while it waits, and that holding less changes nothing a
subscriber sees: after its first answer a subscription leaves Strawberry's per-operation
state behind (graph.subscriptions.lean); later answers, and a later failure, reach it as
before. And the WebSocket protocol's own inbox and write gate (graph.websocket_protocol)."""

from __future__ import annotations

import asyncio
import gc

import pytest
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.types.execution import ExecutionContext

from graph.errors import INTERNAL
from graph.subscriptions import fields
from graph.types.checkout import Checkout
from graph.websocket_protocol import Gate, Inbox, LeanWebSocketProtocol
from tests.checkout.flow import CREATE_PAYMENT, mutate, ready_to_pay, stock_shop
from tests.subscriptions.clients import CHECKOUT_STATUS, PROTOCOLS, GraphQLSocket
from tests.subscriptions.conftest import Served

LENSES = [{"sku": "LENS", "quantity": 1}]
PAY_BY_INVOICE = {"provider": "INVOICE"}


def operations_alive() -> int:
    """Strawberry's per-operation state alive in this process (server and tests)."""
    gc.collect()
    return sum(
        isinstance(thing, (ExecutionContext, SchemaExtensionsRunner)) for thing in gc.get_objects()
    )


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_an_answered_subscription_keeps_no_operation_state_while_it_waits(
    served: Served, protocol: str
) -> None:
    await stock_shop(served.api)
    token = await ready_to_pay(served.api, LENSES)
    before = operations_alive()
    async with GraphQLSocket.open(served.server.ws_url, protocol) as socket:
        for operation_id in ("1", "2", "3"):
            await socket.subscribe(operation_id, CHECKOUT_STATUS, token=token)
            assert (await socket.data(operation_id))["checkoutStatusChanged"]["status"] == "ACTIVE"
        await asyncio.sleep(0.05)  # the hand-over happens as each waits for its next event
        assert operations_alive() <= before

        await mutate(served.api, CREATE_PAYMENT, {"token": token, "input": PAY_BY_INVOICE})
        for operation_id in ("1", "2", "3"):
            changed = (await socket.data(operation_id))["checkoutStatusChanged"]
            assert changed["status"] == "COMPLETABLE"
        assert operations_alive() <= before


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_failure_after_the_first_answer_is_masked_and_ends_the_subscription(
    served: Served, protocol: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await stock_shop(served.api)
    token = await ready_to_pay(served.api, LENSES)
    async with GraphQLSocket.open(served.server.ws_url, protocol) as socket:
        await socket.subscribe("1", CHECKOUT_STATUS, token=token)
        assert (await socket.data("1"))["checkoutStatusChanged"]["status"] == "ACTIVE"
        await asyncio.sleep(0.05)

        class Unpresentable:
            @staticmethod
            def from_domain(*_: object) -> Checkout:
                raise RuntimeError("presenting failed: secret detail")

        # What the subscription presents its readings with; the mutation keeps its own.
        monkeypatch.setattr(fields, "Checkout", Unpresentable)
        await mutate(served.api, CREATE_PAYMENT, {"token": token, "input": PAY_BY_INVOICE})

        failed = await socket.message("1")
        assert failed["type"] in ("next", "data"), failed
        [error] = failed["payload"]["errors"]
        assert error["message"] == "Internal server error"
        assert error["extensions"]["code"] == INTERNAL
        assert "secret detail" not in str(failed)
        assert (await socket.message("1"))["type"] == "complete"
    await until_no_watches(served)


async def until_no_watches(served: Served) -> None:
    for _ in range(500):
        if served.hub.watch_count == 0:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{served.hub.watch_count} watches left open")


async def test_a_served_websocket_keeps_the_lean_inbox_and_gate_and_not_its_handshake(
    served: Served,
) -> None:
    # Guards the subclass against a uvicorn that renames what it replaces.
    async with GraphQLSocket.open(served.server.ws_url):
        gc.collect()
        [protocol] = [
            p
            for p in gc.get_objects()
            if isinstance(p, LeanWebSocketProtocol) and not p.disconnected
        ]
        assert isinstance(protocol.queue, Inbox)
        assert isinstance(protocol.writable, Gate)
        assert protocol.handshake_complete
        assert (protocol.request, protocol.response) == (None, None)


async def test_the_inbox_hands_messages_over_in_order_to_whoever_waits() -> None:
    inbox = Inbox()
    waiting = asyncio.ensure_future(inbox.get())
    await asyncio.sleep(0)
    assert not waiting.done()
    inbox.put_nowait("first")
    inbox.put_nowait("second")
    assert await waiting == "first"
    assert (inbox.qsize(), inbox.empty()) == (1, False)
    assert await inbox.get() == "second"
    assert inbox.empty()


async def test_a_reader_given_up_on_loses_no_message() -> None:
    inbox = Inbox()
    abandoned = asyncio.ensure_future(inbox.get())
    await asyncio.sleep(0)
    abandoned.cancel()
    await asyncio.sleep(0)
    inbox.put_nowait("kept")
    assert await asyncio.wait_for(inbox.get(), 1) == "kept"


async def test_the_gate_holds_writers_while_the_transport_is_full() -> None:
    gate = Gate()
    assert await gate.wait() is True
    gate.clear()
    writers = [asyncio.ensure_future(gate.wait()) for _ in range(2)]
    await asyncio.sleep(0)
    assert not any(writer.done() for writer in writers)
    gate.set()
    assert await asyncio.gather(*writers) == [True, True]
    assert gate.is_set()
