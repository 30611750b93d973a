"""Text a client sends may not hold NUL (U+0000): PostgreSQL keeps no NUL in text or JSON, so
a sku, an id, an email or a metadata value with one would fail at the database, as an
unexpected error. It is refused before anything runs, as a malformed request, for every
operation (and so for every MCP tool, which runs one)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import DocumentNode, StringValueNode, Visitor, visit
from strawberry.extensions import SchemaExtension

from graph.errors import bad_request

NUL = "\x00"


class TextWithoutNul(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        # A literal can only hold NUL through an escape (the lexer refuses a raw one).
        literal = "\\u" in (context.query or "") and _has_nul_literal(context.graphql_document)
        if literal or _holds_nul(context.variables):
            raise bad_request("text must not contain the NUL character (U+0000)")
        yield


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(inner) for key, inner in value.items())
    if isinstance(value, (list, tuple)):
        return any(_holds_nul(inner) for inner in value)
    return False


class _NulFinder(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        if NUL in node.value:
            self.found = True


def _has_nul_literal(document: DocumentNode | None) -> bool:
    if document is None:
        return False
    finder = _NulFinder()
    visit(document, finder)
    return finder.found
