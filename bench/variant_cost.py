"""What a candidate change from bench/FINDINGS.md would gain: the same K-shopper load against
`serve_variant.py` with each variant in turn, alternating with the baseline, reporting server
CPU per checkout (robust when other work shares the machine) and checkouts/s.

    .venv/bin/python bench/variant_cost.py [--variants rules-once,auth-cache,...] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.checkout_throughput import prepare
from bench.common import (
    BENCH_DB,
    BIN,
    CpuMeter,
    Server,
    free_port,
    machine,
    run_dir,
    say,
    service_env,
    use_uvloop,
    write_results,
)
from bench.flow import run_load, spread_lines

HERE = Path(__file__).resolve().parent


def start_variant(variant: str, url: str, workdir: Path) -> Server:
    port = free_port()
    log = workdir / f"serve-{variant}-{port}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [
                *(str(BIN / "python"), str(HERE / "serve_variant.py"), variant),
                *("--host", "127.0.0.1", "--port", str(port)),
            ],
            env=service_env(url, workdir),
            cwd=workdir,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(process, port, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(log.read_text()[-2000:])
        try:
            if httpx.get(f"{server.base_url}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError("no /healthz")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--variants", default="rules-once,auth-cache,no-pre-ping,rules-once+auth-cache+no-pre-ping"
    )
    parser.add_argument("--shoppers", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    use_uvloop()
    info = machine()
    workdir = run_dir("variants")
    url, keys = prepare("postgres", workdir)
    order = []
    for _ in range(args.rounds):
        for variant in args.variants.split(","):
            order += ["baseline", variant.replace("+", ",")]
    measured: dict[str, list[dict[str, float]]] = {}
    for variant in order:
        with start_variant(variant, url, workdir) as server:
            meter = CpuMeter([server.process.pid], BENCH_DB)
            result = asyncio.run(
                run_load(
                    server.base_url,
                    keys.public_key,
                    args.shoppers,
                    warmup=2,
                    seconds=args.seconds,
                    lines_for=spread_lines,
                )
            )
            cpu = meter.stop()
        made = result.checkouts / result.seconds * (result.seconds + 2)
        figures = {
            "checkouts_per_second": round(result.per_second, 2),
            "server_cpu_ms_per_checkout": round(cpu["server_cpu_seconds"] / made * 1000, 2),
            "postgres_cpu_ms_per_checkout": round(cpu["postgres_cpu_seconds"] / made * 1000, 2),
            "other_cores": cpu["other_cores"],
            "errors": sum(result.errors.values()),
        }
        measured.setdefault(variant, []).append(figures)
        say(f"  {variant:40} {figures}")
    summary = {
        variant: {
            key: round(sum(run[key] for run in runs) / len(runs), 2)
            for key in ("checkouts_per_second", "server_cpu_ms_per_checkout",
                        "postgres_cpu_ms_per_checkout", "other_cores")
        }
        for variant, runs in measured.items()
    }  # fmt: skip
    results = {"benchmark": "variant_cost", "machine": info, "runs": measured, "mean": summary}
    say(f"  results: {write_results('variant_cost', results)}")
    return results


if __name__ == "__main__":
    main()
