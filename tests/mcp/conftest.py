from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from graph.app import create_app
from graph.runtime import Runtime
from tests.checkout.flow import mutate, stock_shop
from tests.mcp.served import served
from tests.support import Api

DEFINE = """mutation($sku: String!, $fields: [MetaFieldInput!]!) { defineLineMeta(sku: $sku, fields: $fields) { errors { code field message } } }"""
PRESCRIPTION = [
    {"name": "eye", "type": "ENUM", "required": True, "options": ["LEFT", "RIGHT"]},
    {
        "name": "sphere",
        "type": "DECIMAL",
        "required": True,
        "min": "-20.00",
        "max": "20.00",
        "step": "0.25",
    },
]


@pytest.fixture
async def shop(api: Api) -> Api:
    """A store with invoice allowed, shipping to NL and BE, and lenses that need a
    prescription on each line."""
    await stock_shop(api)
    answer = await mutate(api, DEFINE, {"sku": "LENS", "fields": PRESCRIPTION}, key="secret")
    assert answer["errors"] == [], answer
    return api


@pytest.fixture
async def mcp_url(runtime: Runtime) -> AsyncIterator[str]:
    async with served(create_app(runtime=runtime)) as url:
        yield url
