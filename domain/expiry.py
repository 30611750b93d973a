"""Time running out: carts and checkouts past their TTL are recorded EXPIRED (they already
count as expired the moment their time passes), and reservations that no longer count are
dropped."""

from __future__ import annotations

from dataclasses import dataclass

from domain.events import CheckoutChanged
from domain.ports import Ports


@dataclass(frozen=True, slots=True)
class ExpiryReport:
    carts: int
    checkouts: int
    reservations: int


async def expire_due(ports: Ports, limit: int = 200) -> ExpiryReport:
    async with ports.unit_of_work() as uow:
        now = ports.clock.now()
        carts = await uow.carts.expire_due(now, limit)
        checkouts = await uow.checkouts.expire_due(now, limit)
        for store_id, token in checkouts:
            uow.publish(CheckoutChanged(store_id, token))
        reservations = await uow.stock.purge_released(now)
        await uow.commit()
    return ExpiryReport(carts, len(checkouts), reservations)
