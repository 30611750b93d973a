"""Real server processes on loopback ports, for tests of what several processes do together."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

from tests.support import TEST_VAULT_KEY

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def service_env(database_url: str, workdir: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CHECKOUT_FLOW_")}
    env.update(
        {
            "CHECKOUT_FLOW_DATABASE_URL": database_url,
            "CHECKOUT_FLOW_VAULT_KEY": TEST_VAULT_KEY,
            "CHECKOUT_FLOW_MAIL_DIR": str(workdir / "mail"),
            "CHECKOUT_FLOW_LOG_LEVEL": "WARNING",
            **extra,
        }
    )
    return env


@contextmanager
def served(env: Mapping[str, str], workdir: Path, *args: str) -> Iterator[str]:
    """`checkout-flow serve` on a free port until the block ends; yields its base URL."""
    port = free_port()
    log = (workdir / f"serve-{port}.log").open("w")
    process = subprocess.Popen(
        [str(BIN / "checkout-flow"), "serve", "--port", str(port), *args],
        env=dict(env),
        cwd=workdir,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(base, process, workdir / f"serve-{port}.log")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@contextmanager
def several_served(env: Mapping[str, str], workdir: Path, count: int) -> Iterator[list[str]]:
    with ExitStack() as stack:
        yield [stack.enter_context(served(env, workdir)) for _ in range(count)]


def _wait_until_ready(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"checkout-flow serve exited: {log.read_text()}")
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"checkout-flow serve did not become ready: {log.read_text()}")
