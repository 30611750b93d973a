"""Money: exact decimals in the currency's minor units, rounded half up per line, summed
without drift, and never a float."""

from __future__ import annotations

import ast
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.money import (
    Money,
    UnknownCurrency,
    has_minor_precision,
    is_currency,
    minor_digits,
    parse_decimal,
    round_to_minor,
    total,
)
from domain.totals import compute_totals

CURRENCIES = ["EUR", "JPY", "KWD", "USD", "CHF"]

currencies = st.sampled_from(CURRENCIES)
# Unit prices with more digits than any currency keeps, so that rounding has work to do.
raw_amounts = st.decimals(
    min_value=Decimal("-1000000"),
    max_value=Decimal("1000000"),
    places=5,
    allow_nan=False,
    allow_infinity=False,
)
prices = st.decimals(
    min_value=Decimal(0),
    max_value=Decimal("99999999"),
    places=4,
    allow_nan=False,
    allow_infinity=False,
)
quantities = st.integers(min_value=1, max_value=9999)
rates = st.decimals(min_value=Decimal(0), max_value=Decimal("0.99"), places=4)


@pytest.mark.parametrize(
    ("currency", "digits"), [("EUR", 2), ("USD", 2), ("JPY", 0), ("KWD", 3), ("BHD", 3)]
)
def test_minor_digits_come_from_iso_4217(currency: str, digits: int) -> None:
    assert minor_digits(currency) == digits
    assert is_currency(currency)


@pytest.mark.parametrize("code", ["XAU", "XXX", "ABC", "EURO", "", "eur"])
def test_codes_without_a_minor_unit_are_no_currency(code: str) -> None:
    assert not is_currency(code)


def test_an_unknown_currency_cannot_hold_money() -> None:
    with pytest.raises(UnknownCurrency):
        Money(Decimal(1), "ABC")


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        ("63.2", "EUR", "63.20"),
        ("1200", "JPY", "1200"),
        ("1200.00", "JPY", "1200"),
        ("2.5", "KWD", "2.500"),
        ("0", "EUR", "0.00"),
        ("1E+3", "EUR", "1000.00"),
        ("99999999", "EUR", "99999999.00"),
    ],
)
def test_formatted_shows_exactly_the_minor_digits(amount: str, currency: str, shown: str) -> None:
    assert Money(Decimal(amount), currency).formatted() == shown


@pytest.mark.parametrize(
    ("amount", "currency", "rounded"),
    [
        ("0.005", "EUR", "0.01"),
        ("0.015", "EUR", "0.02"),
        ("0.025", "EUR", "0.03"),  # banker's rounding would give 0.02
        ("0.0049999", "EUR", "0.00"),
        ("-0.005", "EUR", "-0.01"),
        ("-0.004", "EUR", "0.00"),  # nothing has no sign
        ("-0", "JPY", "0"),
        ("2.5", "JPY", "3"),
        ("0.5", "JPY", "1"),
        ("0.0005", "KWD", "0.001"),
        ("1.0045", "KWD", "1.005"),
    ],
)
def test_rounding_is_half_up(amount: str, currency: str, rounded: str) -> None:
    money = Money(Decimal(amount), currency)
    assert money.amount == Decimal(rounded)
    assert str(money.amount) == rounded


@pytest.mark.parametrize("amount", [1.5, 0.1, 2, True, "1.50", None])
def test_money_refuses_anything_but_decimal(amount: object) -> None:
    with pytest.raises(TypeError):
        Money(amount, "EUR")  # type: ignore[arg-type]


def test_arithmetic_with_floats_is_refused() -> None:
    money = Money(Decimal("1.10"), "EUR")
    with pytest.raises(TypeError):
        money.times(1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        money.share(0.21)  # type: ignore[arg-type]


def test_currencies_do_not_mix() -> None:
    with pytest.raises(ValueError, match="cannot mix"):
        Money(Decimal(1), "EUR") + Money(Decimal(1), "USD")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.50", Decimal("12.50")),
        (" 7 ", Decimal(7)),
        ("NaN", None),
        ("-Infinity", None),
        ("twelve", None),
        ("", None),
        (1.5, None),
        (Decimal("3.1"), Decimal("3.1")),
    ],
)
def test_parse_decimal_takes_text_and_decimals_only(text: object, expected: Decimal | None) -> None:
    assert parse_decimal(text) == expected  # type: ignore[arg-type]


