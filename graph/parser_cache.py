"""Strawberry's parser and validation caches, made to fit how the service uses them.

The parser cache, with a document that does not parse left to Strawberry.

`ParserCache` parses in its `on_parse` hook, which runs before Strawberry's own error handling
of the parse: a syntax error, or a document over the token limit, escapes as an exception.
Over HTTP the operation's last resort turns it into an error answer; over a WebSocket nothing
does, and the client's subscription just completes without a word. Here such a document is
left unparsed, so Strawberry parses it again inside its handling and answers with the error
(a failed parse costs twice, and is bounded by the token limit).

The validation cache, keyed by the document's identity. Strawberry's `ValidationCache` keys
its LRU cache by the document itself, and a document (a frozen dataclass tree) is hashed
afresh, node by node, at every look-up: ~30 µs for one of a checkout's mutations, on every
request. The parser cache hands out the same document object for the same text, so the
answer is kept by that object's identity here; the entry holds the document, so no other
object can have its identity while the entry lasts.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import ParserCache, SchemaExtension
from strawberry.schema.schema import validate_document


class ParserCacheAnsweringErrors(ParserCache):
    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        try:
            context.graphql_document = self.cached_parse_document(
                context.query, **context.parse_options
            )
        except GraphQLError:
            context.graphql_document = None
        yield


# By (document's id, schema's id, rules): the document, and what validating it found.
_VALIDATED: dict[tuple[int, int, tuple[Any, ...]], tuple[Any, list[GraphQLError]]] = {}


class ValidationCacheByDocument(SchemaExtension):
    def __init__(self, maxsize: int = 512) -> None:
        self.maxsize = maxsize

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document, schema = context.graphql_document, context.schema._schema
        rules = tuple(context.validation_rules)
        key = (id(document), id(schema), rules)
        known = _VALIDATED.get(key)
        if known is not None:  # its entry keeps the document alive: the id is this document's
            errors = known[1]
        else:
            errors = validate_document(schema, document, rules)  # type: ignore[arg-type]
            if len(_VALIDATED) >= self.maxsize:
                del _VALIDATED[next(iter(_VALIDATED))]  # the oldest
            _VALIDATED[key] = (document, errors)
        context.pre_execution_errors = errors
        yield
