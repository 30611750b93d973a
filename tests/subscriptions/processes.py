"""Checkout Flow as separate processes on loopback ports: `checkout-flow serve`, `checkout-flow
worker` and the other commands, each with its own environment, as an operator runs them."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from domain.store import IssuedKeys
from tests.secrets_registry import register
from tests.support import TEST_VAULT_KEY

CLI = str(Path(sys.executable).with_name("checkout-flow"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(database_url: str, pubsub_url: str, mail_dir: Path, **more: str) -> dict[str, str]:
    """The process's whole configuration, none of it from the tester's own environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHECKOUT_FLOW_")}
    env.update(
        CHECKOUT_FLOW_DATABASE_URL=database_url,
        CHECKOUT_FLOW_PUBSUB_URL=pubsub_url,
        CHECKOUT_FLOW_VAULT_KEY=TEST_VAULT_KEY,
        CHECKOUT_FLOW_MAIL_DIR=str(mail_dir),
        CHECKOUT_FLOW_GRAPHIQL="false",
        CHECKOUT_FLOW_LOG_LEVEL="WARNING",
        CHECKOUT_FLOW_RUN_WORKER="false",
        CHECKOUT_FLOW_WORKER_INTERVAL_SECONDS="0.2",
    )
    env.update(more)
    return env


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
