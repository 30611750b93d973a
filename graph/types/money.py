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
        # The domain amount is already quantised to the currency's minor unit, so its str() is
        # the contract's form ("63.20", "1200") without formatting it again.
        return cls(amount=money.amount, currency=money.currency)
