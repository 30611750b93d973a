from __future__ import annotations

import strawberry

from domain.totals import Totals as DomainTotals
from graph.types.money import Money


@strawberry.type
class Totals:
    subtotal: Money
    shipping: Money
    tax: Money = strawberry.field(
        description="Included in total when the store's prices include tax."
    )
    total: Money

    @classmethod
    def from_domain(cls, totals: DomainTotals) -> Totals:
        return cls(
            subtotal=Money.from_domain(totals.subtotal),
            shipping=Money.from_domain(totals.shipping),
            tax=Money.from_domain(totals.tax),
            total=Money.from_domain(totals.total),
        )
