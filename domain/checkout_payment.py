"""Choosing how to pay. The lines are priced again first: a price that moved since the
snapshot is shown to the shopper to confirm, never charged silently. Then the checkout's
quantities are reserved, so two checkouts cannot both be promised the last unit.

An online payment is opened in three steps, so that no provider call happens inside a
database transaction: decide (under lock, nothing kept but new prices), ask the provider,
then record what it opened if the checkout is still as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from domain.catalog import Product
from domain.checkout import Checkout, CheckoutStatus
from domain.checkout_lookup import open_checkout
from domain.checkout_reopening import reopen
from domain.errors import ErrorCode, Outcome, Problem, Rejected, path
from domain.events import CheckoutChanged
from domain.payment import Payment, PaymentFlow, PaymentProvider, PaymentStatus
from domain.payment_gateway import (
    PaymentGateway,
    PaymentLine,
    PaymentProviderFailed,
    PaymentRequest,
    ProviderPayment,
)
from domain.ports import Ports, UnitOfWork

MAX_URL = 2000


@dataclass(frozen=True, slots=True)
class PaymentChoice:
    provider: PaymentProvider
    flow: PaymentFlow | None = None
    return_url: str | None = None
    cancel_url: str | None = None


@dataclass(frozen=True, slots=True)
class _OnlinePlan:
    """What to ask the provider for, decided under lock and carried out after it."""

    checkout: Checkout
    gateway: PaymentGateway
    request: PaymentRequest
    superseded: Payment | None


async def create_payment(
    ports: Ports, token: str, choice: PaymentChoice, *, store_scope: str | None
) -> Outcome[Checkout]:
    problem = _choice_problem(choice)
    if problem:
        return Rejected((problem,))
    plan = await _plan(ports, token, choice, store_scope)
    if not isinstance(plan, _OnlinePlan):
        return plan
    try:
        if plan.superseded is not None and plan.superseded.external_id:
            before = await plan.gateway.cancel(plan.superseded.external_id)
            if before.status.is_paid:
                return await _paid_meanwhile(ports, plan, before)
        opened = await plan.gateway.open(plan.request)
    except PaymentProviderFailed as exc:
        return _provider_error(exc, plan.checkout)
    return await _record(ports, plan, opened, store_scope)


def _choice_problem(choice: PaymentChoice) -> Problem | None:
    if choice.flow is PaymentFlow.EMBEDDED and choice.provider is not PaymentProvider.STRIPE:
        message = "the EMBEDDED flow is a Stripe PaymentIntent; use REDIRECT"
        return Problem(ErrorCode.INVALID, message, path("input", "flow"))
    for url, name in ((choice.return_url, "returnUrl"), (choice.cancel_url, "cancelUrl")):
        if url is not None and (not url.startswith(("https://", "http://")) or len(url) > MAX_URL):
            return Problem(ErrorCode.INVALID, f"{name} must be an http(s) URL", path("input", name))
    return None


def _provider_error(exc: PaymentProviderFailed, checkout: Checkout) -> Rejected:
    message = f"the payment provider could not be reached or refused: {exc}"
    return Rejected.of(
        ErrorCode.PAYMENT_PROVIDER_ERROR, message, path("input", "provider"), checkout
    )


async def _plan(
    ports: Ports, token: str, choice: PaymentChoice, store_scope: str | None
) -> Checkout | Rejected | _OnlinePlan:
    async with ports.unit_of_work() as uow:
        now = ports.clock.now()
        checkout = await open_checkout(uow, token, store_scope, now)
        if isinstance(checkout, Rejected):
            return checkout
        refusal = _readiness_problems(checkout)
        if refusal:
            return Rejected.all(refusal, subject=checkout)
        gateway = None
        if choice.provider.is_online:
            gateway = await ports.payments.gateway(checkout.store, choice.provider)
            if gateway is None:
                message = f"this store has no {choice.provider.value} account set up"
                return Rejected.of(
                    ErrorCode.PROVIDER_NOT_CONFIGURED, message, path("input", "provider"), checkout
                )
        elif not checkout.store.settings.allow_invoice_checkout:
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
        problems = meta_problems(checkout, products) + stock_problems(checkout, products)
        if problems:
            return Rejected.all(problems, subject=checkout)
        if _payment_stands(checkout, choice):
            return checkout
        if gateway is None:
            await _open_invoice(uow, checkout, now)
            await uow.commit()
            return checkout
        request = _request(checkout, choice, now)
        if isinstance(request, Rejected):
            return request
        superseded = (
            checkout.payment if checkout.payment and checkout.payment.status.is_open else None
        )
        # The provider is asked after this block: nothing is kept here.
        return _OnlinePlan(checkout, gateway, request, superseded)


async def _record(
    ports: Ports, plan: _OnlinePlan, opened: ProviderPayment, store_scope: str | None
) -> Outcome[Checkout]:
    async with ports.unit_of_work() as uow:
        now = ports.clock.now()
        checkout = await open_checkout(uow, plan.checkout.token, store_scope, now)
        if isinstance(checkout, Rejected):
            await _withdraw(plan, opened)
            return checkout
        current = checkout.payment
        if current is not None and current.external_id == opened.external_id:
            return checkout  # a concurrent call with the same idempotency key recorded it
        if (
            checkout.totals.total != plan.request.amount
            or checkout.updated_at != plan.checkout.updated_at
        ):
            await _withdraw(plan, opened)
            message = "the checkout changed while the payment was opened; ask again"
            return Rejected.of(ErrorCode.CHECKOUT_NOT_ACTIVE, message, path("token"), checkout)
        products = await uow.products.lock_for_stock(
            checkout.store.id, [line.product_id for line in checkout.lines], now, checkout.id
        )
        problems = stock_problems(checkout, products)
        if problems:
            await _withdraw(plan, opened)
            return Rejected.all(problems, subject=checkout)
        await hold_stock(uow, checkout)
        await _supersede_open_payment(uow, checkout, now)
        checkout.payment = await uow.checkouts.add_payment(
            checkout,
            Payment(
                id=None,
                provider=opened.provider,
                flow=plan.request.flow,
                status=opened.status,
                amount=opened.amount,
                created_at=now,
                external_id=opened.external_id,
                redirect_url=opened.redirect_url,
                client_secret=opened.client_secret,
            ),
            now,
        )
        checkout.move_to(CheckoutStatus.PAYMENT_PENDING)
        checkout.expires_at = plan.request.expires_at
        checkout.updated_at = now
        await uow.checkouts.save(checkout)
        uow.publish(CheckoutChanged(checkout.store.id, checkout.token))
        await uow.commit()
    return checkout


async def _withdraw(plan: _OnlinePlan, opened: ProviderPayment) -> None:
    """A payment opened for a checkout that changed meanwhile is closed again at once."""
    # Should this fail, it expires at the provider by itself with the checkout's time.
    with contextlib.suppress(PaymentProviderFailed):
        await plan.gateway.cancel(opened.external_id)


async def _paid_meanwhile(
    ports: Ports, plan: _OnlinePlan, paid: ProviderPayment
) -> Outcome[Checkout]:
    from domain.payment_updates import apply_payment_update

    await apply_payment_update(ports, plan.checkout.store.id, paid)
    message = "the earlier payment was completed meanwhile; the order has been made"
    return Rejected.of(ErrorCode.CHECKOUT_NOT_ACTIVE, message, path("token"), plan.checkout)


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


def stock_problems(checkout: Checkout, products: Mapping[int, Product]) -> list[Problem]:
    problems = []
    for index, line in enumerate(checkout.lines):
        product = products[line.product_id]
        if not product.can_supply(line.quantity):
            message = f"only {product.available_quantity} of {line.sku} in stock"
            problems.append(
                Problem(ErrorCode.INSUFFICIENT_STOCK, message, path("items", index, "quantity"))
            )
    return problems


def _payment_stands(checkout: Checkout, choice: PaymentChoice) -> bool:
    """Asking again for the payment the checkout already has open changes nothing."""
    payment = checkout.payment
    return (
        checkout.status.holds_stock
        and payment is not None
        and payment.provider is choice.provider
        and payment.flow is choice.flow
        and payment.status.is_open
        and payment.amount == checkout.totals.total
    )


async def _open_invoice(uow: UnitOfWork, checkout: Checkout, now: datetime) -> None:
    await hold_stock(uow, checkout)
    await _supersede_open_payment(uow, checkout, now)
    invoice = Payment(
        None, PaymentProvider.INVOICE, None, PaymentStatus.PENDING, checkout.totals.total, now
    )
    checkout.payment = await uow.checkouts.add_payment(checkout, invoice, now)
    checkout.move_to(CheckoutStatus.COMPLETABLE)
    checkout.touch(now)
    await uow.checkouts.save(checkout)
    uow.publish(CheckoutChanged(checkout.store.id, checkout.token))


def _request(checkout: Checkout, choice: PaymentChoice, now: datetime) -> PaymentRequest | Rejected:
    settings = checkout.store.settings
    return_url = choice.return_url or settings.success_url
    if return_url is None:
        message = "give a returnUrl, or set the store's successUrl"
        return Rejected.of(ErrorCode.INVALID, message, path("input", "returnUrl"), checkout)
    totals = checkout.totals
    extra = []
    if totals.shipping.amount:
        method = checkout.shipping_method
        extra.append(
            PaymentLine("shipping", method.name if method else "Shipping", 1, totals.shipping)
        )
    if totals.tax.amount and not settings.prices_include_tax:
        extra.append(PaymentLine("tax", "Tax", 1, totals.tax))
    customer = checkout.customer
    # Opening the payment starts the checkout's time again, and the provider's ends with it.
    expires_at = now + timedelta(seconds=settings.checkout_ttl_seconds)
    return PaymentRequest(
        checkout_token=checkout.token,
        flow=choice.flow or PaymentFlow.REDIRECT,
        amount=totals.total,
        lines=tuple(
            PaymentLine(line.sku, line.name, line.quantity, line.unit_price)
            for line in checkout.lines
        ),
        extra_lines=tuple(extra),
        description=f"{checkout.store.name} checkout {checkout.token[:8]}",
        customer_email=customer.email if customer else None,
        return_url=return_url,
        cancel_url=choice.cancel_url or settings.cancel_url,
        expires_at=expires_at,
        metadata={**checkout.metadata, "checkout_token": checkout.token},
        idempotency_key=idempotency_key(checkout),
    )


def idempotency_key(checkout: Checkout) -> str:
    """Derived from the checkout, its amount and the payment it follows: a retry reuses it,
    a new amount or a new attempt after a failed or replaced payment does not."""
    follows = checkout.payment.id if checkout.payment else 0
    seed = f"{checkout.token}:{checkout.totals.total.minor}:{checkout.currency}:{follows}"
    return "cf-" + hashlib.sha256(seed.encode()).hexdigest()[:40]


async def hold_stock(uow: UnitOfWork, checkout: Checkout) -> None:
    assert checkout.id is not None
    quantities: dict[int, int] = {}
    for line in checkout.lines:
        quantities[line.product_id] = quantities.get(line.product_id, 0) + line.quantity
    await uow.stock.hold(checkout.id, quantities)


async def _supersede_open_payment(uow: UnitOfWork, checkout: Checkout, now: datetime) -> None:
    payment = checkout.payment
    if payment is not None and payment.status.is_open:
        await uow.checkouts.save_payment(payment.moved(PaymentStatus.CANCELED), now)
