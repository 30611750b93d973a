"""Several server processes on one PostgreSQL database behave as one service: fifty
completions of one checkout spread over them make one order, one stock move and one mail."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from tests.checkout.flow import COMPLETE, PRODUCT, invoiced, stock_shop
from tests.processes import service_env, several_served
from tests.support import POSTGRES_URL, Api

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL, reason="CHECKOUT_FLOW_TEST_DATABASE_URL is not set"
)


async def test_completions_across_processes_make_one_order(
    api: Api, database_url: str, tmp_path: Path
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several processes share PostgreSQL; SQLite takes one")
    await stock_shop(api)
    token = await invoiced(api, [{"sku": "LENS", "quantity": 2}])
    env = service_env(database_url, tmp_path, CHECKOUT_FLOW_WORKER_INTERVAL_SECONDS="0.2")
    with several_served(env, tmp_path, 3) as bases:
        async with httpx.AsyncClient(timeout=30) as client:

            async def complete(base: str) -> dict:  # type: ignore[type-arg]
                response = await client.post(
                    f"{base}/graphql", json={"query": COMPLETE, "variables": {"token": token}}
                )
                return response.json()["data"]["completeCheckout"]  # type: ignore[no-any-return]

            answers = await asyncio.gather(*(complete(bases[i % 3]) for i in range(50)))
        assert all(a["errors"] == [] for a in answers), answers
        assert len({a["order"]["id"] for a in answers}) == 1
        mails = tmp_path / "mail"
        deadline = time.monotonic() + 10
        # Polls files another process writes; there is no event to wait on.
        while time.monotonic() < deadline and not list(mails.glob("*.eml")):  # noqa: ASYNC110
            await asyncio.sleep(0.1)
        await asyncio.sleep(1)  # every worker has had rounds to send it again, if it would
    assert len(list(mails.glob("*.eml"))) == 1
    assert (await api.data(PRODUCT, {"sku": "LENS"}))["product"]["stock"] == 8
