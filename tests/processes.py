"""Checkout Flow as separate processes on loopback ports: `checkout-flow serve`, `checkout-flow
worker` and the one-off commands, each with its own environment, as an operator runs them."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from domain.store import IssuedKeys
from tests.secrets_registry import register
from tests.support import TEST_VAULT_KEY

BIN = Path(sys.executable).parent
CLI = str(BIN / "checkout-flow")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def service_env(database_url: str, workdir: Path, **extra: str) -> dict[str, str]:
    """The process's whole configuration, none of it from the tester's own environment."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CHECKOUT_FLOW_")}
    env.update(
        {
            "CHECKOUT_FLOW_DATABASE_URL": database_url,
            "CHECKOUT_FLOW_VAULT_KEY": TEST_VAULT_KEY,
            "CHECKOUT_FLOW_MAIL_DIR": str(workdir / "mail"),
            "CHECKOUT_FLOW_LOG_LEVEL": "WARNING",
            # Every test client comes from 127.0.0.1; the tests of the limits set their own.
            "CHECKOUT_FLOW_RATE_LIMIT_PER_MINUTE_IP": "0",
            "CHECKOUT_FLOW_RATE_LIMIT_PER_MINUTE_STORE": "0",
            **extra,
        }
    )
    return env


def environment(database_url: str, pubsub_url: str, mail_dir: Path, **more: str) -> dict[str, str]:
    """A process of a cluster: its bus, and no worker inside unless asked for."""
    settings = {
        "CHECKOUT_FLOW_MAIL_DIR": str(mail_dir),
        "CHECKOUT_FLOW_PUBSUB_URL": pubsub_url,
        "CHECKOUT_FLOW_GRAPHIQL": "false",
        "CHECKOUT_FLOW_RUN_WORKER": "false",
        "CHECKOUT_FLOW_WORKER_INTERVAL_SECONDS": "0.2",
    }
    return service_env(database_url, mail_dir.parent, **(settings | more))


def run_command(args: list[str], env: dict[str, str], cwd: Path) -> str:
    """A one-off command (migrate, store create); its output."""
    done = subprocess.run(
        [CLI, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def create_store(env: dict[str, str], cwd: Path, name: str = "Test shop") -> IssuedKeys:
    printed = json.loads(
        run_command(
            ["store", "create", "--name", name, "--currency", "EUR", "--allow-invoice", "--json"],
            env,
            cwd,
        )
    )
    # Shown once, on the command's own output, which is not a log line: nowhere else.
    register(printed["secretKey"], made_by="checkout-flow store create --json")
    return IssuedKeys(printed["id"], printed["publicKey"], printed["secretKey"])


@dataclass
class Process:
    """A long-running command. Its output goes to a log file (a pipe nobody reads would stop
    it once full), shown when it fails to start."""

    name: str
    args: list[str]
    env: dict[str, str]
    cwd: Path
    port: int | None = None
    popen: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def log(self) -> Path:
        return self.cwd / f"{self.name}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    def start(self) -> Process:
        with self.log.open("wb") as log:
            self.popen = subprocess.Popen(
                [CLI, *self.args], env=self.env, cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT
            )
        return self

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def wait_until_ready(self, within: float = 30.0) -> None:
        """`ready` for a caller that is not a coroutine."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            assert self.running, f"{self.name} exited:\n{self.log.read_text()[-3000:]}"
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"{self.name} not ready:\n{self.log.read_text()[-3000:]}")

    async def ready(self, within: float = 30.0) -> None:
        """Until `/readyz` answers 200."""
        async with httpx.AsyncClient() as client:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + within
            while loop.time() < deadline:
                assert self.running, f"{self.name} exited:\n{self.log.read_text()[-3000:]}"
                try:
                    if (await client.get(f"{self.url}/readyz", timeout=1)).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError(f"{self.name} not ready:\n{self.log.read_text()[-3000:]}")

    def terminate(self) -> None:
        if self.running:
            assert self.popen is not None
            self.popen.send_signal(signal.SIGTERM)

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM, then SIGKILL if it does not end in time; its exit code."""
        if self.popen is None:
            return None
        self.terminate()
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            return self.popen.wait(timeout)


def serve(name: str, env: dict[str, str], cwd: Path, *more: str) -> Process:
    port = free_port()
    return Process(name, ["serve", "--port", str(port), *more], env, cwd, port).start()


def worker(name: str, env: dict[str, str], cwd: Path) -> Process:
    return Process(name, ["worker"], env, cwd).start()


@contextmanager
def served(env: Mapping[str, str], workdir: Path, *args: str) -> Iterator[str]:
    """`checkout-flow serve` on a free port until the block ends; yields its base URL."""
    process = serve(f"serve-{free_port()}", dict(env), workdir, *args)
    try:
        process.wait_until_ready()
        yield process.url
    finally:
        process.stop(timeout=15)


@contextmanager
def several_served(env: Mapping[str, str], workdir: Path, count: int) -> Iterator[list[str]]:
    with ExitStack() as stack:
        yield [stack.enter_context(served(env, workdir)) for _ in range(count)]
