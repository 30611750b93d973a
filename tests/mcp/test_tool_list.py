"""What an assistant learns from tools/list: the ten names, arguments it can act on, results
it can rely on, and hints that tell the truth."""

from __future__ import annotations

from typing import Any

import mcp_types as types

from tests.mcp.served import key_headers, mcp_client
from tests.support import Api

NAMES = {
    "checkout-flow_search_products",
    "checkout-flow_create_cart",
    "checkout-flow_initiate_checkout",
    "checkout-flow_set_customer",
    "checkout-flow_set_line_meta",
    "checkout-flow_create_payment",
    "checkout-flow_set_payment",
    "checkout-flow_get_checkout_status",
    "checkout-flow_complete_checkout",
    "checkout-flow_cancel_checkout",
}
READ_ONLY = {"checkout-flow_search_products", "checkout-flow_get_checkout_status"}
# Stripe or Mollie (or the shopper's mailbox) are on the other side of these.
OPEN_WORLD = {
    "checkout-flow_create_payment",
    "checkout-flow_set_payment",
    "checkout-flow_cancel_checkout",
    "checkout-flow_complete_checkout",
}


def undescribed(schema: dict[str, Any], at: str = "") -> list[str]:
    """Every property, at any depth, that comes without a description."""
    missing = []
    for name, prop in schema.get("properties", {}).items():
        where = f"{at}.{name}" if at else name
        if not prop.get("description"):
            missing.append(where)
        missing += undescribed(prop, where)
        missing += undescribed(prop.get("items", {}), f"{where}[]")
    return missing


async def listed(api: Api, url: str) -> dict[str, types.Tool]:
    async with mcp_client(url, key_headers(api.keys)) as session:
        return {tool.name: tool for tool in (await session.list_tools()).tools}


async def test_ten_tools_with_input_schemas_an_assistant_can_act_on(api: Api, mcp_url: str) -> None:
    tools = await listed(api, mcp_url)
    assert set(tools) == NAMES
    for name, tool in tools.items():
        assert len(tool.description or "") > 80, name
        assert tool.title, name
        schema = tool.input_schema
        assert schema["type"] == "object", name
        assert schema["additionalProperties"] is False, name
        assert undescribed(schema) == [], name
        # Examples make the formats concrete.
        assert all("xample" in p["description"] for p in schema["properties"].values()), name
    token_tools = NAMES - {
        "checkout-flow_search_products",
        "checkout-flow_create_cart",
        "checkout-flow_initiate_checkout",
    }
    for name in token_tools:
        assert "token" in tools[name].input_schema["required"], name
    payment = tools["checkout-flow_create_payment"].input_schema["properties"]["input"]
    assert payment["properties"]["provider"]["enum"] == ["STRIPE", "MOLLIE", "INVOICE"]


def resolved(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """`node` with its local `$ref` (or the non-null arm of a nullable one) followed."""
    for arm in node.get("anyOf", []):
        if arm.get("type") != "null":
            node = arm
    if "$ref" in node:
        return schema["$defs"][node["$ref"].rsplit("/", 1)[1]]  # type: ignore[no-any-return]
    return node


async def test_output_schemas_carry_the_payload_errors_and_summary(api: Api, mcp_url: str) -> None:
    tools = await listed(api, mcp_url)
    for name, tool in tools.items():
        schema = tool.output_schema
        assert schema is not None, name
        assert schema["type"] == "object", name
        assert {"errors", "summary"} <= set(schema["required"]), name
        error = resolved(schema, schema["properties"]["errors"]["items"])
        assert {"code", "field", "message"} <= set(error["required"]), name
        assert "UNAUTHENTICATED" in error["properties"]["code"]["enum"]
        assert "INVOICE_NOT_ALLOWED" in error["properties"]["code"]["enum"]
    status = tools["checkout-flow_get_checkout_status"].output_schema
    checkout = resolved(status, status["properties"]["checkout"])
    assert {"items", "totals", "payment", "order", "status"} <= set(checkout["properties"])
    assert "number" in resolved(status, checkout["properties"]["order"])["properties"]
    completion = tools["checkout-flow_complete_checkout"].output_schema["properties"]
    assert {"order", "checkout"} <= set(completion)
    payment = resolved(status, checkout["properties"]["payment"])["properties"]
    assert "redirectUrl" in payment
    assert "clientSecret" not in payment  # for the shopper's browser, not a transcript


async def test_annotations_say_what_each_tool_does(api: Api, mcp_url: str) -> None:
    tools = await listed(api, mcp_url)
    for name, tool in tools.items():
        hints = tool.annotations
        assert hints is not None, name
        # Every hint is stated, none left to a client's default.
        for hint in ("read_only_hint", "destructive_hint", "idempotent_hint", "open_world_hint"):
            assert getattr(hints, hint) is not None, (name, hint)
        assert hints.read_only_hint is (name in READ_ONLY), name
        assert hints.open_world_hint is (name in OPEN_WORLD), name
        assert hints.destructive_hint is (name == "checkout-flow_cancel_checkout"), name
    assert tools["checkout-flow_create_cart"].annotations.idempotent_hint is False  # type: ignore[union-attr]
    assert tools["checkout-flow_complete_checkout"].annotations.idempotent_hint is True  # type: ignore[union-attr]
