"""`CHECKOUT_FLOW_PUBSUB_URL` picks the bus; messages between processes are small JSON."""

from __future__ import annotations

import json

import pytest

from domain.events import CheckoutChanged, OrderChanged
from graph.runtime import event_bus_for
from integrations.bus_messages import decode, encode
from integrations.in_process_bus import InProcessBus
from integrations.redis_bus import RedisBus
from persistence.notify_bus import NotifyBus, libpq_url


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("", InProcessBus),
        ("  ", InProcessBus),
        ("postgresql://postgres@db:5432/shop", NotifyBus),
        ("postgresql+psycopg://postgres@db:5432/shop", NotifyBus),
        ("postgres://postgres@db/shop", NotifyBus),
        ("redis://cache:6379/2", RedisBus),
        ("rediss://cache:6380/0", RedisBus),
    ],
)
async def test_the_url_picks_the_bus(url: str, kind: type) -> None:
    bus = event_bus_for(url)
    try:
        assert isinstance(bus, kind)
    finally:
        await bus.close()


def test_an_unknown_bus_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="CHECKOUT_FLOW_PUBSUB_URL"):
        event_bus_for("amqp://rabbit/")


def test_sqlalchemys_url_is_turned_into_libpqs() -> None:
    assert libpq_url("postgresql+psycopg://u:p@h:5432/d") == "postgresql://u:p@h:5432/d"
    assert libpq_url("postgres://u@h/d") == "postgresql://u@h/d"
    assert libpq_url("postgresql://u@h/d") == "postgresql://u@h/d"


def test_redis_channels_are_kept_apart_by_database_number() -> None:
    assert RedisBus("redis://cache:6379/2").channel == "checkout_flow.events.db2"
    assert RedisBus("redis://cache:6379").channel == "checkout_flow.events.db0"


@pytest.mark.parametrize(
    "event", [CheckoutChanged("st_1", "tok_1"), OrderChanged("st_1", "ord_1", "tok_1")]
)
def test_an_event_travels_as_small_json_and_back(event: CheckoutChanged | OrderChanged) -> None:
    message = encode(event)
    assert json.loads(message)["kind"] in ("checkout", "order")
    assert len(message) < 200
    assert decode(message) == event
    assert decode(message.encode()) == event


@pytest.mark.parametrize("garbage", ["", "not json", "[]", '{"kind": "refund"}', '{"kind": 1}'])
def test_a_message_not_understood_is_skipped(garbage: str) -> None:
    assert decode(garbage) is None
