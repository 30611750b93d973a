from __future__ import annotations

import strawberry

from domain import order_lifecycle
from graph.mutations.payloads import OrderPayload, order_payload
from graph.permissions import SecretKey


@strawberry.mutation(
    permission_classes=[SecretKey],
    description="Cancels an order that has not shipped and puts its stock back.",
)
async def cancel_order(
    info: strawberry.Info, id: strawberry.ID, reason: str | None = None
) -> OrderPayload:
    access = await info.context.require_store(secret=True)
    outcome = await order_lifecycle.cancel_order(info.context.ports, access.store.id, id, reason)
    return order_payload(outcome)
