"""A shopper filling a cart. Prices are never taken from the client: a cart holds skus and
quantities, and is priced from the catalog whenever it is read."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.cart import Cart, CartStatus, LineInput, check_cart_id, check_lines
from domain.catalog import Product
from domain.errors import ErrorCode, Outcome, Problem, Rejected, path
from domain.ports import Ports, UnitOfWork
from domain.store import Store


@dataclass(frozen=True, slots=True)
class CartChange:
    cart: Cart
    # The catalog as the change saw it, so the answer is priced without reading it again.
    products: dict[str, Product]


def new_cart_id() -> str:
    return secrets.token_urlsafe(24)


async def create_cart(
    ports: Ports, store: Store, lines: Sequence[LineInput], cart_id: str | None = None
) -> Outcome[CartChange]:
    """A second call with the same client-chosen id returns that cart, whatever its lines."""
    problem = check_cart_id(cart_id)
    if problem:
        return Rejected((problem,))
    async with ports.unit_of_work() as uow:
        if cart_id is not None:
            existing = await uow.carts.get(store.id, cart_id)
            if existing is not None:
                return await _priced(uow, store, existing, ports)
        now = ports.clock.now()
        products = await uow.products.by_skus(store.id, {line.sku for line in lines}, now)
        problems = check_lines(lines, products, allow_zero=False)
        if problems:
            return Rejected.all(problems)
        cart = Cart(cart_id or new_cart_id(), store.id, CartStatus.ACTIVE, now, now, now)
        cart.touch(now, store.settings.cart_ttl_seconds)
        for line in lines:
            cart.add(products[line.sku], line.quantity)
        if not await uow.carts.add(cart):
            # Another request created this id between our read and our write: theirs stands.
            winner = await uow.carts.get(store.id, cart.id)
            assert winner is not None
            return await _priced(uow, store, winner, ports)
        await uow.commit()
    return CartChange(cart, products)


async def add_cart_lines(
    ports: Ports, store: Store, cart_id: str, lines: Sequence[LineInput]
) -> Outcome[CartChange]:
    async with ports.unit_of_work() as uow:
        now = ports.clock.now()
        cart = await _changeable_cart(uow, store, cart_id, now)
        if isinstance(cart, Rejected):
            return cart
        products = await _products_of(uow, store, cart, lines, now)
        problems = check_lines(lines, products, allow_zero=False, before=_quantities(cart))
        if problems:
            return Rejected.all(problems)
        for line in lines:
            cart.add(products[line.sku], line.quantity)
        return await _save(uow, store, cart, products, now)


async def update_cart_lines(
    ports: Ports, store: Store, cart_id: str, lines: Sequence[LineInput]
) -> Outcome[CartChange]:
    async with ports.unit_of_work() as uow:
        now = ports.clock.now()
        cart = await _changeable_cart(uow, store, cart_id, now)
        if isinstance(cart, Rejected):
            return cart
        products = await _products_of(uow, store, cart, lines, now)
        problems = _missing_lines(cart, [line.sku for line in lines], "lines", "sku")
        problems += _repeated(lines)
        problems += check_lines(lines, products, allow_zero=True, before=_quantities(cart))
        if problems:
            return Rejected.all(_first_per_field(problems))
        for line in lines:
            cart.set_quantity(line.sku, line.quantity)
        return await _save(uow, store, cart, products, now)


async def remove_cart_lines(
    ports: Ports, store: Store, cart_id: str, skus: Sequence[str]
) -> Outcome[CartChange]:
    async with ports.unit_of_work() as uow:
        now = ports.clock.now()
        cart = await _changeable_cart(uow, store, cart_id, now)
        if isinstance(cart, Rejected):
            return cart
        problems = _missing_lines(cart, skus, "skus")
        if problems:
            return Rejected.all(problems)
        for sku in skus:
            cart.remove(sku)
        products = await uow.products.by_skus(store.id, {line.sku for line in cart.lines}, now)
        return await _save(uow, store, cart, products, now)


def _no_cart() -> Rejected:
    return Rejected.of(ErrorCode.NOT_FOUND, "cart not found", path("cartId"))


async def _changeable_cart(
    uow: UnitOfWork, store: Store, cart_id: str, now: datetime
) -> Cart | Rejected:
    """The cart, locked for the change, if it may still be changed."""
    cart = await uow.carts.get(store.id, cart_id, lock=True)
    if cart is None:
        return _no_cart()
    problem = cart.refusal(now)
    return Rejected((problem,)) if problem else cart


async def _products_of(
    uow: UnitOfWork, store: Store, cart: Cart, lines: Sequence[LineInput], now: datetime
) -> dict[str, Product]:
    """The products of the cart and of the lines asked for, in one read."""
    skus = {line.sku for line in lines} | {line.sku for line in cart.lines}
    return await uow.products.by_skus(store.id, skus, now)


def _quantities(cart: Cart) -> dict[str, int]:
    return {line.sku: line.quantity for line in cart.lines}


def _missing_lines(cart: Cart, skus: Sequence[str], *at: str) -> list[Problem]:
    field, *rest = at
    return [
        Problem(ErrorCode.NOT_FOUND, f"{sku!r} is not in the cart", path(field, index, *rest))
        for index, sku in enumerate(skus)
        if cart.line(sku) is None
    ]


def _repeated(lines: Sequence[LineInput]) -> list[Problem]:
    seen: set[str] = set()
    problems = []
    for index, line in enumerate(lines):
        if line.sku in seen:
            message = "each sku may appear once"
            problems.append(Problem(ErrorCode.INVALID, message, path("lines", index, "sku")))
        seen.add(line.sku)
    return problems


def _first_per_field(problems: list[Problem]) -> list[Problem]:
    """One problem per field: a line not in the cart needs no second word about its stock."""
    seen: set[tuple[str, ...] | None] = set()
    unique = []
    for problem in problems:
        key = problem.field[:2] if problem.field else None
        if key not in seen:
            unique.append(problem)
        seen.add(key)
    return unique


async def _save(
    uow: UnitOfWork, store: Store, cart: Cart, products: dict[str, Product], now: datetime
) -> CartChange:
    cart.touch(now, store.settings.cart_ttl_seconds)
    await uow.carts.save(cart, lines=True)
    await uow.commit()
    return CartChange(cart, products)


async def _priced(uow: UnitOfWork, store: Store, cart: Cart, ports: Ports) -> CartChange:
    skus = {line.sku for line in cart.lines}
    return CartChange(cart, await uow.products.by_skus(store.id, skus, ports.clock.now()))
