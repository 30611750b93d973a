from __future__ import annotations

import strawberry

from domain import catalog_upkeep
from graph.mutations.inputs import ProductInput
from graph.mutations.payloads import ProductsPayload, payload
from graph.permissions import SecretKey
from graph.types.catalog import Product


@strawberry.mutation(
    permission_classes=[SecretKey],
    description="Creates or updates up to 100 products by sku, all or none.",
)
async def upsert_products(info: strawberry.Info, input: list[ProductInput]) -> ProductsPayload:
    access = await info.context.require_store(secret=True)
    outcome = await catalog_upkeep.upsert_products(
        info.context.ports, access.store, [item.to_domain() for item in input]
    )
    return payload(
        outcome,
        lambda products: ProductsPayload(products=[Product.from_domain(p) for p in products]),
        lambda errors: ProductsPayload(errors=errors),
    )
