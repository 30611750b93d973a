"""Per-request dataloaders: whatever a query asks for is read in one statement per kind."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping, Sequence
from datetime import datetime
from functools import cached_property
from typing import Any, TypeVar

from aiodataloader import DataLoader

from domain.cart import Cart
from domain.catalog import Product
from domain.checkout import Checkout
from domain.order import Order
from persistence.readers import Readers

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


async def _by_store(
    keys: Sequence[tuple[str, K]],
    fetch: Callable[[str, list[K]], Awaitable[Mapping[K, V]]],
) -> list[V | None]:
    """Keys are (store id, key); one read per store, answers in the order asked."""
    wanted: dict[str, list[K]] = defaultdict(list)
    for store_id, key in keys:
        wanted[store_id].append(key)
    found: dict[tuple[str, K], V] = {}
    for store_id, store_keys in wanted.items():
        for key, value in (await fetch(store_id, store_keys)).items():
            found[(store_id, key)] = value
    return [found.get(key) for key in keys]


class ProductByIdLoader(DataLoader):  # type: ignore[misc]
    def __init__(self, readers: Readers, now: datetime) -> None:
        super().__init__()
        self._readers, self._now = readers, now

    async def batch_load_fn(self, keys: Sequence[tuple[str, int]]) -> list[Product | None]:
        return await _by_store(
            keys, lambda store_id, ids: self._readers.products_by_ids(store_id, ids, self._now)
        )


class ProductBySkuLoader(DataLoader):  # type: ignore[misc]
    def __init__(self, readers: Readers, now: datetime) -> None:
        super().__init__()
        self._readers, self._now = readers, now

    async def batch_load_fn(self, keys: Sequence[tuple[str, str]]) -> list[Product | None]:
        return await _by_store(
            keys, lambda store_id, skus: self._readers.products_by_skus(store_id, skus, self._now)
        )


class CartByIdLoader(DataLoader):  # type: ignore[misc]
    def __init__(self, readers: Readers) -> None:
        super().__init__()
        self._readers = readers

    async def batch_load_fn(self, keys: Sequence[tuple[str, str]]) -> list[Cart | None]:
        return await _by_store(keys, self._readers.carts_by_ids)


class OrderByIdLoader(DataLoader):  # type: ignore[misc]
    def __init__(self, readers: Readers) -> None:
        super().__init__()
        self._readers = readers

    async def batch_load_fn(self, keys: Sequence[tuple[str, str]]) -> list[Order | None]:
        return await _by_store(keys, self._readers.orders_by_ids)


class CheckoutByTokenLoader(DataLoader):  # type: ignore[misc]
    def __init__(self, readers: Readers) -> None:
        super().__init__()
        self._readers = readers

    async def batch_load_fn(self, tokens: Sequence[str]) -> list[Checkout | None]:
        found = await self._readers.checkouts_by_tokens(tokens)
        return [found.get(token) for token in tokens]


class OrderByCheckoutTokenLoader(DataLoader):  # type: ignore[misc]
    def __init__(self, readers: Readers) -> None:
        super().__init__()
        self._readers = readers

    async def batch_load_fn(self, tokens: Sequence[str]) -> list[Order | None]:
        found = await self._readers.orders_by_checkout_tokens(tokens)
        return [found.get(token) for token in tokens]


class Loaders:
    """A request's loaders, each made when first asked for: most requests use one or two, and
    a thousand open subscriptions should not each hold six."""

    def __init__(self, readers: Readers, now: datetime) -> None:
        self._readers = readers
        self._now = now

    @cached_property
    def product_by_id(self) -> ProductByIdLoader:
        return ProductByIdLoader(self._readers, self._now)

    @cached_property
    def product_by_sku(self) -> ProductBySkuLoader:
        return ProductBySkuLoader(self._readers, self._now)

    @cached_property
    def cart_by_id(self) -> CartByIdLoader:
        return CartByIdLoader(self._readers)

    @cached_property
    def checkout_by_token(self) -> CheckoutByTokenLoader:
        return CheckoutByTokenLoader(self._readers)

    @cached_property
    def order_by_id(self) -> OrderByIdLoader:
        return OrderByIdLoader(self._readers)

    @cached_property
    def order_by_checkout_token(self) -> OrderByCheckoutTokenLoader:
        return OrderByCheckoutTokenLoader(self._readers)

    def prime_products(self, store_id: str, products: Iterable[Product]) -> None:
        """A mutation that has just read these products answers without reading them again."""
        for product in products:
            self.product_by_id.prime((store_id, product.id), product)
            self.product_by_sku.prime((store_id, product.sku), product)

    def prime(self, loader: Any, key: Any, value: Any) -> None:
        loader.clear(key).prime(key, value)
