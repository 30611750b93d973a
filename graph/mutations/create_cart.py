from __future__ import annotations

import strawberry

from domain import cart_changes
from graph.mutations.inputs import CartLineInput
from graph.mutations.payloads import CartPayload, cart_payload
from graph.permissions import StoreKey


@strawberry.mutation(
    permission_classes=[StoreKey],
    description="A new cart priced from the catalog. With a client-chosen `id` "
    "(20-64 of A-Z a-z 0-9 _ -) a repeated call returns the same cart.",
)
async def create_cart(
    info: strawberry.Info, lines: list[CartLineInput], id: strawberry.ID | None = None
) -> CartPayload:
    access = await info.context.require_store()
    outcome = await cart_changes.create_cart(
        info.context.ports, access.store, [line.to_domain() for line in lines], id
    )
    return cart_payload(info, outcome)
