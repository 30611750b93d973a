"""Strawberry's parser cache, with a document that does not parse left to Strawberry.

`ParserCache` parses in its `on_parse` hook, which runs before Strawberry's own error handling
of the parse: a syntax error, or a document over the token limit, escapes as an exception.
Over HTTP the operation's last resort turns it into an error answer; over a WebSocket nothing
does, and the client's subscription just completes without a word. Here such a document is
left unparsed, so Strawberry parses it again inside its handling and answers with the error
(a failed parse costs twice, and is bounded by the token limit).
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import ParserCache


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
