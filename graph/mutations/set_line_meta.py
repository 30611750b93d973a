from __future__ import annotations

import strawberry
from strawberry.scalars import JSON

from domain import checkout_details
from graph.mutations.payloads import CheckoutPayload, checkout_payload
from graph.permissions import ValidKeyIfAny


@strawberry.mutation(
    permission_classes=[ValidKeyIfAny],
    description="Validates `meta` against the product's meta definition and keeps it on the "
    "line; every wrong field is reported at ['meta', name].",
)
async def set_line_meta(
    info: strawberry.Info, token: strawberry.ID, product_sku: str, meta: JSON
) -> CheckoutPayload:
    outcome = await checkout_details.set_line_meta(
        info.context.ports,
        token,
        product_sku,
        meta,
        store_scope=await info.context.store_id_if_any(),
    )
    return checkout_payload(outcome)
