"""Benchmark 1 (and 2, 3, 7 with it): checkouts per second of K concurrent shoppers against a
real `checkout-flow serve` on loopback, each running create cart (3 lines) → initiate → set
customer → invoice payment → complete over HTTP/1.1 keep-alive.

For each K and each variant (spread: 3 random products of 500; hot: the same 3 products for
everyone) a fresh server process is started, measured and stopped. Reported: checkouts/s,
p50/p95/p99 per mutation, errors, the server's peak RSS, who used the CPU (server,
PostgreSQL, this load generator, other work on the machine), and at the end oversells from
the stock arithmetic in the database. With --floor (PostgreSQL) the statements of one
checkout are captured and replayed with the raw driver at the same K right after (see
bench/sql_capture.py), and the service's rate is given as a ratio of that floor.

    .venv/bin/python bench/checkout_throughput.py                   # PostgreSQL, K=1,10,50
    .venv/bin/python bench/checkout_throughput.py --database sqlite # the embedded default
    .venv/bin/python bench/checkout_throughput.py --shoppers 50 --workers 2 --variants spread
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    BENCH_DB,
    CpuMeter,
    Server,
    StoreKeys,
    create_store,
    machine,
    migrate,
    pg_url,
    reset_postgres,
    run_dir,
    say,
    sqlite_url,
    start_server,
    stock_check,
    stock_store,
    stock_verdict,
    use_uvloop,
    vacuum,
    write_results,
)
from bench.flow import LoadResult, hot_lines, run_load, spread_lines

VARIANTS = {"spread": spread_lines, "hot": hot_lines}


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--shoppers", default="1,10,50", help="K values, comma-separated")
    parser.add_argument("--variants", default="spread,hot", help="spread, hot or both")
    parser.add_argument("--seconds", type=float, default=15.0, help="measuring window per run")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--workers", type=int, default=1, help="serve --workers")
    parser.add_argument("--floor", action=argparse.BooleanOptionalAction, default=None)
    parser.add_argument("--profile", action="store_true", help="py-spy record the server")
    parser.add_argument("--name", default=None, help="results file name")
    return parser.parse_args(argv)


def prepare(database: str, workdir: Path) -> tuple[str, StoreKeys]:
    if database == "postgres":
        reset_postgres(BENCH_DB)
        url = pg_url(BENCH_DB, sqlalchemy=True)
    else:
        url = sqlite_url(workdir / "checkout_flow.db")
        migrate(url)
    keys = create_store(url, workdir)
    with start_server(url, workdir) as server:
        asyncio.run(stock_store(server.base_url, keys))
    return url, keys


def py_spy() -> str | None:
    import os

    return (
        os.environ.get("PY_SPY")
        or shutil.which("py-spy")
        or ("/tmp/benchtools/bin/py-spy" if Path("/tmp/benchtools/bin/py-spy").exists() else None)
    )


def measure(
    url: str,
    keys: StoreKeys,
    workdir: Path,
    *,
    shoppers: int,
    variant: str,
    args: argparse.Namespace,
) -> dict[str, Any]:
    database = BENCH_DB if args.database == "postgres" else None
    if database is not None:
        vacuum(database)
    with start_server(url, workdir, workers=args.workers) as server:
        spy = _start_profile(server, workdir, f"{variant}-k{shoppers}", args)
        meter = CpuMeter(server.worker_pids(), database)
        result: LoadResult = asyncio.run(
            run_load(
                server.base_url,
                keys.public_key,
                shoppers,
                warmup=args.warmup,
                seconds=args.seconds,
                lines_for=VARIANTS[variant],
            )
        )
        cpu = meter.stop()
        peak = server.peak_rss_mib()
        if spy is not None:
            spy.wait(timeout=args.warmup + args.seconds + 30)
        server.stop()
        log = server.log.read_text(errors="replace")
    summary = result.summary()
    summary |= {
        "variant": variant,
        "workers": args.workers,
        "peak_rss_mib": round(peak, 1),
        "cpu": cpu,
        "server_cpu_ms_per_checkout": _per_checkout(cpu["server_cpu_seconds"], result),
        "postgres_cpu_ms_per_checkout": _per_checkout(cpu["postgres_cpu_seconds"], result),
        "load_generator_cpu_ms_per_checkout": _per_checkout(
            cpu["load_generator_cpu_seconds"], result
        ),
        "database_is_locked_in_log": log.count("database is locked"),
        "internal_errors_in_log": log.count('"level": "error"'),
    }
    say(
        f"  {args.database} {variant:6} K={shoppers:<3} {summary['checkouts_per_second']:8.1f} "
        f"checkouts/s  errors {summary['errors']}  complete p99 "
        f"{summary['latency']['completeCheckout']['p99_ms']} ms  peak RSS {peak:.0f} MiB  "
        f"server {cpu['server_cores']} cores, pg {cpu['postgres_cores']}, "
        f"client {cpu['load_generator_cores']}, other {cpu['other_cores']}"
    )
    return summary


def _per_checkout(cpu_seconds: float, result: LoadResult) -> float | None:
    # CPU is read over the whole run (warm-up included): divide by every checkout made.
    made = result.checkouts / result.seconds * (result.seconds + result.warmup_seconds)
    return round(cpu_seconds / made * 1000, 2) if made else None


def _start_profile(
    server: Server, workdir: Path, label: str, args: argparse.Namespace
) -> subprocess.Popen[bytes] | None:
    spy = py_spy() if args.profile else None
    if spy is None:
        return None
    out = workdir / f"profile-{label}"
    return subprocess.Popen(
        [
            *(spy, "record", "--nonblocking", "-r", "200"),
            *("-p", str(server.worker_pids()[0]), "-d", str(int(args.warmup + args.seconds))),
            *("-f", "raw", "-o", f"{out}.txt"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def floor_at(
    url: str,
    keys: StoreKeys,
    workdir: Path,
    *,
    shoppers: int,
    variant: str,
    seconds: float,
    warmup: float,
    cache: dict[str, Any],
) -> dict[str, Any]:
    """The raw-driver replay of one captured checkout at the same K (server stopped)."""
    from bench.sql_capture import Replayer, capture_checkout, replay_load
    from graph.settings import Settings

    if variant not in cache:
        lines = VARIANTS[variant](random.Random(1))
        capture = asyncio.run(capture_checkout(url, keys, lines, workdir))
        cache[variant] = (capture, _catalog(keys.id))
    capture, catalog = cache[variant]
    pool_size = Settings(_env_file=None).database_pool_size  # type: ignore[call-arg]
    replayer = Replayer(capture, catalog, spread=variant == "spread")
    vacuum(BENCH_DB)
    meter = CpuMeter([], BENCH_DB)
    result = asyncio.run(
        replay_load(
            replayer,
            pg_url(BENCH_DB),
            shoppers,
            pool_size=pool_size,
            max_overflow=pool_size,
            warmup=warmup,
            seconds=seconds,
        )
    )
    summary = result.summary() | {"pool": f"{pool_size} + {pool_size} overflow"}
    summary["cpu"] = meter.stop()
    summary["statements_per_checkout"] = sum(len(u.steps) for u in capture.units)
    summary["transactions_per_checkout"] = len(capture.units)
    say(
        f"  floor    {variant:6} K={shoppers:<3} {summary['checkouts_per_second']:8.1f} "
        f"checkouts/s  errors {summary['errors']}"
    )
    return summary


def _catalog(store_id: str) -> list[tuple[int, str, str]]:
    import psycopg

    with psycopg.connect(pg_url(BENCH_DB)) as connection:
        rows = connection.execute(
            "SELECT id, sku, name FROM products WHERE store_id = %s AND sku LIKE 'P%%'",
            (store_id,),
        ).fetchall()
    return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]


def sqlite_stock_check(path: Path, store_id: str) -> dict[str, Any]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT p.sku, p.stock, COALESCE(SUM(l.quantity), 0) FROM products p "
            "LEFT JOIN order_lines l ON l.product_id = p.id WHERE p.store_id = ? "
            "GROUP BY p.id, p.sku, p.stock",
            (store_id,),
        ).fetchall()
        completed = connection.execute(
            "SELECT count(*) FROM checkouts WHERE store_id = ? AND status = 'COMPLETED'",
            (store_id,),
        ).fetchone()
        orders = connection.execute(
            "SELECT count(*), count(DISTINCT checkout_id) FROM orders WHERE store_id = ?",
            (store_id,),
        ).fetchone()
    return stock_verdict(rows, completed[0] if completed else 0, orders or (0, 0))


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse(argv)
    use_uvloop()
    if args.floor is None:
        args.floor = args.database == "postgres"
    workdir = run_dir(f"throughput-{args.database}")
    info = machine()
    say(f"checkout throughput on {args.database}: preparing the database and the store")
    url, keys = prepare(args.database, workdir)
    runs: list[dict[str, Any]] = []
    floors: dict[str, Any] = {}
    captures: dict[str, Any] = {}
    for variant in args.variants.split(","):
        for shoppers in (int(k) for k in args.shoppers.split(",")):
            run = measure(url, keys, workdir, shoppers=shoppers, variant=variant, args=args)
            if args.floor and args.database == "postgres":
                floor = floor_at(
                    url,
                    keys,
                    workdir,
                    shoppers=shoppers,
                    variant=variant,
                    seconds=args.seconds,
                    warmup=args.warmup,
                    cache=captures,
                )
                run["floor"] = floor
                rate = floor["checkouts_per_second"]
                run["ratio_to_floor"] = (
                    round(run["checkouts_per_second"] / rate, 3) if rate else None
                )
                floors[f"{variant}-{shoppers}"] = floor
            runs.append(run)
    if args.database == "postgres":
        stock = stock_check(BENCH_DB, keys.id)
    else:
        stock = sqlite_stock_check(workdir / "checkout_flow.db", keys.id)
    say(f"  stock check: {stock['oversells']} oversells, orders {stock['orders']}")
    results = {
        "benchmark": "checkout_throughput",
        "machine": info,
        "database": args.database,
        "workers": args.workers,
        "seconds": args.seconds,
        "warmup": args.warmup,
        "runs": runs,
        "stock_check": stock,
        "workdir": str(workdir),
    }
    name = args.name or f"checkout_throughput-{args.database}"
    say(f"  results: {write_results(name, results)}")
    return results


if __name__ == "__main__":
    main()
