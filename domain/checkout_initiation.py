"""Starting a checkout: a snapshot of the cart at today's catalog prices, with stock checked.

A cart has at most one open checkout. Asking again returns it, refreshed from the cart when
the cart changed since the snapshot, so the shopper never pays for a stale cart.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from domain.cart import Cart
from domain.catalog import Product
from domain.checkout import (
    Checkout,
    CheckoutLine,
    CheckoutStatus,
    check_metadata,
    new_token,
)
from domain.checkout_reopening import reopen
from domain.errors import ErrorCode, Outcome, Problem, Rejected, path
from domain.events import CheckoutChanged
from domain.ports import Ports, UnitOfWork
from domain.store import Store
from domain.totals import Totals


async def initiate_checkout(
    ports: Ports, store: Store, cart_id: str, metadata: Any = None
) -> Outcome[Checkout]:
    problem = check_metadata(metadata)
    if problem:
        return Rejected((problem,))
    async with ports.unit_of_work() as uow:
        now = ports.clock.now()
        cart = await uow.carts.get(store.id, cart_id, lock=True)
        if cart is None:
            return Rejected.of(ErrorCode.NOT_FOUND, "cart not found", path("cartId"))
        refusal = cart.refusal(now)
        if refusal:
            return Rejected((refusal,))
        if not cart.lines:
            return Rejected.of(ErrorCode.CART_EMPTY, "the cart has no lines", path("cartId"))
        existing = await uow.checkouts.open_for_cart(cart)
        if existing is not None and existing.status_at(now) is CheckoutStatus.EXPIRED:
            existing.move_to(CheckoutStatus.EXPIRED)
            await uow.checkouts.save(existing)
            uow.publish(CheckoutChanged(store.id, existing.token))
            existing = None
        if existing is not None and existing.snapshot_at >= cart.updated_at:
            if metadata is not None and metadata != existing.metadata:
                existing.metadata = dict(metadata)
                await uow.checkouts.save(existing)
                await uow.commit()
            return existing
        products = await uow.products.by_skus(store.id, [line.sku for line in cart.lines], now)
        problems = _stock_problems(cart, products, existing)
        if problems:
            return Rejected.all(problems)
        lines = _snapshot(cart, products, existing)
        if existing is None:
            checkout = _new_checkout(store, cart, lines, now, metadata)
            await uow.checkouts.add(checkout, cart)
        else:
            checkout = await _refresh(uow, existing, lines, now, metadata)
        await uow.commit()
    return checkout


def _stock_problems(
    cart: Cart, products: Mapping[str, Product], existing: Checkout | None
) -> list[Problem]:
    problems = []
    for index, line in enumerate(cart.lines):
        product = products[line.sku]
        # What this checkout holds itself is not taken from it.
        own = 0
        if existing is not None and existing.status.holds_stock:
            held = existing.line(line.sku)
            own = held.quantity if held else 0
        available = product.available_quantity
        if available is not None and available + own < line.quantity:
            message = f"only {available + own} of {line.sku} in stock"
            problems.append(
                Problem(ErrorCode.INSUFFICIENT_STOCK, message, path("lines", index, "quantity"))
            )
    return problems


def _snapshot(
    cart: Cart, products: Mapping[str, Product], existing: Checkout | None
) -> list[CheckoutLine]:
    lines = []
    for line in cart.lines:
        product = products[line.sku]
        kept = existing.line(line.sku) if existing else None
        lines.append(
            CheckoutLine(
                product_id=product.id,
                sku=product.sku,
                name=product.name,
                quantity=line.quantity,
                unit_price=product.price,
                meta=kept.meta if kept else None,
            )
        )
    return lines


def _new_checkout(
    store: Store, cart: Cart, lines: list[CheckoutLine], now: datetime, metadata: Any
) -> Checkout:
    checkout = Checkout(
        token=new_token(),
        store=store,
        cart_id=cart.id,
        status=CheckoutStatus.ACTIVE,
        lines=lines,
        totals=Totals.zero(store.currency),
        created_at=now,
        updated_at=now,
        expires_at=now,
        snapshot_at=now,
        metadata=dict(metadata or {}),
    )
    checkout.touch(now)
    checkout.recalculate()
    return checkout


async def _refresh(
    uow: UnitOfWork, checkout: Checkout, lines: list[CheckoutLine], now: datetime, metadata: Any
) -> Checkout:
    """The cart changed after the snapshot: take its lines again. An open payment or invoice
    no longer matches, so the checkout goes back to ACTIVE and holds no stock."""
    checkout.lines = lines
    checkout.snapshot_at = now
    if metadata is not None:
        checkout.metadata = dict(metadata)
    await reopen(uow, checkout, now)
    checkout.touch(now)
    checkout.recalculate()
    await uow.checkouts.save(checkout, lines=True)
    return checkout
