"""JSON text read and written by orjson, with the standard `json` module's results.

orjson is several times faster than `json` on the service's hot paths (request bodies, answers,
a checkout's JSON columns), but it differs at the edges: it reads an integer past 64 bits as a
float, and it refuses what it cannot write (integers past 64 bits, keys that are not strings)
or read (lone surrogates, numbers out of a double's range). Those cases go to `json`, so that
a value never changes on its way through. Neither reads `NaN` or `Infinity`, which are not JSON
(the `json` module would).
"""

from __future__ import annotations

import json
from typing import Any

import orjson

# 19 digits in a row may be an integer past 64 bits, which orjson would read as a float. They
# are found by mapping every digit to "0" and everything else to " " and looking for 19 zeros:
# a tenth of what a regular expression's search costs. A false alarm (a long digit string in
# a text) only costs speed.
_DIGITS_AS_ZEROS = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
_LONG_DIGITS = b"0" * 19


def _may_hold_long_integers(data: bytes) -> bool:
    return _LONG_DIGITS in data.translate(_DIGITS_AS_ZEROS)


def loads(data: str | bytes | bytearray | memoryview) -> Any:
    """As `json.loads`; raises `json.JSONDecodeError` for text that is not JSON."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    elif not isinstance(data, bytes):
        data = bytes(data)
    if not _may_hold_long_integers(data):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass  # `json` reads some of it (lone surrogates, 1e400), or says what is wrong
    return json.loads(data, parse_constant=_not_json)


def _not_json(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not JSON", name, 0)


def dumps_bytes(value: object) -> bytes:
    """Compact UTF-8 JSON: what `json.dumps(value, separators=(",", ":"))` writes, with text
    that is not ASCII as itself rather than as escapes, and NaN and the infinities as null
    (`json` writes tokens that are not JSON)."""
    try:
        return orjson.dumps(value)
    except TypeError:  # orjson.JSONEncodeError: values only `json` writes (lone surrogates too)
        return json.dumps(value, separators=(",", ":")).encode()


def dumps(value: object) -> str:
    return dumps_bytes(value).decode()
