"""What every benchmark needs: the machine, the databases, a real `checkout-flow serve` process,
a stocked store, CPU and memory readings from /proc, statistics and the results files.

Benchmarks run from the repository root with the project's venv (`.venv/bin/python bench/…`);
they never import from tests/, so a test refactoring cannot change what they measure.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import platform
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
RESULTS = ROOT / "bench" / "results"
# The service code to measure: the work tree, or a copy of it (`BENCH_SOURCE`, made by
# `run_all.py --snapshot`) so that edits made while a long run goes on cannot change it.
SOURCE = Path(os.environ.get("BENCH_SOURCE") or ROOT).resolve()
if SOURCE != ROOT:
    sys.path.insert(0, str(SOURCE))
# The PostgreSQL server the benchmarks use; the database names are fixed below.
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgresql://postgres@127.0.0.1:5432")
BENCH_DB = "bench"
PGBENCH_DB = "bench_pgbench"
# A fixed vault key: the benchmarks store no provider credentials, but serve wants one.
VAULT_KEY = "YmVuY2gtdmF1bHQta2V5LTMyLWJ5dGVzLWxvbmcuLi4="
STOCK = 1_000_000
PRODUCTS = 500
HOT_SKUS = ("HOT-1", "HOT-2", "HOT-3")
# Every id sequence starts in a range of its own (products at 10 M, carts at 20 M, …), so a
# captured primary key can never be mistaken for a quantity or another table's key when the
# statement floor replays it (bench/sql_capture.py).
SEQUENCE_STRIDE = 10_000_000


def pg_url(database: str = BENCH_DB, *, sqlalchemy: bool = False) -> str:
    url = f"{PG_SERVER}/{database}"
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if sqlalchemy else url


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_dir(name: str) -> Path:
    """A scratch folder under bench/results for one run (server cwd, mail, logs)."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    path = RESULTS / "runs" / f"{name}-{stamp}-{os.getpid()}"
    path.mkdir(parents=True, exist_ok=True)
    return path


# ---------------------------------------------------------------- the machine


def git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    return done.stdout.strip()


def pg_version() -> str:
    try:
        with psycopg.connect(pg_url("postgres")) as connection:
            row = connection.execute("SHOW server_version").fetchone()
            return str(row[0]) if row else "?"
    except psycopg.Error:
        return "unreachable"


def machine() -> dict[str, Any]:
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    total_kib = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": git("rev-parse", "--short", "HEAD"),
        # Whether the code measured (the work tree or its copy) differs from the commit.
        "work_tree_dirty": bool(git("--work-tree", str(SOURCE), "diff", "--name-only", "HEAD")),
        "source": "work tree" if SOURCE == ROOT else str(SOURCE),
        "cores": os.cpu_count(),
        "cpu": model,
        "memory_gib": round(total_kib / 1024 / 1024, 1),
        "postgresql": pg_version(),
        "python": platform.python_version(),
        "load_average_at_start": list(os.getloadavg()),
    }


# ---------------------------------------------------------------- databases


def reset_postgres(database: str = BENCH_DB) -> None:
    """An empty schema, migrated, with the id sequences spread apart (see SEQUENCE_STRIDE)."""
    if database.startswith("test"):
        raise ValueError("the benchmarks never touch the test databases")
    with psycopg.connect(pg_url(database), autocommit=True) as connection:
        connection.execute("DROP SCHEMA IF EXISTS public CASCADE")
        connection.execute("CREATE SCHEMA public")
    migrate(pg_url(database, sqlalchemy=True))
    with psycopg.connect(pg_url(database), autocommit=True) as connection:
        sequences = connection.execute(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' "
            "ORDER BY sequencename"
        ).fetchall()
        for index, (name,) in enumerate(sequences, start=1):
            connection.execute("SELECT setval(%s, %s)", (f"public.{name}", index * SEQUENCE_STRIDE))


