from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from domain.order import Order as DomainOrder
from domain.order import OrderLine as DomainOrderLine
from domain.order import OrderPaymentStatus, OrderStatus
from graph.types.customer import Customer
from graph.types.money import Money
from graph.types.pagination import PageInfo
from graph.types.payment import Payment
from graph.types.totals import Totals

OrderStatusEnum = strawberry.enum(OrderStatus, name="OrderStatus")
OrderPaymentStatusEnum = strawberry.enum(OrderPaymentStatus, name="OrderPaymentStatus")


@strawberry.type
class OrderLine:
    sku: str
    name: str
    quantity: int
    unit_price: Money
    total: Money
    meta: JSON | None

    @classmethod
    def from_domain(cls, line: DomainOrderLine) -> OrderLine:
        return cls(
            sku=line.sku,
            name=line.name,
            quantity=line.quantity,
            unit_price=Money.from_domain(line.unit_price),
            total=Money.from_domain(line.total),
            meta=line.meta,
        )


@strawberry.type
class Order:
    id: strawberry.ID
    number: str = strawberry.field(description="What the shopper quotes: CF-2026-000042.")
    status: OrderStatusEnum  # type: ignore[valid-type]
    payment_status: OrderPaymentStatusEnum  # type: ignore[valid-type]
    checkout_token: strawberry.ID
    lines: list[OrderLine]
    customer: Customer
    totals: Totals
    payment: Payment | None
    cancel_reason: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_domain(cls, order: DomainOrder) -> Order:
        return cls(
            id=strawberry.ID(order.id),
            number=order.number,
            status=order.status,
            payment_status=order.payment_status,
            checkout_token=strawberry.ID(order.checkout_token),
            lines=[OrderLine.from_domain(line) for line in order.lines],
            customer=Customer.from_domain(order.customer),
            totals=Totals.from_domain(order.totals),
            payment=Payment.from_domain(order.payment),
            cancel_reason=order.cancel_reason,
            created_at=order.created_at,
            updated_at=order.updated_at,
        )


@strawberry.type
class OrderEdge:
    cursor: str
    node: Order


@strawberry.type
class OrderConnection:
    edges: list[OrderEdge]
    page_info: PageInfo
    store_id: strawberry.Private[str]
    status: strawberry.Private[OrderStatus | None]
    account_id: strawberry.Private[str | None]

    @strawberry.field(description="How many orders match, on every page.")
    async def total_count(self, info: strawberry.Info) -> int:
        return await info.context.runtime.readers.order_count(
            self.store_id, self.status, self.account_id
        )
