"""What the browser tests stand on: Debian's Chromium (installed through apt-get when missing),
and a real `checkout-flow serve` process with the demo store, set up as `make serve` does."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.processes import BIN, served, service_env

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"
APT_SECONDS = 900


@dataclass(frozen=True)
class DemoServer:
    base: str
    public_key: str
    secret_key: str
    workdir: Path


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's own Chromium; Playwright drives it rather than a browser build of its own."""
    if not CHROMIUM.exists():
        problem = install_chromium()
        if problem is not None:
            pytest.skip(f"no Chromium at {CHROMIUM} and it could not be installed: {problem}")
    return CHROMIUM


def install_chromium() -> str | None:
    """`apt-get update && apt-get install -y chromium`; why not, when it cannot be done."""
    if shutil.which("apt-get") is None:
        return "apt-get is not there (not a Debian system)"
    if os.geteuid() != 0:
        return "apt-get needs root here; run `apt-get install -y chromium` as root"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
        try:
            done = subprocess.run(
                command, env=env, capture_output=True, text=True, timeout=APT_SECONDS, check=False
            )
        except subprocess.TimeoutExpired:
            return f"`{' '.join(command)}` took more than {APT_SECONDS} s"
        if done.returncode != 0:
            return f"`{' '.join(command)}` failed: {done.stderr.strip()[-400:]}"
    return None if CHROMIUM.exists() else f"apt-get installed chromium but not at {CHROMIUM}"


@pytest.fixture
def demo_server(tmp_path: Path) -> Iterator[DemoServer]:
    """A fresh SQLite database, migrated and given the demo store by the same commands
    `make serve` runs (the vault key comes from the environment, as `init-env` puts it in
    `.env`), then `checkout-flow serve` on a free port."""
    env = service_env(f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}", tmp_path)
    for step in ("migrate", "demo"):
        done = subprocess.run(
            [str(BIN / "checkout-flow"), step],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
    # The keys as `checkout-flow demo` prints them for the developer.
    public_key = re.search(r"public key \(storefront\):\s+(pk_\S+)", done.stdout)
    secret_key = re.search(r"secret key \(back office\):\s+(sk_\S+)", done.stdout)
    assert public_key, done.stdout
    assert secret_key, done.stdout
    assert "/demo" in done.stdout, done.stdout
    with served(env, tmp_path) as base:
        yield DemoServer(base, public_key.group(1), secret_key.group(1), tmp_path)


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    """test-artifacts/<test name>/ at the repository root (git-ignored), emptied first."""
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder
