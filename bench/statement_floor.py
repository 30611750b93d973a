"""Benchmark 2: the floor under the service, and the same-box pgbench reference.

The statements one checkout issues are captured from the service (SQLAlchemy events, in this
process, on the benchmark database) and replayed with the raw driver (psycopg 3 async, a pool
of the service's size, K concurrent tasks, fresh ids per checkout). The service's own rate at
the same K comes from `checkout_throughput.py --floor`, which runs both in one run; this
command gives the floor alone, and pgbench's tpcb-like TPS (scale 50, 50 clients) in the
database `bench_pgbench` as a reference line.

    .venv/bin/python bench/statement_floor.py [--shoppers 1,10,50] [--pgbench-seconds 30]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.checkout_throughput import floor_at, prepare
from bench.common import (
    PG_SERVER,
    PGBENCH_DB,
    CpuMeter,
    machine,
    run_dir,
    say,
    use_uvloop,
    write_results,
)


def pgbench(scale: int, clients: int, seconds: int) -> dict[str, Any]:
    """`pgbench -i -s SCALE` into bench_pgbench (made if missing), then a tpcb-like run."""
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (PGBENCH_DB,)
        ).fetchone()
        if not exists:
            connection.execute(f"CREATE DATABASE {PGBENCH_DB}")
    target = f"{PG_SERVER}/{PGBENCH_DB}"
    say(f"  pgbench: initialising scale {scale}")
    subprocess.run(
        ["pgbench", "-i", "-q", "-s", str(scale), target], check=True, capture_output=True
    )
    say(f"  pgbench: tpcb-like, {clients} clients, {seconds} s")
    meter = CpuMeter([], PGBENCH_DB)
    done = subprocess.run(
        ["pgbench", "-c", str(clients), "-j", "2", "-T", str(seconds), "-n", target],
        check=True,
        capture_output=True,
        text=True,
    )
    cpu = meter.stop()
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", done.stdout)
    latency = re.search(r"latency average = ([\d.]+) ms", done.stdout)
    figures = {
        "scale": scale,
        "clients": clients,
        "seconds": seconds,
        "tps": float(tps.group(1)) if tps else None,
        "latency_average_ms": float(latency.group(1)) if latency else None,
        "cpu": cpu,
    }
    say(f"  pgbench: {figures['tps']} TPS")
    return figures


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shoppers", default="1,10,50")
    parser.add_argument("--variants", default="spread,hot")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--pgbench-scale", type=int, default=50)
    parser.add_argument("--pgbench-clients", type=int, default=50)
    parser.add_argument("--pgbench-seconds", type=int, default=30, help="0 skips pgbench")
    args = parser.parse_args(argv)
    use_uvloop()
    info = machine()
    workdir = run_dir("floor")
    url, keys = prepare("postgres", workdir)
    floors: dict[str, Any] = {}
    captures: dict[str, Any] = {}
    for variant in args.variants.split(","):
        for shoppers in (int(k) for k in args.shoppers.split(",")):
            floors[f"{variant}-{shoppers}"] = floor_at(
                url,
                keys,
                workdir,
                shoppers=shoppers,
                variant=variant,
                seconds=args.seconds,
                warmup=args.warmup,
                cache=captures,
            )
    results: dict[str, Any] = {"benchmark": "statement_floor", "machine": info, "floor": floors}
    if args.pgbench_seconds > 0:
        results["pgbench"] = pgbench(args.pgbench_scale, args.pgbench_clients, args.pgbench_seconds)
    say(f"  results: {write_results('statement_floor', results)}")
    return results


if __name__ == "__main__":
    main()
