"""What the shopper tells a checkout: who they are, where it goes, and each line's meta."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from domain.checkout import Checkout
from domain.checkout_lookup import open_checkout
from domain.checkout_reopening import reopen
from domain.customer import (
    Address,
    Customer,
    check_account_id,
    normal_address,
    normal_email,
    normal_phone,
)
from domain.errors import ErrorCode, Outcome, Problem, Rejected, path
from domain.line_meta import check_meta
from domain.money import Money, is_amount, parse_decimal
from domain.ports import Ports

MAX_NAME = 200


@dataclass(frozen=True, slots=True)
class CustomerInput:
    """Each field None means: leave it as it is."""

    email: str | None = None
    name: str | None = None
    phone: str | None = None
    shipping_address: Address | None = None
    billing_address: Address | None = None
    shipping_method_id: str | None = None
    # Only with the secret key: the shop sets these itself.
    shipping_cost: Decimal | str | None = None
    tax_amount: Decimal | str | None = None
    account_id: str | None = None


SECRET_ONLY = (
    ("shipping_cost", "shippingCost"),
    ("tax_amount", "taxAmount"),
    ("account_id", "accountId"),
)


async def set_customer(
    ports: Ports, token: str, changes: CustomerInput, *, store_scope: str | None, secret: bool
) -> Outcome[Checkout]:
    forbidden = [
        Problem(
            ErrorCode.FORBIDDEN_FIELD, f"{name} needs the store's secret key", path("input", name)
        )
        for attribute, name in SECRET_ONLY
        if getattr(changes, attribute) is not None and not secret
    ]
    if forbidden:
        return Rejected.all(forbidden)
    async with ports.unit_of_work() as uow:
        now = ports.clock.now()
        checkout = await open_checkout(uow, token, store_scope, now)
        if isinstance(checkout, Rejected):
            return checkout
        updated, problems = _changed(checkout, changes)
        if problems:
            return Rejected.all(problems, subject=checkout)
        before = checkout.totals
        checkout.customer = updated.customer
        checkout.shipping_method_id = updated.shipping_method_id
        checkout.shipping_override = updated.shipping_override
        checkout.tax_override = updated.tax_override
        checkout.recalculate()
        if checkout.totals != before:
            await reopen(uow, checkout, now)
        checkout.touch(now)
        await uow.checkouts.save(checkout)
        await uow.commit()
    return checkout


@dataclass
class _Draft:
    customer: Customer | None
    shipping_method_id: str | None
    shipping_override: Money | None
    tax_override: Money | None


def _changed(checkout: Checkout, changes: CustomerInput) -> tuple[_Draft, list[Problem]]:
    problems: list[Problem] = []
    current = checkout.customer
    email = current.email if current else None
    if changes.email is not None:
        email, problem = normal_email(changes.email, path("input", "email"))
        if problem:
            problems.append(problem)
    elif email is None:
        problems.append(
            Problem(ErrorCode.INVALID_EMAIL, "an email address is needed", path("input", "email"))
        )
    phone = current.phone if current else None
    if changes.phone is not None:
        phone, problem = normal_phone(changes.phone, path("input", "phone"))
        if problem:
            problems.append(problem)
    name = current.name if current else None
    if changes.name is not None:
        name = changes.name.strip() or None
        if name and len(name) > MAX_NAME:
            message = f"name must be at most {MAX_NAME} characters"
            problems.append(Problem(ErrorCode.INVALID, message, path("input", "name")))
    account_id = current.account_id if current else None
    if changes.account_id is not None:
        account_id = changes.account_id
        problem = check_account_id(account_id, path("input", "accountId"))
        if problem:
            problems.append(problem)
    shipping = current.shipping_address if current else None
    billing = current.billing_address if current else None
    if changes.shipping_address is not None:
        shipping, found = normal_address(changes.shipping_address, path("input", "shippingAddress"))
        problems.extend(found)
    if changes.billing_address is not None:
        billing, found = normal_address(changes.billing_address, path("input", "billingAddress"))
        problems.extend(found)
    elif billing is None or (current and current.billing_address == current.shipping_address):
        billing = shipping  # billing follows shipping until the shopper gives one of its own
    method_id = changes.shipping_method_id or checkout.shipping_method_id
    problems.extend(_shipping_method_problems(checkout, method_id, shipping, changes))
    shipping_override = _amount(checkout, changes.shipping_cost, "shippingCost", problems)
    tax_override = _amount(checkout, changes.tax_amount, "taxAmount", problems)
    customer = (
        Customer(email, name, phone, account_id, shipping, billing) if email is not None else None
    )
    return (
        _Draft(
            customer=customer,
            shipping_method_id=method_id,
            shipping_override=shipping_override
            if changes.shipping_cost is not None
            else checkout.shipping_override,
            tax_override=tax_override if changes.tax_amount is not None else checkout.tax_override,
        ),
        problems,
    )


def _shipping_method_problems(
    checkout: Checkout, method_id: str | None, shipping: Address | None, changes: CustomerInput
) -> list[Problem]:
    if method_id is None:
        return []
    at = path("input", "shippingMethodId")
    method = checkout.store.settings.shipping_method(method_id)
    if method is None:
        return [Problem(ErrorCode.SHIPPING_METHOD_NOT_AVAILABLE, "no such shipping method", at)]
    country = shipping.country if shipping else None
    if not method.serves(country):
        message = f"{method.name} does not ship to {country}"
        return [Problem(ErrorCode.SHIPPING_METHOD_NOT_AVAILABLE, message, at)]
    return []


def _amount(
    checkout: Checkout, value: Decimal | str | None, name: str, problems: list[Problem]
) -> Money | None:
    if value is None:
        return None
    amount = parse_decimal(value)
    if amount is None or not is_amount(amount, checkout.currency):
        message = f"{name} must be a non-negative amount in {checkout.currency}"
        problems.append(Problem(ErrorCode.INVALID, message, path("input", name)))
        return None
    return Money(amount, checkout.currency)


async def set_line_meta(
    ports: Ports, token: str, sku: str, meta: Any, *, store_scope: str | None
) -> Outcome[Checkout]:
    async with ports.unit_of_work() as uow:
        now = ports.clock.now()
        checkout = await open_checkout(uow, token, store_scope, now)
        if isinstance(checkout, Rejected):
            return checkout
        line = checkout.line(sku)
        if line is None:
            message = f"the checkout has no line with sku {sku!r}"
            return Rejected.of(ErrorCode.NOT_FOUND, message, path("productSku"), checkout)
        product = (await uow.products.by_skus(checkout.store.id, [sku], now)).get(sku)
        definition = product.meta_definition if product else None
        if definition is None:
            message = f"{sku} takes no line meta"
            return Rejected.of(ErrorCode.META_NOT_DEFINED, message, path("productSku"), checkout)
        if not isinstance(meta, dict):
            message = "meta must be an object of field names and values"
            return Rejected.of(ErrorCode.INVALID_META, message, path("meta"), checkout)
        sources = await uow.stores.option_sources(checkout.store.id, definition.option_sources)
        normal, problems = check_meta(definition, meta, sources)
        if problems:
            return Rejected.all(problems, subject=checkout)
        index = checkout.lines.index(line)
        checkout.lines[index] = replace(line, meta=normal)
        await uow.checkouts.save_line_meta(checkout, checkout.lines[index])
        await uow.commit()
    return checkout
