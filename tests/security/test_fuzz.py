"""Schemathesis fuzzes the GraphQL schema: every query and mutation with generated arguments
and selections, sent by a store's keys so that they reach the resolvers, several thousand in
all, with a fixed seed and a time box. Whatever is sent, the answer is no 5xx, every error is
a payload UserError or a top-level error with one of our codes, an unexpected failure shows
only "Internal server error" with a request id, and nothing shows a stack trace or Python's
own words.

IDs and strings are drawn partly from the stores' real objects (tokens, cart and order ids,
skus, provider payment ids), so the generated operations get past "not found" too.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from graphql import (
    NameNode,
    ObjectFieldNode,
    ValueNode,
    get_introspection_query,
    graphql_sync,
)
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis.graphql import nodes

from domain.errors import ErrorCode
from graph.app import create_app
from graph.schema import schema as checkout_schema
from tests.fakes.mollie_fake import MollieFake
from tests.fakes.stripe_fake import StripeFake
from tests.security.world import World, build_world
from tests.subscriptions.threaded_server import ThreadedServer, serving
from tests.support import (
    POSTGRES_URL,
    Api,
    MovableClock,
    build_test_runtime,
    empty_postgres,
    fresh_sqlite_url,
    open_store,
    test_settings,
)

# ~3,000 operations in all (28 fields today), and a time box that keeps the module under ~90 s
# even on a slow machine: past it, the remaining examples are generated but not sent. A longer
# hunt: CHECKOUT_FLOW_TEST_FUZZ_EXAMPLES=2000 CHECKOUT_FLOW_TEST_FUZZ_SECONDS=1800 and another
# CHECKOUT_FLOW_TEST_FUZZ_SEED.
SEED = int(os.environ.get("CHECKOUT_FLOW_TEST_FUZZ_SEED", "20261124"))
EXAMPLES_PER_OPERATION = int(os.environ.get("CHECKOUT_FLOW_TEST_FUZZ_EXAMPLES", "110"))
TIME_BOX_SECONDS = float(os.environ.get("CHECKOUT_FLOW_TEST_FUZZ_SECONDS", "75"))
OUR_CODES = {
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "GRAPHQL_VALIDATION_FAILED",
    "QUERY_TOO_COMPLEX",
    "BAD_REQUEST",
    "LIMIT_EXCEEDED",
}
USER_ERROR_CODES = {code.value for code in ErrorCode}
# Python's and the libraries' own words: never in an answer unless the request said them.
UNMASKED = (
    "Traceback",
    'File "',
    "sqlalchemy",
    "psycopg",
    "aiosqlite",
    "KeyError",
    "ValueError",
    "TypeError",
    "AttributeError",
    "IndexError",
    "AssertionError",
    "Exception",
    "object has no attribute",
    "NoneType",
    "Cannot return null",
)


def _introspection() -> dict[str, Any]:
    result = graphql_sync(checkout_schema._schema, get_introspection_query())
    assert result.data is not None, result.errors
    return result.data


SCHEMA = schemathesis.graphql.from_dict(_introspection())
OPERATIONS = {
    operation.label: operation for operation in (r.ok() for r in SCHEMA.get_all_operations())
}


@dataclass
class Target:
    url: str
    sent: int = 0
    deadline: float = 0.0
    # Real ids and names of the stores, which the ID and String strategies draw from.
    known: tuple[str, ...] = ()
    # The victim store's keys: both headers (the secret key wins), or the public key alone.
    headers: dict[str, dict[str, str]] = field(default_factory=dict)


TARGET = Target("")


def _object(fields: dict[str, ValueNode]) -> ValueNode:
    return nodes.Object(
        [ObjectFieldNode(name=NameNode(value=k), value=v) for k, v in fields.items()]
    )


def _register_scalars() -> None:
    """Strategies for our scalars, and ID and String mixed with the stores' real values."""
    names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True)
    leaves = st.one_of(
        st.text(max_size=20).map(nodes.String),
        st.integers(min_value=-(2**70), max_value=2**70).map(nodes.Int),
        st.floats(allow_nan=False, allow_infinity=False).map(nodes.Float),
        st.booleans().map(nodes.Boolean),
        st.just(nodes.Null),
    )
    json_values = st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, max_size=4).map(nodes.List),
            st.dictionaries(names, children, max_size=4).map(_object),
        ),
        max_leaves=12,
    )
    decimals = st.one_of(
        st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.sampled_from(
            ["NaN", "-Infinity", "1e400", "1E-400", "-0", "0.001", "9" * 40, "", " 1 "]
        ),
        st.text(max_size=12),
    )
    known = st.deferred(lambda: st.sampled_from(TARGET.known or ("none",)))
    schemathesis.graphql.scalar("JSON", json_values)
    schemathesis.graphql.scalar(
        "Decimal",
        st.one_of(decimals.map(nodes.String), st.integers().map(nodes.Int)),
    )
    schemathesis.graphql.scalar("ID", st.one_of(known, st.text(max_size=70)).map(nodes.String))
    schemathesis.graphql.scalar("String", st.one_of(known, st.text(max_size=40)).map(nodes.String))


