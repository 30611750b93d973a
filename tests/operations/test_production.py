"""`CHECKOUT_FLOW_ENV=production`: no explorer, no introspection, no suggestions, no queries by
GET, and no start without the settings it needs; development as it always was; one schema."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from graph.settings import Settings
from tests.operations.conftest import ServeApp
from tests.support import TEST_VAULT_KEY

CLI = str(Path(sys.executable).with_name("checkout-flow"))
INTROSPECTION = "query { __schema { queryType { name } } }"
TYPE_QUERY = 'query { __type(name: "Checkout") { name } }'
MISSPELT_FIELD = "query { prodcts(first: 1) { totalCount } }"
MISSPELT_ARGUMENT = "query { products(frist: 1) { totalCount } }"
# Variables are checked when execution starts, outside validation.
MISSPELT_ENUM_VARIABLE = """mutation($provider: PaymentProvider!) {
  createPayment(token: "t", input: {provider: $provider}) { errors { code } } }"""
BROWSER = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def messages(answer: dict[str, object]) -> str:
    return " ".join(str(error["message"]) for error in answer["errors"])  # type: ignore[attr-defined, index]


async def test_production_refuses_introspection(serve_app: ServeApp, sqlite_url: str) -> None:
    async with serve_app(sqlite_url, env="production") as served, served.api() as api:
        for document in (INTROSPECTION, TYPE_QUERY):
            answer = await api.call(document)
            assert answer.get("data") is None
            assert answer["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
            assert "introspection" in answer["errors"][0]["message"]
        # What every client asks for to tell types apart stays.
        assert await api.data("query { __typename }") == {"__typename": "Query"}


async def test_development_keeps_introspection(serve_app: ServeApp, sqlite_url: str) -> None:
    async with serve_app(sqlite_url) as served, served.api() as api:
        data = await api.data(INTROSPECTION)
        assert data == {"__schema": {"queryType": {"name": "Query"}}}


@pytest.mark.parametrize(
    ("document", "variables"),
    [
        pytest.param(MISSPELT_FIELD, {}, id="field"),
        pytest.param(MISSPELT_ARGUMENT, {}, id="argument"),
        pytest.param(MISSPELT_ENUM_VARIABLE, {"provider": "STRIPEE"}, id="enum-variable"),
    ],
)
async def test_production_suggests_nothing(
    serve_app: ServeApp, sqlite_url: str, document: str, variables: dict[str, object]
) -> None:
    async with serve_app(sqlite_url) as served, served.api() as api:
        assert "Did you mean" in messages(await api.call(document, variables))
    async with serve_app(sqlite_url, env="production") as served, served.api() as api:
        answer = await api.call(document, variables)
        assert answer["errors"], answer
        assert "Did you mean" not in messages(answer)


async def test_production_validation_is_cached_like_development(
    serve_app: ServeApp, sqlite_url: str, validations: list[object]
) -> None:
    """The production rules are the same classes every time: a document validates once."""
    document = "query OnlyOnceInProduction { products(first: 1) { totalCount } }"
    async with serve_app(sqlite_url, env="production") as served, served.api() as api:
        await api.data(document)
        await api.data(document)
    assert len(validations) == 1


async def test_production_serves_no_graphiql_and_no_get_queries(
    serve_app: ServeApp, sqlite_url: str
) -> None:
    query = {"query": "query { products(first: 1) { totalCount } }"}
    async with serve_app(sqlite_url) as served, served.api() as api:
        assert api.keys is not None
        key = {"x-store-key": api.keys.public_key}
        assert "graphiql" in (await api.client.get("/graphql", headers=BROWSER)).text.lower()
        assert (await api.client.get("/graphql", params=query, headers=key)).status_code == 200
    async with serve_app(sqlite_url, env="production") as served, served.api() as api:
        explorer = await api.client.get("/graphql", headers=BROWSER)
        assert explorer.status_code == 404
        assert "graphiql" not in explorer.text.lower()
        by_get = await api.client.get("/graphql", params=query, headers=key)
        assert by_get.status_code == 405
        assert by_get.headers["allow"] == "POST"
        assert "data" not in by_get.json()
        # POST answers as ever.
        answer = await api.data(query["query"])
        assert answer == {"products": {"totalCount": 0}}


# --- the command line -----------------------------------------------------------------------


def run_cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`checkout-flow args` in an empty directory (no .env) with only these CHECKOUT_FLOW_*."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CHECKOUT_FLOW_")}
    variables = {f"CHECKOUT_FLOW_{name.upper()}": value for name, value in env.items()}
    return subprocess.run(
        [CLI, *args],
        cwd=tmp_path,
        env={**clean, "CHECKOUT_FLOW_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/shop.db"}
        | variables,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_production_does_not_start_without_its_settings(tmp_path: Path, command: str) -> None:
    both = run_cli(tmp_path, command, env="production")
    assert both.returncode == 2
    assert "CHECKOUT_FLOW_PUBLIC_BASE_URL" in both.stderr
    assert "CHECKOUT_FLOW_VAULT_KEY" in both.stderr
    assert "Traceback" not in both.stderr
    one = run_cli(tmp_path, command, env="production", vault_key=TEST_VAULT_KEY)
    assert one.returncode == 2
    assert "CHECKOUT_FLOW_PUBLIC_BASE_URL" in one.stderr
    assert "VAULT_KEY" not in one.stderr
    assert TEST_VAULT_KEY not in one.stderr + one.stdout
    # An empty value is no value.
    empty = run_cli(
        tmp_path, command, env="production", public_base_url="https://shop.test", vault_key=""
    )
    assert empty.returncode == 2
    assert "CHECKOUT_FLOW_VAULT_KEY" in empty.stderr
    assert "PUBLIC_BASE_URL" not in empty.stderr


def test_production_on_sqlite_still_refuses_several_workers(tmp_path: Path) -> None:
    refused = run_cli(
        tmp_path,
        "serve",
        "--workers",
        "2",
        env="production",
        public_base_url="https://shop.test",
        vault_key=TEST_VAULT_KEY,
    )
    assert refused.returncode == 2
    assert "PostgreSQL" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_a_setting_that_does_not_parse_is_named_without_a_traceback(tmp_path: Path) -> None:
    refused = run_cli(tmp_path, "serve", trusted_proxies="10.0.0.1, not-an-address")
    assert refused.returncode == 2
    assert "CHECKOUT_FLOW_TRUSTED_PROXIES" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_the_schema_is_the_same_in_both_modes(tmp_path: Path) -> None:
    development = run_cli(tmp_path, "export-schema")
    production = run_cli(
        tmp_path,
        "export-schema",
        env="production",
        public_base_url="https://shop.test",
        vault_key=TEST_VAULT_KEY,
    )
    assert development.returncode == production.returncode == 0
    assert development.stdout == production.stdout
    assert "retryAfterSeconds: Int" in production.stdout


async def test_production_on_sqlite_warns_at_start(
    serve_app: ServeApp, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    async with serve_app(sqlite_url):
        pass
    assert "SQLite" not in capsys.readouterr().err
    async with serve_app(sqlite_url, env="production"):
        pass
    # Production logs JSON lines unless LOG_FORMAT says otherwise.
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    warnings = [line for line in lines if line["level"] == "warning"]
    assert any("SQLite" in line["event"] for line in warnings), lines


def test_the_production_guide_names_real_settings() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    start = readme.index("## Running in production")
    guide = readme[start : readme.index("\n## ", start + 1)]
    named = set(re.findall(r"CHECKOUT_FLOW_([A-Z_]+[A-Z])", guide))
    assert {
        "ENV",
        "PUBLIC_BASE_URL",
        "VAULT_KEY",
        "VAULT_OLD_KEYS",
        "RATE_LIMIT_PER_MINUTE_IP",
        "RATE_LIMIT_PER_MINUTE_STORE",
        "TRUSTED_PROXIES",
        "WEBSOCKET_CONNECTIONS_PER_IP",
        "RUN_WORKER",
    } <= named
    assert {name.lower() for name in named} <= set(Settings.model_fields)