def vacuum(database: str = BENCH_DB) -> None:
    """VACUUM ANALYZE before a measured window, as pgbench does before its own. This machine's
    PostgreSQL runs with autovacuum off, so without it each run measures the dead rows of the
    runs before it: consecutive K=50 runs on one database gave 81.5, 76.5 and 71.6
    checkouts/s, the reservations table 84 live rows and 10,356 dead, the store's one row
    60 pages of old versions."""
    if database.startswith("test"):
        raise ValueError("the benchmarks never touch the test databases")
    with psycopg.connect(pg_url(database), autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")


def migrate(database_url: str) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [str(BIN / "checkout-flow"), "migrate"],
        env=service_env(database_url, RESULTS),
        cwd=RESULTS,
        check=True,
        capture_output=True,
    )


def service_env(database_url: str, workdir: Path, **settings: str) -> dict[str, str]:
    """The environment of a service process: only our CHECKOUT_FLOW_* settings, and a cwd
    without a .env, so the developer's .env cannot change what is measured."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHECKOUT_FLOW_")}
    env |= {
        "CHECKOUT_FLOW_DATABASE_URL": database_url,
        "CHECKOUT_FLOW_VAULT_KEY": VAULT_KEY,
        "CHECKOUT_FLOW_MAIL_DIR": str(workdir / "mail"),
        "CHECKOUT_FLOW_PUBLIC_BASE_URL": "http://127.0.0.1:8000",
        "CHECKOUT_FLOW_LOG_FORMAT": "json",
        "CHECKOUT_FLOW_GRAPHIQL": "false",
        # Every simulated shopper comes from 127.0.0.1: the per-address limit would measure
        # itself. The per-store limit stays off too; a shop at peak raises both.
        "CHECKOUT_FLOW_RATE_LIMIT_PER_MINUTE_IP": "0",
        "CHECKOUT_FLOW_RATE_LIMIT_PER_MINUTE_STORE": "0",
        # The fan-out benchmark's thousand subscribers all connect from 127.0.0.1 too.
        "CHECKOUT_FLOW_WEBSOCKET_CONNECTIONS_PER_IP": "0",
    }
    env |= {f"CHECKOUT_FLOW_{k.upper()}": v for k, v in settings.items()}
    if SOURCE != ROOT:
        env["PYTHONPATH"] = str(SOURCE)
    return env


def snapshot_source() -> Path:
    """A copy of the work tree's files (tracked and untracked, not ignored) to measure."""
    import shutil

    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    target = RESULTS / f"source-{stamp}"
    listed = git("ls-files", "-co", "--exclude-standard").splitlines()
    for name in listed:
        source = ROOT / name
        if name.startswith("bench/") or not source.is_file():
            continue
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target / name)
    return target


@dataclass(frozen=True)
class StoreKeys:
    id: str
    public_key: str
    secret_key: str


def create_store(database_url: str, workdir: Path) -> StoreKeys:
    done = subprocess.run(
        [
            str(BIN / "checkout-flow"),
            *("store", "create", "--name", "Bench shop", "--currency", "EUR"),
            *("--allow-invoice", "--json"),
        ],
        env=service_env(database_url, workdir),
        cwd=workdir,
        check=True,
        capture_output=True,
        text=True,
    )
    issued = json.loads(done.stdout.strip().splitlines()[-1])
    return StoreKeys(issued["id"], issued["publicKey"], issued["secretKey"])


# ---------------------------------------------------------------- processes (/proc)


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def descendants(pid: int) -> list[int]:
    todo, seen = [pid], []
    while todo:
        current = todo.pop()
        seen.append(current)
        todo += children(current)
    return seen


def proc_status_kib(pid: int, key: str) -> int:
    """VmRSS (now) or VmHWM (peak) of a process, in KiB; 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (not of its children)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def postgres_pids(database: str | None) -> list[int]:
    """Backends of one database (their title names it), or the background processes
    (checkpointer, WAL writer, …) when `database` is None."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm = (entry / "comm").read_text().strip()
        except OSError:
            continue
        if comm != "postgres":
            continue
        title = cmdline(int(entry.name))
        is_backend = " 127.0.0.1(" in title or "[local]" in title
        wanted = (database is None and not is_backend) or (
            database is not None and is_backend and f" {database} " in title
        )
        if wanted:
            found.append(int(entry.name))
    return found


def machine_busy_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = values
    tick = os.sysconf("SC_CLK_TCK")
    busy = user + nice + system + irq + softirq + steal
    return busy / tick, (busy + idle + iowait) / tick


