"""The shopper on a checkout: contact details and addresses, checked on the server."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

import pycountry
from email_validator import EmailNotValidError, validate_email

from domain.errors import ErrorCode, FieldPath, Problem, path

MAX_TEXT = 200
MAX_POSTAL_CODE = 20
PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{3,24}$")
POSTAL_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 -]{0,19}$")
ACCOUNT_ID = re.compile(r"^[\x21-\x7e]{1,128}$")


@dataclass(frozen=True, slots=True)
class Address:
    line1: str
    city: str
    postal_code: str
    country: str  # ISO 3166-1 alpha-2
    name: str | None = None
    company: str | None = None
    line2: str | None = None
    region: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class Customer:
    email: str
    name: str | None = None
    phone: str | None = None
    account_id: str | None = None
    shipping_address: Address | None = None
    billing_address: Address | None = None

    @property
    def shipping_country(self) -> str | None:
        return self.shipping_address.country if self.shipping_address else None


def is_country(code: str) -> bool:
    """An ISO 3166-1 alpha-2 code, upper case."""
    return (
        len(code) == 2
        and code.isascii()
        and code.isupper()
        and pycountry.countries.get(alpha_2=code) is not None
    )


def normal_email(email: str, at: FieldPath) -> tuple[str | None, Problem | None]:
    try:
        checked = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        return None, Problem(ErrorCode.INVALID_EMAIL, str(exc), at)
    return checked.normalized, None


def normal_phone(phone: str | None, at: FieldPath) -> tuple[str | None, Problem | None]:
    if phone is None or not phone.strip():
        return None, None
    if not PHONE.match(phone.strip()):
        return None, Problem(ErrorCode.INVALID, "phone must be digits, with an optional +", at)
    return phone.strip(), None


def check_account_id(account_id: str, at: FieldPath) -> Problem | None:
    if ACCOUNT_ID.match(account_id):
        return None
    return Problem(ErrorCode.INVALID, "accountId must be 1-128 visible characters", at)


def normal_address(address: Address, at: FieldPath) -> tuple[Address | None, list[Problem]]:
    """The address with its text trimmed and its country upper-cased, or its problems."""
    problems: list[Problem] = []
    values: dict[str, str | None] = {}
    for item in fields(Address):
        raw: str | None = getattr(address, item.name)
        text = raw.strip() if raw is not None else None
        values[item.name] = text or None
        if text and len(text) > MAX_TEXT:
            problems.append(_invalid(at, item.name, f"must be at most {MAX_TEXT} characters"))
    for required in ("line1", "city", "postal_code", "country"):
        if not values[required]:
            problems.append(_invalid(at, required, "is required"))
    country = (values["country"] or "").upper()
    if country and not is_country(country):
        problems.append(_invalid(at, "country", "must be an ISO 3166-1 alpha-2 code, like NL"))
    postal_code = values["postal_code"]
    if postal_code and not POSTAL_CODE.match(postal_code):
        problems.append(_invalid(at, "postal_code", "must be letters, digits, spaces or '-'"))
    phone, problem = normal_phone(values["phone"], (*at, "phone"))
    if problem:
        problems.append(Problem(ErrorCode.INVALID_ADDRESS, problem.message, problem.field))
    if problems:
        return None, problems
    return (
        Address(
            line1=values["line1"] or "",
            city=values["city"] or "",
            postal_code=values["postal_code"] or "",
            country=country,
            name=values["name"],
            company=values["company"],
            line2=values["line2"],
            region=values["region"],
            phone=phone,
        ),
        [],
    )


def _invalid(at: FieldPath, attribute: str, message: str) -> Problem:
    camel = {"postal_code": "postalCode"}.get(attribute, attribute)
    return Problem(ErrorCode.INVALID_ADDRESS, f"{camel} {message}", path(*at, camel))
