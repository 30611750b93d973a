from __future__ import annotations

from decimal import Decimal

import strawberry

from domain.money import Money as DomainMoney


@strawberry.type(description="An amount with exactly its currency's minor digits, as a string.")
class Money:
    amount: Decimal
    currency: str

    @classmethod
    def from_domain(cls, money: DomainMoney) -> Money:
        return cls(amount=Decimal(money.formatted()), currency=money.currency)
