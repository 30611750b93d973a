"""Benchmark 3: the checkout throughput on the embedded SQLite default (WAL, one writer), to
compare with PostgreSQL's at the same K; "database is locked" must never happen (counted in
the shoppers' errors and in the server's log).

    .venv/bin/python bench/sqlite_throughput.py [--shoppers 1,10,50] [--seconds 15]

It is `checkout_throughput.py --database sqlite --variants spread`; the ratio to PostgreSQL
is made by run_all.py from the latest results of both.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.checkout_throughput import main

if __name__ == "__main__":
    main(["--database", "sqlite", "--variants", "spread", *sys.argv[1:]])
