from __future__ import annotations

import strawberry

from domain import cart_changes
from graph.mutations.inputs import CartLineInput
from graph.mutations.payloads import CartPayload, cart_payload
from graph.permissions import StoreKey


@strawberry.mutation(
    permission_classes=[StoreKey],
    description="Sets the quantity of lines in the cart; quantity 0 removes the line.",
)
async def update_cart_lines(
    info: strawberry.Info, cart_id: strawberry.ID, lines: list[CartLineInput]
) -> CartPayload:
    access = await info.context.require_store()
    outcome = await cart_changes.update_cart_lines(
        info.context.ports, access.store, cart_id, [line.to_domain() for line in lines]
    )
    return cart_payload(info, outcome)
