"""The security sweep: every query, mutation and subscription of the schema, every MCP tool
the server lists, and both webhooks, called by someone who may not: no credential, a wrong
one, the other store's keys with the victim's ids, and another checkout's token. Each call is
refused or answers as not found, tells nothing of the victim, and changes nothing.

The operations come from the schema and the tool list themselves (recipes.py makes their
arguments), so an operation added tomorrow is swept tomorrow, or the sweep says what it
needs to know about it.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import mcp_types as types
import websockets

from graph.app import create_app
from graph.schema import schema
from tests.mcp.served import mcp_client
from tests.security.recipes import Call, NoRecipe, calls, root_fields, tool_arguments
from tests.security.sweeping import (
    ATTACKS,
    FORBIDDEN,
    NO_CREDENTIAL,
    UNAUTHENTICATED,
    Attack,
    codes_of,
    fresh_refs,
    normalised,
    ref_pairs,
    store_rows,
    victim_refs,
)
from tests.security.world import World
from tests.snapshots import snapshot
from tests.subscriptions.clients import TRANSPORT_WS, GraphQLSocket
from tests.subscriptions.threaded_server import serving as threaded_serving
from tests.support import build_test_runtime

TYPES = schema._schema  # graphql-core's schema under Strawberry's
OPERATIONS = [(root, name, field) for root, name, field in root_fields(TYPES)]


def test_the_sweep_knows_every_argument_of_every_operation() -> None:
    """Fails with the list of arguments to teach recipes.py about, when an operation is added
    whose arguments the sweep cannot fill in meaningfully."""
    refs = fresh_refs()
    missing = []
    for root, name, field in OPERATIONS:
        try:
            calls(TYPES, root, name, field, refs)
        except NoRecipe as unknown:
            missing.append(str(unknown))
    assert not missing, "\n".join(missing)
    assert {root for root, _, _ in OPERATIONS} == {"query", "mutation", "subscription"}


def applies(attack: Attack, call: Call) -> bool:
    if attack.token_operations_only and not call.takes_token:
        return False
    return not attack.with_other_objects_only or bool(call.kinds - {"token"})


def refused(value: Any) -> bool:
    """A look-up that found nothing, or a payload that says why nothing was done."""
    return value is None or (isinstance(value, dict) and bool(value.get("errors")))


def judged(attack: Attack, call: Call, answer: dict[str, Any], twin: dict[str, Any]) -> list[str]:
    """What is wrong with the answer to this attack, given the answer to its twin."""
    value = (answer.get("data") or {}).get(call.field)
    codes = codes_of(answer.get("errors"))
    wrong: list[str] = []
    if attack.wrong_credential or (attack is NO_CREDENTIAL and not call.takes_token):
        if codes != [UNAUTHENTICATED] or value is not None:
            wrong.append(f"expected a top-level UNAUTHENTICATED, got {answer}")
        return wrong
    if codes and not (attack.own_store and set(codes) == {FORBIDDEN}):
        wrong.append(f"unexpected top-level errors {codes}: {answer}")
    may_succeed = attack.own_store and not call.names_objects
    if not codes and not may_succeed and not refused(value):
        wrong.append(f"answered as if allowed: {value}")
    if call.names_objects and isinstance(value, dict) and value.get("errors"):
        # What a payload says about an id nobody has: not found (a provider payment is looked
        # up at the provider, with the attacker's own account, which does not know it).
        said = {error["code"] for error in value["errors"]}
        allowed = {"NOT_FOUND", "PRODUCT_NOT_FOUND"}
        allowed |= {"PAYMENT_PROVIDER_ERROR"} if "payment" in call.kinds else set()
        if not said <= allowed:
            wrong.append(f"refused with {sorted(said)}, not as not found: {value}")
    return wrong


async def post(
    client: httpx.AsyncClient, call: Call, variables: dict[str, Any], headers: dict[str, str]
) -> tuple[int, dict[str, Any], str]:
    response = await client.post(
        "/graphql", json={"query": call.document, "variables": variables}, headers=headers
    )
    return response.status_code, response.json(), response.text


async def rows(world: World, only_victim: bool) -> Any:
    database = world.api.runtime.database
    return await (store_rows(database, world.victim.id) if only_victim else snapshot(database))


async def test_every_query_and_mutation_refuses_whoever_may_not(world: World) -> None:
    problems: list[str] = []
    swept = 0
    for attack in ATTACKS:
        headers = attack.headers(world)
        token = attack.token(world) if attack.token else world.victim.token
        victim = victim_refs(world, token)
        nobody = fresh_refs(token if attack.token else None)
        for root, name, field in OPERATIONS:
            if root == "subscription":
                continue
            for call, twin in zip(
                calls(TYPES, root, name, field, victim),
                calls(TYPES, root, name, field, nobody),
                strict=True,
            ):
                if not applies(attack, call):
                    continue
                swept += 1
                where = f"{attack.name} → {root} {name}({json.dumps(call.variables)})"
                _, twin_answer, _ = await post(world.client, twin, twin.variables, headers)
                # The attacker may change its own store; nothing else may change.
                only_victim = attack.own_store and not call.names_objects
                before = await rows(world, only_victim)
                status, answer, text = await post(world.client, call, call.variables, headers)
                after = await rows(world, only_victim)
                if status != 200:
                    problems.append(f"{where}: status {status}: {text}")
                problems += [f"{where}: {w}" for w in judged(attack, call, answer, twin_answer)]
                pairs = ref_pairs(victim, nobody)
                if normalised(answer, pairs) != normalised(twin_answer, pairs):
                    problems.append(
                        f"{where}: answers otherwise than for an id nobody has:\n"
                        f"  {normalised(answer, pairs)}\n  {normalised(twin_answer, pairs)}"
                    )
                leaked = world.leaked(text, json.dumps(call.variables) + json.dumps(headers))
                if leaked:
                    problems.append(f"{where}: the answer shows the victim's {leaked}: {text}")
                if after != before:
                    problems.append(f"{where}: the database changed")
    assert swept > 100
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


@asynccontextmanager
async def serving(world: World) -> AsyncIterator[str]:
    """The app on a loopback port (WebSocket and MCP need a real server), on a uvloop thread of
    its own (asyncio's loop answers loopback requests some 40 ms late), with a runtime of its
    own on the same database: an engine's connections belong to the loop that made them."""
    runtime = build_test_runtime(world.api.runtime.settings, world.api.clock)
    with threaded_serving(create_app(runtime=runtime)) as server:
        try:
            yield server.url
        finally:
            await server.call(runtime.close())


async def test_every_subscription_refuses_whoever_may_not(world: World) -> None:
    database = world.api.runtime.database
    before = await snapshot(database)
    problems: list[str] = []
    subscriptions = [(name, field) for root, name, field in OPERATIONS if root == "subscription"]
    async with serving(world) as base:
        url = base.replace("http://", "ws://") + "/graphql"
        for attack in ATTACKS:
            headers = attack.headers(world)
            token = attack.token(world) if attack.token else world.victim.token
            refs = victim_refs(world, token)
            if attack.wrong_credential:
                problems += await _closed_with_4403(url, attack, headers)
                continue
            async with GraphQLSocket.open(url, TRANSPORT_WS, headers) as socket:
                operation = 0
                for name, field in subscriptions:
                    for call in calls(TYPES, "subscription", name, field, refs):
                        if not applies(attack, call):
                            continue
                        operation += 1
                        where = f"{attack.name} → subscription {name}({json.dumps(call.variables)})"
                        await socket.subscribe(str(operation), call.document, **call.variables)
                        message = await socket.message(str(operation))
                        problems += _judged_subscription(where, attack, call, message, world)
    assert await snapshot(database) == before
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


async def _closed_with_4403(url: str, attack: Attack, headers: dict[str, str]) -> list[str]:
    async with websockets.connect(url, subprotocols=[TRANSPORT_WS]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": headers}))
        try:
            message = await asyncio.wait_for(ws.recv(), 5)
        except websockets.ConnectionClosed as closed:
            if closed.rcvd is not None and closed.rcvd.code == 4403:
                return []
            return [f"{attack.name} → WebSocket closed with {closed.rcvd}, not 4403"]
    return [f"{attack.name} → the WebSocket was not closed with 4403: {message!r}"]


def _judged_subscription(
    where: str, attack: Attack, call: Call, message: dict[str, Any], world: World
) -> list[str]:
    if message["type"] != "error":
        return [f"{where}: expected an error and no data, got {message}"]
    errors = message["payload"] if isinstance(message["payload"], list) else [message["payload"]]
    codes = codes_of(errors)
    if attack is NO_CREDENTIAL and not call.takes_token:
        expected = {UNAUTHENTICATED}
    elif attack.own_store and not call.takes_token:
        expected = {"NOT_FOUND", FORBIDDEN}  # the public key may not watch orders at all
    else:
        expected = {"NOT_FOUND"}
    wrong = (
        [] if codes and set(codes) <= expected else [f"{where}: expected {expected}, got {errors}"]
    )
    leaked = world.leaked(json.dumps(message), json.dumps(call.variables))
    return wrong + ([f"{where}: the error shows the victim's {leaked}"] if leaked else [])


async def test_every_mcp_tool_refuses_whoever_may_not(world: World) -> None:
    database = world.api.runtime.database
    problems: list[str] = []
    swept = 0
    async with serving(world) as base:
        async with mcp_client(f"{base}/mcp", {}) as session:
            listed = (await session.list_tools()).tools
        assert len(listed) >= 10
        for attack in ATTACKS:
            headers = attack.headers(world)
            token = attack.token(world) if attack.token else world.victim.token
            victim = victim_refs(world, token)
            nobody = fresh_refs(token if attack.token else None)
            async with mcp_client(f"{base}/mcp", headers) as session:
                for tool in listed:
                    arguments, kinds = tool_arguments(tool.name, tool.input_schema, victim)
                    twin_arguments, _ = tool_arguments(tool.name, tool.input_schema, nobody)
                    takes_token = "token" in kinds
                    if attack.token_operations_only and not takes_token:
                        continue
                    if attack.with_other_objects_only and not kinds - {"token"}:
                        continue
                    swept += 1
                    where = f"{attack.name} → MCP {tool.name}({json.dumps(arguments)})"
                    twin = await session.call_tool(tool.name, twin_arguments)
                    before = await snapshot(database)
                    result = await session.call_tool(tool.name, arguments)
                    after = await snapshot(database)
                    problems += _judged_tool(where, attack, kinds, result, twin, victim, nobody)
                    text = json.dumps(result.structured_content) + _text(result)
                    leaked = world.leaked(text, json.dumps(arguments) + json.dumps(headers))
                    if leaked:
                        problems.append(f"{where}: the answer shows the victim's {leaked}")
                    own = attack.own_store and not kinds & {"token", "cart", "order", "payment"}
                    if after != before and not own:
                        problems.append(f"{where}: the database changed")
    assert swept > 40
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


def _text(result: types.CallToolResult) -> str:
    return "\n".join(b.text for b in result.content if isinstance(b, types.TextContent))


def _judged_tool(
    where: str,
    attack: Attack,
    kinds: set[str],
    result: types.CallToolResult,
    twin: types.CallToolResult,
    victim: Any,
    nobody: Any,
) -> list[str]:
    content = result.structured_content or {}
    codes = [e["code"] for e in content.get("errors", [])]
    takes_token = "token" in kinds
    names_objects = bool(kinds & {"token", "cart", "order", "payment"})
    if attack.wrong_credential or (attack is NO_CREDENTIAL and not takes_token):
        if codes != [UNAUTHENTICATED] or not result.is_error:
            return [f"{where}: expected UNAUTHENTICATED, got {content}"]
        return []
    wrong = []
    if (names_objects or not attack.own_store) and not (
        result.is_error
        and set(codes) <= {"NOT_FOUND", "PRODUCT_NOT_FOUND", "PAYMENT_PROVIDER_ERROR"}
    ):
        wrong.append(f"{where}: not refused as not found: {content}")
    pairs = ref_pairs(victim, nobody)
    mine, theirs = (normalised(r.structured_content, pairs) for r in (result, twin))
    if mine != theirs:
        wrong.append(f"{where}: answers otherwise than for an id nobody has:\n  {mine}\n  {theirs}")
    return wrong


async def test_webhooks_refuse_what_is_not_the_stores_own(world: World) -> None:
    """A victim's payment, announced to the attacker's endpoint with the victim's valid
    signature or the attacker's own, and the attacker's signature on the victim's endpoint:
    each refused with a 4xx, and the victim's checkouts stay unpaid."""
    victim, attacker, stripe = world.victim, world.attacker, world.stripe
    database = world.api.runtime.database
    events = stripe.complete_checkout_session(victim.open_session)
    intent = next(e for e in events if e["type"] == "payment_intent.succeeded")
    session = next(e for e in events if e["type"] == "checkout.session.completed")
    cases = [
        (
            "victim-signed session event to the attacker's endpoint",
            session,
            victim.stripe_secret,
            attacker.id,
        ),
        (
            "attacker-signed session event to the attacker's endpoint",
            session,
            attacker.stripe_secret,
            attacker.id,
        ),
        (
            "attacker-signed intent event to the attacker's endpoint",
            intent,
            attacker.stripe_secret,
            attacker.id,
        ),
        (
            "attacker-signed session event to the victim's endpoint",
            session,
            attacker.stripe_secret,
            victim.id,
        ),
        (
            "victim-signed event to an unknown store",
            session,
            victim.stripe_secret,
            "st_" + secrets.token_urlsafe(12),
        ),
    ]
    problems = []
    before = await snapshot(database)
    for description, event, secret, store_id in cases:
        signed = stripe.sign(event, secret)
        response = await world.client.post(
            f"/webhooks/stripe/{store_id}", content=signed.payload, headers=signed.headers
        )
        if not 400 <= response.status_code < 500:
            problems.append(f"Stripe: {description}: {response.status_code} {response.text}")
        if world.leaked(response.text, ""):
            problems.append(f"Stripe: {description}: shows {world.leaked(response.text, '')}")
    for description, store_id in (
        ("the victim's paid Mollie payment to the attacker's endpoint", attacker.id),
        ("the victim's paid Mollie payment to an unknown store", "st_" + secrets.token_urlsafe(12)),
    ):
        response = await world.client.post(
            f"/webhooks/mollie/{store_id}",
            content=f"id={victim.mollie_payment}".encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        if not 400 <= response.status_code < 500:
            problems.append(f"Mollie: {description}: {response.status_code} {response.text}")
    assert not problems, "\n".join(problems)
    assert await snapshot(database) == before
    # The same events through the victim's own endpoints do complete: they were real.
    signed = stripe.sign(session, victim.stripe_secret)
    response = await world.client.post(
        f"/webhooks/stripe/{victim.id}", content=signed.payload, headers=signed.headers
    )
    assert response.status_code == 200, response.text
    assert await snapshot(database) != before
