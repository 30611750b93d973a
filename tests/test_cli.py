"""The `checkout-flow` command as an operator runs it: a subprocess in a directory of its own,
configured by `CHECKOUT_FLOW_*` variables or a `.env` file."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from graph import collector
from graph.schema import schema
from tests.support import (
    TEST_VAULT_KEY,
    MovableClock,
    api_for,
    build_test_runtime,
    open_store,
    test_settings,
)

CLI = str(Path(sys.executable).with_name("checkout-flow"))
Run = Callable[..., subprocess.CompletedProcess[str]]


@dataclass
class Workspace:
    directory: Path
    database_url: str
    run: Run


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """An empty working directory, an environment without any CHECKOUT_FLOW_* of the caller's,
    and a database file in that directory."""
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}"
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("CHECKOUT_FLOW_")}
    base_env["CHECKOUT_FLOW_DATABASE_URL"] = database_url

    def run(
        *args: str, env: dict[str, str | None] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Runs `checkout-flow args`; in `env`, None takes a variable away."""
        merged: dict[str, str | None] = {**base_env, **(env or {})}
        return subprocess.run(
            [CLI, *args],
            cwd=tmp_path,
            env={name: value for name, value in merged.items() if value is not None},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    return Workspace(tmp_path, database_url, run)


@pytest.fixture
def migrated(workspace: Workspace, sqlite_template: Path) -> Workspace:
    """The workspace with its database migrated already (a copy of the session's template;
    `checkout-flow migrate` itself is run where a test is about it)."""
    shutil.copyfile(sqlite_template, workspace.directory / "shop.db")
    return workspace


def keys_in(text: str) -> tuple[str, str]:
    public = re.search(r"\bpk_[A-Za-z0-9_-]+", text)
    secret = re.search(r"\bsk_[A-Za-z0-9_-]+", text)
    assert public, text
    assert secret, text
    return public.group(), secret.group()


async def graphql(workspace: Workspace, query: str, key: str) -> Any:
    """One GraphQL call against the database the CLI wrote, through the app over HTTP."""
    clock = MovableClock()
    runtime = build_test_runtime(test_settings(workspace.database_url, workspace.directory), clock)
    try:
        async for api in api_for(runtime, clock):
            return await api.data(query, key=key)
    finally:
        await runtime.close()


def test_migrate_then_store_create_prints_keys_that_work_through_graphql(
    workspace: Workspace,
) -> None:
    # Configuration from a .env file in the working directory this time.
    (workspace.directory / ".env").write_text(
        f"CHECKOUT_FLOW_DATABASE_URL={workspace.database_url}\n"
    )
    env: dict[str, str | None] = {"CHECKOUT_FLOW_DATABASE_URL": None}
    migrated = workspace.run("migrate", env=env)
    assert migrated.returncode == 0, migrated.stderr
    created = workspace.run(
        "store", "create", "--name", "Corner shop", "--currency", "eur", "--json", env=env
    )
    assert created.returncode == 0, created.stderr
    keys = json.loads(created.stdout)
    assert set(keys) == {"id", "publicKey", "secretKey"}
    assert keys["publicKey"].startswith("pk_")
    assert keys["secretKey"].startswith("sk_")
    stored = b"".join(path.read_bytes() for path in workspace.directory.glob("shop.db*"))
    assert keys["secretKey"].encode() not in stored, "only hashes are kept"
    assert keys["publicKey"].encode() not in stored

    store = asyncio.run(graphql(workspace, "{ store { id name currency } }", keys["secretKey"]))
    assert store["store"] == {"id": keys["id"], "name": "Corner shop", "currency": "EUR"}
    products = asyncio.run(
        graphql(workspace, "{ products(first: 1) { totalCount } }", keys["publicKey"])
    )
    assert products == {"products": {"totalCount": 0}}


def test_store_create_refuses_an_unknown_currency(migrated: Workspace) -> None:
    refused = migrated.run("store", "create", "--name", "X", "--currency", "ABC", "--json")
    assert refused.returncode == 2
    assert "currency" in refused.stderr
    assert refused.stdout == ""


def test_demo_prints_the_same_keys_every_time_and_they_open_the_demo_store(
    migrated: Workspace,
) -> None:
    env: dict[str, str | None] = {"CHECKOUT_FLOW_VAULT_KEY": TEST_VAULT_KEY}
    first = migrated.run("demo", env=env)
    assert first.returncode == 0, first.stderr
    second = migrated.run("demo", env=env)
    assert second.returncode == 0, second.stderr
    assert keys_in(first.stdout) == keys_in(second.stdout)
    assert "created" in first.stdout
    assert "ready" in second.stdout
    for output in (first.stdout, second.stdout):
        assert "http://127.0.0.1:8000/graphql" in output
        assert "X-Store-Key" in output
        assert "Authorization" in output

    public, secret = keys_in(second.stdout)
    store = asyncio.run(
        graphql(migrated, "{ store { currency settings { allowInvoiceCheckout } } }", secret)
    )
    assert store["store"] == {"currency": "EUR", "settings": {"allowInvoiceCheckout": True}}
    query = "{ products(first: 100) { totalCount edges { node { sku } } } }"
    products = asyncio.run(graphql(migrated, query, public))
    assert products["products"]["totalCount"] >= 6
    assert any("LENS" in edge["node"]["sku"] for edge in products["products"]["edges"])


def test_demo_needs_a_vault_key(workspace: Workspace) -> None:
    refused = workspace.run("demo")
    assert refused.returncode == 2
    assert "VAULT_KEY" in refused.stderr


def test_demo_leaves_a_real_shops_database_alone(migrated: Workspace) -> None:
    async def open_a_shop() -> None:
        runtime = build_test_runtime(
            test_settings(migrated.database_url, migrated.directory), MovableClock()
        )
        await open_store(runtime, "A real shop")
        await runtime.close()

    asyncio.run(open_a_shop())
    demo = migrated.run("demo", env={"CHECKOUT_FLOW_VAULT_KEY": TEST_VAULT_KEY})
    assert demo.returncode == 0, demo.stderr
    assert "pk_" not in demo.stdout
    assert "sk_" not in demo.stdout


def test_init_env_writes_a_vault_key_once(workspace: Workspace) -> None:
    assert workspace.run("init-env").returncode == 0
    written = (workspace.directory / ".env").read_text()
    assert re.search(r"^CHECKOUT_FLOW_VAULT_KEY=\S{40,}$", written, re.MULTILINE)
    assert workspace.run("init-env").returncode == 0
    assert (workspace.directory / ".env").read_text() == written


def test_export_schema_prints_the_schema(workspace: Workspace) -> None:
    exported = workspace.run("export-schema")
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout == schema.as_str() + "\n"
    assert "type Query" in exported.stdout


def test_serve_with_several_workers_on_sqlite_is_refused(workspace: Workspace) -> None:
    refused = workspace.run("serve", "--workers", "2")
    assert refused.returncode == 2
    assert "PostgreSQL" in refused.stderr
    assert "--workers" in refused.stderr
    assert not (workspace.directory / "shop.db").exists(), "refused before touching anything"


def test_the_served_app_freezes_what_it_made_at_start(migrated: Workspace) -> None:
    """In its own process: freezing in this one would keep every test's objects for good."""
    probe = (
        "import gc; from graph.app import create_served_app; create_served_app(); "
        "print(gc.get_freeze_count(), *gc.get_threshold())"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHECKOUT_FLOW_")}
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=migrated.directory,
        env=env | {"CHECKOUT_FLOW_DATABASE_URL": migrated.database_url},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    frozen, young, middle, _old = (int(n) for n in done.stdout.split())
    assert frozen > 100_000  # the schema, the modules, the runtime
    assert (young, middle) == (collector.YOUNG_OBJECTS, collector.YOUNG_COLLECTIONS_PER_MIDDLE)
