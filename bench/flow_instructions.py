"""Instructions one checkout costs the server's Python process: the flow's five mutations run
in one process against the app over ASGI (no sockets, worker off, the collector set up as
`serve` sets it, access lines written as JSON to a pipe), under valgrind's callgrind, which
counts instructions rather than time, so the figure is the same whatever else the machine
does. Two runs of the same warm-up and N1 and N2 flows; their difference divided by N2 - N1
leaves the start-up out. Kernel work (sockets, the database) is not counted.

For A/B steps in a profiling round: `BENCH_SOURCE=<a checkout of a commit>` measures that
commit's code (~3 minutes a run; needs `valgrind`, from Debian's package).

    .venv/bin/python bench/flow_instructions.py [--flows 10,40]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import flow
from bench.common import SOURCE, machine, run_dir, say, service_env, write_results

WARM_UP_FLOWS = 5


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flows", default="10,40", help="the two runs' flows, N1,N2")
    args = parser.parse_args(argv)
    fewer, more = (int(n) for n in args.flows.split(","))
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    from bench.checkout_throughput import prepare

    workdir = run_dir("flow-instructions")
    url, keys = prepare("postgres", workdir)
    counts = {n: _instructions(url, keys.public_key, workdir, n) for n in (fewer, more)}
    per_flow = round((counts[more] - counts[fewer]) / (more - fewer))
    say(f"  {per_flow:,} instructions per checkout ({fewer} and {more} flows: {counts})")
    results = {"machine": machine(), "source": str(SOURCE), "instructions_per_flow": per_flow}
    say(f"  results: {write_results('flow_instructions', results | {'runs': counts})}")
    return results


def _instructions(url: str, public_key: str, workdir: Path, flows: int) -> int:
    env = service_env(url, workdir, run_worker="false")
    done = subprocess.run(
        [
            *("valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"),
            *(sys.executable, __file__, "--child", public_key, str(flows)),
        ],
        env=env,
        cwd=workdir,
        capture_output=True,
        text=True,
        check=True,
    )
    collected = re.search(r"Collected : ([\d,]+)", done.stderr)
    if collected is None:
        raise RuntimeError(f"callgrind said no total: {done.stderr[-2000:]}")
    return int(collected.group(1).replace(",", ""))


async def _child(public_key: str, flows: int) -> None:
    from graph.app import create_app
    from graph.collector import settle_after_start

    app = create_app()
    settle_after_start()
    rng = random.Random(1)
    async with app.router.lifespan_context(app):
        for _ in range(WARM_UP_FLOWS + flows):
            await _checkout(app, public_key, rng)


async def _checkout(app: Any, public_key: str, rng: random.Random) -> None:
    async def call(name: str, document: str, variables: dict[str, Any]) -> Any:
        body = json.dumps({"query": document, "variables": variables}).encode()
        status, answer = await _post(app, public_key, body)
        payload = json.loads(answer)["data"][name]
        if status != 200 or payload.get("errors"):
            raise RuntimeError(f"{name}: {answer[:300]!r}")
        return payload

    cart = await call("createCart", flow.CREATE_CART, {"lines": flow.spread_lines(rng)})
    started = await call("initiateCheckout", flow.INITIATE, {"cartId": cart["cart"]["id"]})
    token = started["checkout"]["token"]
    await call("setCustomer", flow.SET_CUSTOMER, {"token": token, "input": flow.CUSTOMER})
    await call("createPayment", flow.CREATE_PAYMENT, {"token": token, "input": flow.INVOICE})
    await call("completeCheckout", flow.COMPLETE, {"token": token})


async def _post(app: Any, public_key: str, body: bytes) -> tuple[int, bytes]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "scheme": "http",
        "method": "POST",
        "root_path": "",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"accept", b"application/json"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"x-store-key", public_key.encode()),
        ],
    }
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    status, parts = 0, []

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop()
        await asyncio.Event().wait()  # the client never goes away
        raise AssertionError

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            parts.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(parts)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        import uvloop

        sys.path.insert(0, str(SOURCE))  # the service's code from the source measured
        uvloop.run(_child(sys.argv[2], int(sys.argv[3])))
    else:
        main()
