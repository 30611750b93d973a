"""The per-request context: who is asking (resolved once, lazily), the request's dataloaders
and the runtime."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import HTTPConnection

from domain.ports import Ports
from domain.store import StoreAccess
from domain.store_keys import access_of, key_hash
from graph import request_facts
from graph.dataloaders import Loaders
from graph.errors import ApiError, forbidden, unauthenticated
from graph.runtime import Runtime

if TYPE_CHECKING:
    from graph.event_hub import EventHub
    from graph.rate_limits import RateLimits

_UNRESOLVED: Any = object()


def presented_key(headers: Any) -> str | None:
    """The store key from `Authorization: Bearer …` (wins) or `X-Store-Key`."""
    authorization = (headers.get("authorization") or "").strip()
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise unauthenticated("Authorization must be 'Bearer <store key>'")
        return value.strip()
    key = (headers.get("x-store-key") or "").strip()
    return key or None


@dataclass
class Context:
    runtime: Runtime
    request_id: str
    connection: HTTPConnection | None
    key: str | None
    loaders: Loaders
    response: Any = None
    # Why the presented credential could not even be read (a malformed Authorization).
    key_error: str | None = None
    # Subscriptions watch through the process's hub; None where nothing subscribes.
    hub: EventHub | None = None
    # A WebSocket's `connection_init` payload (Strawberry sets it).
    connection_params: dict[str, Any] | None = None
    # The app's rate limits; None: unlimited.
    limits: RateLimits | None = None
    # The store the key opens: unresolved, its look-up (a task) while in progress, then the
    # answer itself.
    _access: Any = field(default=_UNRESOLVED)

    @property
    def ports(self) -> Ports:
        return self.runtime.ports

    def now(self) -> datetime:
        return self.runtime.clock.now()

    def present(self, headers: Any) -> None:
        """Credentials that arrive after the context was made, in place of the ones before:
        a WebSocket client's, in `connection_init`."""
        self.key, self.key_error = None, None
        try:
            self.key = presented_key(headers)
        except ApiError as error:
            self.key_error = error.message
        self._access = _UNRESOLVED

    async def store_access(self) -> StoreAccess | None:
        """The store the presented key opens, None when no key was presented; a key that opens
        nothing is refused outright rather than treated as anonymous.

        Fields asked for together share one look-up and wake together when it is done, so
        what they load next is batched by the dataloaders."""
        access = self._access
        if access is _UNRESOLVED:
            access = self._access = asyncio.ensure_future(self._resolve())
        if not isinstance(access, asyncio.Future):
            return access  # type: ignore[no-any-return]
        found: StoreAccess | None = await asyncio.shield(access)
        if self._access is access:
            # The answer itself is kept rather than its finished task (~0.6 KiB): a WebSocket
            # holds its context, and so this, for as long as it is open. A refusal keeps its
            # task, which raises it again for every field that asks.
            self._access = found
        return found

    async def _resolve(self) -> StoreAccess | None:
        if self.key_error is not None:
            raise unauthenticated(self.key_error)
        if self.key is None:
            return None
        if access_of(self.key) is None:
            raise unauthenticated("store keys start with pk_ or sk_")
        found = await self.runtime.readers.store_by_key_hash(key_hash(self.key))
        if found is None or found.access is not access_of(self.key):
            raise unauthenticated("this store key is not valid")
        request_facts.note_store(found.store.id)
        return found

    async def require_store(self, *, secret: bool = False) -> StoreAccess:
        access = await self.store_access()
        if access is None:
            raise unauthenticated()
        if secret and not access.is_secret:
            raise forbidden()
        return access

    async def store_id_if_any(self) -> str | None:
        """For token operations: a store key is optional, but when given it must be valid and
        it scopes the look-up to its store."""
        access = await self.store_access()
        return access.store.id if access else None
