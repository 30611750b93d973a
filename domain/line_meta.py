"""Typed line meta: a product's definition of what a line may carry (a prescription, an
engraving) and the check of a shopper's values against it.

Every wrong field is reported at once, at `["meta", name]`; a value that passes is stored in
its normal form (decimals as exact strings, dates as ISO text) and copied to the order line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

from domain.errors import ErrorCode, Problem, path
from domain.money import parse_decimal

FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
OPTION_SOURCE_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")
MAX_FIELDS = 30
MAX_OPTIONS = 500
MAX_OPTION_LENGTH = 100
MAX_PATTERN_LENGTH = 200
MAX_STRING_VALUE = 500
# A shopper's number may have this many digits before and after the point: "1e999999" is a
# number too, and writing it out (or stepping through it) costs the server, not the shopper.
MAX_NUMBER_DIGITS = 18


class MetaFieldType(Enum):
    DECIMAL = "DECIMAL"
    INTEGER = "INTEGER"
    STRING = "STRING"
    BOOLEAN = "BOOLEAN"
    ENUM = "ENUM"
    DATE = "DATE"


NUMERIC = (MetaFieldType.DECIMAL, MetaFieldType.INTEGER)


@dataclass(frozen=True, slots=True)
class MetaField:
    name: str
    type: MetaFieldType
    required: bool = False
    min: Decimal | None = None
    max: Decimal | None = None
    step: Decimal | None = None
    pattern: str | None = None
    options: tuple[str, ...] | None = None
    options_source: str | None = None
    required_when_set: str | None = None


@dataclass(frozen=True, slots=True)
class MetaDefinition:
    key: str
    fields: tuple[MetaField, ...]

    def field(self, name: str) -> MetaField | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def needs_meta(self) -> bool:
        """A line of this product cannot be ordered without meta."""
        return any(f.required for f in self.fields)

    @property
    def option_sources(self) -> frozenset[str]:
        return frozenset(f.options_source for f in self.fields if f.options_source)


# --- checking a definition (defineLineMeta) -------------------------------------------------


def check_definition(fields: Sequence[MetaField]) -> list[Problem]:
    problems: list[Problem] = []
    names = [f.name for f in fields]
    if len(fields) > MAX_FIELDS:
        message = f"at most {MAX_FIELDS} fields"
        return [Problem(ErrorCode.LIMIT_EXCEEDED, message, path("fields"))]
    for index, meta_field in enumerate(fields):
        problems.extend(_check_field(meta_field, index, names))
    return problems


def _check_field(f: MetaField, index: int, names: list[str]) -> list[Problem]:
    at = ("fields", index)
    problems: list[Problem] = []

    def bad(attribute: str, message: str) -> None:
        problems.append(Problem(ErrorCode.INVALID, message, path(*at, attribute)))

    if not FIELD_NAME.match(f.name):
        bad("name", "name must start with a letter and hold up to 40 letters, digits or '_'")
    elif names.count(f.name) > 1:
        bad("name", f"field {f.name!r} is defined twice")
    numeric = f.type in NUMERIC
    comparable = numeric
    for attribute in ("min", "max", "step"):
        value = getattr(f, attribute)
        if value is None:
            continue
        if not value.is_finite():
            # NaN and Infinity parse as decimals, but cannot even be compared.
            bad(attribute, f"{attribute} must be a number")
            comparable = False
        elif not numeric:
            bad(attribute, f"{attribute} applies to DECIMAL and INTEGER fields only")
        elif f.type is MetaFieldType.INTEGER and value != value.to_integral_value():
            bad(attribute, f"{attribute} of an INTEGER field must be whole")
    if comparable and f.min is not None and f.max is not None and f.min > f.max:
        bad("min", "min must not be above max")
    if comparable and f.step is not None and f.step <= 0:
        bad("step", "step must be above zero")
    if f.pattern is not None:
        if f.type is not MetaFieldType.STRING:
            bad("pattern", "pattern applies to STRING fields only")
        elif len(f.pattern) > MAX_PATTERN_LENGTH:
            bad("pattern", f"pattern must be at most {MAX_PATTERN_LENGTH} characters")
        else:
            try:
                re.compile(f.pattern)
            except re.error as exc:
                bad("pattern", f"pattern is not a valid regular expression: {exc}")
    if f.type is MetaFieldType.ENUM:
        if (f.options is None) == (f.options_source is None):
            bad("options", "an ENUM field needs either options or optionsSource")
        if f.options is not None:
            problems.extend(_check_options(f.options, (*at, "options")))
    else:
        if f.options is not None:
            bad("options", "options apply to ENUM fields only")
        if f.options_source is not None:
            bad("optionsSource", "optionsSource applies to ENUM fields only")
    if f.options_source is not None and not OPTION_SOURCE_KEY.match(f.options_source):
        bad("optionsSource", "optionsSource must be an option list key")
    if f.required_when_set is not None:
        if f.required_when_set == f.name:
            bad("requiredWhenSet", "a field cannot depend on itself")
        elif f.required_when_set not in names:
            bad("requiredWhenSet", f"no field named {f.required_when_set!r} in this definition")
    return problems


def check_option_values(values: Sequence[str], at: tuple[str | int, ...]) -> list[Problem]:
    return _check_options(values, at)


def _check_options(values: Sequence[str], at: tuple[str | int, ...]) -> list[Problem]:
    if not values:
        return [Problem(ErrorCode.INVALID, "at least one option is needed", path(*at))]
    if len(values) > MAX_OPTIONS:
        message = f"at most {MAX_OPTIONS} options"
        return [Problem(ErrorCode.LIMIT_EXCEEDED, message, path(*at))]
    for index, value in enumerate(values):
        if not value or len(value) > MAX_OPTION_LENGTH:
            message = f"an option must be 1-{MAX_OPTION_LENGTH} characters"
            return [Problem(ErrorCode.INVALID, message, path(*at, index))]
    if len(set(values)) != len(values):
        return [Problem(ErrorCode.INVALID, "options must be unique", path(*at))]
    return []


# --- checking a shopper's values (setLineMeta) ----------------------------------------------


def check_meta(
    definition: MetaDefinition,
    meta: Mapping[str, Any],
    option_sources: Mapping[str, Sequence[str]],
) -> tuple[dict[str, Any], list[Problem]]:
    """The normal form of `meta`, or every problem with it."""
    problems: list[Problem] = []
    normal: dict[str, Any] = {}

    def bad(name: str, message: str) -> None:
        problems.append(Problem(ErrorCode.INVALID_META, message, path("meta", name)))

    for name in meta:
        if definition.field(name) is None:
            bad(name, f"{name!r} is not a field of this product")
    for f in definition.fields:
        value = meta.get(f.name)
        if value is None:
            continue
        checked = _check_value(f, value, option_sources.get(f.options_source or "", ()))
        if isinstance(checked, Invalid):
            bad(f.name, checked.message)
        else:
            normal[f.name] = checked
    for f in definition.fields:
        if f.name in normal or meta.get(f.name) is not None:
            continue
        if f.required:
            bad(f.name, f"{f.name} is required")
        elif f.required_when_set and _is_set(normal.get(f.required_when_set)):
            bad(f.name, f"{f.name} is required when {f.required_when_set} is set")
    return (normal if not problems else {}), problems


def _is_set(value: Any) -> bool:
    if value is None or value is False or value == "":
        return False
    if isinstance(value, str):
        number = parse_decimal(value)
        return number is None or number != 0
    return bool(value)


@dataclass(frozen=True, slots=True)
class Invalid:
    message: str


def _check_value(f: MetaField, value: Any, source: Sequence[str]) -> Any:
    """The value in normal form, or why it is not acceptable."""
    match f.type:
        case MetaFieldType.DECIMAL | MetaFieldType.INTEGER:
            return _check_number(f, value)
        case MetaFieldType.STRING:
            if not isinstance(value, str):
                return Invalid("must be text")
            if len(value) > MAX_STRING_VALUE:
                return Invalid(f"must be at most {MAX_STRING_VALUE} characters")
            if f.pattern is not None and re.fullmatch(f.pattern, value) is None:
                return Invalid(f"must match {f.pattern}")
            return value
        case MetaFieldType.BOOLEAN:
            return value if isinstance(value, bool) else Invalid("must be true or false")
        case MetaFieldType.ENUM:
            options = f.options if f.options is not None else tuple(source)
            if not isinstance(value, str) or value not in options:
                shown = ", ".join(options[:20])
                message = f"must be one of: {shown}" if options else "no options are kept yet"
                return Invalid(message)
            return value
        case MetaFieldType.DATE:
            if not isinstance(value, str):
                return Invalid("must be a date as YYYY-MM-DD")
            try:
                return date.fromisoformat(value).isoformat()
            except ValueError:
                return Invalid("must be a date as YYYY-MM-DD")


def _check_number(f: MetaField, value: Any) -> str | Invalid:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return Invalid("must be a number")
    # A JSON number arrives as a float; its shortest repr is the decimal the client wrote.
    number = parse_decimal(str(value))
    if number is None:
        return Invalid("must be a number")
    if number and abs(number.adjusted()) > MAX_NUMBER_DIGITS:
        return Invalid(f"must have at most {MAX_NUMBER_DIGITS} digits before and after the point")
    if f.type is MetaFieldType.INTEGER and number != number.to_integral_value():
        return Invalid("must be a whole number")
    if f.min is not None and number < f.min:
        return Invalid(f"must be at least {f.min}")
    if f.max is not None and number > f.max:
        return Invalid(f"must be at most {f.max}")
    try:
        if f.step is not None and (number - (f.min or Decimal(0))) % f.step != 0:
            return Invalid(f"must be in steps of {f.step}")
        if f.type is MetaFieldType.INTEGER:
            return str(int(number))
        return _plain(number, f.step)
    except InvalidOperation:
        # Steps of a value this far from the step's size need more digits than decimal
        # arithmetic keeps (28): no step can be shown to fit.
        return Invalid(f"must be in steps of {f.step}")


def _plain(number: Decimal, step: Decimal | None) -> str:
    """A decimal as plain text, with at least the step's digits ("-2.25", "0.50")."""
    if step is not None:
        exponent = min(int(step.normalize().as_tuple().exponent), 0)
        number = number.quantize(Decimal(1).scaleb(int(exponent)))
    else:
        number = number.normalize()
    text = format(number, "f")
    return "0" if text in ("-0", "") else text
