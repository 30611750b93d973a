"""No secret a test run makes shows in a log line or an answer.

The whole run is checked at its end (tests/conftest.py fails it when the registry of
tests/secrets_registry.py found a leak); these tests show the check hears what it must, and
cover what the payment tests (tests/payments/test_secrets_stay_secret.py, a full run through
every payment path) leave out: the console log format, a token in a log line, store keys.
"""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

import pytest
import structlog

from tests.payments.flow import SET_CREDENTIALS
from tests.secrets_registry import REGISTRY
from tests.security.world import World
from tests.support import MovableClock, api_for, build_test_runtime, open_store, test_settings

ONE_BACKEND = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
PRODUCTS = "query($skus: [String!]) { products(skus: $skus) { edges { node { sku name } } } }"


@ONE_BACKEND
async def test_the_registry_hears_log_lines_and_answers(world: World) -> None:
    """A planted secret is found in a log line and in an answer; a checkout token in an
    answer is fine, in a log line it is not."""
    api = world.api
    planted_in_log = "sk_live_" + secrets.token_urlsafe(24)
    planted_in_answer = "planted-" + secrets.token_hex(12)  # no prefix: found by search
    with REGISTRY.scratch() as scratch:
        scratch.register(planted_in_log, planted_in_answer, made_by="this test")
        structlog.get_logger("checkout_flow.test").warning("oops", key=planted_in_log)
        logging.getLogger("checkout_flow.test").warning("again %s", planted_in_log)
        product = {"sku": "PLANTED", "name": planted_in_answer, "price": "1.00"}
        upsert = "mutation($p: [ProductInput!]!) { upsertProducts(input: $p) { errors { code } } }"
        await api.post(upsert, {"p": [product]}, headers=world.victim.secret)
        await api.post(PRODUCTS, {"skus": ["PLANTED"]}, headers=world.victim.public)
        await api.post(
            "query($t: ID!) { checkout(token: $t) { token } }",
            {"t": world.victim.token},
            headers=world.victim.public,
        )
        assert world.victim.token in scratch.log_only  # registered from the answer
        logging.getLogger("checkout_flow.test").info("token %s", world.victim.token)
        found = {(leak.secret, leak.heard_in.split(" (")[0]) for leak in scratch.leaks()}
    # The token was logged on purpose: not a leak of the run's (the victim's checkout is done).
    REGISTRY.forget(world.victim.token)
    assert (planted_in_log, "a log line") in found
    assert (planted_in_answer, "an answer") in found
    assert (world.victim.token, "a log line") in found
    assert (world.victim.token, "an answer") not in found


@ONE_BACKEND
@pytest.mark.parametrize("log_format", ["console", "json"])
async def test_a_crash_with_a_provider_key_in_hand_logs_no_key(
    database_url: str,
    tmp_path: Path,
    clock: MovableClock,
    capsys: pytest.CaptureFixture[str],
    log_format: str,
) -> None:
    """A crash while the key is on its way to the vault (no vault key) is logged with its
    traceback, in either format, without the key: a frame's local variables are not shown
    (structlog's console renderer shows them when `rich` is installed)."""
    settings = test_settings(database_url, tmp_path, vault_key=None, log_format=log_format)
    runtime = build_test_runtime(settings, clock)
    key = "sk_live_" + secrets.token_hex(12)
    with REGISTRY.scratch() as scratch:
        scratch.register(key, made_by="this test")
        try:
            async for api in api_for(runtime, clock):
                api.keys = await open_store(runtime)
                variables = {"provider": "STRIPE", "apiKey": key, "webhookSecret": None}
                answer = await api.call(SET_CREDENTIALS, variables, key="secret")
                assert answer["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
        finally:
            await runtime.close()
        logged = capsys.readouterr().err
        assert "VaultLocked" in logged  # the failure was logged, with its traceback
        assert key not in logged
        assert scratch.leaks() == []


def test_the_run_so_far_kept_every_secret() -> None:
    """What the check at the end of the run does, now: it covers the tests before this one
    (the end of the run covers the rest, and fails it if anything leaked)."""
    assert REGISTRY.secrets, "nothing was registered: the registry is not wired up"
    assert REGISTRY.lines_heard, "no log line was heard"
    assert REGISTRY.answers_heard, "no answer was heard"
    leaks = REGISTRY.leaks()
    assert not leaks, "\n".join(leak.shown() for leak in leaks[:20])
