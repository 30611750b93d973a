from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from domain.checkout import Checkout as DomainCheckout
from domain.checkout import CheckoutLine as DomainCheckoutLine
from domain.checkout import CheckoutStatus
from graph.types.customer import Customer
from graph.types.money import Money
from graph.types.order import Order
from graph.types.payment import Payment
from graph.types.store import ShippingMethod
from graph.types.totals import Totals

CheckoutStatusEnum = strawberry.enum(CheckoutStatus, name="CheckoutStatus")


@strawberry.type(description="A line as it was priced when the checkout took it from the cart.")
class CheckoutLine:
    sku: str
    name: str
    quantity: int
    unit_price: Money
    total: Money
    meta: JSON | None = strawberry.field(description="Validated line meta (setLineMeta).")

    @classmethod
    def from_domain(cls, line: DomainCheckoutLine) -> CheckoutLine:
        return cls(
            sku=line.sku,
            name=line.name,
            quantity=line.quantity,
            unit_price=Money.from_domain(line.unit_price),
            total=Money.from_domain(line.total),
            meta=line.meta,
        )


@strawberry.type
class Checkout:
    token: strawberry.ID
    cart_id: strawberry.ID
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    checkout: strawberry.Private[DomainCheckout]

    @strawberry.field(description="EXPIRED as soon as expiresAt has passed.")
    def status(self, info: strawberry.Info) -> CheckoutStatusEnum:  # type: ignore[valid-type]
        return self.checkout.status_at(info.context.now())

    @strawberry.field
    def items(self) -> list[CheckoutLine]:
        return [CheckoutLine.from_domain(line) for line in self.checkout.lines]

    @strawberry.field
    def customer(self) -> Customer | None:
        customer = self.checkout.customer
        return Customer.from_domain(customer) if customer else None

    @strawberry.field
    def payment(self) -> Payment | None:
        return Payment.from_domain(self.checkout.payment)

    @strawberry.field
    def totals(self) -> Totals:
        return Totals.from_domain(self.checkout.totals)

    @strawberry.field
    def shipping_method(self) -> ShippingMethod | None:
        method = self.checkout.shipping_method
        return ShippingMethod.from_domain(method) if method else None

    @strawberry.field(description="The store's methods that serve the shipping country.")
    def available_shipping_methods(self) -> list[ShippingMethod]:
        return [ShippingMethod.from_domain(m) for m in self.checkout.available_shipping_methods]

    @strawberry.field
    def metadata(self) -> JSON | None:
        return self.checkout.metadata or None

    @strawberry.field(description="The order this checkout became, once completed.")
    async def order(self, info: strawberry.Info) -> Order | None:
        if self.checkout.status is not CheckoutStatus.COMPLETED:
            return None
        order = await info.context.loaders.order_by_checkout_token.load(self.checkout.token)
        return Order.from_domain(order) if order else None

    @classmethod
    def from_domain(cls, checkout: DomainCheckout) -> Checkout:
        return cls(
            token=strawberry.ID(checkout.token),
            cart_id=strawberry.ID(checkout.cart_id),
            created_at=checkout.created_at,
            updated_at=checkout.updated_at,
            expires_at=checkout.expires_at,
            checkout=checkout,
        )
