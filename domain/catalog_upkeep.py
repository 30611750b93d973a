"""The shop keeping its catalog: products, line meta definitions and option lists."""

from __future__ import annotations

from collections.abc import Sequence

from domain.catalog import Product, ProductInput, check_product_inputs
from domain.errors import ErrorCode, Outcome, Rejected, path
from domain.line_meta import (
    OPTION_SOURCE_KEY,
    MetaDefinition,
    MetaField,
    check_definition,
    check_option_values,
)
from domain.ports import Ports
from domain.store import Store


async def upsert_products(
    ports: Ports, store: Store, inputs: Sequence[ProductInput]
) -> Outcome[list[Product]]:
    drafts, problems = check_product_inputs(inputs, store.currency)
    if problems:
        return Rejected.all(problems)
    async with ports.unit_of_work() as uow:
        await uow.products.upsert(store.id, drafts)
        products = await uow.products.by_skus(store.id, [d.sku for d in drafts], ports.clock.now())
        await uow.commit()
    return [products[d.sku] for d in drafts]


async def define_line_meta(
    ports: Ports, store: Store, sku: str, fields: Sequence[MetaField], key: str | None = None
) -> Outcome[Product]:
    """Fields describe what a line of the product carries; no fields removes the definition."""
    problems = check_definition(fields)
    if problems:
        return Rejected.all(problems)
    definition = MetaDefinition(key or sku, tuple(fields)) if fields else None
    async with ports.unit_of_work() as uow:
        found = await uow.products.by_skus(store.id, [sku], ports.clock.now())
        if sku not in found:
            message = f"no product with sku {sku!r}"
            return Rejected.of(ErrorCode.PRODUCT_NOT_FOUND, message, path("sku"))
        await uow.products.set_meta_definition(store.id, sku, definition)
        await uow.commit()
    product = found[sku]
    return Product(
        product.id,
        product.sku,
        product.name,
        product.price,
        product.stock,
        product.reserved,
        definition,
    )


async def set_option_source(
    ports: Ports, store: Store, key: str, values: Sequence[str]
) -> Outcome[tuple[str, ...]]:
    if not OPTION_SOURCE_KEY.match(key):
        message = "key must start with a letter: letters, digits, '_', '.', '-', at most 64"
        return Rejected.of(ErrorCode.INVALID, message, path("key"))
    problems = check_option_values(values, ("values",))
    if problems:
        return Rejected.all(problems)
    async with ports.unit_of_work() as uow:
        await uow.stores.set_option_source(store.id, key, values)
        await uow.commit()
    return tuple(values)
