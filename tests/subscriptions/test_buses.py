"""The buses between processes, against the real servers: what one publishes, another hears;
a listening connection that is cut comes back and says so."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from domain.events import CheckoutChanged, OrderChanged
from domain.ports import BusResumed
from integrations import remote_bus
from integrations.redis_bus import RedisBus
from integrations.remote_bus import RemoteBus
from persistence.notify_bus import NotifyBus
from tests.subscriptions.bus_faults import Role, kill_postgres_bus, kill_redis_bus
from tests.support import POSTGRES_URL, REDIS_URL

BUSES = [
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(
            not POSTGRES_URL, reason="CHECKOUT_FLOW_TEST_DATABASE_URL is not set"
        ),
    ),
    pytest.param(
        "redis",
        marks=pytest.mark.skipif(not REDIS_URL, reason="CHECKOUT_FLOW_TEST_REDIS_URL is not set"),
    ),
]


def new_bus(kind: str) -> RemoteBus:
    return NotifyBus(POSTGRES_URL) if kind == "postgresql" else RedisBus(REDIS_URL)


def killer(kind: str, role: Role = "listen") -> Callable[[], Awaitable[int]]:
    if kind == "postgresql":
        return lambda: kill_postgres_bus(POSTGRES_URL, role)
    return lambda: kill_redis_bus(REDIS_URL, role)


@pytest.fixture(params=BUSES)
async def buses(request: pytest.FixtureRequest) -> AsyncIterator[tuple[RemoteBus, RemoteBus]]:
    """Two buses on one server, as two processes would have."""
    first, second = new_bus(request.param), new_bus(request.param)
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()


async def next_signal(listener: AsyncIterator[object], within: float = 5.0) -> object:
    async with asyncio.timeout(within):
        return await anext(listener)


async def test_what_one_process_publishes_every_process_hears(
    buses: tuple[RemoteBus, RemoteBus],
) -> None:
    here, there = buses
    listener = here.listen()
    own = there.listen()
    assert await next_signal(listener) == BusResumed()  # listening from here on
    assert await next_signal(own) == BusResumed()

    events = [CheckoutChanged("st_1", "tok_1"), OrderChanged("st_1", "ord_1", "tok_1")]
    await there.publish(events)

    assert [await next_signal(listener), await next_signal(listener)] == events
    # The publishing process hears its own events through the server too.
    assert [await next_signal(own), await next_signal(own)] == events


@pytest.mark.parametrize("kind", BUSES)
async def test_a_cut_listening_connection_comes_back_and_says_so(kind: str) -> None:
    bus, publisher = new_bus(kind), new_bus(kind)
    try:
        listener = bus.listen()
        assert await next_signal(listener) == BusResumed()

        assert await killer(kind)() >= 1
        # Events published while it was gone may be lost; that it is back is what it says.
        assert await next_signal(listener) == BusResumed()
        assert bus.connections == 2

        await publisher.publish([CheckoutChanged("st_1", "tok_after")])
        assert await next_signal(listener) == CheckoutChanged("st_1", "tok_after")
    finally:
        await bus.close()
        await publisher.close()


@pytest.mark.parametrize("kind", BUSES)
async def test_a_publish_after_its_connection_died_goes_out_on_a_new_one(kind: str) -> None:
    bus = new_bus(kind)
    try:
        listener = bus.listen()
        assert await next_signal(listener) == BusResumed()
        await bus.publish([CheckoutChanged("st_1", "tok_1")])
        assert await next_signal(listener) == CheckoutChanged("st_1", "tok_1")

        assert await killer(kind, "publish")() >= 1
        await bus.publish([CheckoutChanged("st_1", "tok_2")])
        assert await next_signal(listener) == CheckoutChanged("st_1", "tok_2")
    finally:
        await bus.close()


async def test_closing_ends_the_listeners() -> None:
    if not REDIS_URL:
        pytest.skip("CHECKOUT_FLOW_TEST_REDIS_URL is not set")
    bus = RedisBus(REDIS_URL)
    listener = bus.listen()
    assert await next_signal(listener) == BusResumed()
    await bus.close()
    with pytest.raises(StopAsyncIteration):
        await next_signal(listener)


async def test_a_bus_that_cannot_be_reached_does_not_hold_up_the_publisher(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(remote_bus, "FLUSH_SECONDS", 0.2)
    with socket.socket() as closed_port:
        closed_port.bind(("127.0.0.1", 0))
        nowhere = f"redis://127.0.0.1:{closed_port.getsockname()[1]}/6"
    bus = RedisBus(nowhere)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await bus.publish([CheckoutChanged("st_1", "tok_1")])  # the mutation's request goes on
    assert loop.time() - started < 0.1
    await bus.close()  # gives up on what it could not send, after a moment
    assert loop.time() - started < 2
