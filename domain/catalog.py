"""The catalog: products with a price in the store currency and stock that may be untracked."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from domain.errors import ErrorCode, Problem, path
from domain.line_meta import MetaDefinition
from domain.money import Money, has_minor_precision, parse_decimal

SKU_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MAX_NAME_LENGTH = 200
MAX_PRICE = Decimal("99999999")
MAX_STOCK = 1_000_000_000
MAX_PRODUCTS_PER_UPSERT = 100
MAX_SKUS_PER_LOOKUP = 100


@dataclass(frozen=True, slots=True)
class Product:
    id: int
    sku: str
    name: str
    price: Money
    stock: int | None  # None: not tracked
    reserved: int = 0  # held by open payments of live checkouts
    meta_definition: MetaDefinition | None = None

    @property
    def available_quantity(self) -> int | None:
        if self.stock is None:
            return None
        return max(self.stock - self.reserved, 0)

    @property
    def available(self) -> bool:
        quantity = self.available_quantity
        return quantity is None or quantity > 0

    def can_supply(self, quantity: int) -> bool:
        available = self.available_quantity
        return available is None or available >= quantity


@dataclass(frozen=True, slots=True)
class ProductDraft:
    """A product as the shop sends it to `upsertProducts`, checked."""

    sku: str
    name: str
    price: Money
    stock: int | None


@dataclass(frozen=True, slots=True)
class ProductInput:
    sku: str
    name: str
    price: Decimal | str
    stock: int | None


def check_product_inputs(
    inputs: Sequence[ProductInput], currency: str
) -> tuple[list[ProductDraft], list[Problem]]:
    problems: list[Problem] = []
    if len(inputs) > MAX_PRODUCTS_PER_UPSERT:
        message = f"at most {MAX_PRODUCTS_PER_UPSERT} products per call"
        return [], [Problem(ErrorCode.LIMIT_EXCEEDED, message, path("input"))]
    drafts: list[ProductDraft] = []
    seen: set[str] = set()
    for index, item in enumerate(inputs):
        at = ("input", index)
        before = len(problems)
        if not SKU_PATTERN.match(item.sku):
            problems.append(
                Problem(
                    ErrorCode.INVALID,
                    "sku must be 1-64 letters, digits, '.', '_' or '-'",
                    path(*at, "sku"),
                )
            )
        elif item.sku in seen:
            problems.append(Problem(ErrorCode.INVALID, "sku given twice", path(*at, "sku")))
        seen.add(item.sku)
        name = item.name.strip()
        if not name or len(name) > MAX_NAME_LENGTH:
            message = f"name must be 1-{MAX_NAME_LENGTH} characters"
            problems.append(Problem(ErrorCode.INVALID, message, path(*at, "name")))
        price = parse_decimal(item.price)
        if price is None or price < 0 or price > MAX_PRICE:
            message = "price must be a decimal between 0 and 99999999"
            problems.append(Problem(ErrorCode.INVALID, message, path(*at, "price")))
        elif not has_minor_precision(price, currency):
            message = f"price has more digits than {currency} allows"
            problems.append(Problem(ErrorCode.INVALID, message, path(*at, "price")))
        if item.stock is not None and not 0 <= item.stock <= MAX_STOCK:
            message = "stock must be between 0 and 1000000000, or null for untracked"
            problems.append(Problem(ErrorCode.INVALID, message, path(*at, "stock")))
        if price is not None and len(problems) == before:
            drafts.append(ProductDraft(item.sku, name, Money(price, currency), item.stock))
    return (drafts if not problems else []), problems
