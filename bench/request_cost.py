"""Where one checkout's server CPU goes, request by request: one shopper runs the flow again and
again against a fresh `checkout-flow serve`, and the server's main thread is read
(`/proc/<pid>/schedstat`, nanoseconds) before and after each request. Two more requests give
the fixed costs: `{ __typename }` (HTTP, middleware and Strawberry, no database) and
`checkout(token) { token }` (the same plus reading one checkout). Medians, in µs; for the
worker, its mean per flow.

The worker runs inside the server as in production; what it does for an order lands on
whichever request it overlaps, so its share is reported apart (`worker`, the CPU spent in a
short pause after each flow). `--no-worker` turns it off.

    .venv/bin/python bench/request_cost.py [--checkouts 300] [--no-worker]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import flow
from bench.checkout_throughput import prepare
from bench.common import machine, run_dir, say, start_server, write_results

TYPENAME = "{ __typename }"
CHECKOUT_TOKEN = "query($token: ID!) { checkout(token: $token) { token } }"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkouts", type=int, default=300)
    parser.add_argument("--worker", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args(argv)
    workdir = run_dir("request-cost")
    url, keys = prepare("postgres", workdir)
    settings = {} if args.worker else {"run_worker": "false"}
    with start_server(url, workdir, **settings) as server:
        costs = asyncio.run(
            _measure(server.base_url, keys.public_key, server.worker_pids()[0], args)
        )
    # The worker works once a second, so its typical pause costs nothing: its mean is its share.
    medians = {
        name: round((statistics.mean if name == "worker" else statistics.median)(values) / 1000)
        for name, values in costs.items()
    }
    flow_total = sum(medians[name] for name in flow.MUTATIONS)
    for name, value in medians.items():
        say(f"  {name:18} {value:6} µs")
    say(f"  {'five mutations':18} {flow_total:6} µs")
    results = {"machine": machine(), "worker": args.worker, "median_us": medians}
    say(f"  results: {write_results('request_cost', results | {'flow_us': flow_total})}")
    return results


async def _measure(
    base_url: str, public_key: str, pid: int, args: argparse.Namespace
) -> dict[str, list[int]]:
    rng = random.Random(7)
    costs: dict[str, list[int]] = defaultdict(list)
    async with flow.client_for(base_url, public_key, 1) as client:

        async def timed(name: str, document: str, variables: dict[str, Any]) -> dict[str, Any]:
            before = _run_ns(pid)
            payload = await flow.call(client, name, document, variables, {})
            costs[name].append(_run_ns(pid) - before)
            return payload

        for _ in range(20):  # warm-up: statements prepared, caches filled
            await flow.checkout_once(client, flow.spread_lines(rng), {})
        for _ in range(args.checkouts):
            cart = await timed("createCart", flow.CREATE_CART, {"lines": flow.spread_lines(rng)})
            started = await timed("initiateCheckout", flow.INITIATE, {"cartId": cart["cart"]["id"]})
            token = {"token": started["checkout"]["token"]}
            await timed("setCustomer", flow.SET_CUSTOMER, token | {"input": flow.CUSTOMER})
            await timed("createPayment", flow.CREATE_PAYMENT, token | {"input": flow.INVOICE})
            await timed("completeCheckout", flow.COMPLETE, token)
            await timed("checkout", CHECKOUT_TOKEN, token)
            before = _run_ns(pid)
            await client.post(b'{"query":"' + TYPENAME.encode() + b'"}')
            costs["typename"].append(_run_ns(pid) - before)
            before = _run_ns(pid)
            await asyncio.sleep(0.02)
            costs["worker"].append(_run_ns(pid) - before)
    return costs


def _run_ns(pid: int) -> int:
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])


if __name__ == "__main__":
    main()
