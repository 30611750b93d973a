"""Business outcomes that are not successes.

A service returns `Rejected` (one or more `Problem`s) instead of raising: the edge turns each
problem into a `UserError { code field message }` and nothing is stored.

    ErrorCode          the machine-readable reason, one enum for the whole API
    Problem            one reason, with the path of the input it is about
    Rejected           what a service returns when it changes nothing
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import TypeAlias, TypeVar


class ErrorCode(Enum):
    NOT_FOUND = "NOT_FOUND"
    INVALID = "INVALID"
    PRODUCT_NOT_FOUND = "PRODUCT_NOT_FOUND"
    INVALID_QUANTITY = "INVALID_QUANTITY"
    INSUFFICIENT_STOCK = "INSUFFICIENT_STOCK"
    CART_EMPTY = "CART_EMPTY"
    CART_EXPIRED = "CART_EXPIRED"
    CART_NOT_ACTIVE = "CART_NOT_ACTIVE"
    CHECKOUT_NOT_ACTIVE = "CHECKOUT_NOT_ACTIVE"
    CHECKOUT_EXPIRED = "CHECKOUT_EXPIRED"
    PRICE_CHANGED = "PRICE_CHANGED"
    INVALID_EMAIL = "INVALID_EMAIL"
    INVALID_ADDRESS = "INVALID_ADDRESS"
    SHIPPING_METHOD_NOT_AVAILABLE = "SHIPPING_METHOD_NOT_AVAILABLE"
    CUSTOMER_REQUIRED = "CUSTOMER_REQUIRED"
    PAYMENT_REQUIRED = "PAYMENT_REQUIRED"
    PAYMENT_NOT_PAID = "PAYMENT_NOT_PAID"
    PAYMENT_AMOUNT_MISMATCH = "PAYMENT_AMOUNT_MISMATCH"
    PAYMENT_PROVIDER_ERROR = "PAYMENT_PROVIDER_ERROR"
    PROVIDER_NOT_CONFIGURED = "PROVIDER_NOT_CONFIGURED"
    INVOICE_NOT_ALLOWED = "INVOICE_NOT_ALLOWED"
    META_NOT_DEFINED = "META_NOT_DEFINED"
    INVALID_META = "INVALID_META"
    META_REQUIRED = "META_REQUIRED"
    ALREADY_COMPLETED = "ALREADY_COMPLETED"
    ORDER_NOT_CANCELLABLE = "ORDER_NOT_CANCELLABLE"
    INVALID_STATUS_TRANSITION = "INVALID_STATUS_TRANSITION"
    FORBIDDEN_FIELD = "FORBIDDEN_FIELD"
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED"


FieldPath = tuple[str, ...]


def path(*parts: str | int) -> FieldPath:
    """A field path with list indexes as strings, the way clients read them."""
    return tuple(str(part) for part in parts)


@dataclass(frozen=True, slots=True)
class Problem:
    code: ErrorCode
    message: str
    field: FieldPath | None = None


@dataclass(frozen=True, slots=True)
class Rejected:
    problems: tuple[Problem, ...] = field(default_factory=tuple)
    # What the caller should see beside the problems: the checkout as it stands, e.g. with the
    # new prices a PRICE_CHANGED refusal put on it for the shopper to confirm.
    subject: object | None = None

    @classmethod
    def of(
        cls, code: ErrorCode, message: str, field: FieldPath | None = None, subject: object = None
    ) -> Rejected:
        return cls((Problem(code, message, field),), subject)

    @classmethod
    def all(cls, problems: Sequence[Problem], subject: object = None) -> Rejected:
        return cls(tuple(problems), subject)


T = TypeVar("T")

# What every service returns: the result, or why nothing happened.
Outcome: TypeAlias = T | Rejected


def not_found(what: str, field: FieldPath) -> Rejected:
    return Rejected.of(ErrorCode.NOT_FOUND, f"{what} not found", field)
