"""Mutation payloads: the changed object next to `errors`, which is empty on success."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import strawberry

from domain.cart_changes import CartChange
from domain.errors import Rejected
from graph.errors import UserError, user_errors
from graph.types.cart import Cart
from graph.types.catalog import Product
from graph.types.checkout import Checkout
from graph.types.order import Order
from graph.types.store import Store

T = TypeVar("T")
P = TypeVar("P")


@strawberry.type
class CartPayload:
    cart: Cart | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ProductsPayload:
    products: list[Product] = strawberry.field(default_factory=list)
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ProductPayload:
    product: Product | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class OptionSourcePayload:
    key: str | None = None
    values: list[str] | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class StorePayload:
    store: Store | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CheckoutPayload:
    checkout: Checkout | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CompleteCheckoutPayload:
    order: Order | None = None
    checkout: Checkout | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class OrderPayload:
    order: Order | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def payload(
    outcome: T | Rejected, success: Callable[[T], P], failure: Callable[[list[UserError]], P]
) -> P:
    if isinstance(outcome, Rejected):
        return failure(user_errors(outcome))
    return success(outcome)


def cart_payload(info: strawberry.Info, outcome: CartChange | Rejected) -> CartPayload:
    def success(change: CartChange) -> CartPayload:
        info.context.loaders.prime_products(change.cart.store_id, change.products.values())
        return CartPayload(cart=Cart.from_domain(change.cart))

    return payload(outcome, success, lambda errors: CartPayload(errors=errors))


def checkout_payload(outcome: object) -> CheckoutPayload:
    """The checkout, also beside errors when the refusal shows it (e.g. with new prices)."""
    from domain.checkout import Checkout as DomainCheckout

    if isinstance(outcome, Rejected):
        subject = outcome.subject
        shown = Checkout.from_domain(subject) if isinstance(subject, DomainCheckout) else None
        return CheckoutPayload(checkout=shown, errors=user_errors(outcome))
    assert isinstance(outcome, DomainCheckout)
    return CheckoutPayload(checkout=Checkout.from_domain(outcome))


def order_payload(outcome: object) -> OrderPayload:
    from domain.order import Order as DomainOrder

    if isinstance(outcome, Rejected):
        return OrderPayload(errors=user_errors(outcome))
    assert isinstance(outcome, DomainOrder)
    return OrderPayload(order=Order.from_domain(outcome))
