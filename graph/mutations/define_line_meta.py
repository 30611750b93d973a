from __future__ import annotations

import strawberry

from domain import catalog_upkeep
from graph.mutations.inputs import MetaFieldInput
from graph.mutations.payloads import ProductPayload, payload
from graph.permissions import SecretKey
from graph.types.catalog import Product


@strawberry.mutation(
    permission_classes=[SecretKey],
    description="Defines what a line of this product carries (e.g. a prescription); "
    "an empty list removes the definition.",
)
async def define_line_meta(
    info: strawberry.Info, sku: str, fields: list[MetaFieldInput], key: str | None = None
) -> ProductPayload:
    access = await info.context.require_store(secret=True)
    outcome = await catalog_upkeep.define_line_meta(
        info.context.ports, access.store, sku, [f.to_domain() for f in fields], key
    )
    return payload(
        outcome,
        lambda product: ProductPayload(product=Product.from_domain(product)),
        lambda errors: ProductPayload(errors=errors),
    )
