"""`/demo` without a browser: served in development with the demo store's public key only, a 404
in production, and the option lists the page draws its selects from."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from domain.store import IssuedKeys
from graph.app import create_app
from graph.demo_store import BASE_CURVES, demo_seed, ensure_demo_store
from tests.support import TEST_VAULT_KEY, MovableClock, build_test_runtime, test_settings

Serve = Callable[..., AbstractAsyncContextManager[tuple[httpx.AsyncClient, IssuedKeys | None]]]


@pytest.fixture
def serve(database_url: str, tmp_path: Path) -> Serve:
    """The app on a fresh database with these settings, with or without the demo store."""

    @asynccontextmanager
    async def started(
        demo_store: bool = True, **overrides: Any
    ) -> AsyncIterator[tuple[httpx.AsyncClient, IssuedKeys | None]]:
        settings = test_settings(database_url, tmp_path, **overrides)
        runtime = build_test_runtime(settings, MovableClock())
        try:
            keys = None
            if demo_store:
                demo = await ensure_demo_store(runtime.ports, demo_seed(TEST_VAULT_KEY))
                assert demo is not None
                keys = demo.keys
            transport = httpx.ASGITransport(app=create_app(runtime=runtime))
            async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as c:
                yield c, keys
        finally:
            await runtime.close()

    return started


async def test_development_serves_the_page_with_the_public_key_only(serve: Serve) -> None:
    async with serve() as (client, keys):
        assert keys is not None
        page = await client.get("/demo")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert f'content="{keys.public_key}"' in page.text
        assert keys.secret_key not in page.text
        assert "{{PUBLIC_KEY}}" not in page.text
        # The page may talk to this origin only and runs no inline script.
        policy = page.headers["content-security-policy"]
        assert "connect-src 'self'" in policy
        assert "script-src 'self';" in policy
        assert page.headers["cache-control"] == "no-store"
        for asset, kind in [
            ("shop.js", "text/javascript"),
            ("live.js", "text/javascript"),
            ("words.js", "text/javascript"),
            ("demo.css", "text/css"),
        ]:
            answer = await client.get(f"/demo/{asset}")
            assert answer.status_code == 200, asset
            assert answer.headers["content-type"].startswith(kind)


@pytest.mark.parametrize("name", ["index.html", "__init__.py", "..%2Fsettings.py", "nothing.js"])
async def test_only_the_page_s_own_files_are_served(serve: Serve, name: str) -> None:
    async with serve() as (client, _):
        assert (await client.get(f"/demo/{name}")).status_code == 404


@pytest.mark.parametrize(
    ("overrides", "served"),
    [
        pytest.param({"env": "production"}, False, id="production"),
        pytest.param({"env": "production", "demo_page": ""}, False, id="production-empty"),
        pytest.param({"env": "production", "demo_page": True}, True, id="production-asked-for"),
        pytest.param({"env": "development", "demo_page": False}, False, id="development-off"),
    ],
)
async def test_production_has_no_demo_page_unless_asked(
    serve: Serve, overrides: dict[str, Any], served: bool
) -> None:
    async with serve(**overrides) as (client, _):
        for path in ("/demo", "/demo/shop.js"):
            assert (await client.get(path)).status_code == (200 if served else 404), path


async def test_without_the_demo_store_the_page_says_how_to_make_it(serve: Serve) -> None:
    async with serve(demo_store=False) as (client, _):
        answer = await client.get("/demo")
        assert answer.status_code == 404
        assert "checkout-flow demo" in answer.text
        assert "pk_" not in answer.text


OPTION_SOURCE = """query($key: String!) { optionSource(key: $key) }"""


async def test_the_option_lists_are_read_with_the_public_key(serve: Serve) -> None:
    async with serve() as (client, keys):
        assert keys is not None

        async def ask(key: str, headers: dict[str, str]) -> dict[str, Any]:
            body = {"query": OPTION_SOURCE, "variables": {"key": key}}
            answer = await client.post("/graphql", json=body, headers=headers)
            return answer.json()  # type: ignore[no-any-return]

        shopper = {"X-Store-Key": keys.public_key}
        assert (await ask("base-curves", shopper))["data"] == {"optionSource": BASE_CURVES}
        assert (await ask("no-such-list", shopper))["data"] == {"optionSource": None}
        refused = await ask("base-curves", {})
        assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
