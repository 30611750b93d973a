"""The Query root."""

from __future__ import annotations

import strawberry

from domain.catalog import MAX_SKUS_PER_LOOKUP
from domain.order import OrderStatus
from graph.errors import limit_exceeded
from graph.permissions import SecretKey, StoreKey, ValidKeyIfAny
from graph.types.cart import Cart
from graph.types.catalog import Product, ProductConnection, ProductEdge
from graph.types.checkout import Checkout
from graph.types.order import Order, OrderConnection, OrderEdge, OrderStatusEnum
from graph.types.pagination import PageInfo, check_first, decode_cursor, encode_cursor
from graph.types.payment import PaymentProviderEnum
from graph.types.store import Store


@strawberry.type
class Query:
    @strawberry.field(permission_classes=[SecretKey], description="The store of the secret key.")
    async def store(self, info: strawberry.Info) -> Store:
        access = await info.context.require_store(secret=True)
        return Store.from_domain(access.store)

    @strawberry.field(
        permission_classes=[StoreKey],
        description="The catalog in sku order; `search` matches sku or name, `skus` looks up "
        "to 100 products at once.",
    )
    async def products(
        self,
        info: strawberry.Info,
        first: int = 20,
        after: str | None = None,
        search: str | None = None,
        skus: list[str] | None = None,
    ) -> ProductConnection:
        check_first(first)
        if skus is not None and len(skus) > MAX_SKUS_PER_LOOKUP:
            raise limit_exceeded(f"skus may hold at most {MAX_SKUS_PER_LOOKUP} skus")
        access = await info.context.require_store()
        found, more = await info.context.runtime.readers.product_page(
            access.store.id,
            info.context.now(),
            first=first,
            after_sku=decode_cursor("sku", after),
            search=search,
            skus=skus,
        )
        edges = [
            ProductEdge(cursor=encode_cursor("sku", p.sku), node=Product.from_domain(p))
            for p in found
        ]
        return ProductConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=more, end_cursor=edges[-1].cursor if edges else None),
            store_id=access.store.id,
            search=search,
            skus=skus,
        )

    @strawberry.field(permission_classes=[StoreKey])
    async def product(self, info: strawberry.Info, sku: str) -> Product | None:
        access = await info.context.require_store()
        found = await info.context.loaders.product_by_sku.load((access.store.id, sku))
        return Product.from_domain(found) if found else None

    @strawberry.field(
        permission_classes=[StoreKey],
        description="The values of the store's option list of this key, which a meta field "
        "names in `optionsSource` (setOptionSource); null when the store has none.",
    )
    async def option_source(self, info: strawberry.Info, key: str) -> list[str] | None:
        access = await info.context.require_store()
        values = await info.context.runtime.readers.option_source(access.store.id, key)
        return list(values) if values is not None else None

    @strawberry.field(permission_classes=[StoreKey])
    async def cart(self, info: strawberry.Info, id: strawberry.ID) -> Cart | None:
        access = await info.context.require_store()
        found = await info.context.loaders.cart_by_id.load((access.store.id, id))
        return Cart.from_domain(found) if found else None

    @strawberry.field(
        permission_classes=[ValidKeyIfAny],
        description="The checkout of this token: items, customer, payment, totals, order.",
    )
    async def checkout(self, info: strawberry.Info, token: strawberry.ID) -> Checkout | None:
        store_id = await info.context.store_id_if_any()
        found = await info.context.loaders.checkout_by_token.load(token)
        if found is None or (store_id is not None and found.store.id != store_id):
            return None
        return Checkout.from_domain(found)

    @strawberry.field(permission_classes=[SecretKey])
    async def order(self, info: strawberry.Info, id: strawberry.ID) -> Order | None:
        access = await info.context.require_store(secret=True)
        found = await info.context.loaders.order_by_id.load((access.store.id, id))
        return Order.from_domain(found) if found else None

    @strawberry.field(
        permission_classes=[SecretKey],
        description="The order a provider payment paid for: a Stripe Checkout Session (cs_…) "
        "or PaymentIntent (pi_…), a Mollie payment (tr_…).",
    )
    async def order_by_payment(
        self,
        info: strawberry.Info,
        provider: PaymentProviderEnum,  # type: ignore[valid-type]
        external_id: str,
    ) -> Order | None:
        access = await info.context.require_store(secret=True)
        found = await info.context.runtime.readers.order_by_payment(
            access.store.id, provider, external_id.strip()
        )
        return Order.from_domain(found) if found else None

    @strawberry.field(permission_classes=[SecretKey], description="Newest first.")
    async def orders(
        self,
        info: strawberry.Info,
        first: int = 20,
        after: str | None = None,
        status: OrderStatusEnum | None = None,  # type: ignore[valid-type]
        account_id: str | None = None,
    ) -> OrderConnection:
        check_first(first)
        access = await info.context.require_store(secret=True)
        cursor = decode_cursor("order", after)
        page, more = await info.context.runtime.readers.order_page(
            access.store.id,
            first=first,
            after_pk=int(cursor) if cursor and cursor.isdigit() else None,
            status=status,
            account_id=account_id,
        )
        edges = [
            OrderEdge(cursor=encode_cursor("order", pk), node=Order.from_domain(order))
            for pk, order in page
        ]
        return OrderConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=more, end_cursor=edges[-1].cursor if edges else None),
            store_id=access.store.id,
            status=OrderStatus(status.value) if status else None,
            account_id=account_id,
        )
