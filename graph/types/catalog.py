from __future__ import annotations

from decimal import Decimal

import strawberry

from domain.catalog import Product as DomainProduct
from domain.line_meta import MetaDefinition as DomainMetaDefinition
from domain.line_meta import MetaField as DomainMetaField
from domain.line_meta import MetaFieldType
from graph.types.money import Money
from graph.types.pagination import PageInfo

MetaFieldTypeEnum = strawberry.enum(MetaFieldType, name="MetaFieldType")


@strawberry.type(description="One field a line of a product may or must carry.")
class MetaField:
    name: str
    type: MetaFieldTypeEnum  # type: ignore[valid-type]
    required: bool
    min: Decimal | None
    max: Decimal | None
    step: Decimal | None
    pattern: str | None
    options: list[str] | None
    options_source: str | None = strawberry.field(
        description="The key of a store option list (setOptionSource) that holds the options."
    )
    required_when_set: str | None = strawberry.field(
        description="This field is required when the named field is set and not zero."
    )

    @classmethod
    def from_domain(cls, f: DomainMetaField) -> MetaField:
        return cls(
            name=f.name,
            type=f.type,
            required=f.required,
            min=f.min,
            max=f.max,
            step=f.step,
            pattern=f.pattern,
            options=list(f.options) if f.options is not None else None,
            options_source=f.options_source,
            required_when_set=f.required_when_set,
        )


@strawberry.type(description="What a line of a product carries, e.g. a lens prescription.")
class MetaDefinition:
    key: str
    fields: list[MetaField]

    @classmethod
    def from_domain(cls, definition: DomainMetaDefinition) -> MetaDefinition:
        return cls(key=definition.key, fields=[MetaField.from_domain(f) for f in definition.fields])


@strawberry.type
class Product:
    sku: str
    name: str
    price: Money
    stock: int | None = strawberry.field(description="Units on hand; null when not tracked.")
    available: bool = strawberry.field(description="Whether at least one unit can be bought.")
    available_quantity: int | None = strawberry.field(
        description="Units on hand that no open payment holds; null when not tracked."
    )
    meta_definition: MetaDefinition | None

    @classmethod
    def from_domain(cls, product: DomainProduct) -> Product:
        definition = product.meta_definition
        return cls(
            sku=product.sku,
            name=product.name,
            price=Money.from_domain(product.price),
            stock=product.stock,
            available=product.available,
            available_quantity=product.available_quantity,
            meta_definition=MetaDefinition.from_domain(definition) if definition else None,
        )


@strawberry.type
class ProductEdge:
    cursor: str
    node: Product


@strawberry.type
class ProductConnection:
    edges: list[ProductEdge]
    page_info: PageInfo
    store_id: strawberry.Private[str]
    search: strawberry.Private[str | None]
    skus: strawberry.Private[list[str] | None]

    @strawberry.field(description="How many products match, on every page.")
    async def total_count(self, info: strawberry.Info) -> int:
        return await info.context.runtime.readers.product_count(
            self.store_id, self.search, self.skus
        )
