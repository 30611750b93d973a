"""Checkout totals: subtotal, shipping and tax, each rounded per line before it is summed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from domain.money import Money, total


@dataclass(frozen=True, slots=True)
class Totals:
    subtotal: Money
    shipping: Money
    tax: Money
    total: Money

    @classmethod
    def zero(cls, currency: str) -> Totals:
        nothing = Money.zero(currency)
        return cls(nothing, nothing, nothing, nothing)


def compute_totals(
    line_totals: Sequence[Money],
    shipping: Money,
    tax_rate: Decimal,
    *,
    prices_include_tax: bool,
    tax_override: Money | None = None,
) -> Totals:
    """Tax is taken per line and on shipping at the country's rate.

    With prices that include tax, the tax is the part of each gross amount that is tax and the
    total is what the shopper saw; otherwise tax is added on top.
    """
    currency = shipping.currency
    subtotal = total(line_totals, currency)
    if tax_override is not None:
        tax = tax_override
    elif prices_include_tax:
        tax = total(
            (amount.included_share(tax_rate) for amount in (*line_totals, shipping)), currency
        )
    else:
        tax = total((amount.share(tax_rate) for amount in (*line_totals, shipping)), currency)
    gross = subtotal + shipping if prices_include_tax else subtotal + shipping + tax
    return Totals(subtotal=subtotal, shipping=shipping, tax=tax, total=gross)
