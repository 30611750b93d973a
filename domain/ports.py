"""What the domain needs from the outside, as Protocols: persistence implements the unit of
work and its repositories, integrations the mailer, the payment providers and the event bus."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Protocol

from domain.cart import Cart
from domain.catalog import Product, ProductDraft
from domain.checkout import Checkout, CheckoutLine
from domain.events import Event, OutboxMessage
from domain.line_meta import MetaDefinition
from domain.order import Order
from domain.payment import Payment, PaymentProvider
from domain.payment_gateway import PaymentGateways
from domain.store import Store, StoreAccess


class Clock(Protocol):
    def now(self) -> datetime: ...


class StoreRepository(Protocol):
    async def add(self, store: Store, public_key_hash: str, secret_key_hash: str) -> None: ...

    async def by_key_hash(self, key_hash: str) -> StoreAccess | None: ...

    async def get(self, store_id: str) -> Store | None: ...

    async def demo(self) -> Store | None: ...

    async def exists(self) -> bool: ...

    async def set_key_hashes(self, store_id: str, public_hash: str, secret_hash: str) -> None: ...

    async def save_settings(self, store: Store) -> None: ...

    async def option_sources(
        self, store_id: str, keys: Iterable[str]
    ) -> dict[str, tuple[str, ...]]: ...

    async def set_option_source(self, store_id: str, key: str, values: Sequence[str]) -> None: ...


class ProductRepository(Protocol):
    async def by_skus(
        self, store_id: str, skus: Iterable[str], now: datetime
    ) -> dict[str, Product]: ...

    async def lock_for_stock(
        self,
        store_id: str,
        product_ids: Iterable[int],
        now: datetime,
        checkout_id: int | None,
        *,
        count_reservations: bool = True,
    ) -> dict[int, Product]:
        """Products locked against other stock moves until commit. With
        `count_reservations`, `reserved` holds what live reservations of every checkout but
        `checkout_id` hold; without, it is 0 (a checkout that holds its own reservation needs
        only the stock on hand)."""
        ...

    async def upsert(self, store_id: str, drafts: Sequence[ProductDraft]) -> None: ...

    async def set_meta_definition(
        self, store_id: str, sku: str, definition: MetaDefinition | None
    ) -> None: ...


class StockLedger(Protocol):
    async def hold(self, checkout_id: int, quantities: Mapping[int, int]) -> None:
        """The checkout's reservations become exactly `quantities` (product id: quantity)."""
        ...

    async def release(self, checkout_id: int) -> None: ...

    async def take(self, quantities: Mapping[int, int]) -> bool:
        """Decrement tracked stock by product id; False (and nothing taken) when short."""
        ...

    async def put_back(self, quantities: Mapping[int, int]) -> None: ...

    async def purge_released(self, now: datetime) -> int:
        """Drops reservations that no longer count (their checkout closed or expired)."""
        ...


class CartRepository(Protocol):
    async def get(self, store_id: str, cart_id: str, *, lock: bool = False) -> Cart | None: ...

    async def add(self, cart: Cart) -> bool:
        """False when a cart with that id exists already (a concurrent create won)."""
        ...

    async def save(self, cart: Cart, *, lines: bool) -> None: ...

    async def mark_converted(self, cart_pk: int, now: datetime) -> None: ...

    async def expire_due(self, now: datetime, limit: int) -> int: ...


class CheckoutRepository(Protocol):
    async def get(self, token: str, *, lock: bool = False) -> Checkout | None: ...

    async def open_for_cart(self, cart: Cart) -> Checkout | None: ...

    async def add(self, checkout: Checkout, cart: Cart) -> None: ...

    async def save(self, checkout: Checkout, *, lines: bool = False) -> None: ...

    async def save_line_meta(self, checkout: Checkout, line: CheckoutLine) -> None: ...

    async def add_payment(self, checkout: Checkout, payment: Payment, now: datetime) -> Payment: ...

    async def save_payment(self, payment: Payment, now: datetime) -> None: ...

    async def expire_due(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        """Marks open checkouts past their time EXPIRED; their (store id, token)s."""
        ...

    async def by_payment(
        self, store_id: str, provider: PaymentProvider, external_id: str
    ) -> tuple[Checkout, Payment] | None:
        """The checkout (locked) that a provider payment belongs to, with that payment, which
        need not be the checkout's current one."""
        ...


class ProviderEvents(Protocol):
    async def first_time(self, provider: PaymentProvider, event_id: str, store_id: str) -> bool:
        """Records a provider event; False when it was recorded before (a replay)."""
        ...


class OrderRepository(Protocol):
    async def add(self, order: Order, checkout: Checkout) -> str:
        """Writes the order and its lines under the store's next order number and returns
        that number. Numbering locks the store's row until the commit, so this is the last
        statement of its transaction."""
        ...

    async def for_checkout(self, checkout: Checkout) -> Order | None: ...

    async def get(self, store_id: str, order_id: str, *, lock: bool = False) -> Order | None: ...

    async def by_ids(self, order_ids: Sequence[str]) -> dict[str, Order]:
        """The orders with these ids, whichever store they belong to: the caller checks."""
        ...

    async def save(self, order: Order) -> None: ...


class Outbox(Protocol):
    async def add(self, messages: Sequence[OutboxMessage]) -> None: ...


@dataclass(frozen=True, slots=True)
class OutboxJob:
    id: int
    kind: str
    store_id: str
    payload: dict[str, Any]
    attempts: int


class OutboxQueue(Protocol):
    """Claims outbox messages with a lease, each call its own short transaction."""

    async def claim(self, now: datetime, lease: timedelta, limit: int) -> list[OutboxJob]: ...

    async def delivered(self, job_id: int, now: datetime) -> None: ...

    async def failed(self, job_id: int, retry_at: datetime, error: str) -> None: ...


class DeliveryFailed(Exception):
    """A side effect could not be carried out now; its message is tried again later."""


class MailNotSent(DeliveryFailed):
    """The mail server refused or could not be reached; the worker tries again later."""


class Mailer(Protocol):
    async def send_order_confirmation(self, order: Order, store: Store, message_id: str) -> None:
        """Sends the confirmation of `order`; `message_id` is the same on every attempt, so a
        mail that went out twice after a crash can be told apart. Raises MailNotSent."""
        ...


class EventPublisher(Protocol):
    async def publish(self, events: Sequence[Event]) -> None: ...


@dataclass(frozen=True, slots=True)
class BusResumed:
    """The bus is listening (again). Events published while it was not may be lost, so whoever
    listens reads again what it watches."""


class EventBus(EventPublisher, Protocol):
    """Carries the events a commit published to every process that listens, this one too."""

    def listen(self) -> AsyncIterator[Event | BusResumed]:
        """From the call on: every event published anywhere, and `BusResumed` each time the
        bus has a connection to listen on again. Ends when the bus closes."""
        ...

    async def close(self) -> None: ...


class UnitOfWork(Protocol):
    """One transaction: leaving the block without `commit()` rolls everything back; events
    recorded with `publish` go out only after a commit."""

    stores: StoreRepository
    products: ProductRepository
    stock: StockLedger
    carts: CartRepository
    checkouts: CheckoutRepository
    orders: OrderRepository
    outbox: Outbox
    provider_events: ProviderEvents

    async def __aenter__(self) -> UnitOfWork: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...

    def publish(self, event: Event) -> None: ...


@dataclass(frozen=True, slots=True)
class Ports:
    """Everything a domain service may reach, handed to it by the edge."""

    unit_of_work: Callable[[], UnitOfWork]
    clock: Clock
    payments: PaymentGateways
