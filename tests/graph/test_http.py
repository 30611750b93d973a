"""GraphQL over HTTP as its spec says, the limits on what a request may cost, masked failures
with a request id, and the health endpoints."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tests.graph.documents import CREATE_CART, PRODUCTS, line, product, upsert
from tests.snapshots import snapshot
from tests.support import Api, api_for, build_test_runtime, test_settings

GRAPHQL_RESPONSE = "application/graphql-response+json"
# Tests of the HTTP layer alone run on one backend; what touches stored data runs on both.
HTTP_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
JSON = "application/json"


def media_type(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0].strip()


async def post(
    api: Api, body: dict[str, Any], accept: str | None = None, **headers: str
) -> httpx.Response:
    if accept is not None:
        headers["accept"] = accept
    assert api.keys is not None
    headers.setdefault("x-store-key", api.keys.public_key)
    return await api.client.post("/graphql", json=body, headers=headers)


def codes(answer: dict[str, Any]) -> list[str]:
    return [error.get("extensions", {}).get("code") for error in answer["errors"]]


# --- media types --------------------------------------------------------------------------


@HTTP_ONLY
@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (JSON, JSON),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}, {JSON};q=0.9", GRAPHQL_RESPONSE),
        ("*/*", JSON),
        (None, JSON),
    ],
)
async def test_both_json_media_types_are_answered_as_asked(
    api: Api, accept: str | None, expected: str
) -> None:
    response = await post(api, {"query": "{ products(first: 1) { totalCount } }"}, accept)
    assert response.status_code == 200
    assert media_type(response) == expected
    assert response.json() == {"data": {"products": {"totalCount": 0}}}


@HTTP_ONLY
async def test_a_request_body_of_graphql_response_json_type_is_accepted(api: Api) -> None:
    response = await api.client.post(
        "/graphql",
        content=b'{"query": "{ __typename }"}',
        headers={"content-type": f"{JSON}; charset=utf-8", "accept": GRAPHQL_RESPONSE},
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


BAD_DOCUMENTS = [
    pytest.param({"query": "{ products(first: 1) { totalCount }"}, "BAD_REQUEST", id="no-parse"),
    pytest.param(
        {"query": "{ products(first: 1) { nope } }"},
        "GRAPHQL_VALIDATION_FAILED",
        id="unknown-field",
    ),
    pytest.param({"query": "{ ...Missing }"}, "GRAPHQL_VALIDATION_FAILED", id="unknown-fragment"),
    pytest.param(
        {
            "query": "query($n: Int!) { products(first: $n) { totalCount } }",
            "variables": {"n": "ten"},
        },
        "BAD_REQUEST",
        id="variable-does-not-coerce",
    ),
    pytest.param(
        {"query": "query($n: Int!) { products(first: $n) { totalCount } }"},
        "BAD_REQUEST",
        id="variable-missing",
    ),
    pytest.param(
        {
            "query": "mutation($l: [CartLineInput!]!) { createCart(lines: $l) { errors { code } } }",
            "variables": {"l": [{"sku": "A", "quantity": "one"}]},
        },
        "BAD_REQUEST",
        id="mutation-variable-does-not-coerce",
    ),
]


@pytest.mark.parametrize(("body", "code"), BAD_DOCUMENTS)
async def test_a_request_error_with_graphql_response_json_is_400_without_data(
    api: Api, body: dict[str, Any], code: str
) -> None:
    before = await snapshot(api.runtime.database)
    response = await post(api, body, GRAPHQL_RESPONSE)
    assert response.status_code == 400
    assert media_type(response) == GRAPHQL_RESPONSE
    answer = response.json()
    assert "data" not in answer
    assert codes(answer) == [code]
    assert await snapshot(api.runtime.database) == before


@HTTP_ONLY
@pytest.mark.parametrize(("body", "code"), BAD_DOCUMENTS)
async def test_a_request_error_with_json_is_a_top_level_error(
    api: Api, body: dict[str, Any], code: str
) -> None:
    response = await post(api, body, JSON)
    assert response.status_code == 200
    assert media_type(response) == JSON
    answer = response.json()
    assert answer.get("data") is None
    assert codes(answer) == [code]


@HTTP_ONLY
async def test_a_field_error_with_graphql_response_json_is_200_with_data(api: Api) -> None:
    response = await api.client.post(
        "/graphql",
        json={"query": "{ products(first: 1) { totalCount } }"},
        headers={"accept": GRAPHQL_RESPONSE},
    )
    assert response.status_code == 200
    answer = response.json()
    assert answer["data"] is None
    assert codes(answer) == ["UNAUTHENTICATED"]


@HTTP_ONLY
@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b'"just a string"',
        b"[]",
        b'{"variables": {}}',
        b'{"query": "{ __typename }", "variables": {"x": NaN}}',
    ],
    ids=["not-json", "not-an-object", "empty-batch", "no-query", "nan-is-not-json"],
)
async def test_a_body_that_is_no_graphql_request_is_a_bad_request(api: Api, content: bytes) -> None:
    response = await api.client.post(
        "/graphql", content=content, headers={"content-type": JSON, "accept": GRAPHQL_RESPONSE}
    )
    assert response.status_code == 400
    assert media_type(response) == GRAPHQL_RESPONSE
    answer = response.json()
    assert "data" not in answer
    assert codes(answer) == ["BAD_REQUEST"]


async def test_an_unacceptable_accept_header_runs_nothing(api: Api) -> None:
    await upsert(api, product("A"))
    before = await snapshot(api.runtime.database)
    response = await post(
        api, {"query": CREATE_CART, "variables": {"lines": [line("A")]}}, "application/xml"
    )
    assert response.status_code == 406
    assert "data" not in response.json()
    assert await snapshot(api.runtime.database) == before


# --- GET and GraphiQL ---------------------------------------------------------------------


@HTTP_ONLY
async def test_get_runs_queries(api: Api) -> None:
    assert api.keys is not None
    response = await api.client.get(
        "/graphql",
        params={
            "query": "query($n: Int) { products(first: $n) { totalCount } }",
            "variables": '{"n": 5}',
        },
        headers={"x-store-key": api.keys.public_key},
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"products": {"totalCount": 0}}}


async def test_get_refuses_mutations_with_405(api: Api) -> None:
    await upsert(api, product("A"))
    assert api.keys is not None
    before = await snapshot(api.runtime.database)
    response = await api.client.get(
        "/graphql",
        params={
            "query": 'mutation { createCart(lines: [{sku: "A", quantity: 1}]) { errors { code } } }'
        },
        headers={"x-store-key": api.keys.public_key, "accept": GRAPHQL_RESPONSE},
    )
    assert response.status_code == 405
    assert "data" not in response.json()
    assert await snapshot(api.runtime.database) == before


@HTTP_ONLY
async def test_graphiql_is_served_to_a_browser(api: Api) -> None:
    response = await api.client.get(
        "/graphql", headers={"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    )
    assert response.status_code == 200
    assert media_type(response) == "text/html"
    assert "graphiql" in response.text.lower()


# --- limits -------------------------------------------------------------------------------


def nested(depth: int) -> str:
    """A selection `depth` fields deep (the schema has no path that deep, so its field
    names do not exist: the depth limit speaks regardless)."""
    return "{" + " f {" * (depth - 1) + " g" + " }" * (depth - 1) + " }"


@HTTP_ONLY
async def test_depth_over_12_is_too_complex(api: Api) -> None:
    answer = (await post(api, {"query": nested(14)})).json()
    assert "QUERY_TOO_COMPLEX" in codes(answer)
    assert answer.get("data") is None


@HTTP_ONLY
async def test_the_deepest_real_query_is_allowed(api: Api) -> None:
    query = """{ products(first: 1) { edges { node { metaDefinition { fields { name } } } } } }"""
    assert "errors" not in (await post(api, {"query": query})).json()


@HTTP_ONLY
async def test_more_than_30_aliases_are_too_complex(api: Api) -> None:
    aliases = " ".join(f"a{i}: __typename" for i in range(31))
    answer = (await post(api, {"query": "{ " + aliases + " }"})).json()
    assert codes(answer) == ["QUERY_TOO_COMPLEX"]
    allowed = " ".join(f"a{i}: __typename" for i in range(30))
    assert "errors" not in (await post(api, {"query": "{ " + allowed + " }"})).json()


@HTTP_ONLY
async def test_more_than_2000_tokens_are_too_complex(api: Api) -> None:
    answer = (await post(api, {"query": "{" + " __typename" * 2000 + " }"})).json()
    assert codes(answer) == ["QUERY_TOO_COMPLEX"]
    response = await post(api, {"query": "{" + " __typename" * 2000 + " }"}, GRAPHQL_RESPONSE)
    assert response.status_code == 400
    assert "data" not in response.json()
    # 240 lines of 8 tokens each and the rest: under 2000, so it runs (and is refused for
    # its 240 lines, as a business outcome).
    lines = ", ".join(['{sku: "A", quantity: 1}'] * 240)
    query = "mutation { createCart(lines: [" + lines + "]) { errors { code } } }"
    answer = (await post(api, {"query": query})).json()
    assert answer == {"data": {"createCart": {"errors": [{"code": "LIMIT_EXCEEDED"}]}}}


@HTTP_ONLY
async def test_a_document_too_costly_to_validate_is_too_complex(api: Api) -> None:
    answer = (await post(api, {"query": "{" + " __typename" * 1500 + " }"})).json()
    assert codes(answer) == ["QUERY_TOO_COMPLEX"]


@HTTP_ONLY
async def test_a_document_is_validated_once_and_each_keeps_its_own_errors(
    api: Api, validations: list[object]
) -> None:
    marker = uuid.uuid4().hex[:8]  # a text no other test sent: not validated yet
    valid = "{ v" + marker + ": products(first: 1) { totalCount } }"
    invalid = "{ i" + marker + ": products(first: 1) { noSuchField } }"
    for _ in range(3):
        assert "errors" not in (await post(api, {"query": valid})).json()
        assert codes((await post(api, {"query": invalid})).json()) == ["GRAPHQL_VALIDATION_FAILED"]
    assert len(validations) == 2


@HTTP_ONLY
async def test_a_body_over_1_mib_is_refused_with_413(api: Api) -> None:
    padding = " " * (1024 * 1024)
    response = await post(api, {"query": "{ __typename" + padding + "}"})
    assert response.status_code == 413
    assert codes(response.json()) == ["BAD_REQUEST"]
    assert response.headers["x-request-id"]


@HTTP_ONLY
async def test_a_streamed_body_over_1_mib_is_refused_with_413(api: Api) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "{ __typename'
        for _ in range(17):
            yield b" " * 65536
        yield b'}"}'

    response = await api.client.post("/graphql", content=chunks(), headers={"content-type": JSON})
    assert response.status_code == 413


@HTTP_ONLY
async def test_a_body_just_under_1_mib_is_served(api: Api) -> None:
    padding = " " * (1024 * 1024 - 100)
    response = await post(api, {"query": "{ __typename" + padding + "}"})
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


# --- request ids and masked failures ------------------------------------------------------


@HTTP_ONLY
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/healthz"),
        ("GET", "/readyz"),
        ("GET", "/nowhere"),
        ("POST", "/graphql"),
        ("GET", "/graphql"),
    ],
)
async def test_every_response_has_a_request_id(api: Api, method: str, path: str) -> None:
    response = await api.client.request(method, path, json={"query": "{ nope }"})
    request_id = response.headers["x-request-id"]
    assert 8 <= len(request_id) <= 64
    again = await api.client.request(method, path, json={"query": "{ nope }"})
    assert again.headers["x-request-id"] != request_id


@HTTP_ONLY
async def test_a_safe_caller_request_id_is_kept_and_an_unsafe_one_replaced(api: Api) -> None:
    kept = await api.client.get("/healthz", headers={"x-request-id": "edge-1234abcd"})
    assert kept.headers["x-request-id"] == "edge-1234abcd"
    replaced = await api.client.get("/healthz", headers={"x-request-id": "bad id\twith tab"})
    assert replaced.headers["x-request-id"] != "bad id\twith tab"


async def test_an_unexpected_failure_is_masked_with_the_request_id(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("connection to db-secret-host:5432 refused for password hunter2")

    monkeypatch.setattr(api.runtime.readers, "product_page", broken)
    with caplog.at_level(logging.ERROR):
        response = await post(api, {"query": PRODUCTS, "variables": {"first": 5}})
    assert response.status_code == 200
    answer = response.json()
    request_id = response.headers["x-request-id"]
    assert answer["data"] is None
    [error] = answer["errors"]
    assert error["message"] == "Internal server error"
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
    for leak in ("hunter2", "db-secret-host", "RuntimeError", "Traceback", "readers.py"):
        assert leak not in response.text
    logged = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert any(request_id in str(record.msg) for record in logged), logged


async def test_an_unexpected_failure_in_a_mutation_is_masked(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from domain import cart_changes

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise KeyError("sk_live_secret")

    monkeypatch.setattr(cart_changes, "create_cart", broken)
    response = await post(api, {"query": CREATE_CART, "variables": {"lines": []}}, GRAPHQL_RESPONSE)
    answer = response.json()
    assert answer["errors"][0]["message"] == "Internal server error"
    assert answer["errors"][0]["extensions"]["requestId"] == response.headers["x-request-id"]
    assert "sk_live_secret" not in response.text


# --- health -------------------------------------------------------------------------------


@HTTP_ONLY
async def test_healthz(api: Api) -> None:
    response = await api.client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_checks_that_migrations_are_current(api: Api) -> None:
    response = await api.client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    async with api.runtime.database.engine.begin() as connection:
        version = await connection.scalar(text("SELECT version_num FROM alembic_version"))
        await connection.execute(text("DELETE FROM alembic_version"))
    try:
        behind = await api.client.get("/readyz")
        assert behind.status_code == 503
        assert behind.json()["status"] == "unavailable"
    finally:
        async with api.runtime.database.engine.begin() as connection:
            await connection.execute(
                text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": version}
            )
    assert (await api.client.get("/readyz")).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("sqlite+aiosqlite:///{tmp}/empty.db", id="never-migrated"),
        pytest.param("postgresql+psycopg://nobody@127.0.0.1:9/none", id="unreachable"),
    ],
)
async def test_readyz_is_503_on_a_database_that_is_not_ready(
    tmp_path: Path, url: str, clock: Any
) -> None:
    runtime = build_test_runtime(test_settings(url.format(tmp=tmp_path), tmp_path), clock)
    try:
        async for api in api_for(runtime, clock):
            response = await api.client.get("/readyz")
            assert response.status_code == 503
            assert response.json()["status"] == "unavailable"
            assert "nobody" not in response.text
            assert (await api.client.get("/healthz")).status_code == 200
    finally:
        await runtime.close()
