"""Every secret a test run makes, and everything the service says, for one check at the end of
the session: no secret may appear in a log line or an answer (issue 9).

Tests and fixtures `register` what they make (store secret keys, provider API keys and
signing secrets, the vault key, SMTP passwords); checkout tokens are registered by the
response recorder itself as log-only secrets (a log line shows a token's prefix, never the
whole token; the answers that carry tokens are the point of them). What the service says is
`heard` from three places, installed by tests/conftest.py:

- every log record any handler formats (`logging.Handler.format`), and whatever a test
  printed or logged to captured output (its report sections), subprocess output included;
- every HTTP and WebSocket message an app of ours sends (`Starlette.__call__`, for apps
  carrying a runtime in `app.state`);
- the log files the process tests leave under pytest's temporary directory.

Not heard, because the contract shows secret keys there once: the output of `store create
--json` and `demo`, which tests read from a subprocess's pipe.

Scanning every line for every secret would cost minutes in a full run, so text is reduced at
once to the secret-shaped words in it (`sk_…`, `whsec_…`, `test_…`, `live_…`, `rk_…`, and
tokens' alphabet after a quote or a space), kept with where they were first heard; secrets of
no such shape are looked for in full while the text is at hand. A secret is therefore found
even when it is registered after it was heard, as long as it has one of those shapes.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Words that may be a prefixed secret, found at every position (overlapping: "test_" inside
# "sk_test_…" is looked at too).
PREFIXED = re.compile(r"(?=((?:sk|rk|whsec|test|live)_[A-Za-z0-9_-]{8,}))")
PREFIXES = ("sk_", "rk_", "whsec_", "test_", "live_")
# Checkout tokens: url-safe base64 words of 32+ characters.
TOKEN_WORD = re.compile(r"[A-Za-z0-9_-]{32,}")
MIN_LENGTH = 8


@dataclass(frozen=True, slots=True)
class Leak:
    secret: str
    made_by: str
    heard_in: str

    def shown(self) -> str:
        hidden = f"{self.secret[:6]}…{self.secret[-2:]}" if len(self.secret) > 10 else "…"
        return f"{hidden} (made by {self.made_by}) in {self.heard_in}"


@dataclass
class SecretsRegistry:
    # secret → who made it; log-only secrets may show in answers but never in a log line.
    secrets: dict[str, str] = field(default_factory=dict)
    log_only: dict[str, str] = field(default_factory=dict)
    # Secret-shaped words heard, each with the first place it was heard.
    words: dict[str, str] = field(default_factory=dict)
    log_words: dict[str, str] = field(default_factory=dict)
    # Leaks of secrets without a prefix, found while the text was at hand.
    found: list[Leak] = field(default_factory=list)
    # The test running now, for saying where something was heard.
    current: str = "the session"
    lines_heard: int = 0
    answers_heard: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def register(self, *values: str | None, made_by: str, log_only: bool = False) -> None:
        with self._lock:
            for value in values:
                if value and len(value) >= MIN_LENGTH:
                    (self.log_only if log_only else self.secrets).setdefault(value, made_by)

    def forget(self, *values: str) -> None:
        with self._lock:
            for value in values:
                self.secrets.pop(value, None)
                self.log_only.pop(value, None)
            self.found = [leak for leak in self.found if leak.secret not in values]

    def heard_log(self, text: str, where: str = "") -> None:
        self._heard(text, f"a log line ({where or self.current})", is_log=True)
        self.lines_heard += 1

    def heard_answer(self, text: str, where: str = "") -> None:
        self._heard(text, f"an answer ({where or self.current})", is_log=False)
        self.answers_heard += 1
        # Every checkout token an answer hands out must stay out of the logs.
        if '"token"' in text or "Token" in text:
            for token in _tokens_in(text):
                self.register(token, made_by="the service (a checkout token)", log_only=True)

    def _heard(self, text: str, where: str, *, is_log: bool) -> None:
        if not text:
            return
        with self._lock:
            kept = self.log_words if is_log else self.words
            for match in PREFIXED.finditer(text):
                kept.setdefault(match.group(1), _at(where, text, match.start()))
            if is_log:
                for found in TOKEN_WORD.finditer(text):
                    kept.setdefault(found.group(), _at(where, text, found.start()))
            for secret, made_by in self.secrets.items():
                if not secret.startswith(PREFIXES) and secret in text:
                    self.found.append(Leak(secret, made_by, where))

    def leaks(self) -> list[Leak]:
        with self._lock:
            found = list(self.found)
            found += _in_words(self.secrets, {**self.words, **self.log_words})
            found += _in_words(self.log_only, self.log_words)
        return found

    def scan_files(self, paths: Iterable[Path]) -> None:
        for path in paths:
            try:
                text = path.read_text(errors="replace")
            except OSError:
                continue
            self.heard_log(text, str(path))

    @contextmanager
    def scratch(self) -> Iterator[SecretsRegistry]:
        """A registry of its own, heard through the same hooks while the block runs: for a
        test that plants a secret on purpose."""
        scratch = SecretsRegistry(current=self.current)
        listeners.append(scratch)
        try:
            yield scratch
        finally:
            listeners.remove(scratch)


def _at(where: str, text: str, start: int) -> str:
    """Where, with the text around the word (the word itself cut short)."""
    before = text[max(start - 60, 0) : start].replace("\n", " ")
    return f"{where}: …{before}⟨here⟩"


def _in_words(secrets: dict[str, str], words: dict[str, str]) -> list[Leak]:
    lengths = {len(secret) for secret in secrets}
    found = []
    for word, where in words.items():
        for length in lengths:
            if len(word) >= length and word[:length] in secrets:
                found.append(Leak(word[:length], secrets[word[:length]], where))
        if word in secrets and len(word) not in lengths:
            found.append(Leak(word, secrets[word], where))
    return found


def _tokens_in(text: str) -> list[str]:
    try:
        answer = json.loads(text)
    except ValueError:
        return []
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key in ("token", "checkoutToken") and isinstance(inner, str):
                    found.append(inner)
                else:
                    walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(answer)
    return found


REGISTRY = SecretsRegistry()
# Registries that hear what REGISTRY hears (see `scratch`).
listeners: list[SecretsRegistry] = [REGISTRY]


def register(*values: str | None, made_by: str) -> None:
    REGISTRY.register(*values, made_by=made_by)


def heard_log(text: str, where: str = "") -> None:
    for registry in listeners:
        registry.heard_log(text, where)


def heard_answer(text: str, where: str = "") -> None:
    for registry in listeners:
        registry.heard_answer(text, where)


# --- installing the listeners (tests/conftest.py, once per session) ------------------------


def install() -> None:
    _hear_every_formatted_log_record()
    _hear_every_answer_of_our_apps()


def _hear_every_formatted_log_record() -> None:
    original = logging.Handler.format

    def format(self: logging.Handler, record: logging.LogRecord) -> str:
        text = original(self, record)
        heard_log(text)
        return text

    logging.Handler.format = format  # type: ignore[method-assign]


def _hear_every_answer_of_our_apps() -> None:
    from starlette.applications import Starlette

    original = Starlette.__call__

    async def call(self: Starlette, scope: Any, receive: Any, send: Any) -> None:
        if getattr(self.state, "runtime", None) is None:  # not ours (a provider fake)
            await original(self, scope, receive, send)
            return
        path = scope.get("path", "")

        async def recording_send(message: Any) -> None:
            kind = message["type"]
            if kind == "http.response.body":
                heard_answer(bytes(message.get("body", b"")).decode("utf-8", "replace"), path)
            elif kind == "http.response.start":
                headers = message.get("headers") or []
                heard_answer(" ".join(f"{k!r}: {v!r}" for k, v in headers), path)
            elif kind == "websocket.send":
                heard_answer(message.get("text") or (message.get("bytes") or b"").decode(), path)
            elif kind == "websocket.close":
                heard_answer(message.get("reason") or "", path)
            await send(message)

        await original(self, scope, receive, recording_send)

    Starlette.__call__ = call  # type: ignore[method-assign]
