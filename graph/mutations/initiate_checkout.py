from __future__ import annotations

import strawberry
from strawberry.scalars import JSON

from domain import checkout_initiation
from graph.mutations.payloads import CheckoutPayload, checkout_payload
from graph.permissions import StoreKey


@strawberry.mutation(
    permission_classes=[StoreKey],
    description="A checkout from the cart at today's prices, stock checked. A cart has one "
    "open checkout: calling again returns it (refreshed if the cart changed). `metadata`: at "
    "most 20 string keys and values (≤ 500 characters), passed on to the payment provider.",
)
async def initiate_checkout(
    info: strawberry.Info, cart_id: strawberry.ID, metadata: JSON | None = None
) -> CheckoutPayload:
    access = await info.context.require_store()
    outcome = await checkout_initiation.initiate_checkout(
        info.context.ports, access.store, cart_id, metadata
    )
    return checkout_payload(outcome)
