"""Choosing how to pay. The lines are priced again first: a price that moved since the
snapshot is shown to the shopper to confirm, never charged silently. Then the checkout's
quantities are reserved, so two checkouts cannot both be promised the last unit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from domain.catalog import Product
from domain.checkout import Checkout, CheckoutStatus
from domain.checkout_lookup import open_checkout
from domain.checkout_reopening import reopen
from domain.errors import ErrorCode, Outcome, Problem, Rejected, path
from domain.events import CheckoutChanged
from domain.payment import Payment, PaymentFlow, PaymentProvider, PaymentStatus
from domain.ports import Ports, UnitOfWork


@dataclass(frozen=True, slots=True)
class PaymentChoice:
    provider: PaymentProvider
    flow: PaymentFlow | None = None
    return_url: str | None = None
    cancel_url: str | None = None


async def create_payment(
    ports: Ports, token: str, choice: PaymentChoice, *, store_scope: str | None
) -> Outcome[Checkout]:
    if choice.provider.is_online:
        message = f"{choice.provider.value} payments are not set up for this store"
        return Rejected.of(ErrorCode.PROVIDER_NOT_CONFIGURED, message, path("input", "provider"))
    async with ports.unit_of_work() as uow:
        now = ports.clock.now()
        checkout = await open_checkout(uow, token, store_scope, now)
        if isinstance(checkout, Rejected):
            return checkout
        refusal = _readiness_problems(checkout)
        if refusal:
            return Rejected.all(refusal, subject=checkout)
        if not checkout.store.settings.allow_invoice_checkout:
            message = "this store does not allow paying by invoice"
            return Rejected.of(
                ErrorCode.INVOICE_NOT_ALLOWED, message, path("input", "provider"), checkout
            )
        products = await uow.products.lock_for_stock(
            checkout.store.id, [line.product_id for line in checkout.lines], now, checkout.id
        )
        repriced = await _reprice(uow, checkout, products, now)
        if repriced:
            await uow.commit()
            return Rejected.all(repriced, subject=checkout)
        problems = meta_problems(checkout, products) + _stock_problems(checkout, products)
        if problems:
            return Rejected.all(problems, subject=checkout)
        if _invoice_stands(checkout):
            return checkout
        await _hold_stock(uow, checkout)
        await _supersede_open_payment(uow, checkout, now)
        checkout.payment = await uow.checkouts.add_payment(
            checkout,
            Payment(
                None,
                PaymentProvider.INVOICE,
                None,
                PaymentStatus.PENDING,
                checkout.totals.total,
                now,
            ),
            now,
        )
        checkout.move_to(CheckoutStatus.COMPLETABLE)
        checkout.touch(now)
        await uow.checkouts.save(checkout)
        uow.publish(CheckoutChanged(checkout.store.id, checkout.token))
        await uow.commit()
    return checkout


def _readiness_problems(checkout: Checkout) -> list[Problem]:
    if checkout.customer is None:
        message = "set the customer (setCustomer) before paying"
        return [Problem(ErrorCode.CUSTOMER_REQUIRED, message, path("token"))]
    if checkout.needs_shipping_method():
        message = "choose a shipping method (setCustomer shippingMethodId) before paying"
        return [Problem(ErrorCode.SHIPPING_METHOD_NOT_AVAILABLE, message, path("shippingMethod"))]
    return []


async def _reprice(
    uow: UnitOfWork, checkout: Checkout, products: Mapping[int, Product], now: datetime
) -> list[Problem]:
    """Lines whose catalog price moved get the new price; the checkout is saved with it and
    the problems tell the shopper to confirm."""
    problems = []
    for index, line in enumerate(checkout.lines):
        price = products[line.product_id].price
        if price != line.unit_price:
            message = (
                f"{line.sku} now costs {price.formatted()} (was {line.unit_price.formatted()})"
            )
            problems.append(Problem(ErrorCode.PRICE_CHANGED, message, path("items", index)))
            checkout.lines[index] = replace(line, unit_price=price)
    if problems:
        checkout.recalculate()
        await reopen(uow, checkout, now)
        checkout.touch(now)
        await uow.checkouts.save(checkout, lines=True)
    return problems


def meta_problems(checkout: Checkout, products: Mapping[int, Product]) -> list[Problem]:
    problems = []
    for index, line in enumerate(checkout.lines):
        definition = products[line.product_id].meta_definition
        if definition is not None and definition.needs_meta and not line.meta:
            message = f"{line.sku} needs its line meta (setLineMeta) first"
            problems.append(Problem(ErrorCode.META_REQUIRED, message, path("items", index, "meta")))
    return problems


def _stock_problems(checkout: Checkout, products: Mapping[int, Product]) -> list[Problem]:
    problems = []
    for index, line in enumerate(checkout.lines):
        product = products[line.product_id]
        if not product.can_supply(line.quantity):
            message = f"only {product.available_quantity} of {line.sku} in stock"
            problems.append(
                Problem(ErrorCode.INSUFFICIENT_STOCK, message, path("items", index, "quantity"))
            )
    return problems


def _invoice_stands(checkout: Checkout) -> bool:
    """Asking again for the invoice the checkout already has changes nothing."""
    payment = checkout.payment
    return (
        checkout.status is CheckoutStatus.COMPLETABLE
        and payment is not None
        and payment.provider is PaymentProvider.INVOICE
        and payment.status.is_open
        and payment.amount == checkout.totals.total
    )


async def _hold_stock(uow: UnitOfWork, checkout: Checkout) -> None:
    assert checkout.id is not None
    quantities: dict[int, int] = {}
    for line in checkout.lines:
        quantities[line.product_id] = quantities.get(line.product_id, 0) + line.quantity
    await uow.stock.release(checkout.id)
    await uow.stock.reserve(checkout.id, quantities)


async def _supersede_open_payment(uow: UnitOfWork, checkout: Checkout, now: datetime) -> None:
    payment = checkout.payment
    if payment is not None and payment.status.is_open:
        await uow.checkouts.save_payment(payment.moved(PaymentStatus.CANCELED), now)
