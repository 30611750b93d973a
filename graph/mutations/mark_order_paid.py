from __future__ import annotations

import strawberry

from domain import order_lifecycle
from graph.mutations.payloads import OrderPayload, order_payload
from graph.permissions import SecretKey


@strawberry.mutation(
    permission_classes=[SecretKey], description="Records an invoice order as paid."
)
async def mark_order_paid(info: strawberry.Info, id: strawberry.ID) -> OrderPayload:
    access = await info.context.require_store(secret=True)
    outcome = await order_lifecycle.mark_order_paid(info.context.ports, access.store.id, id)
    return order_payload(outcome)
