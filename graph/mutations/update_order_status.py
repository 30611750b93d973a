from __future__ import annotations

import strawberry

from domain import order_lifecycle
from graph.mutations.payloads import OrderPayload, order_payload
from graph.permissions import SecretKey
from graph.types.order import OrderStatusEnum


@strawberry.mutation(
    permission_classes=[SecretKey],
    description="PENDING → PROCESSING → SHIPPED → DELIVERED; never backwards.",
)
async def update_order_status(
    info: strawberry.Info,
    id: strawberry.ID,
    status: OrderStatusEnum,  # type: ignore[valid-type]
) -> OrderPayload:
    access = await info.context.require_store(secret=True)
    outcome = await order_lifecycle.update_order_status(
        info.context.ports, access.store.id, id, status
    )
    return order_payload(outcome)
