"""Several processes on one PostgreSQL database behave as one service: real `checkout-flow
serve` and `checkout-flow worker` processes on loopback ports, real WebSocket clients."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from domain.store import IssuedKeys
from persistence.notify_bus import libpq_url
from tests.checkout.flow import COMPLETE, CREATE_PAYMENT, invoiced, mutate, ready_to_pay, stock_shop
from tests.processes import (
    Process,
    create_store,
    environment,
    run_command,
    serve,
    worker,
)
from tests.subscriptions.bus_faults import kill_postgres_bus, kill_redis_bus
from tests.subscriptions.clients import (
    CHECKOUT_STATUS,
    LEGACY_WS,
    ORDER_STATUS,
    TRANSPORT_WS,
    GraphQLSocket,
)
from tests.support import POSTGRES_URL, REDIS_URL, Api, empty_postgres

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_URL, reason="CHECKOUT_FLOW_TEST_DATABASE_URL is not set"),
]

UPDATE_ORDER = """mutation($id: ID!, $status: OrderStatus!) { updateOrderStatus(id: $id, status: $status) { errors { code } } }"""
GIFT_CARD = [{"sku": "CARD", "quantity": 1}]  # untracked stock: any number of orders
BUSES = [
    pytest.param("postgresql", id="postgresql"),
    pytest.param(
        "redis",
        id="redis",
        marks=pytest.mark.skipif(not REDIS_URL, reason="CHECKOUT_FLOW_TEST_REDIS_URL is not set"),
    ),
]


@dataclass
class Cluster:
    servers: dict[str, tuple[Process, Process]]  # by bus: a subscriber's and another
    workers: list[Process]
    many: Process  # `serve --workers 2`, which a test stops with SIGTERM
    keys: IssuedKeys
    mail_dir: Path


@pytest.fixture(scope="module")
def cluster(postgres_ready: bool, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Every process starts at once (each takes a couple of seconds to import) and is
    stopped, or killed, at the end, whatever happened."""
    base = tmp_path_factory.mktemp("processes")
    mail = base / "mail"
    plain = environment(POSTGRES_URL, "", mail)
    run_command(["migrate"], plain, base)
    # What earlier tests left (undelivered outbox rows above all) is not this cluster's work.
    asyncio.run(empty_postgres(POSTGRES_URL))
    # Both spellings of the PostgreSQL URL are taken for the bus.
    on_postgres = environment(POSTGRES_URL, libpq_url(POSTGRES_URL), mail)
    on_postgres_too = environment(POSTGRES_URL, POSTGRES_URL, mail)
    started: list[Process] = []
    try:
        servers = {
            "postgresql": (serve("pg-a", on_postgres, base), serve("pg-b", on_postgres_too, base))
        }
        started += servers["postgresql"]
        if REDIS_URL:
            on_redis = environment(POSTGRES_URL, REDIS_URL, mail)
            servers["redis"] = (serve("redis-a", on_redis, base), serve("redis-b", on_redis, base))
            started += servers["redis"]
        workers = [worker(f"worker-{n}", on_postgres, base) for n in (1, 2, 3)]
        started += workers
        # No bus named: `--workers` makes its workers share the database's LISTEN/NOTIFY.
        many = serve("many", plain, base, "--workers", "2")
        started.append(many)
        keys = create_store(plain, base)  # while they start

        async def all_ready() -> None:
            await asyncio.gather(*(p.ready(within=90) for p in started if p.port is not None))

        asyncio.run(all_ready())
        for process in workers:
            assert process.running, process.log.read_text()
        yield Cluster(servers, workers, many, keys, mail)
    finally:
        for process in started:
            process.terminate()
        for process in started:
            process.stop()


@asynccontextmanager
async def api_of(process: Process, keys: IssuedKeys) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(base_url=process.url, timeout=10) as client:
        yield Api(client, None, None, keys)  # type: ignore[arg-type]


@asynccontextmanager
async def database() -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    async with await psycopg.AsyncConnection.connect(
        libpq_url(POSTGRES_URL), autocommit=True
    ) as connection:
        yield connection


@pytest.mark.parametrize("bus", BUSES)
async def test_a_change_through_one_process_reaches_subscribers_on_another(
    cluster: Cluster, bus: str
) -> None:
    here, there = cluster.servers[bus]
    shopper = {"X-Store-Key": cluster.keys.public_key}
    shop = {"Authorization": f"Bearer {cluster.keys.secret_key}"}
    async with (
        api_of(there, cluster.keys) as api,
        GraphQLSocket.open(here.ws_url, TRANSPORT_WS, shopper) as modern,
        GraphQLSocket.open(here.ws_url, LEGACY_WS, shop) as legacy,
    ):
        await stock_shop(api)
        token = await ready_to_pay(api, GIFT_CARD)
        for socket in (modern, legacy):
            await socket.subscribe("checkout", CHECKOUT_STATUS, token=token)
            assert (await socket.data("checkout"))["checkoutStatusChanged"]["status"] == "ACTIVE"

        await mutate(api, CREATE_PAYMENT, {"token": token, "input": {"provider": "INVOICE"}})
        for socket in (modern, legacy):
            shown = (await socket.data("checkout"))["checkoutStatusChanged"]
            assert shown["status"] == "COMPLETABLE"

        done = await mutate(api, COMPLETE, {"token": token})
        order_id = done["order"]["id"]
        for socket in (modern, legacy):
            shown = (await socket.data("checkout"))["checkoutStatusChanged"]
            assert (shown["status"], shown["order"]["id"]) == ("COMPLETED", order_id)

        await legacy.subscribe("order", ORDER_STATUS, id=order_id)
        assert (await legacy.data("order"))["orderStatusChanged"]["status"] == "PENDING"
        await api.data(UPDATE_ORDER, {"id": order_id, "status": "PROCESSING"}, key="secret")
        assert (await legacy.data("order"))["orderStatusChanged"]["status"] == "PROCESSING"


