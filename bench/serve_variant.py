"""`checkout-flow serve` with one or more candidate changes patched in at start-up, to measure
what a change from bench/FINDINGS.md would gain before anyone makes it. The service's files
are not touched; the patches live only in this process.

    .venv/bin/python bench/serve_variant.py rules-once,auth-cache --port 8123

Variants:
- rules-once: the depth and alias validation rules made once, so the validation cache hits.
- auth-cache: the store looked up by key hash cached in the process for 5 s.
- no-pre-ping: the pool does not ping a connection before handing it out.
- baseline: nothing patched.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import bench.common  # noqa: F401  (puts BENCH_SOURCE first on sys.path)


def rules_once() -> None:
    import graph.schema
    from bench.graphql_overhead import rules_once_schema

    graph.schema.schema = rules_once_schema()


def auth_cache(seconds: float = 5.0) -> None:
    from persistence.readers import Readers

    original = Readers.store_by_key_hash
    cache: dict[str, tuple[float, Any]] = {}

    async def cached(self: Readers, key_hash: str) -> Any:
        hit = cache.get(key_hash)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        found = await original(self, key_hash)
        cache[key_hash] = (time.monotonic() + seconds, found)
        return found

    Readers.store_by_key_hash = cached  # type: ignore[method-assign]


def no_pre_ping() -> None:
    import persistence.database as database

    original = database.create_async_engine

    def engine(url: str, **options: Any) -> Any:
        options["pool_pre_ping"] = False
        return original(url, **options)

    database.create_async_engine = engine  # type: ignore[assignment]


VARIANTS = {
    "baseline": lambda: None,
    "rules-once": rules_once,
    "auth-cache": auth_cache,
    "no-pre-ping": no_pre_ping,
}


def main() -> None:
    names, rest = sys.argv[1], sys.argv[2:]
    for name in names.split(","):
        VARIANTS[name]()
    from graph.cli import main as cli

    cli(["serve", *rest])


if __name__ == "__main__":
    main()
