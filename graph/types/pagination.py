"""Relay-style pages: opaque cursors and the limits on `first`."""

from __future__ import annotations

import base64
import binascii

import strawberry

from graph.errors import bad_request, limit_exceeded

MAX_FIRST = 100


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


def check_first(first: int) -> int:
    if first > MAX_FIRST:
        raise limit_exceeded(f"first may be at most {MAX_FIRST}")
    if first < 0:
        raise bad_request("first must not be negative")
    return first


def encode_cursor(kind: str, value: str | int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode()


def decode_cursor(kind: str, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    try:
        found_kind, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise bad_request("after is not a cursor from this list") from None
    if found_kind != kind:
        raise bad_request("after is not a cursor from this list")
    return value
