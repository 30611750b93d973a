"""Over-limit requests (contract §5) are refused before any resolver runs: a document deeper
than 12, with more than 30 aliases or 2,000 tokens, a body over 1 MiB, a batch (a JSON array).

A spy wraps every root field's resolver and counts every SQL statement; each over-limit
request is a mutation that would create carts if it ran, so the database must stay as it was.
Each case has a twin just under its limit that does run, which shows the spy sees resolvers.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from graph.app import create_app
from graph.schema import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS, schema
from tests.graph.documents import upsert
from tests.snapshots import snapshot
from tests.subscriptions.clients import TRANSPORT_WS, GraphQLSocket
from tests.subscriptions.threaded_server import serving
from tests.support import Api, build_test_runtime, counted_statements

# The limits are the schema's and the app's, whatever the database.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
BAD_REQUEST = "BAD_REQUEST"
QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
ONE_MIB = 1024 * 1024
LINE = '{sku: "A", quantity: 1}'


@pytest.fixture
def resolved(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The root fields whose resolvers ran, in order."""
    ran: list[str] = []
    types = schema._schema
    for root in (types.query_type, types.mutation_type, types.subscription_type):
        assert root is not None
        for name, field in root.fields.items():
            for attribute in ("resolve", "subscribe"):
                original = getattr(field, attribute)
                if original is None:
                    continue
                monkeypatch.setattr(field, attribute, _recording(name, original, ran))
    return ran


def _recording(name: str, original: Any, ran: list[str]) -> Any:
    def resolve(*args: Any, **kwargs: Any) -> Any:
        ran.append(name)
        return original(*args, **kwargs)

    return resolve


def create_carts(count: int) -> str:
    """A mutation with `count` aliased createCart fields."""
    fields = " ".join(
        f"c{n}: createCart(lines: [{LINE}]) {{ cart {{ id }} }}" for n in range(count)
    )
    return f"mutation {{ {fields} }}"


def deep(levels: int) -> str:
    """createCart with a selection `levels` deep (past the schema's own depth, unknown
    fields: the schema has no cycle, and the depth is counted before fields are looked up)."""
    inner = "id"
    for n in range(levels - 2):
        inner = f"f{n} {{ {inner} }}"
    return f"mutation {{ createCart(lines: [{LINE}]) {{ cart {{ {inner} }} }} }}"


def many_tokens(lines: int) -> str:
    return f"mutation {{ createCart(lines: [{', '.join([LINE] * lines)}]) {{ cart {{ id }} }} }}"


def tokens_of(document: str) -> int:
    from graphql.language import Lexer, Source, TokenKind

    lexer, count = Lexer(Source(document)), 0
    while lexer.advance().kind != TokenKind.EOF:
        count += 1
    return count


@pytest.fixture
async def shop(api: Api) -> AsyncIterator[Api]:
    await upsert(api, {"sku": "A", "name": "A", "price": "1.00", "stock": None})
    return api


async def refused_before_resolvers(
    api: Api, resolved: list[str], send: Any, expected_code: str
) -> httpx.Response:
    before = await snapshot(api.runtime.database)
    resolved.clear()
    with counted_statements(api.runtime.database) as statements:
        response = await send()
    assert resolved == [], f"resolvers ran: {resolved}"
    assert statements.count == 0, statements.statements
    assert await snapshot(api.runtime.database) == before
    answer = response.json()
    assert answer.get("data") is None, answer
    codes = {error["extensions"]["code"] for error in answer["errors"]}
    assert expected_code in codes, answer
    assert codes <= {expected_code, "GRAPHQL_VALIDATION_FAILED"}, answer
    return response


def secret(api: Api) -> dict[str, str]:
    assert api.keys is not None
    return {"Authorization": f"Bearer {api.keys.secret_key}"}


