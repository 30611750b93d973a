"""Who a client is, for the limits: the address the connection came from, or — when that is a
trusted reverse proxy — the address the proxies say they were asked from.

X-Forwarded-For is read from the right: each proxy appends the address it was called from, so
the entries nearest the end were written by our proxies and the first one from the end that
is not a trusted proxy is the client. Whatever the client wrote itself stands further left and
is never reached. From a peer that is not trusted the header means nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from ipaddress import IPv4Network, IPv6Network, ip_address
from typing import Any

Networks = tuple[IPv4Network | IPv6Network, ...]
LONGEST_ADDRESS = 64


def client_ip(scope: Mapping[str, Any], trusted: Networks) -> str | None:
    """The client's address for an ASGI HTTP or WebSocket scope; None when unknown."""
    client = scope.get("client")
    peer = str(client[0]) if client else None
    if peer is None or not trusted or not _is_trusted(peer, trusted):
        return peer
    hops = list(_forwarded(scope.get("headers") or ()))
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            return _normal(hop)
    # Every hop is a proxy of ours: the leftmost is as near the client as we can see.
    return _normal(hops[0]) if hops else peer


def _forwarded(headers: Iterable[tuple[bytes, bytes]]) -> Iterable[str]:
    for name, value in headers:
        if name.lower() == b"x-forwarded-for":
            for part in value.decode("latin-1").split(","):
                if part.strip():
                    yield part.strip()


def _is_trusted(address: str, trusted: Networks) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in trusted)


def _normal(address: str) -> str:
    try:
        return str(ip_address(address))
    except ValueError:  # a proxy wrote something else: a key of its own, kept short
        return address[:LONGEST_ADDRESS]
