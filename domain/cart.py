"""A cart: what a shopper means to buy, priced from the catalog whenever it is read."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum

from domain.catalog import Product
from domain.errors import ErrorCode, Problem, path

CART_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
MAX_LINES = 100
MAX_QUANTITY = 9999


class CartStatus(Enum):
    ACTIVE = "ACTIVE"
    CONVERTED = "CONVERTED"
    EXPIRED = "EXPIRED"


@dataclass(frozen=True, slots=True)
class LineInput:
    sku: str
    quantity: int


@dataclass(slots=True)
class CartLine:
    product_id: int
    sku: str
    quantity: int


@dataclass(slots=True)
class Cart:
    id: str
    store_id: str
    status: CartStatus
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    lines: list[CartLine] = field(default_factory=list)
    pk: int | None = None

    def status_at(self, now: datetime) -> CartStatus:
        """A cart past its time is expired at once, before the worker records it."""
        if self.status is CartStatus.ACTIVE and self.expires_at <= now:
            return CartStatus.EXPIRED
        return self.status

    def refusal(self, now: datetime) -> Problem | None:
        """Why this cart cannot be changed or checked out now, if it cannot."""
        status = self.status_at(now)
        if status is CartStatus.EXPIRED:
            return Problem(ErrorCode.CART_EXPIRED, "the cart has expired", path("cartId"))
        if status is not CartStatus.ACTIVE:
            message = "the cart has been checked out already"
            return Problem(ErrorCode.CART_NOT_ACTIVE, message, path("cartId"))
        return None

    def line(self, sku: str) -> CartLine | None:
        return next((line for line in self.lines if line.sku == sku), None)

    def touch(self, now: datetime, ttl_seconds: int) -> None:
        self.updated_at = now
        self.expires_at = now + timedelta(seconds=ttl_seconds)

    def add(self, product: Product, quantity: int) -> None:
        existing = self.line(product.sku)
        if existing is None:
            self.lines.append(CartLine(product.id, product.sku, quantity))
        else:
            existing.quantity += quantity

    def set_quantity(self, sku: str, quantity: int) -> None:
        if quantity == 0:
            self.remove(sku)
            return
        line = self.line(sku)
        assert line is not None
        line.quantity = quantity

    def remove(self, sku: str) -> None:
        self.lines = [line for line in self.lines if line.sku != sku]


def check_cart_id(cart_id: str | None) -> Problem | None:
    if cart_id is None or CART_ID_PATTERN.match(cart_id):
        return None
    message = "id must be 20-64 letters, digits, '_' or '-'"
    return Problem(ErrorCode.INVALID, message, path("id"))


def check_lines(
    lines: Sequence[LineInput],
    products: Mapping[str, Product],
    *,
    allow_zero: bool,
    before: Mapping[str, int] | None = None,
) -> list[Problem]:
    """Problems with lines to put into a cart.

    `before` holds quantities already in the cart, added to before stock and limits apply;
    `allow_zero` is for updates, where 0 removes the line.
    """
    if len(lines) > MAX_LINES:
        message = f"at most {MAX_LINES} lines per cart"
        return [Problem(ErrorCode.LIMIT_EXCEEDED, message, path("lines"))]
    problems: list[Problem] = []
    low = 0 if allow_zero else 1
    wanted: dict[str, int] = dict(before or {})
    for index, line in enumerate(lines):
        product = products.get(line.sku)
        if product is None:
            message = f"no product with sku {line.sku!r}"
            problems.append(
                Problem(ErrorCode.PRODUCT_NOT_FOUND, message, path("lines", index, "sku"))
            )
            continue
        if not low <= line.quantity <= MAX_QUANTITY:
            message = f"quantity must be between {low} and {MAX_QUANTITY}"
            problems.append(
                Problem(ErrorCode.INVALID_QUANTITY, message, path("lines", index, "quantity"))
            )
            continue
        quantity = line.quantity if allow_zero else wanted.get(line.sku, 0) + line.quantity
        wanted[line.sku] = quantity
        if quantity > MAX_QUANTITY:
            message = f"at most {MAX_QUANTITY} of one product per cart"
            problems.append(
                Problem(ErrorCode.INVALID_QUANTITY, message, path("lines", index, "quantity"))
            )
        elif not product.can_supply(quantity):
            message = f"only {product.available_quantity} of {line.sku} in stock"
            problems.append(
                Problem(ErrorCode.INSUFFICIENT_STOCK, message, path("lines", index, "quantity"))
            )
    if not problems and sum(1 for quantity in wanted.values() if quantity) > MAX_LINES:
        message = f"at most {MAX_LINES} lines per cart"
        problems.append(Problem(ErrorCode.LIMIT_EXCEEDED, message, path("lines")))
    return problems