async def test_the_spy_sees_resolvers_of_a_document_within_every_limit(
    shop: Api, resolved: list[str]
) -> None:
    within = [
        create_carts(MAX_ALIASES),
        many_tokens(180),
        "query { products { edges { node { metaDefinition { fields { name } } } } } }",
    ]
    for document in within:
        assert tokens_of(document) <= MAX_TOKENS
        resolved.clear()
        response = await shop.post(document, headers=secret(shop))
        assert response.status_code == 200
        assert "errors" not in response.json(), response.json()
        assert resolved, document
    assert resolved == ["products"]


async def test_a_document_deeper_than_the_limit_runs_nothing(
    shop: Api, resolved: list[str]
) -> None:
    document = deep(MAX_DEPTH + 1)
    await refused_before_resolvers(
        shop, resolved, lambda: shop.post(document, headers=secret(shop)), QUERY_TOO_COMPLEX
    )


async def test_more_aliases_than_the_limit_run_nothing(shop: Api, resolved: list[str]) -> None:
    document = create_carts(MAX_ALIASES + 1)
    response = await refused_before_resolvers(
        shop, resolved, lambda: shop.post(document, headers=secret(shop)), QUERY_TOO_COMPLEX
    )
    assert response.status_code == 200


async def test_more_tokens_than_the_limit_run_nothing(shop: Api, resolved: list[str]) -> None:
    document = many_tokens(250)
    assert tokens_of(document) > MAX_TOKENS
    await refused_before_resolvers(
        shop, resolved, lambda: shop.post(document, headers=secret(shop)), QUERY_TOO_COMPLEX
    )


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "streamed"])
async def test_a_body_over_one_mib_runs_nothing(
    shop: Api, resolved: list[str], declared: bool
) -> None:
    body = json.dumps(
        {"query": create_carts(1), "variables": {"padding": "x" * (ONE_MIB + 10)}}
    ).encode()

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]

    headers = {"Content-Type": "application/json", **secret(shop)}

    async def send() -> httpx.Response:
        content: Any = body if declared else chunks()
        return await shop.client.post("/graphql", content=content, headers=headers)

    response = await refused_before_resolvers(shop, resolved, send, BAD_REQUEST)
    assert response.status_code == 413


@pytest.mark.parametrize(
    "accept", ["application/json", "application/graphql-response+json"], ids=["json", "gql"]
)
async def test_a_batch_runs_nothing(shop: Api, resolved: list[str], accept: str) -> None:
    batch = [{"query": create_carts(1)}, {"query": create_carts(2)}]
    headers = {"Accept": accept, **secret(shop)}

    async def send() -> httpx.Response:
        return await shop.client.post("/graphql", json=batch, headers=headers)

    response = await refused_before_resolvers(shop, resolved, send, BAD_REQUEST)
    assert response.status_code == 400


async def test_an_over_limit_subscription_runs_nothing(shop: Api, resolved: list[str]) -> None:
    """Over a WebSocket too, with the error and its code: the limits are the schema's, whichever
    transport carries the document (and one that does not even parse is answered too)."""
    runtime = build_test_runtime(shop.runtime.settings, shop.clock)
    aliases = " ".join(f"a{n}: status" for n in range(MAX_ALIASES + 1))
    refused = [
        (
            f'subscription {{ checkoutStatusChanged(token: "t") {{ {aliases} }} }}',
            QUERY_TOO_COMPLEX,
        ),
        (
            f'subscription {{ checkoutStatusChanged(token: "t") {{ {"status " * MAX_TOKENS} }} }}',
            QUERY_TOO_COMPLEX,
        ),
        ('subscription { checkoutStatusChanged(token: "t") {', BAD_REQUEST),
    ]
    with serving(create_app(runtime=runtime)) as server:
        try:
            async with GraphQLSocket.open(server.ws_url, TRANSPORT_WS) as socket:
                for number, (document, code) in enumerate(refused, 1):
                    resolved.clear()
                    await socket.subscribe(str(number), document)
                    refusal = await socket.error(str(number))
                    assert refusal["extensions"]["code"] == code, refusal
                    assert resolved == []
        finally:
            await server.call(runtime.close())
