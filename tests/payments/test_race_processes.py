"""On PostgreSQL, several server processes: Stripe's webhook and the shopper's
completeCheckout racing through different processes still make one order and one mail."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.payments.flow import (
    COMPLETE,
    Shop,
    confirmations,
    orders_of,
    pay_with,
    signed,
)
from tests.support import POSTGRES_URL, TEST_VAULT_KEY

CLI = str(Path(sys.executable).with_name("checkout-flow"))
SERVER_PROCESSES = 3

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.skipif(not POSTGRES_URL, reason="CHECKOUT_FLOW_TEST_DATABASE_URL is not set"),
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path, stripe_fake_server: object) -> Iterator[str]:
    """`checkout-flow serve --workers 3` on the test database, its SDK pointed at the fake."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHECKOUT_FLOW_")}
    env.update(
        CHECKOUT_FLOW_DATABASE_URL=POSTGRES_URL,
        CHECKOUT_FLOW_VAULT_KEY=TEST_VAULT_KEY,
        CHECKOUT_FLOW_STRIPE_API_BASE=stripe_fake_server.base_url,  # type: ignore[attr-defined]
        CHECKOUT_FLOW_PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
        CHECKOUT_FLOW_RUN_WORKER="false",
        CHECKOUT_FLOW_MAIL_DIR=str(tmp_path / "mail"),
    )
    process = subprocess.Popen(
        [CLI, "serve", "--port", str(port), "--workers", str(SERVER_PROCESSES)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.stderr.read().decode()  # type: ignore[union-attr]
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "checkout-flow serve did not start"
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=25)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def test_webhook_and_completion_in_several_processes_make_one_order(
    shop: Shop, served: str
) -> None:
    opened = await pay_with(shop, "STRIPE")
    token = opened["token"]
    events = shop.stripe.complete_checkout_session(opened["payment"]["externalId"])
    paid = [signed(shop, e) for e in events if e["type"].endswith(".succeeded")] + [
        signed(shop, events[-1])
    ]
    webhook = f"{served}/webhooks/stripe/{shop.store_id}"
    async with httpx.AsyncClient(timeout=20, trust_env=False) as client:

        async def complete() -> httpx.Response:
            return await client.post(
                f"{served}/graphql", json={"query": COMPLETE, "variables": {"token": token}}
            )

        answers = await asyncio.gather(
            *[complete() for _ in range(6)],
            *[
                client.post(webhook, content=event.payload, headers=event.headers)
                for event in paid * 3
            ],
        )
    completions = [a.json()["data"]["completeCheckout"] for a in answers[:6]]
    assert all(c["errors"] == [] for c in completions), completions
    assert len({c["order"]["id"] for c in completions}) == 1
    assert all(a.status_code == 200 for a in answers[6:]), [a.text for a in answers[6:]]
    assert await orders_of(shop) == 1
    assert await confirmations(shop) == 1
