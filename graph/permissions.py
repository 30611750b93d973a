"""Who may call what (contract §2), checked once per field before its resolver runs."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission
from strawberry.types import Info


class StoreKey(BasePermission):
    """The store's public or secret key."""

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        await info.context.require_store()
        return True


class SecretKey(BasePermission):
    """The store's secret key only."""

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        await info.context.require_store(secret=True)
        return True


class ValidKeyIfAny(BasePermission):
    """Token operations: no key is needed, but a presented key must be valid."""

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        await info.context.store_access()
        return True
