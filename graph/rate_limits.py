"""Rate limits on the mutations that call a payment provider or send mail, per client IP and
per store: a token bucket for each, kept in this process.

A bucket holds up to a minute's allowance and refills evenly, so a client may use its whole
minute at once and then gets one call every 60/N seconds. A call goes through only when every
bucket it draws on has a token, and then takes one from each: a refused call costs nothing,
so a client that is over its own limit does not use up its store's.

This is a rule of the edge, not of the checkout: a refused call answers the mutation's payload
with one `LIMIT_EXCEEDED` error and its `retryAfterSeconds`, and the resolver never runs. The
MCP tools run their GraphQL twins, so they are limited by the same buckets.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import structlog
from strawberry.extensions.field_extension import AsyncExtensionResolver, FieldExtension
from strawberry.types import Info
from strawberry.types.field import StrawberryField

from domain.errors import ErrorCode
from graph.client_address import Networks, client_ip
from graph.errors import UserError
from graph.metrics import RATE_LIMITED
from graph.settings import Settings

log = structlog.get_logger("checkout_flow.rate_limits")

# Forgetting full buckets keeps the memory of one client per address bounded.
PRUNE_ABOVE = 10_000


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class TokenBuckets:
    """One limit: a bucket per key (an address, a store id)."""

    def __init__(self, per_minute: int) -> None:
        self.capacity = float(per_minute)
        self.per_second = per_minute / 60.0
        self._buckets: dict[str, _Bucket] = {}
        self._prune_at = PRUNE_ABOVE

    def _tokens(self, key: str, now: float) -> float:
        bucket = self._buckets.get(key)
        if bucket is None:
            return self.capacity
        return min(self.capacity, bucket.tokens + (now - bucket.at) * self.per_second)

    def wait(self, key: str, now: float) -> float:
        """Seconds until the key has a token; 0 when it has one now."""
        missing = 1.0 - self._tokens(key, now)
        return max(missing / self.per_second, 0.0)

    def take(self, key: str, now: float) -> None:
        self._buckets[key] = _Bucket(self._tokens(key, now) - 1.0, now)
        if len(self._buckets) > self._prune_at:
            self._prune(now)

    def _prune(self, now: float) -> None:
        self._buckets = {
            key: bucket
            for key, bucket in self._buckets.items()
            if self._tokens(key, now) < self.capacity
        }
        self._prune_at = max(PRUNE_ABOVE, 2 * len(self._buckets))


@dataclass(frozen=True, slots=True)
class Refusal:
    limit: str  # "ip" or "store"
    retry_after_seconds: int


class RateLimits:
    """The limits of one app, from its settings; a limit of 0 is off."""

    def __init__(
        self,
        *,
        per_minute_ip: int,
        per_minute_store: int,
        trusted_proxies: Networks = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.by_ip = TokenBuckets(per_minute_ip) if per_minute_ip > 0 else None
        self.by_store = TokenBuckets(per_minute_store) if per_minute_store > 0 else None
        self.trusted_proxies = trusted_proxies
        self.clock = clock

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimits:
        return cls(
            per_minute_ip=settings.rate_limit_per_minute_ip,
            per_minute_store=settings.rate_limit_per_minute_store,
            trusted_proxies=settings.trusted_proxy_networks,
        )

    @property
    def limits_stores(self) -> bool:
        return self.by_store is not None

    def admit(self, ip: str | None, store_id: str | None) -> Refusal | None:
        """None and a token taken from each bucket, or why not and for how long."""
        now = self.clock()
        drawn = [
            (name, buckets, key)
            for name, buckets, key in (("ip", self.by_ip, ip), ("store", self.by_store, store_id))
            if buckets is not None and key is not None
        ]
        waits = [(buckets.wait(key, now), name) for name, buckets, key in drawn]
        longest, limit = max(waits, default=(0.0, ""))
        if longest > 0:
            return Refusal(limit, max(1, math.ceil(longest)))
        for _, buckets, key in drawn:
            buckets.take(key, now)
        return None


class RateLimited(FieldExtension):
    """On a mutation: refuses the call with LIMIT_EXCEEDED when a limit is reached. Inside the
    permission check, so a caller without the right key is told that first."""

    def apply(self, field: StrawberryField) -> None:
        self.field = field

    async def resolve_async(
        self, next_: AsyncExtensionResolver, source: Any, info: Info, **kwargs: Any
    ) -> Any:
        limits: RateLimits | None = getattr(info.context, "limits", None)
        if limits is None:
            return await next_(source, info, **kwargs)
        connection = info.context.connection
        ip = client_ip(connection.scope, limits.trusted_proxies) if connection else None
        store_id = await _store_of(info, kwargs.get("token")) if limits.limits_stores else None
        refusal = limits.admit(ip, store_id)
        if refusal is None:
            return await next_(source, info, **kwargs)
        RATE_LIMITED.labels(refusal.limit, info.field_name).inc()
        log.warning(
            "rate limited",
            limit=refusal.limit,
            mutation=info.field_name,
            retry_after_seconds=refusal.retry_after_seconds,
        )
        seconds = refusal.retry_after_seconds
        error = UserError(
            code=ErrorCode.LIMIT_EXCEEDED,
            field=None,
            message=f"too many calls; try again in {seconds} second{'s' if seconds > 1 else ''}",
            retry_after_seconds=seconds,
        )
        payload: Any = self.field.type  # the payload class: each has `errors`
        return payload(errors=[error])


async def _store_of(info: Info, token: object) -> str | None:
    """The store the call is for: its key's, or — for a checkout token sent without a key —
    the checkout's (one read, only then)."""
    access = await info.context.store_access()
    if access is not None:
        return str(access.store.id)
    if not isinstance(token, str):
        return None
    found = await info.context.runtime.readers.checkouts_by_tokens([token])
    checkout = found.get(token)
    return checkout.store.id if checkout is not None else None


Field = TypeVar("Field", bound=StrawberryField)


def rate_limited(field: Field) -> Field:
    """The mutation with its calls limited; the permission check stays outermost (Strawberry
    runs a field's last extension first)."""
    field.extensions.insert(0, RateLimited())
    return field
