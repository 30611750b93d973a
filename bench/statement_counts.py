"""Benchmark 4: SQL statements and round trips of each checkout mutation with 1, 10 and 100
lines, on PostgreSQL.

Statements are counted with SQLAlchemy's `before_cursor_execute` (an executemany counts once,
transaction control not at all, as tests/support.py counts them). Round trips come from
libpq's protocol trace: every exchange the driver waited for, including the BEGIN psycopg
sends before a transaction's first statement, the COMMIT or the pool's ROLLBACK on return,
and the pool's pre-ping. Connection checkouts are the pool's.

    .venv/bin/python bench/statement_counts.py [--lines 1,10,100]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.checkout_throughput import prepare
from bench.common import machine, run_dir, say, verdict, write_results
from bench.flow import MUTATIONS
from bench.sql_capture import capture_checkout

COMPLETE_BUDGET = 12
FLOW_BUDGET = 40


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", default="1,10,100")
    args = parser.parse_args(argv)
    workdir = run_dir("statements")
    info = machine()
    url, keys = prepare("postgres", workdir)
    table: dict[str, dict[str, Any]] = {}
    for count in (int(n) for n in args.lines.split(",")):
        lines = [{"sku": f"P{i:05d}", "quantity": 1} for i in range(count)]
        capture = asyncio.run(capture_checkout(url, keys, lines, workdir, warm_up=1))
        row: dict[str, Any] = {}
        for name in MUTATIONS:
            cost = capture.costs[name]
            repeated = sorted(
                {s for s in cost.statements_text if cost.statements_text.count(s) > 1}
            )
            row[name] = {
                "statements": cost.statements,
                "distinct": cost.distinct_statements,
                "round_trips": cost.round_trips,
                "connection_checkouts": cost.connection_checkouts,
                "repeated": [s[:160] for s in repeated],
            }
        row["flow"] = {
            key: sum(row[m][key] or 0 for m in MUTATIONS)
            for key in ("statements", "round_trips", "connection_checkouts")
        }
        table[str(count)] = row
        say(
            f"  {count:>3} lines: "
            + "  ".join(
                f"{m} {row[m]['statements']}/{row[m]['round_trips']}/"
                f"{row[m]['connection_checkouts']}"
                for m in MUTATIONS
            )
            + f"  flow {row['flow']['statements']}/{row['flow']['round_trips']}"
            + "  (statements/round trips/connections)"
        )
    completions = [table[n]["completeCheckout"]["statements"] for n in table]
    largest = table[max(table, key=int)]
    targets = {
        "complete_statements_constant": len(set(completions)) == 1,
        "complete_statements": verdict(max(completions), COMPLETE_BUDGET, at_most=True),
        "complete_no_statement_twice": all(
            not table[n]["completeCheckout"]["repeated"] for n in table
        ),
        "flow_statements": verdict(
            max(table[n]["flow"]["statements"] for n in table), FLOW_BUDGET, at_most=True
        ),
        "flow_round_trips_at_most_lines": largest["flow"]["round_trips"],
    }
    results = {
        "benchmark": "statement_counts",
        "machine": info,
        "by_lines": table,
        "targets": targets,
    }
    say(f"  results: {write_results('statement_counts', results)}")
    return results


if __name__ == "__main__":
    main()