_register_scalars()


@pytest.fixture(scope="module")
def fuzz_target(
    sqlite_template: Path,
    postgres_ready: bool,
    tmp_path_factory: pytest.TempPathFactory,
    stripe_fake_server: StripeFake,
    mollie_fake_server: MollieFake,
) -> Iterator[Target]:
    """The app served on a loopback port with the two stores of world.py: on PostgreSQL when
    there is one (it refuses more than SQLite does: NUL in text, text longer than its
    column), else on SQLite."""
    directory = tmp_path_factory.mktemp("fuzz")
    if postgres_ready:
        asyncio.run(empty_postgres(POSTGRES_URL))
    settings_ = test_settings(
        POSTGRES_URL if postgres_ready else fresh_sqlite_url(sqlite_template, directory),
        directory,
        stripe_api_base=stripe_fake_server.base_url,
        mollie_api_base=mollie_fake_server.base_url,
        provider_timeout_seconds=2.0,
    )
    clock = MovableClock()
    setup = build_test_runtime(settings_, clock)

    async def open_stores() -> tuple[Any, Any]:
        try:
            return await open_store(setup), await open_store(setup, "Attacker shop")
        finally:
            await setup.close()

    victim_keys, attacker_keys = asyncio.run(open_stores())
    runtime = build_test_runtime(settings_, clock)
    with serving(create_app(runtime=runtime)) as server:

        async def build() -> World:
            async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
                api = Api(client, runtime, clock, victim_keys)
                return await build_world(api, stripe_fake_server, mollie_fake_server, attacker_keys)

        world = asyncio.run(build())
        victim, attacker = world.victim, world.attacker
        TARGET.url = f"{server.url}/graphql"
        TARGET.known = (
            victim.token,
            victim.done_token,
            victim.cart_id,
            victim.order_id,
            victim.paid_order_id,
            victim.paid_session,
            victim.mollie_payment,
            attacker.token,
            attacker.order_id,
            *victim.skus,
            *attacker.skus,
            "victim-tints",
            "standard",
        )
        TARGET.headers = {
            "secret": {**victim.secret, **victim.public},
            "public": victim.public,
        }
        TARGET.deadline = time.monotonic() + TIME_BOX_SECONDS
        try:
            yield TARGET
        finally:
            _stop(server, runtime)


def _stop(server: ThreadedServer, runtime: Any) -> None:
    async def close() -> None:
        await server.call(runtime.close())

    asyncio.run(close())


def problems_in(case: Any, response: requests.Response) -> list[str]:
    """What is wrong with one answer; an empty list when it is as it should be."""
    sent = json.dumps(case.body)
    said = [marker for marker in UNMASKED if marker in response.text and marker not in sent]
    found = [f"{marker!r} in the answer" for marker in said]
    if response.status_code >= 500:
        found.append(f"status {response.status_code}")
    try:
        answer = response.json()
    except ValueError:
        return [*found, f"not JSON: {response.text[:300]}"]
    for error in answer.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        if code == "INTERNAL_SERVER_ERROR":
            masked = error.get("message") == "Internal server error"
            found.append(
                "an unexpected failure (Internal server error)"
                + ("" if masked and error["extensions"].get("requestId") else ", not masked")
            )
        elif code not in OUR_CODES:
            found.append(f"a top-level error without one of our codes: {error}")
    for value in (answer.get("data") or {}).values():
        if isinstance(value, dict) and isinstance(value.get("errors"), list):
            codes = {e["code"] for e in value["errors"] if isinstance(e, dict) and "code" in e}
            if not codes <= USER_ERROR_CODES:
                found.append(f"user errors with unknown codes {codes - USER_ERROR_CODES}")
    return found


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_fuzzed_operations_fail_only_the_way_we_say(label: str, fuzz_target: Target) -> None:
    operation = OPERATIONS[label]
    session = requests.Session()
    headers = fuzz_target.headers

    @seed(SEED)
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )
    @given(case=operation.as_strategy())
    def fuzz(case: Any) -> None:
        if time.monotonic() > fuzz_target.deadline:
            return  # the time box is spent: generated, not sent
        # Mostly the secret key (which reaches every resolver); now and then the public key,
        # which is refused by some and scopes others differently.
        which = "public" if zlib.crc32(json.dumps(case.body).encode()) % 4 == 0 else "secret"
        response = case.call(base_url=fuzz_target.url, session=session, headers=headers[which])
        fuzz_target.sent += 1
        found = problems_in(case, response)
        assert not found, (
            f"{label} with the {which} key:\n{json.dumps(case.body)[:2000]}\n"
            f"→ {response.status_code} {response.text[:2000]}\n" + "\n".join(found)
        )

    fuzz()