class CpuMeter:
    """Who used the CPU during a window: the server, PostgreSQL (the benchmark database's
    backends and the background processes), this process (the load generator), and everything
    else on the machine (other work that competes for the 2 cores)."""

    def __init__(self, server_pids: Sequence[int], database: str | None) -> None:
        self.server_pids = list(server_pids)
        self.database = database
        self._start = self._read()
        self._wall = time.perf_counter()

    def _read(self) -> dict[str, float]:
        busy, total = machine_busy_seconds()
        pg = postgres_pids(self.database) if self.database else []
        pg_back = postgres_pids(None) if self.database else []
        return {
            "server": sum(cpu_seconds(p) for p in self.server_pids),
            "postgres_backends": sum(cpu_seconds(p) for p in pg),
            "postgres_background": sum(cpu_seconds(p) for p in pg_back),
            "load_generator": time.process_time(),
            "machine_busy": busy,
            "machine_total": total,
        }

    def stop(self) -> dict[str, float]:
        end = self._read()
        wall = time.perf_counter() - self._wall
        used = {k: end[k] - self._start[k] for k in end}
        ours = sum(
            used[k]
            for k in ("server", "postgres_backends", "postgres_background", "load_generator")
        )
        return {
            "wall_seconds": round(wall, 3),
            "server_cores": round(used["server"] / wall, 3),
            "postgres_cores": round(
                (used["postgres_backends"] + used["postgres_background"]) / wall, 3
            ),
            "load_generator_cores": round(used["load_generator"] / wall, 3),
            "other_cores": round(max(0.0, used["machine_busy"] - ours) / wall, 3),
            "idle_cores": round((used["machine_total"] - used["machine_busy"]) / wall, 3),
            "server_cpu_seconds": round(used["server"], 3),
            "postgres_cpu_seconds": round(
                used["postgres_backends"] + used["postgres_background"], 3
            ),
            "load_generator_cpu_seconds": round(used["load_generator"], 3),
        }


# ---------------------------------------------------------------- the server


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    workers: int = 1

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        """The processes that serve requests: the one process, or uvicorn's workers."""
        if self.workers <= 1:
            return [self.process.pid]
        return [p for p in descendants(self.process.pid) if p != self.process.pid] or [
            self.process.pid
        ]

    def peak_rss_mib(self) -> float:
        return max(proc_status_kib(p, "VmHWM") for p in self.worker_pids()) / 1024

    def rss_mib(self) -> float:
        return max(proc_status_kib(p, "VmRSS") for p in self.worker_pids()) / 1024

    def stop(self) -> None:
        """SIGTERM to the server's own process group (it was started in a new session, so
        the group holds only it and its uvicorn workers), SIGKILL if it lingers."""
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=25)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_server(database_url: str, workdir: Path, *, workers: int = 1, **settings: str) -> Server:
    port = free_port()
    log = workdir / f"serve-{port}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [
                str(BIN / "checkout-flow"),
                *("serve", "--host", "127.0.0.1", "--port", str(port)),
                *("--workers", str(workers)),
            ],
            env=service_env(database_url, workdir, **settings),
            cwd=workdir,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(process, port, log, workers)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"serve exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{server.base_url}/healthz", timeout=1).status_code == 200:
                if workers > 1:
                    time.sleep(1.5)  # every worker up, not just the first
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError("serve did not answer /healthz within 60 s")


# ---------------------------------------------------------------- the store

SETTINGS = """mutation($input: StoreSettingsInput!) {
  updateStoreSettings(input: $input) { errors { code field message } } }"""
UPSERT = """mutation($input: [ProductInput!]!) {
  upsertProducts(input: $input) { products { sku } errors { code field message } } }"""


def catalog(products: int = PRODUCTS) -> list[dict[str, Any]]:
    spread = [
        {"sku": f"P{i:05d}", "name": f"Product {i}", "price": f"{5 + i % 40}.95", "stock": STOCK}
        for i in range(products)
    ]
    hot = [{"sku": sku, "name": f"Hot {sku}", "price": "19.95", "stock": STOCK} for sku in HOT_SKUS]
    return hot + spread


