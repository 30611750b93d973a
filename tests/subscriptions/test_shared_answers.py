"""An event reaching many subscribers is executed once for each document, variables and
credentials among them, and its JSON is made once; each still gets the whole, right answer."""

from __future__ import annotations

import json
from typing import Any

import pytest

from domain.events import CheckoutChanged
from graph.executor import CheckoutExecutor
from graph.subscriptions.shared_frames import SharedFrames
from tests.checkout.flow import ready_to_pay, stock_shop
from tests.subscriptions.clients import CHECKOUT_STATUS, LEGACY_WS, GraphQLSocket
from tests.subscriptions.conftest import Served

STATUS_ONLY = """subscription($token: ID!) { checkoutStatusChanged(token: $token) { status } }"""


@pytest.fixture
def executions(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The subscription events executed, each as the context it was executed for."""
    done: list[Any] = []
    ordinary = CheckoutExecutor.execute_field

    def counted(self: Any, parent_type: Any, source: Any, fields: Any, *rest: Any) -> Any:
        if fields[0].node.name.value == "checkoutStatusChanged":
            done.append(self.context_value)
        return ordinary(self, parent_type, source, fields, *rest)

    monkeypatch.setattr(CheckoutExecutor, "execute_field", counted)
    return done


async def test_one_execution_per_document_and_credentials(
    served: Served, executions: list[Any]
) -> None:
    await stock_shop(served.api)
    token = await ready_to_pay(served.api, [{"sku": "LENS", "quantity": 1}])
    url = served.server.ws_url
    keyed = {"X-Store-Key": served.keys.public_key}
    async with (
        GraphQLSocket.open(url, payload=keyed) as storefront,
        GraphQLSocket.open(url, LEGACY_WS, payload=keyed) as legacy,
        GraphQLSocket.open(url) as without_key,
    ):
        subscriptions = [(storefront, str(n), CHECKOUT_STATUS) for n in range(6)]
        subscriptions += [(legacy, "a", CHECKOUT_STATUS), (legacy, "b", STATUS_ONLY)]
        subscriptions += [(without_key, "c", CHECKOUT_STATUS)]
        for socket, operation, document in subscriptions:
            await socket.subscribe(operation, document, token=token)
            await socket.data(operation)

        executions.clear()
        await served.server.call(
            served.runtime.bus.publish([CheckoutChanged(served.keys.store_id, token)])
        )
        shown = [await socket.data(operation) for socket, operation, _ in subscriptions]

    whole = shown[0]["checkoutStatusChanged"]
    assert whole["token"] == token
    assert whole["status"] == "ACTIVE"
    assert all(answer == shown[0] for answer in shown[:7] + shown[8:])
    assert shown[7] == {"checkoutStatusChanged": {"status": "ACTIVE"}}
    # The whole document with the public key (7 subscribers on two protocols), the short one,
    # and the whole one without a key: three executions for nine subscribers.
    assert len(executions) == 3


def test_frames_with_the_same_data_encode_it_once() -> None:
    frames = SharedFrames()
    data = {"checkoutStatusChanged": {"status": "ACTIVE", "note": 'say "hi"'}}
    first = {"id": "1", "type": "next", "payload": {"data": data}}
    second = {"id": 'x"2', "type": "data", "payload": {"data": data}}
    for message in (first, second):
        assert json.loads(frames.encode(message)) == message
    other = {"checkoutStatusChanged": {"status": "COMPLETED"}}
    assert json.loads(frames.encode({**first, "payload": {"data": other}}))["payload"] == {
        "data": other
    }
    with_errors = {"id": "1", "type": "next", "payload": {"data": None, "errors": [{"m": 1}]}}
    assert json.loads(frames.encode(with_errors)) == with_errors
