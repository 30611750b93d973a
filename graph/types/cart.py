from __future__ import annotations

from datetime import datetime

import strawberry

from domain.cart import Cart as DomainCart
from domain.cart import CartLine as DomainCartLine
from domain.cart import CartStatus
from domain.catalog import Product
from domain.money import Money as DomainMoney
from domain.money import total
from graph.types.money import Money

CartStatusEnum = strawberry.enum(CartStatus, name="CartStatus")


async def _product(info: strawberry.Info, store_id: str, product_id: int) -> Product:
    product: Product | None = await info.context.loaders.product_by_id.load((store_id, product_id))
    assert product is not None, "a cart line's product is never deleted"
    return product


@strawberry.type(description="A line priced from the catalog as it is now.")
class CartLine:
    sku: str
    quantity: int
    store_id: strawberry.Private[str]
    product_id: strawberry.Private[int]

    @strawberry.field
    async def name(self, info: strawberry.Info) -> str:
        return (await _product(info, self.store_id, self.product_id)).name

    @strawberry.field
    async def unit_price(self, info: strawberry.Info) -> Money:
        return Money.from_domain((await _product(info, self.store_id, self.product_id)).price)

    @strawberry.field
    async def total(self, info: strawberry.Info) -> Money:
        product = await _product(info, self.store_id, self.product_id)
        return Money.from_domain(product.price.times(self.quantity))

    @classmethod
    def from_domain(cls, store_id: str, line: DomainCartLine) -> CartLine:
        return cls(
            sku=line.sku, quantity=line.quantity, store_id=store_id, product_id=line.product_id
        )


@strawberry.type
class Cart:
    id: strawberry.ID
    updated_at: datetime
    expires_at: datetime
    cart: strawberry.Private[DomainCart]

    @strawberry.field(description="EXPIRED as soon as expiresAt has passed.")
    def status(self, info: strawberry.Info) -> CartStatusEnum:  # type: ignore[valid-type]
        return self.cart.status_at(info.context.now())

    @strawberry.field
    def lines(self) -> list[CartLine]:
        return [CartLine.from_domain(self.cart.store_id, line) for line in self.cart.lines]

    @strawberry.field
    async def subtotal(self, info: strawberry.Info) -> Money:
        products = await info.context.loaders.product_by_id.load_many(
            [(self.cart.store_id, line.product_id) for line in self.cart.lines]
        )
        currency = await _currency(info, self.cart, products)
        amounts: list[DomainMoney] = [
            product.price.times(line.quantity)
            for product, line in zip(products, self.cart.lines, strict=True)
        ]
        return Money.from_domain(total(amounts, currency))

    @classmethod
    def from_domain(cls, cart: DomainCart) -> Cart:
        return cls(
            id=strawberry.ID(cart.id),
            updated_at=cart.updated_at,
            expires_at=cart.expires_at,
            cart=cart,
        )


async def _currency(info: strawberry.Info, cart: DomainCart, products: list[Product]) -> str:
    if products:
        return products[0].price.currency
    access = await info.context.store_access()
    return str(access.store.currency)
