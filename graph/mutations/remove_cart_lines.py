from __future__ import annotations

import strawberry

from domain import cart_changes
from graph.mutations.payloads import CartPayload, cart_payload
from graph.permissions import StoreKey


@strawberry.mutation(permission_classes=[StoreKey], description="Removes the lines of these skus.")
async def remove_cart_lines(
    info: strawberry.Info, cart_id: strawberry.ID, skus: list[str]
) -> CartPayload:
    access = await info.context.require_store()
    outcome = await cart_changes.remove_cart_lines(info.context.ports, access.store, cart_id, skus)
    return cart_payload(info, outcome)
