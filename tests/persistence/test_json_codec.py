"""JSON through orjson reads and writes what the standard `json` module does, at its edges too."""

from __future__ import annotations

import json
import math

import pytest

from persistence import json_codec

TEXTS = [
    b'{"a":[1,2.5,-0,"\\u00e9",true,null],"b":{"c":"x"}}',
    b"12345678901234567890123456789",  # past 64 bits: orjson alone would give a float
    b'{"n":-98765432109876543210,"m":0.1}',
    b'["\\ud800"]',  # a lone surrogate, which orjson refuses
    b"1e400",  # past a double: `json` reads it as infinity
    '{"text":"caf\u00e9 \U0001f600"}'.encode(),
]


@pytest.mark.parametrize("text", TEXTS)
def test_reads_what_json_reads(text: bytes) -> None:
    assert repr(json_codec.loads(text)) == repr(json.loads(text))
    assert repr(json_codec.loads(text.decode())) == repr(json.loads(text.decode()))


def test_a_long_digit_string_in_a_text_is_read_as_text() -> None:
    assert json_codec.loads(b'{"ref":"1234567890123456789012"}') == {
        "ref": "1234567890123456789012"
    }


@pytest.mark.parametrize("text", [b"{not json", b'{"a": NaN}', b"[Infinity]", b"-Infinity", b""])
def test_refuses_what_is_not_json(text: bytes) -> None:
    with pytest.raises(json.JSONDecodeError):
        json_codec.loads(text)


VALUES = [
    {"a": [1, 2.5, "é", True, None], "b": {"c": "x"}},
    2**70,  # past 64 bits: orjson refuses it
    {"1": 1, 2: "two"},  # a key that is no string: orjson refuses it
    ["\ud800"],  # a lone surrogate: no UTF-8 for it, so it goes escaped
    {"big": -(2**80), "small": 0.1, "tiny": 5e-324},
]


@pytest.mark.parametrize("value", VALUES)
def test_writes_what_json_reads_back_as_the_same_value(value: object) -> None:
    written = json_codec.dumps_bytes(value)
    assert json.loads(written) == json.loads(json.dumps(value))
    assert json_codec.dumps(value) == written.decode()


def test_writes_compact_text_with_non_ascii_as_itself() -> None:
    assert json_codec.dumps({"name": "Zoë", "n": [1, 2]}) == '{"name":"Zoë","n":[1,2]}'


def test_never_writes_nan() -> None:
    # orjson writes null; what matters is that no reader of ours meets a NaN token.
    assert "NaN" not in json_codec.dumps({"x": math.nan})
