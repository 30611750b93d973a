from __future__ import annotations

import strawberry

from domain import checkout_completion
from domain.errors import Rejected
from graph.errors import user_errors
from graph.mutations.payloads import CompleteCheckoutPayload, checkout_payload
from graph.permissions import ValidKeyIfAny
from graph.types.checkout import Checkout
from graph.types.order import Order


@strawberry.mutation(
    permission_classes=[ValidKeyIfAny],
    description="Makes the order, takes the stock and queues the confirmation mail, all or "
    "nothing. Safe to call again or concurrently: there is only ever one order.",
)
async def complete_checkout(info: strawberry.Info, token: strawberry.ID) -> CompleteCheckoutPayload:
    outcome = await checkout_completion.complete_checkout(
        info.context.ports, token, store_scope=await info.context.store_id_if_any()
    )
    if isinstance(outcome, Rejected):
        shown = checkout_payload(outcome)
        return CompleteCheckoutPayload(checkout=shown.checkout, errors=user_errors(outcome))
    info.context.loaders.prime(
        info.context.loaders.order_by_checkout_token, outcome.checkout.token, outcome.order
    )
    return CompleteCheckoutPayload(
        order=Order.from_domain(outcome.order), checkout=Checkout.from_domain(outcome.checkout)
    )
