"""Finding the checkout a token names, the way every checkout operation must."""

from __future__ import annotations

from datetime import datetime

from domain.checkout import Checkout
from domain.errors import ErrorCode, Rejected, path
from domain.ports import UnitOfWork


def no_checkout() -> Rejected:
    return Rejected.of(ErrorCode.NOT_FOUND, "checkout not found", path("token"))


async def find_checkout(
    uow: UnitOfWork, token: str, store_scope: str | None, *, lock: bool = True
) -> Checkout | Rejected:
    """The checkout, locked for the change. A checkout of another store than the key presented
    is as absent as one that never existed."""
    checkout = await uow.checkouts.get(token, lock=lock)
    if checkout is None or (store_scope is not None and checkout.store.id != store_scope):
        return no_checkout()
    return checkout


async def open_checkout(
    uow: UnitOfWork, token: str, store_scope: str | None, now: datetime
) -> Checkout | Rejected:
    """The checkout if it may still be changed: not completed, cancelled or expired."""
    checkout = await find_checkout(uow, token, store_scope)
    if isinstance(checkout, Rejected):
        return checkout
    problem = checkout.refusal(now)
    if problem is not None:
        return Rejected((problem,), subject=checkout)
    return checkout
