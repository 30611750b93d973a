"""Random sequences of checkout operations, driven by Hypothesis through the domain services
on a real database: a checkout's status only moves forward, a final status never changes,
stock never goes negative and no unit is sold twice."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule
from sqlalchemy import func, select

from domain import (
    cart_changes,
    catalog_upkeep,
    checkout_cancellation,
    checkout_completion,
    checkout_details,
    checkout_initiation,
    checkout_payment,
    order_lifecycle,
    store_setup,
)
from domain.cart import LineInput
from domain.catalog import ProductInput
from domain.checkout import TRANSITIONS, CheckoutStatus
from domain.customer import Address
from domain.errors import Rejected
from domain.payment import PaymentProvider
from domain.store import Store
from graph.runtime import build_runtime
from graph.worker import Worker
from persistence.tables import checkouts, order_lines, orders, products
from tests.support import MovableClock, fresh_sqlite_url, migrated_sqlite_template, test_settings

STOCK = 6
FINAL = {CheckoutStatus.COMPLETED, CheckoutStatus.CANCELLED, CheckoutStatus.EXPIRED}
_template_dir = Path(tempfile.mkdtemp(prefix="checkout-flow-hypothesis-"))
_template = asyncio.run(migrated_sqlite_template(_template_dir))


class CheckoutMachine(RuleBasedStateMachine):
    carts = Bundle("carts")
    tokens = Bundle("tokens")

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.directory = Path(tempfile.mkdtemp(dir=_template_dir))
        self.clock = MovableClock()
        settings_ = test_settings(fresh_sqlite_url(_template, self.directory), self.directory)
        self.runtime = build_runtime(settings_, self.clock)
        self.ports = self.runtime.ports
        self.seen: dict[str, CheckoutStatus] = {}
        self.store: Store = self.run(self._open_store())

    def run(self, awaitable):  # type: ignore[no-untyped-def]
        return self.loop.run_until_complete(awaitable)

    async def _open_store(self) -> Store:
        issued = await store_setup.create_store(
            self.ports, "Machine", "EUR", allow_invoice_checkout=True
        )
        assert not isinstance(issued, Rejected)
        async with self.ports.unit_of_work() as uow:
            store = await uow.stores.get(issued.store_id)
        assert store is not None
        await catalog_upkeep.upsert_products(
            self.ports,
            store,
            [
                ProductInput("A", "Scarce", "3.00", STOCK),
                ProductInput("B", "Plenty", "1.50", None),
            ],
        )
        return store

    def teardown(self) -> None:
        self.run(self.runtime.close())
        self.loop.close()

    @rule(target=carts, a=st.integers(1, 4), b=st.integers(0, 2))
    def create_cart(self, a: int, b: int) -> str:
        lines = [LineInput("A", a)] + ([LineInput("B", b)] if b else [])
        outcome = self.run(cart_changes.create_cart(self.ports, self.store, lines))
        return "" if isinstance(outcome, Rejected) else outcome.cart.id

    @rule(cart=carts, a=st.integers(0, 4))
    def change_cart(self, cart: str, a: int) -> None:
        if cart:
            self.run(
                cart_changes.update_cart_lines(self.ports, self.store, cart, [LineInput("A", a)])
            )

    @rule(target=tokens, cart=carts)
    def initiate(self, cart: str) -> str:
        if not cart:
            return ""
        outcome = self.run(checkout_initiation.initiate_checkout(self.ports, self.store, cart))
        return "" if isinstance(outcome, Rejected) else outcome.token

    @rule(token=tokens)
    def set_customer(self, token: str) -> None:
        address = Address("Damrak 1", "Amsterdam", "1012 LG", "NL")
        change = checkout_details.CustomerInput(email="a@example.com", shipping_address=address)
        self.run(
            checkout_details.set_customer(self.ports, token, change, store_scope=None, secret=False)
        )

    @rule(token=tokens)
    def pay_by_invoice(self, token: str) -> None:
        choice = checkout_payment.PaymentChoice(PaymentProvider.INVOICE)
        self.run(checkout_payment.create_payment(self.ports, token, choice, store_scope=None))

    @rule(token=tokens)
    def complete(self, token: str) -> None:
        self.run(checkout_completion.complete_checkout(self.ports, token, store_scope=None))

    @rule(token=tokens)
    def cancel(self, token: str) -> None:
        self.run(checkout_cancellation.cancel_checkout(self.ports, token, store_scope=None))

    @rule(minutes=st.sampled_from([5, 30, 61]))
    def time_passes(self, minutes: int) -> None:
        self.clock.advance(minutes=minutes)
        if minutes > 30:
            self.run(Worker(self.runtime).run_once())

    @rule(price=st.sampled_from(["3.00", "3.50"]))
    def reprice(self, price: str) -> None:
        stock = self.run(self._stock())
        change = [ProductInput("A", "Scarce", price, stock)]
        self.run(catalog_upkeep.upsert_products(self.ports, self.store, change))

    async def _stock(self) -> int:
        async with self.runtime.database.connect() as connection:
            return int(
                await connection.scalar(select(products.c.stock).where(products.c.sku == "A"))
            )

    @rule()
    def cancel_an_order(self) -> None:
        order_id = self.run(self._any_open_order())
        if order_id:
            self.run(
                order_lifecycle.cancel_order(self.ports, self.store.id, order_id, "changed mind")
            )

    async def _any_open_order(self) -> str | None:
        async with self.runtime.database.connect() as connection:
            return await connection.scalar(
                select(orders.c.id).where(orders.c.status != "CANCELLED").limit(1)
            )

    async def _sold(self) -> int:
        async with self.runtime.database.connect() as connection:
            return int(
                await connection.scalar(
                    select(func.coalesce(func.sum(order_lines.c.quantity), 0))
                    .select_from(order_lines.join(orders, orders.c.pk == order_lines.c.order_pk))
                    .where(order_lines.c.sku == "A", orders.c.status != "CANCELLED")
                )
                or 0
            )

    @invariant()
    def statuses_only_move_forward(self) -> None:
        async def read() -> dict[str, CheckoutStatus]:
            async with self.runtime.database.connect() as connection:
                rows = await connection.execute(select(checkouts.c.token, checkouts.c.status))
                return {token: CheckoutStatus(status) for token, status in rows}

        for token, status in self.run(read()).items():
            before = self.seen.get(token)
            if before is not None and before is not status:
                assert before not in FINAL, f"{before} is final, yet became {status}"
                assert status in TRANSITIONS[before], f"{before} -> {status}"
            self.seen[token] = status

    @invariant()
    def stock_is_never_negative_nor_sold_twice(self) -> None:
        async def read() -> tuple[int, int, int]:
            async with self.runtime.database.connect() as connection:
                twice = await connection.scalar(
                    select(
                        func.count(orders.c.pk) - func.count(func.distinct(orders.c.checkout_id))
                    )
                )
            return await self._stock(), await self._sold(), int(twice or 0)

        stock, sold, duplicate_orders = self.run(read())
        assert stock >= 0
        assert stock + sold == STOCK
        assert duplicate_orders == 0


CheckoutMachine.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_checkout_state_machine = CheckoutMachine.TestCase
