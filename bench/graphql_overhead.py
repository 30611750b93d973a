"""Benchmark 5: what Strawberry costs on top of graphql-core for the `checkout(token)` query of
a 100-line checkout, and the time per line.

Both run the same document on the same resolvers (Strawberry's graphql-core schema,
`schema._schema`), in this process, with the checkout already in the request's dataloader
(so no database read is timed: only execution), and with parse and validation done once:
- strawberry: `await schema.execute(...)` with the service's schema, its extensions (parser
  cache, validation cache, depth/alias/token limits, error shaping) and its executor
  (`graph/executor.py`, which reads plain attribute fields directly);
- graphql-core: `graphql.execute(schema._schema, parsed_document, ...)` on the same context,
  with graphql-core's own executor;
- graphql-core with the service's executor: the same, `executor_class=CheckoutExecutor`, which
  is what Strawberry itself adds on top of the execution.

    .venv/bin/python bench/graphql_overhead.py [--iterations 300]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from inspect import isawaitable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    VAULT_KEY,
    catalog,
    machine,
    migrate,
    run_dir,
    say,
    sqlite_url,
    use_uvloop,
    verdict,
    write_results,
)
from bench.flow import CHECKOUT, CREATE_PAYMENT, CUSTOMER, INVOICE, SET_CUSTOMER

LINES = 100
RATIO_TARGET = 1.3
MS_TARGET = 2.0


async def make_checkouts(workdir: Path) -> tuple[Any, dict[int, Any]]:
    """A runtime on a fresh SQLite database, and a 1-line and a 100-line checkout with a
    customer and an invoice payment, as domain objects."""
    import httpx

    from domain import store_setup
    from graph.app import create_app
    from graph.runtime import build_runtime
    from graph.settings import Settings

    url = sqlite_url(workdir / "graphql.db")
    migrate(url)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        vault_key=VAULT_KEY,
        mail_dir=workdir / "mail",
        run_worker=False,
    )
    runtime = build_runtime(settings)
    keys = await store_setup.create_store(
        runtime.ports, "Bench shop", "EUR", allow_invoice_checkout=True
    )
    app = create_app(settings, runtime=runtime)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    from bench.common import SETTINGS, UPSERT

    found: dict[int, Any] = {}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bench.local"
    ) as client:
        secret = {"Authorization": f"Bearer {keys.secret_key}"}  # type: ignore[union-attr]
        public = {"X-Store-Key": keys.public_key}  # type: ignore[union-attr]
        await client.post(
            "/graphql",
            headers=secret,
            json={
                "query": SETTINGS,
                "variables": {
                    "input": {
                        "taxRates": [{"country": "NL", "rate": "0.21"}],
                        "shippingMethods": [
                            {
                                "id": "standard",
                                "name": "Standard",
                                "price": "4.95",
                                "countries": ["NL"],
                            }
                        ],
                    }
                },
            },
        )
        products = catalog(LINES)[3:]
        for start in range(0, LINES, 100):
            await client.post(
                "/graphql",
                headers=secret,
                json={"query": UPSERT, "variables": {"input": products[start : start + 100]}},
            )
        for count in (1, LINES):
            lines = [{"sku": p["sku"], "quantity": 1} for p in products[:count]]
            cart = (
                await client.post(
                    "/graphql",
                    headers=public,
                    json={
                        "query": "mutation($l: [CartLineInput!]!) { createCart(lines: $l) "
                        "{ cart { id } } }",
                        "variables": {"l": lines},
                    },
                )
            ).json()["data"]["createCart"]["cart"]["id"]
            token = (
                await client.post(
                    "/graphql",
                    headers=public,
                    json={
                        "query": "mutation($c: ID!) { initiateCheckout(cartId: $c) "
                        "{ checkout { token } } }",
                        "variables": {"c": cart},
                    },
                )
            ).json()["data"]["initiateCheckout"]["checkout"]["token"]
            for document, variables in (
                (SET_CUSTOMER, {"token": token, "input": CUSTOMER}),
                (CREATE_PAYMENT, {"token": token, "input": INVOICE}),
            ):
                answer = (
                    await client.post(
                        "/graphql", headers=public, json={"query": document, "variables": variables}
                    )
                ).json()
                assert not next(iter(answer["data"].values()))["errors"], answer
            found[count] = (await runtime.readers.checkouts_by_tokens([token]))[token]
    return runtime, found


def context_for(runtime: Any, checkout: Any) -> Any:
    """A request's context with the checkout already in its dataloader, and no store key (a
    token operation needs none), so executing reads nothing from the database."""
    from graph.context import Context
    from graph.dataloaders import Loaders

    loaders = Loaders(runtime.readers, runtime.clock.now())
    loaders.checkout_by_token.prime(checkout.token, checkout)
    return Context(runtime=runtime, request_id="bench", connection=None, key=None, loaders=loaders)


async def timed(
    run: Callable[[Any], Awaitable[Any]], make_context: Callable[[], Any], iterations: int
) -> list[float]:
    contexts = [make_context() for _ in range(iterations)]
    for _ in range(max(5, iterations // 10)):  # warm caches and code paths
        await run(make_context())
    spent = []
    for context in contexts:
        started = time.perf_counter()
        await run(context)
        spent.append(time.perf_counter() - started)
    return spent


def strawberry_runner(schema: Any, variables: dict[str, Any]) -> Callable[[Any], Awaitable[Any]]:
    async def run(context: Any) -> Any:
        result = await schema.execute(CHECKOUT, variable_values=variables, context_value=context)
        assert result.errors is None, result.errors
        assert result.data["checkout"]
        return result

    return run


def core_runner(
    schema: Any, document: Any, variables: dict[str, Any], executor: Any = None
) -> Callable[[Any], Awaitable[Any]]:
    from graphql import execute

    async def run(context: Any) -> Any:
        result = execute(
            schema._schema,
            document,
            variable_values=variables,
            context_value=context,
            executor_class=executor,
        )
        if isawaitable(result):
            result = await result
        assert result.errors is None, result.errors
        assert result.data["checkout"]
        return result

    return run


async def measure(iterations: int, workdir: Path) -> dict[str, Any]:
    from graphql import parse, validate

    from graph.schema import schema

    runtime, checkouts = await make_checkouts(workdir)
    from graph.executor import CheckoutExecutor

    document = parse(CHECKOUT)
    assert not validate(schema._schema, document)
    figures: dict[str, Any] = {}
    try:
        for count, checkout in checkouts.items():
            variables = {"token": checkout.token}
            strawberry_run = strawberry_runner(schema, variables)
            core_ours_run = core_runner(schema, document, variables, CheckoutExecutor)
            core_run = core_runner(schema, document, variables)
            make = lambda checkout=checkout: context_for(runtime, checkout)  # noqa: E731
            row = {}
            for name, run in (
                ("graphql_core", core_run),
                ("strawberry", strawberry_run),
                ("graphql_core_service_executor", core_ours_run),
            ):
                spent = await timed(run, make, iterations)
                row[name] = {
                    "median_ms": round(statistics.median(spent) * 1000, 3),
                    "mean_ms": round(statistics.fmean(spent) * 1000, 3),
                }
            figures[str(count)] = row
            say(
                f"  {count:>3} lines: graphql-core {row['graphql_core']['median_ms']} ms, "
                f"strawberry {row['strawberry']['median_ms']} ms, graphql-core with the "
                f"service's executor {row['graphql_core_service_executor']['median_ms']} ms "
                "(medians)"
            )
    finally:
        await runtime.close()
    big, one = figures[str(LINES)], figures["1"]
    ratio = big["strawberry"]["median_ms"] / big["graphql_core"]["median_ms"]
    per_line = {
        name: round((big[name]["median_ms"] - one[name]["median_ms"]) / (LINES - 1) * 1000, 2)
        for name in big
    }
    return {
        "by_lines": figures,
        "microseconds_per_line": per_line,
        "targets": {
            "strawberry_over_graphql_core": verdict(round(ratio, 3), RATIO_TARGET, at_most=True),
            "strawberry_ms_100_lines": verdict(
                big["strawberry"]["median_ms"], MS_TARGET, at_most=True
            ),
        },
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=300)
    args = parser.parse_args(argv)
    use_uvloop()
    info = machine()
    figures = asyncio.run(measure(args.iterations, run_dir("graphql")))
    results = {"benchmark": "graphql_overhead", "machine": info, "iterations": args.iterations}
    results |= figures
    say(f"  per line (µs): {figures['microseconds_per_line']}")
    say(f"  results: {write_results('graphql_overhead', results)}")
    return results


if __name__ == "__main__":
    main()
