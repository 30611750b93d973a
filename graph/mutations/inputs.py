"""Input types shared by several mutations."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from domain.cart import LineInput
from domain.catalog import ProductInput as DomainProductInput
from domain.line_meta import MetaField
from graph.types.catalog import MetaFieldTypeEnum


@strawberry.input
class CartLineInput:
    sku: str
    quantity: int = strawberry.field(
        description="1 to 9999; in updateCartLines 0 removes the line."
    )

    def to_domain(self) -> LineInput:
        return LineInput(self.sku, self.quantity)


@strawberry.input
class ProductInput:
    sku: str
    name: str
    price: Decimal = strawberry.field(description='In the store currency, like "12.50".')
    stock: int | None = strawberry.field(default=None, description="null: stock is not tracked.")

    def to_domain(self) -> DomainProductInput:
        return DomainProductInput(self.sku, self.name, self.price, self.stock)


@strawberry.input
class MetaFieldInput:
    name: str
    type: MetaFieldTypeEnum  # type: ignore[valid-type]
    required: bool = False
    min: Decimal | None = None
    max: Decimal | None = None
    step: Decimal | None = None
    pattern: str | None = None
    options: list[str] | None = None
    options_source: str | None = None
    required_when_set: str | None = None

    def to_domain(self) -> MetaField:
        return MetaField(
            name=self.name,
            type=self.type,
            required=self.required,
            min=self.min,
            max=self.max,
            step=self.step,
            pattern=self.pattern,
            options=tuple(self.options) if self.options is not None else None,
            options_source=self.options_source,
            required_when_set=self.required_when_set,
        )
