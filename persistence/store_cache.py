"""Stores as their keys open them, kept a few seconds per process: every request presents a
key, and looking it up each time cost a connection and a statement of every request.

A change made in this process (settings, keys) drops the entry at once, on commit; another
process sees it within the time to live.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from domain.store import StoreAccess

TTL_SECONDS = 5.0
MAX_ENTRIES = 10_000


class StoreKeyCache:
    def __init__(self, ttl: float = TTL_SECONDS) -> None:
        self._ttl = ttl
        self._entries: dict[str, tuple[float, StoreAccess | None]] = {}

    async def get(
        self, key_hash: str, load: Callable[[str], Awaitable[StoreAccess | None]]
    ) -> StoreAccess | None:
        now = time.monotonic()
        entry = self._entries.get(key_hash)
        if entry is not None and entry[0] > now:
            return entry[1]
        found = await load(key_hash)
        if found is not None:  # an unknown key is asked again next time: it may be new
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[key_hash] = (now + self._ttl, found)
        return found

    def forget(self, store_ids: set[str]) -> None:
        for key, (_, access) in list(self._entries.items()):
            if access is not None and access.store.id in store_ids:
                del self._entries[key]
