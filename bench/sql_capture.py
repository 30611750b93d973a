"""What the database sees of one checkout, and the floor it sets.

`capture_checkout` runs the flow once in this process, through the real app and a runtime of
its own on the same database, and records with SQLAlchemy events every statement with its
parameters (an executemany is one step, as the driver sends it), grouped by connection
checkout (each a transaction that ends in COMMIT, or in the pool's ROLLBACK on return).
libpq's protocol trace counts the round trips, pool pings and BEGIN/COMMIT included.

`Replayer` sends the same statements with the raw driver (psycopg 3, its own pool of the
service's size) with fresh ids per checkout: the floor a Python service on this driver and
this database could reach with the statements the service chose.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import string
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from psycopg.types.json import Json, Jsonb
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import event

from bench.common import SEQUENCE_STRIDE, VAULT_KEY, StoreKeys, latency_summary
from bench.flow import (
    COMPLETE,
    CREATE_CART,
    CREATE_PAYMENT,
    CUSTOMER,
    INITIATE,
    INVOICE,
    SET_CUSTOMER,
    call,
)

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@dataclass
class Step:
    sql: str
    params: Any
    many: bool
    returned: list[tuple[Any, ...]] | None = None


@dataclass
class Unit:
    """One connection checkout: its statements, and whether it ended in COMMIT."""

    mutation: str
    steps: list[Step] = field(default_factory=list)
    committed: bool = False


@dataclass
class MutationCost:
    statements: int = 0
    distinct_statements: int = 0
    round_trips: int | None = None
    connection_checkouts: int = 0
    statements_text: list[str] = field(default_factory=list)


@dataclass
class Capture:
    units: list[Unit]
    costs: dict[str, MutationCost]
    # Values the flow generated (cart id, token, order id and number): fresh in each replay.
    generated: list[str]
    products: list[tuple[int, str, str]]  # (id, sku, name) of the captured lines, by id
    started: datetime


class Recorder:
    """SQLAlchemy events on one engine: statements by connection checkout and mutation."""

    def __init__(self, engine: Any, trace_path: Path | None) -> None:
        self.engine = engine.sync_engine
        self.mutation = "-"
        self.recording = False
        self.units: list[Unit] = []
        self._open: dict[int, Unit] = {}
        self._trace_path = trace_path
        self._trace_fd: int | None = None
        self._connections: list[Any] = []

    def install(self) -> None:
        pool = self.engine.pool
        event.listen(pool, "connect", self._on_connect)
        event.listen(pool, "checkout", self._on_checkout)
        event.listen(pool, "checkin", self._on_checkin)
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        event.listen(self.engine, "commit", self._on_commit)

    # libpq's trace is a buffered stdio stream: untrace flushes it; trace again to go on.
    def trace_all(self) -> None:
        if self._trace_path is None:
            return
        if self._trace_fd is None:
            flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
            self._trace_fd = os.open(self._trace_path, flags)
        for connection in self._connections:
            self._trace(connection)

    def untrace_all(self) -> None:
        for connection in self._connections:
            pgconn = getattr(getattr(connection, "driver_connection", None), "pgconn", None)
            if pgconn is not None:
                pgconn.untrace()

    def _trace(self, connection: Any) -> None:
        from psycopg import pq

        pgconn = getattr(getattr(connection, "driver_connection", None), "pgconn", None)
        if pgconn is None or self._trace_fd is None:
            return
        pgconn.trace(self._trace_fd)
        pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)

    def _on_connect(self, dbapi_connection: Any, _record: Any) -> None:
        self._connections.append(dbapi_connection)
        if self.recording:
            self._trace(dbapi_connection)

    def _on_checkout(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if self.recording:
            unit = Unit(self.mutation)
            self._open[id(dbapi_connection)] = unit
            self.units.append(unit)

    def _on_checkin(self, dbapi_connection: Any, _record: Any) -> None:
        self._open.pop(id(dbapi_connection), None)

    def _unit_of(self, connection: Any) -> Unit | None:
        return self._open.get(id(connection.connection.dbapi_connection))

    def _before(
        self, connection: Any, _cursor: Any, sql: str, params: Any, _ctx: Any, many: bool
    ) -> None:
        unit = self._unit_of(connection) if self.recording else None
        if unit is not None and not sql.lstrip().upper().startswith(TRANSACTION_CONTROL):
            unit.steps.append(Step(sql, params, many))

    def _after(
        self, connection: Any, cursor: Any, sql: str, _params: Any, _ctx: Any, many: bool
    ) -> None:
        unit = self._unit_of(connection) if self.recording else None
        if unit is None or many or not unit.steps or unit.steps[-1].sql != sql:
            return
        # The async adapter's buffered rows, or those a compiled statement read.
        rows = getattr(cursor, "_rows", None) or getattr(cursor, "fetched", None)
        if rows is not None:
            unit.steps[-1].returned = [tuple(row) for row in rows]

    def _on_commit(self, connection: Any) -> None:
        unit = self._unit_of(connection) if self.recording else None
        if unit is not None:
            unit.committed = True


def round_trips_in(trace: str) -> int:
    """Each ReadyForQuery from the server ends one exchange the client waited for."""
    return sum(1 for line in trace.splitlines() if line.startswith("B") and "ReadyForQuery" in line)


async def capture_checkout(
    database_url: str,
    keys: StoreKeys,
    lines: list[dict[str, Any]],
    workdir: Path,
    *,
    warm_up: int = 2,
) -> Capture:
    """One checkout through the real app in this process, recorded mutation by mutation.
    A few checkouts go first, so that pools, caches and prepared statements are warm."""
    from graph.app import create_app
    from graph.runtime import build_runtime
    from graph.settings import Settings

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        vault_key=VAULT_KEY,
        mail_dir=workdir / "mail",
        run_worker=False,
    )
    runtime = build_runtime(settings)
    trace_path = workdir / f"libpq-trace-{os.getpid()}.txt"
    trace_path.unlink(missing_ok=True)
    is_postgres = not runtime.database.is_sqlite
    recorder = Recorder(runtime.database.engine, trace_path if is_postgres else None)
    recorder.install()
    app = create_app(settings, runtime=runtime)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # create_app set the root to INFO
    transport = httpx.ASGITransport(app=app)
    costs: dict[str, MutationCost] = {}
    try:
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://bench.local",
            headers={"X-Store-Key": keys.public_key},
        ) as client:
            for _ in range(warm_up):
                await _flow(client, lines, None)
            started = datetime.now(UTC)
            recorder.recording = True
            generated = await _flow(client, lines, (recorder, costs, trace_path))
            recorder.recording = False
        products = await _products_of(runtime, keys.id, [line["sku"] for line in lines])
    finally:
        recorder.untrace_all()
        await runtime.close()
    for unit in recorder.units:
        cost = costs.setdefault(unit.mutation, MutationCost())
        cost.connection_checkouts += 1
        cost.statements += len(unit.steps)
        cost.statements_text += [step.sql for step in unit.steps]
    for cost in costs.values():
        cost.distinct_statements = len(set(cost.statements_text))
    return Capture(recorder.units, costs, generated, products, started)


async def _flow(
    client: httpx.AsyncClient,
    lines: list[dict[str, Any]],
    recording: tuple[Recorder, dict[str, MutationCost], Path] | None,
) -> list[str]:
    timings: dict[str, float] = {}

    async def step(name: str, document: str, variables: dict[str, Any]) -> dict[str, Any]:
        if recording is None:
            return await call(client, name, document, variables, timings)
        recorder, costs, trace_path = recording
        recorder.mutation = name
        before = trace_path.stat().st_size if trace_path.exists() else 0
        recorder.trace_all()
        try:
            return await call(client, name, document, variables, timings)
        finally:
            recorder.untrace_all()
            if recorder._trace_fd is not None:
                with trace_path.open() as trace:
                    trace.seek(before)
                    costs.setdefault(name, MutationCost()).round_trips = round_trips_in(
                        trace.read()
                    )

    cart = await step("createCart", CREATE_CART, {"lines": lines})
    started = await step("initiateCheckout", INITIATE, {"cartId": cart["cart"]["id"]})
    token = started["checkout"]["token"]
    await step("setCustomer", SET_CUSTOMER, {"token": token, "input": CUSTOMER})
    await step("createPayment", CREATE_PAYMENT, {"token": token, "input": INVOICE})
    done = await step("completeCheckout", COMPLETE, {"token": token})
    return [cart["cart"]["id"], token, done["order"]["id"], done["order"]["number"]]


async def _products_of(runtime: Any, store_id: str, skus: list[str]) -> list[tuple[int, str, str]]:
    found = await runtime.readers.products_by_skus(store_id, skus, datetime.now(UTC))
    return sorted((p.id, p.sku, p.name) for p in found.values())


# ---------------------------------------------------------------- the replay

_ALPHABET = string.ascii_letters + string.digits


def _fresh(value: str, rng: random.Random) -> str:
    """Same length, new tail: unique where the original had to be unique."""
    tail = min(12, len(value))
    return value[:-tail] + "".join(rng.choice(_ALPHABET) for _ in range(tail))


class Substitution:
    """One replayed checkout's values in place of the captured ones."""

    def __init__(
        self,
        exact: dict[str, str],
        inner: dict[str, str],
        ints: dict[int, int],
        products: frozenset[int] = frozenset(),
    ) -> None:
        self.exact, self.inner, self.ints = exact, inner, ints
        # The captured products' ids: chosen before the replay (spread) or kept (hot), never
        # learnt from rows, whose order a read does not promise.
        self.products = products
        self.shift = timedelta()

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str):
            if value in self.exact:
                return self.exact[value]
            for old, new in self.inner.items():
                if old in value:
                    value = value.replace(old, new)
            return value
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return self.ints.get(value, value)
        if isinstance(value, datetime):
            return value + self.shift
        if isinstance(value, dict):
            return {k: self(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self(v) for v in value)
        if isinstance(value, Jsonb | Json):
            return type(value)(self(value.obj))
        return value

    def learn(self, captured: list[tuple[Any, ...]] | None, rows: list[tuple[Any, ...]]) -> None:
        """Keys the database just gave (RETURNING, or a read) stand for the captured ones."""
        if not captured or len(captured) != len(rows):
            return
        for old_row, new_row in zip(captured, rows, strict=True):
            for old, new in zip(old_row, new_row, strict=False):
                if (
                    isinstance(old, int)
                    and not isinstance(old, bool)
                    and old >= SEQUENCE_STRIDE
                    and old != new
                    and isinstance(new, int)
                    and old not in self.products
                ):
                    self.ints[old] = new


class Replayer:
    def __init__(
        self,
        capture: Capture,
        catalog: list[tuple[int, str, str]],
        *,
        spread: bool,
    ) -> None:
        self.capture = capture
        self.catalog = catalog  # (id, sku, name) of the products a spread replay may pick
        self.spread = spread

    def substitution(self, rng: random.Random) -> Substitution:
        inner = {old: _fresh(old, rng) for old in self.capture.generated}
        exact: dict[str, str] = {}
        ints: dict[int, int] = {}
        if self.spread:
            picked = sorted(rng.sample(self.catalog, len(self.capture.products)))
            for (old_id, old_sku, old_name), (new_id, new_sku, new_name) in zip(
                self.capture.products, picked, strict=True
            ):
                ints[old_id] = new_id
                exact[old_sku], exact[old_name] = new_sku, new_name
        products = frozenset(old_id for old_id, _, _ in self.capture.products)
        substitution = Substitution(exact, inner, ints, products)
        substitution.shift = datetime.now(UTC) - self.capture.started
        return substitution

    async def checkout(self, pool: AsyncConnectionPool, rng: random.Random) -> None:
        values = self.substitution(rng)
        for unit in self.capture.units:
            async with pool.connection() as connection:
                async with connection.cursor() as cursor:
                    for step in unit.steps:
                        if step.many:
                            await cursor.executemany(step.sql, [values(p) for p in step.params])
                            continue
                        await cursor.execute(step.sql, values(step.params))
                        if cursor.description is not None:
                            rows = [tuple(row) for row in await cursor.fetchall()]
                            values.learn(step.returned, rows)
                if unit.committed:
                    await connection.commit()
                else:
                    await connection.rollback()


@dataclass
class FloorResult:
    shoppers: int
    seconds: float
    checkouts: int
    errors: int
    error_samples: list[str]
    latencies: list[float]

    def summary(self) -> dict[str, Any]:
        return {
            "shoppers": self.shoppers,
            "seconds": self.seconds,
            "checkouts": self.checkouts,
            "checkouts_per_second": round(self.checkouts / self.seconds, 2),
            "errors": self.errors,
            "error_samples": self.error_samples[:5],
            "flow_latency": latency_summary(self.latencies),
        }


async def replay_load(
    replayer: Replayer,
    conninfo: str,
    shoppers: int,
    *,
    pool_size: int,
    max_overflow: int,
    warmup: float,
    seconds: float,
    seed: int = 8,
    on_checkout: Callable[[], None] | None = None,
) -> FloorResult:
    """K tasks replaying checkouts back to back, the same window rules as the HTTP load."""
    pool = AsyncConnectionPool(
        conninfo, min_size=pool_size, max_size=pool_size + max_overflow, open=False
    )
    await pool.open(wait=True)
    counted, errors, samples, latencies = 0, 0, [], []
    window_start = time.perf_counter() + warmup
    window_end = window_start + seconds

    async def shopper(number: int) -> None:
        nonlocal counted, errors
        # Seeded by the clock too: a replay must not repeat the ids of an earlier one.
        rng = random.Random(f"{seed}-{number}-{time.time_ns()}")
        while (began := time.perf_counter()) < window_end:
            try:
                await replayer.checkout(pool, rng)
            except Exception as error:  # a replay that fails is reported, not hidden
                errors += 1
                if len(samples) < 5:
                    samples.append(f"{type(error).__name__}: {error}"[:300])
                continue
            finished = time.perf_counter()
            if window_start <= finished <= window_end:
                counted += 1
            if began >= window_start:
                latencies.append(finished - began)
            if on_checkout is not None:
                on_checkout()

    try:
        await asyncio.gather(*(shopper(n) for n in range(shoppers)))
    finally:
        await pool.close()
    return FloorResult(shoppers, seconds, counted, errors, samples, latencies)