async def stock_store(base_url: str, keys: StoreKeys, products: int = PRODUCTS) -> None:
    """Shipping to NL, 21 % tax in NL, invoices allowed, and the catalog with plenty of stock."""
    headers = {"Authorization": f"Bearer {keys.secret_key}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=60) as client:
        settings = {
            "allowInvoiceCheckout": True,
            "taxRates": [{"country": "NL", "rate": "0.21"}],
            "shippingMethods": [
                {"id": "standard", "name": "Standard", "price": "4.95", "countries": ["NL"]}
            ],
        }
        answer = (
            await client.post(
                "/graphql", json={"query": SETTINGS, "variables": {"input": settings}}
            )
        ).json()
        assert answer["data"]["updateStoreSettings"]["errors"] == [], answer
        items = catalog(products)
        for start in range(0, len(items), 100):
            batch = items[start : start + 100]
            answer = (
                await client.post("/graphql", json={"query": UPSERT, "variables": {"input": batch}})
            ).json()
            assert answer["data"]["upsertProducts"]["errors"] == [], answer


def stock_check(database: str, store_id: str) -> dict[str, Any]:
    """Oversells, from the database: for every product, what left the shelf (initial stock
    minus stock now) must equal what the orders sold, and no stock may be below zero. Also one
    order per completed checkout."""
    with psycopg.connect(pg_url(database)) as connection:
        rows = connection.execute(
            """
            SELECT p.sku, p.stock, COALESCE(SUM(l.quantity), 0)
            FROM products p
            LEFT JOIN order_lines l ON l.product_id = p.id
            WHERE p.store_id = %s
            GROUP BY p.id, p.sku, p.stock
            """,
            (store_id,),
        ).fetchall()
        completed = connection.execute(
            "SELECT count(*) FROM checkouts WHERE store_id = %s AND status = 'COMPLETED'",
            (store_id,),
        ).fetchone()
        orders = connection.execute(
            "SELECT count(*), count(DISTINCT checkout_id) FROM orders WHERE store_id = %s",
            (store_id,),
        ).fetchone()
    return stock_verdict(rows, completed[0] if completed else 0, orders or (0, 0))


def stock_verdict(
    rows: Iterable[Sequence[Any]], completed: int, orders: Sequence[int]
) -> dict[str, Any]:
    oversold = [
        {"sku": sku, "stock": stock, "sold": int(sold)}
        for sku, stock, sold in rows
        if stock is not None and (stock < 0 or STOCK - stock != int(sold))
    ]
    return {
        "oversells": len(oversold),
        "oversold_products": oversold[:10],
        "orders": int(orders[0]),
        "completed_checkouts": int(completed),
        "orders_per_checkout_ok": int(orders[0]) == int(orders[1]) == int(completed),
    }


# ---------------------------------------------------------------- statistics and results


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(seconds),
        "p50_ms": round(percentile(seconds, 50) * 1000, 2),
        "p95_ms": round(percentile(seconds, 95) * 1000, 2),
        "p99_ms": round(percentile(seconds, 99) * 1000, 2),
        "max_ms": round(max(seconds) * 1000, 2) if seconds else math.nan,
    }


def write_results(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    body = json.dumps(data, indent=2, default=str)
    path = RESULTS / f"{name}-{stamp}.json"
    path.write_text(body)
    (RESULTS / f"{name}-latest.json").write_text(body)
    return path


def verdict(measured: float, target: float, *, at_most: bool = False) -> dict[str, Any]:
    """A figure against its target: met or not, and the ratio measured / target."""
    if measured is None or (isinstance(measured, float) and math.isnan(measured)):
        return {"measured": None, "target": target, "met": None, "ratio": None}
    met = measured <= target if at_most else measured >= target
    ratio = measured / target if target else None  # a target of 0: met or not, no ratio
    rounded = None if ratio is None else round(ratio, 3)
    return {"measured": measured, "target": target, "met": met, "ratio": rounded}


def use_uvloop() -> None:
    try:
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    except ImportError:
        pass


def say(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)


@dataclass
class Timer:
    started: float = field(default_factory=time.perf_counter)

    def seconds(self) -> float:
        return time.perf_counter() - self.started
