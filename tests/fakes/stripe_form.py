"""Stripe's form encoding (`a[b][0][c]=v`) read back into nested dicts and lists."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

__all__ = ["parse_form"]

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
# Keys under these are free-form strings chosen by the caller, never list indices.
_FREE_FORM = {"metadata"}


def parse_form(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    root: dict[str, Any] = {}
    for raw_key, value in pairs:
        match = _KEY.match(raw_key)
        if match is None:
            root[raw_key] = value
            continue
        parts = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        last = parts[-1]
        if last == "":
            # `expand[]=a&expand[]=b`, as curl users write lists
            node.setdefault("", []).append(value)
        else:
            node[last] = value
    listified: dict[str, Any] = _listify(root, parent="")
    return listified


def _listify(node: Any, parent: str) -> Any:
    if not isinstance(node, dict):
        return node
    if set(node) == {""}:
        return list(node[""])
    converted = {key: _listify(value, key) for key, value in node.items()}
    keys = list(converted)
    if parent not in _FREE_FORM and keys and all(k.isdigit() for k in keys):
        indices = sorted(int(k) for k in keys)
        if indices == list(range(len(indices))):
            return [converted[str(i)] for i in indices]
    return converted
