"""Benchmark 7: peak RSS (VmHWM) of one server process under benchmark 1 at K = 50, spread
variant, on PostgreSQL; every run of checkout_throughput.py reports it as `peak_rss_mib`.

    .venv/bin/python bench/peak_memory.py [--workers 2]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.checkout_throughput import main

if __name__ == "__main__":
    fixed = ["--shoppers", "50", "--variants", "spread", "--no-floor", "--name", "peak_memory"]
    main([*fixed, *sys.argv[1:]])
