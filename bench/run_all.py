"""Every benchmark, one after the other, each in its own process; then the table of every
figure against its target (issue 8), written to bench/results/figures-*.md and, for a full
run, into bench/README.md between the `figures` markers.

    .venv/bin/python bench/run_all.py            # make bench: the full set (about 12 min)
    .venv/bin/python bench/run_all.py --quick    # make bench-quick: a smoke run (< 2 min)

A full run measures a copy of the work tree (bench/results/source-*), so that edits made
meanwhile cannot change what it measures; --no-snapshot measures the work tree itself.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import BIN, RESULTS, ROOT, machine, say, snapshot_source, verdict

BENCH = ROOT / "bench"
MARK_START = "<!-- figures:start -->"
MARK_END = "<!-- figures:end -->"

FULL = [
    ("checkout_throughput-postgres", "checkout_throughput.py", []),
    ("checkout_throughput-workers2", "checkout_throughput.py",
     ["--shoppers", "50", "--variants", "spread", "--workers", "2", "--no-floor",
      "--name", "checkout_throughput-workers2"]),
    ("checkout_throughput-sqlite", "sqlite_throughput.py", []),
    ("statement_counts", "statement_counts.py", []),
    ("graphql_overhead", "graphql_overhead.py", []),
    ("subscription_fanout", "subscription_fanout.py", []),
    ("statement_floor", "statement_floor.py", ["--shoppers", "50", "--variants", "spread",
                                               "--seconds", "5"]),
]  # fmt: skip
QUICK = [
    ("checkout_throughput-postgres", "checkout_throughput.py",
     ["--shoppers", "10", "--variants", "spread", "--seconds", "4", "--warmup", "1"]),
    ("checkout_throughput-sqlite", "sqlite_throughput.py",
     ["--shoppers", "10", "--seconds", "4", "--warmup", "1"]),
    ("statement_counts", "statement_counts.py", ["--lines", "1,10"]),
    ("graphql_overhead", "graphql_overhead.py", ["--iterations", "50"]),
    ("subscription_fanout", "subscription_fanout.py",
     ["--subscribers", "100", "--events", "2", "--load-seconds", "3", "--quick"]),
]  # fmt: skip


def run(steps: list[tuple[str, str, list[str]]], env: dict[str, str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, script, arguments in steps:
        say(f"== {script} {' '.join(arguments)}")
        started = time.monotonic()
        done = subprocess.run(
            [str(BIN / "python"), str(BENCH / script), *arguments], env=env, check=False
        )
        say(f"   ({time.monotonic() - started:.0f} s, exit {done.returncode})")
        latest = RESULTS / f"{name}-latest.json"
        if done.returncode == 0 and latest.exists():
            found[name] = json.loads(latest.read_text())
        else:
            found[name] = {"failed": done.returncode}
    return found


def _run_of(results: dict[str, Any], variant: str, shoppers: int) -> dict[str, Any] | None:
    for item in results.get("runs", []):
        if item["variant"] == variant and item["shoppers"] == shoppers:
            return item  # type: ignore[no-any-return]
    return None


def figures(found: dict[str, Any]) -> list[tuple[str, Any, str, str, str]]:
    """(figure, measured, target, met, ratio to target) rows."""
    rows: list[tuple[str, Any, str, str, str]] = []

    def add(name: str, measured: Any, target: str, check: dict[str, Any] | None = None) -> None:
        if check is None:
            rows.append((name, measured, target, "", ""))
            return
        met = {True: "met", False: "**missed**", None: "n/a"}[check["met"]]
        ratio = "" if check["ratio"] is None else f"{check['ratio']:.2f}"
        rows.append((name, measured, target, met, ratio))

    pg = found.get("checkout_throughput-postgres", {})
    largest = max((r["shoppers"] for r in pg.get("runs", [])), default=None)
    for variant in ("spread", "hot"):
        for shoppers in (1, 10, 50):
            item = _run_of(pg, variant, shoppers)
            if item is None:
                continue
            rate = item["checkouts_per_second"]
            target = "≥ 120" if shoppers == 50 and variant == "spread" else ""
            check = verdict(rate, 120.0) if target else None
            add(f"PostgreSQL checkouts/s, {variant}, K={shoppers}", rate, target, check)
            lat = item["latency"]
            add(
                f"  p50/p95/p99 ms per mutation, {variant}, K={shoppers}",
                "; ".join(
                    f"{m} {v['p50_ms']:.0f}/{v['p95_ms']:.0f}/{v['p99_ms']:.0f}"
                    for m, v in lat.items()
                ),
                "",
            )
            if "floor" in item:
                floor = item["floor"]["checkouts_per_second"]
                ratio = item.get("ratio_to_floor")
                add(
                    f"  raw-statement floor checkouts/s, {variant}, K={shoppers}",
                    floor,
                    "",
                )
                add(
                    f"  service / floor, {variant}, K={shoppers}",
                    ratio,
                    "≥ 0.33",
                    verdict(ratio, 1 / 3) if ratio is not None else None,
                )
    spread50, hot50 = _run_of(pg, "spread", 50), _run_of(pg, "hot", 50)
    if spread50:
        p99 = spread50["latency"]["completeCheckout"]["p99_ms"]
        add("completeCheckout p99 ms, K=50", p99, "≤ 150", verdict(p99, 150.0, at_most=True))
        add("peak RSS MiB, one server process, K=50", spread50["peak_rss_mib"], "≤ 200",
            verdict(spread50["peak_rss_mib"], 200.0, at_most=True))  # fmt: skip
        cpu = spread50["cpu"]
        add(
            "  CPU at K=50 (cores: server / PostgreSQL / load generator / other work / idle)",
            f"{cpu['server_cores']} / {cpu['postgres_cores']} / {cpu['load_generator_cores']}"
            f" / {cpu['other_cores']} / {cpu['idle_cores']}",
            "",
        )
        ms = spread50["server_cpu_ms_per_checkout"]
        add("  server CPU ms per checkout, K=50", ms, "≤ 8.3 for 120/s on one core")
        if ms:
            capacity = round(1000 / ms, 1)
            add("  checkouts per server CPU-second (what one free core would give)", capacity,
                "≥ 120", verdict(capacity, 120.0))  # fmt: skip
    if spread50 and hot50 and spread50["checkouts_per_second"]:
        ratio = round(hot50["checkouts_per_second"] / spread50["checkouts_per_second"], 3)
        add("hot-row / spread-out, K=50", ratio, "≥ 0.5", verdict(ratio, 0.5))
    errors = sum(r["errors"] for r in pg.get("runs", []))
    stock = pg.get("stock_check", {})
    if pg.get("runs"):
        add("errors, all PostgreSQL runs", errors, "0", verdict(errors, 0, at_most=True))
        add("oversells (stock arithmetic in the database)", stock.get("oversells"), "0",
            verdict(stock.get("oversells", 0), 0, at_most=True))  # fmt: skip
    floor_run = found.get("statement_floor", {})
    tps = (floor_run.get("pgbench") or {}).get("tps")
    if tps:
        add("pgbench tpcb-like TPS (scale 50, 50 clients)", tps, "reference")
        if spread50:
            mark = round(0.2 * tps, 1)
            rate = spread50["checkouts_per_second"]
            add("long-term mark: checkouts/s ≥ 0.2 x pgbench TPS, K=50", rate, f"≥ {mark}",
                verdict(rate, mark))  # fmt: skip
    workers2 = _run_of(found.get("checkout_throughput-workers2", {}), "spread", 50)
    if workers2 and spread50:
        add("serve --workers 2, checkouts/s, K=50", workers2["checkouts_per_second"],
            f"(1 worker: {spread50['checkouts_per_second']})")  # fmt: skip
        add("  --workers 2: complete p99 ms / peak RSS MiB per worker",
            f"{workers2['latency']['completeCheckout']['p99_ms']} / {workers2['peak_rss_mib']}",
            "")  # fmt: skip
    lite = found.get("checkout_throughput-sqlite", {})
    for shoppers in (1, 10, 50):
        item = _run_of(lite, "spread", shoppers)
        if item is None:
            continue
        add(f"SQLite checkouts/s, K={shoppers}", item["checkouts_per_second"], "")
        same = _run_of(pg, "spread", shoppers)
        if same and same["checkouts_per_second"] and shoppers == (largest or shoppers):
            ratio = round(item["checkouts_per_second"] / same["checkouts_per_second"], 3)
            add(f"SQLite / PostgreSQL, K={shoppers}", ratio, "≥ 0.5", verdict(ratio, 0.5))
    if lite.get("runs"):
        locked = sum(
            r["database_is_locked_in_log"]
            + sum(n for k, n in r["errors_by_kind"].items() if "locked" in k.lower())
            for r in lite["runs"]
        )
        add('"database is locked" (SQLite)', locked, "0", verdict(locked, 0, at_most=True))
        errors = sum(r["errors"] for r in lite["runs"])
        add("errors, SQLite runs", errors, "0", verdict(errors, 0, at_most=True))
    counts = found.get("statement_counts", {})
    for lines, row in counts.get("by_lines", {}).items():
        add(
            f"statements / round trips per mutation, {lines} line(s)",
            "; ".join(
                f"{m} {v['statements']}/{v['round_trips']}" for m, v in row.items() if m != "flow"
            )
            + f"; flow {row['flow']['statements']}/{row['flow']['round_trips']}",
            "",
        )
    targets = counts.get("targets", {})
    if targets:
        add("completeCheckout statements, 1 → 100 lines constant",
            targets["complete_statements_constant"], "yes",
            {"met": targets["complete_statements_constant"], "ratio": None})  # fmt: skip
        check = targets["complete_statements"]
        add("completeCheckout statements", check["measured"], "≤ 12", check)
        add("completeCheckout: no statement issued twice", targets["complete_no_statement_twice"],
            "yes", {"met": targets["complete_no_statement_twice"], "ratio": None})  # fmt: skip
        check = targets["flow_statements"]
        add("whole five-mutation flow statements", check["measured"], "≤ 40", check)
    gql = found.get("graphql_overhead", {})
    if gql.get("targets"):
        big = gql["by_lines"]["100"]
        add("checkout(token), 100 lines: graphql-core / Strawberry / graphql-core with the "
            "service's executor, ms",
            f"{big['graphql_core']['median_ms']} / {big['strawberry']['median_ms']} / "
            f"{big['graphql_core_service_executor']['median_ms']}", "")  # fmt: skip
        check = gql["targets"]["strawberry_over_graphql_core"]
        add("Strawberry / graphql-core", check["measured"], "≤ 1.3", check)
        check = gql["targets"]["strawberry_ms_100_lines"]
        add("Strawberry ms, 100-line checkout", check["measured"], "≤ 2", check)
        add("µs per line (graphql-core / Strawberry)",
            f"{gql['microseconds_per_line']['graphql_core']} / "
            f"{gql['microseconds_per_line']['strawberry']}", "")  # fmt: skip
    fan = found.get("subscription_fanout", {})
    if fan.get("status") == "not measured yet":
        add("subscription fan-out", "not measured yet (no checkoutStatusChanged)", "")
    elif fan.get("targets"):
        subscribers = fan["subscribers"]
        add(f"fan-out to {subscribers}: delivery p50/p99 ms after the mutation's answer",
            f"{fan['after_mutation_answered']['p50_ms']} / "
            f"{fan['after_mutation_answered']['p99_ms']}", "p99 ≤ 100",
            fan["targets"]["delivery_p99_ms_after_answer"])  # fmt: skip
        add(f"fan-out to {subscribers}: delivery p50/p99 ms after the mutation was sent",
            f"{fan['after_mutation_sent']['p50_ms']} / {fan['after_mutation_sent']['p99_ms']}",
            "p99 ≤ 100", fan["targets"]["delivery_p99_ms_after_sent"])  # fmt: skip
        add("fan-out messages/s", fan["messages_per_second"], "")
        check = fan["targets"]["kib_per_idle_subscriber"]
        add("KiB per idle subscriber", check["measured"], "≤ 32", check)
        one = fan["targets"]["one_read_per_event"]
        add("database transactions per change, mutation included (1 subscriber vs N)",
            fan.get("transactions_per_event", "not measured (--quick)"), "equal",
            None if one is None else {"met": one, "ratio": None})  # fmt: skip
        add("checkout throughput drop while fanning out (K=10)",
            f"{fan['throughput']['drop_percent']} %", "")  # fmt: skip
    return rows


def table(rows: list[tuple[str, Any, str, str, str]], info: dict[str, Any]) -> str:
    head = (
        f"Measured {info['date']} on commit `{info['commit']}`"
        f"{' (work tree with uncommitted changes)' if info['work_tree_dirty'] else ''}; "
        f"{info['cores']} cores ({info['cpu']}), {info['memory_gib']} GiB, PostgreSQL "
        f"{info['postgresql']}, Python {info['python']}; load average at start "
        f"{', '.join(f'{x:.1f}' for x in info['load_average_at_start'])}.\n\n"
        "| figure | measured | target | met | ratio to target |\n|---|---|---|---|---|\n"
    )
    body = "\n".join(f"| {a} | {b} | {c} | {d} | {e} |" for a, b, c, d, e in rows)
    return head + body + "\n"


def publish(text: str, *, quick: bool) -> None:
    (RESULTS / f"figures-{'quick' if quick else 'full'}.md").write_text(text)
    print(text)
    if not quick:
        readme = BENCH / "README.md"
        current = readme.read_text()
        if MARK_START in current and MARK_END in current:
            before, rest = current.split(MARK_START, 1)
            after = rest.split(MARK_END, 1)[1]
            readme.write_text(f"{before}{MARK_START}\n{text}{MARK_END}{after}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--snapshot", action=argparse.BooleanOptionalAction, default=None)
    parser.add_argument(
        "--table-only", action="store_true", help="no runs: the table from *-latest.json"
    )
    args = parser.parse_args(argv)
    if args.table_only:
        steps = QUICK if args.quick else FULL
        found = {
            name: json.loads((RESULTS / f"{name}-latest.json").read_text())
            for name, _, _ in steps
            if (RESULTS / f"{name}-latest.json").exists()
        }
        first = found.get("checkout_throughput-postgres", {}).get("machine") or machine()
        publish(table(figures(found), first), quick=args.quick)
        return
    env = dict(os.environ)
    snapshot = not args.quick if args.snapshot is None else args.snapshot
    if snapshot and not env.get("BENCH_SOURCE"):
        env["BENCH_SOURCE"] = str(snapshot_source())
        say(f"measuring a copy of the work tree: {env['BENCH_SOURCE']}")
    info = machine()
    found = run(QUICK if args.quick else FULL, env)
    publish(table(figures(found), info), quick=args.quick)
    failed = [name for name, value in found.items() if "failed" in value]
    if failed:
        say(f"failed: {', '.join(failed)}")
        sys.exit(1)


if __name__ == "__main__":
    main()
