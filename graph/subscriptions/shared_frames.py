"""Subscription frames that share their data encode it once.

When a thousand subscribers get the same answer to an event (see `graph.executor`), their
frames differ only in the operation id: the answer is encoded as JSON once, by its identity,
and each frame is put together around it.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from persistence import json_codec

# Answers of the last few events; an entry keeps its data alive, so its id is no other's.
REMEMBERED_ANSWERS = 64
FRAME_TYPES = ("next", "data")  # graphql-transport-ws, graphql-ws


def encoded(value: object) -> str:
    return json_codec.dumps(value)


class SharedFrames:
    def __init__(self) -> None:
        self._answers: OrderedDict[int, tuple[object, str]] = OrderedDict()

    def encode(self, message: object) -> str:
        data = _shared_data(message)
        if data is None:
            return encoded(message)
        assert isinstance(message, dict)
        return (
            f'{{"id":{encoded(message["id"])},"type":"{message["type"]}",'
            f'"payload":{{"data":{self._answer(data)}}}}}'
        )

    def _answer(self, data: dict[str, Any]) -> str:
        known = self._answers.get(id(data))
        if known is not None and known[0] is data:
            self._answers.move_to_end(id(data))
            return known[1]
        text = encoded(data)
        self._answers[id(data)] = (data, text)
        if len(self._answers) > REMEMBERED_ANSWERS:
            self._answers.popitem(last=False)
        return text


def _shared_data(message: object) -> dict[str, Any] | None:
    """The data of a frame that carries only data, else None."""
    if not isinstance(message, dict) or message.keys() != {"id", "type", "payload"}:
        return None
    payload = message["payload"]
    if message["type"] not in FRAME_TYPES or not isinstance(payload, dict):
        return None
    data = payload.get("data")
    return data if payload.keys() == {"data"} and isinstance(data, dict) else None
