"""What is known about the request being served, for its log lines, its access-log line and
its metrics: the request id, the store, the GraphQL operation, the checkout token's prefix.

One mutable record per request, reached through a context variable. Whatever learns a fact
(the GraphQL extension, the context resolving the store key, a webhook) writes it there, and
every log line of the request shows it — also lines written by tasks the request started,
which see the same record, and the access-log line written after the response.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from contextlib import suppress
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from typing import Any

STATE_KEY = "request_facts"
# Enough to find a checkout in the logs; far too little to use it (tokens carry ≥ 128 bits).
TOKEN_PREFIX_LENGTH = 8
# A client names its operations; a log line carries no more of a name than this.
LONGEST_NAME = 100


@dataclass
class RequestFacts:
    request_id: str
    store_id: str | None = None
    operation: str | None = None  # the operation's name, as the client gave it
    operation_type: str | None = None  # query, mutation or subscription
    root_fields: tuple[str, ...] = ()
    token_prefix: str | None = None
    # Facts of one kind of request, e.g. a webhook's provider and event type.
    extra: dict[str, str] = field(default_factory=dict)

    def log_fields(self) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "store_id": self.store_id,
            "operation": self.operation,
            "root_fields": ",".join(self.root_fields) or None,
            "token_prefix": self.token_prefix,
            **self.extra,
        }
        return {name: value for name, value in shown.items() if value is not None}

    def note_store(self, store_id: str) -> None:
        if self.store_id is None:
            self.store_id = store_id

    def note_token(self, token: object) -> None:
        if isinstance(token, str) and token and self.token_prefix is None:
            self.token_prefix = token_prefix(token)


_current: ContextVar[RequestFacts | None] = ContextVar("request_facts", default=None)


def current() -> RequestFacts | None:
    return _current.get()


def of_scope(scope: MutableMapping[str, Any] | None) -> RequestFacts | None:
    if scope is None:
        return None
    facts = scope.get("state", {}).get(STATE_KEY)
    return facts if isinstance(facts, RequestFacts) else None


class in_effect:  # noqa: N801 - read as the function it was: `with in_effect(facts):`
    """The facts of the request this block serves, for its log lines.

    A class rather than a generator-based context manager: a WebSocket's connection stays
    inside this block for as long as it is open, and a suspended generator with its wrapper
    held ~0.7 KiB for each of them."""

    __slots__ = ("_facts", "_token")

    def __init__(self, facts: RequestFacts) -> None:
        self._facts = facts
        self._token: Token[RequestFacts | None] | None = None

    def __enter__(self) -> RequestFacts:
        self._token = _current.set(self._facts)
        return self._facts

    def __exit__(self, *exc_info: object) -> None:
        if self._token is not None:
            # A subscription's generator may be closed by the loop, in another context than
            # the one it was set in; that one ends with its task anyway.
            with suppress(ValueError):
                _current.reset(self._token)
            self._token = None


def note_store(store_id: str) -> None:
    facts = _current.get()
    if facts is not None:
        facts.note_store(store_id)


def token_prefix(token: str) -> str:
    return token[:TOKEN_PREFIX_LENGTH]


def short(name: str) -> str:
    return name if len(name) <= LONGEST_NAME else name[:LONGEST_NAME] + "…"


def add_request_facts(logger: Any, method: str, event: MutableMapping[str, Any]) -> Any:
    """structlog processor: the current request's facts on every line (a value the line sets
    itself wins)."""
    facts = _current.get()
    if facts is not None:
        for name, value in facts.log_fields().items():
            event.setdefault(name, value)
    return event
