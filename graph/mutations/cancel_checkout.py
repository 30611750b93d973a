from __future__ import annotations

import strawberry

from domain import checkout_cancellation
from graph.mutations.payloads import CheckoutPayload, checkout_payload
from graph.permissions import ValidKeyIfAny


@strawberry.mutation(
    permission_classes=[ValidKeyIfAny],
    description="Cancels the checkout and releases its stock; the cart stays ACTIVE.",
)
async def cancel_checkout(info: strawberry.Info, token: strawberry.ID) -> CheckoutPayload:
    outcome = await checkout_cancellation.cancel_checkout(
        info.context.ports, token, store_scope=await info.context.store_id_if_any()
    )
    return checkout_payload(outcome)
