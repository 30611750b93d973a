"""Money as exact decimals in a currency's minor units (EUR 2 digits, JPY 0).

Amounts are `Decimal`, never floats; every rounding is ROUND_HALF_UP to the currency's
minor unit, and totals are sums of already-rounded amounts so they never drift.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache

from iso4217 import Currency


class UnknownCurrency(ValueError):
    pass


@cache
def minor_digits(currency: str) -> int:
    """Digits after the decimal point in ISO 4217 (EUR 2, JPY 0, KWD 3)."""
    try:
        exponent = Currency(currency.upper()).exponent
    except ValueError as exc:
        raise UnknownCurrency(currency) from exc
    if exponent is None:  # funds and metals (XAU, XDR) have no minor unit
        raise UnknownCurrency(currency)
    return int(exponent)


def is_currency(code: str) -> bool:
    try:
        minor_digits(code)
    except UnknownCurrency:
        return False
    return len(code) == 3 and code.isupper()


@cache
def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_digits(currency))


def round_to_minor(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(_quantum(currency), rounding=ROUND_HALF_UP)


def has_minor_precision(amount: Decimal, currency: str) -> bool:
    """True when the amount needs no rounding in this currency ("1.005" EUR does)."""
    return amount == round_to_minor(amount, currency)


# The most a single amount a client sets may be: amounts are stored as 64-bit integers of
# minor units, and a checkout's lines, shipping and tax must still add up within them.
MAX_AMOUNT = Decimal("999999999999")


def is_amount(value: Decimal, currency: str) -> bool:
    """A non-negative amount of the currency, in range and with no digits below its minor
    unit (checked in that order: a huge value cannot even be rounded)."""
    return 0 <= value <= MAX_AMOUNT and has_minor_precision(value, currency)


def parse_decimal(text: str | Decimal) -> Decimal | None:
    """A finite decimal from client text, or None; floats are refused on purpose."""
    if isinstance(text, Decimal):
        value = text
    else:
        try:
            value = Decimal(text.strip())
        except (InvalidOperation, AttributeError):
            return None
    return value if value.is_finite() else None


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError(f"Money needs a Decimal, got {type(self.amount).__name__}")
        rounded = round_to_minor(self.amount, self.currency)
        # Decimal keeps the sign of a zero ("-0.00"); an amount of nothing has none.
        object.__setattr__(self, "amount", rounded if rounded else abs(rounded))

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    @classmethod
    def from_minor(cls, minor: int, currency: str) -> Money:
        return cls(Decimal(minor).scaleb(-minor_digits(currency)), currency)

    @property
    def minor(self) -> int:
        """The amount in minor units (cents), as stored and as providers want it."""
        return int(self.amount.scaleb(minor_digits(self.currency)))

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def times(self, quantity: int) -> Money:
        return Money(self.amount * quantity, self.currency)

    def share(self, rate: Decimal) -> Money:
        """This amount times a rate, rounded once (a tax of 21 % of a line)."""
        return Money(self.amount * rate, self.currency)

    def included_share(self, rate: Decimal) -> Money:
        """The part of a gross amount that is tax at `rate` (prices that include tax)."""
        return Money(self.amount * rate / (1 + rate), self.currency)

    def formatted(self) -> str:
        """The amount with exactly the currency's minor digits ("63.20", "1200")."""
        return f"{self.amount:.{minor_digits(self.currency)}f}"

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot mix {self.currency} and {other.currency}")


def total(amounts: Iterable[Money], currency: str) -> Money:
    result = Money.zero(currency)
    for amount in amounts:
        result = result + amount
    return result