@given(amount=raw_amounts, currency=currencies)
def test_rounding_matches_round_half_up_to_the_minor_unit(amount: Decimal, currency: str) -> None:
    quantum = Decimal(1).scaleb(-minor_digits(currency))
    money = Money(amount, currency)
    assert money.amount == amount.quantize(quantum, rounding=ROUND_HALF_UP)
    assert abs(money.amount - amount) <= quantum / 2
    assert money.amount.as_tuple().exponent == -minor_digits(currency)
    assert has_minor_precision(money.amount, currency)
    assert round_to_minor(money.amount, currency) == money.amount
    assert money.formatted().startswith("-") == (money.amount < 0)


@given(
    lines=st.lists(st.tuples(prices, quantities), min_size=0, max_size=100),
    currency=currencies,
)
def test_a_sum_of_rounded_lines_never_drifts(
    lines: list[tuple[Decimal, int]], currency: str
) -> None:
    rounded = [Money(price, currency).times(quantity) for price, quantity in lines]
    summed = total(rounded, currency)
    # The total is exactly the sum of the amounts already rounded per line...
    assert summed == Money(sum((line.amount for line in rounded), Decimal(0)), currency)
    assert summed.amount == sum((line.amount for line in rounded), Decimal(0))
    assert summed.minor == sum(line.minor for line in rounded)
    # ...and each line is its unit price, rounded once, times the quantity.
    for (price, quantity), line in zip(lines, rounded, strict=True):
        assert line.amount == round_to_minor(price, currency) * quantity
    assert isinstance(summed.amount, Decimal)
    assert isinstance(summed.minor, int)


@given(
    amounts=st.lists(raw_amounts, max_size=50),
    rate=rates,
    currency=currencies,
)
def test_tax_per_line_is_rounded_before_it_is_summed(
    amounts: list[Decimal], rate: Decimal, currency: str
) -> None:
    lines = [Money(amount, currency) for amount in amounts]
    tax = total((line.share(rate) for line in lines), currency)
    assert tax.amount == sum(
        (round_to_minor(line.amount * rate, currency) for line in lines), Decimal(0)
    )


@given(
    lines=st.lists(st.tuples(prices, quantities), min_size=1, max_size=20),
    shipping=prices,
    rate=rates,
    included=st.booleans(),
    currency=currencies,
)
def test_totals_add_up_exactly(
    lines: list[tuple[Decimal, int]],
    shipping: Decimal,
    rate: Decimal,
    included: bool,
    currency: str,
) -> None:
    line_totals = [Money(price, currency).times(quantity) for price, quantity in lines]
    totals = compute_totals(
        line_totals, Money(shipping, currency), rate, prices_include_tax=included
    )
    assert totals.subtotal == total(line_totals, currency)
    expected = totals.subtotal + totals.shipping
    if not included:
        expected = expected + totals.tax
    assert totals.total == expected
    for money in (totals.subtotal, totals.shipping, totals.tax, totals.total):
        assert isinstance(money.amount, Decimal)
        assert has_minor_precision(money.amount, currency)


@given(minor=st.integers(min_value=-(10**12), max_value=10**12), currency=currencies)
def test_minor_units_round_trip(minor: int, currency: str) -> None:
    money = Money.from_minor(minor, currency)
    assert money.minor == minor
    assert Money(Decimal(money.formatted()), currency) == money


@pytest.mark.parametrize("module", ["money.py", "totals.py", "cart.py", "catalog.py"])
def test_no_float_in_the_money_code(module: str) -> None:
    source = (Path(__file__).parents[2] / "domain" / module).read_text()
    for node in ast.walk(ast.parse(source)):
        assert not (isinstance(node, ast.Constant) and isinstance(node.value, float)), module
        assert not (isinstance(node, ast.Name) and node.id == "float"), module