@pytest.mark.parametrize("bus", BUSES)
async def test_a_cut_bus_connection_loses_no_change(cluster: Cluster, bus: str) -> None:
    here, there = cluster.servers[bus]
    async with api_of(there, cluster.keys) as api, GraphQLSocket.open(here.ws_url) as socket:
        await stock_shop(api)
        token = await ready_to_pay(api, GIFT_CARD)
        await socket.subscribe("1", CHECKOUT_STATUS, token=token)
        assert (await socket.data("1"))["checkoutStatusChanged"]["status"] == "ACTIVE"

        if bus == "postgresql":
            assert await kill_postgres_bus(POSTGRES_URL) >= 2  # every listening process's
        else:
            assert await kill_redis_bus(REDIS_URL) >= 2
        # Most likely made while the listeners are still away, its event lost on the way:
        # the subscriber learns of it when its process listens again and reads anew.
        await mutate(api, CREATE_PAYMENT, {"token": token, "input": {"provider": "INVOICE"}})
        shown = (await socket.data("1", within=15))["checkoutStatusChanged"]
        assert shown["status"] == "COMPLETABLE"

        await mutate(api, COMPLETE, {"token": token})
        assert (await socket.data("1"))["checkoutStatusChanged"]["status"] == "COMPLETED"


async def test_the_workers_expiry_reaches_a_subscriber_on_another_process(
    cluster: Cluster,
) -> None:
    here, there = cluster.servers["postgresql"]
    async with api_of(there, cluster.keys) as api, GraphQLSocket.open(here.ws_url) as socket:
        await stock_shop(api)
        token = await ready_to_pay(api, GIFT_CARD)
        await socket.subscribe("1", CHECKOUT_STATUS, token=token)
        assert (await socket.data("1"))["checkoutStatusChanged"]["status"] == "ACTIVE"

        # The shortest TTL a store may set is half an hour: the time runs out in the row.
        async with database() as connection:
            await connection.execute(
                "UPDATE checkouts SET expires_at = now() - interval '1 second' WHERE token = %s",
                (token,),
            )
        shown = (await socket.data("1", within=10))["checkoutStatusChanged"]
        assert shown["status"] == "EXPIRED"
        async with database() as connection:
            cursor = await connection.execute(
                "SELECT status FROM checkouts WHERE token = %s", (token,)
            )
            assert await cursor.fetchone() == ("EXPIRED",)  # the worker's doing, not the clock's


async def test_three_workers_deliver_each_confirmation_exactly_once(cluster: Cluster) -> None:
    _, there = cluster.servers["postgresql"]
    async with api_of(there, cluster.keys) as api:
        await stock_shop(api)
        tokens = await asyncio.gather(*(invoiced(api, GIFT_CARD) for _ in range(8)))
        done = await asyncio.gather(*(mutate(api, COMPLETE, {"token": t}) for t in tokens))
    orders = {answer["order"]["id"]: answer["order"]["number"] for answer in done}

    async with database() as connection:
        async with asyncio.timeout(20):
            while True:
                cursor = await connection.execute(
                    "SELECT payload->>'orderId', attempts, delivered_at IS NOT NULL FROM outbox"
                    " WHERE payload->>'orderId' = ANY(%s)",
                    (list(orders),),
                )
                rows = await cursor.fetchall()
                if len(rows) == len(orders) and all(delivered for *_, delivered in rows):
                    break
                await asyncio.sleep(0.1)
    # Each claimed by one worker, once: no second delivery was ever tried.
    assert sorted(attempts for _, attempts, _ in rows) == [1] * len(orders)
    files = sorted(path.name for path in cluster.mail_dir.glob("*.eml"))
    for number in orders.values():
        assert len([name for name in files if name.startswith(f"{number}_")]) == 1, files
    assert all(process.running for process in cluster.workers)


async def test_sigterm_ends_subscriptions_with_complete_and_the_process_exits(
    cluster: Cluster,
) -> None:
    many = cluster.many
    _, there = cluster.servers["postgresql"]
    async with (
        api_of(there, cluster.keys) as api,
        GraphQLSocket.open(many.ws_url, TRANSPORT_WS) as modern,
        GraphQLSocket.open(many.ws_url, LEGACY_WS) as legacy,
    ):
        await stock_shop(api)
        token = await ready_to_pay(api, GIFT_CARD)
        for socket in (modern, legacy):
            await socket.subscribe("1", CHECKOUT_STATUS, token=token)
            await socket.data("1")
        # `serve --workers 2` is part of the service like any other process.
        await mutate(api, CREATE_PAYMENT, {"token": token, "input": {"provider": "INVOICE"}})
        for socket in (modern, legacy):
            assert (await socket.data("1"))["checkoutStatusChanged"]["status"] == "COMPLETABLE"

        many.terminate()
        for socket in (modern, legacy):
            assert (await socket.message("1", within=10))["type"] == "complete"
    assert many.popen is not None
    exit_code = await asyncio.to_thread(many.popen.wait, 20)
    assert exit_code in (0, -15), many.log.read_text()[-3000:]
