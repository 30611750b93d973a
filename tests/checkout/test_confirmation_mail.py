"""The confirmation mail leaves through the outbox: once per order, late but never lost when
the mail server is down, and never for a completion that rolled back."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select, update

from graph.worker import Worker
from integrations.mail import SmtpMailer
from persistence.tables import outbox
from tests.checkout.flow import COMPLETE, PRODUCT, invoiced, mutate, stock_shop
from tests.support import Api, counted_statements


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content))  # type: ignore[attr-defined]
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class MailServer:
    """An SMTP server on a fixed loopback port that can be stopped and started again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    server = MailServer()
    server.start()
    yield server
    server.stop()


def smtp_worker(api: Api, server: MailServer) -> Worker:
    api.runtime.mailer = SmtpMailer(
        f"smtp://127.0.0.1:{server.port}", "shop@example.com", timeout=3
    )
    return Worker(api.runtime)


async def test_mail_waits_out_a_server_that_is_down(api: Api, mail_server: MailServer) -> None:
    await stock_shop(api)
    worker = smtp_worker(api, mail_server)
    mail_server.stop()
    token = await invoiced(api, [{"sku": "LENS", "quantity": 1}])
    order = (await mutate(api, COMPLETE, {"token": token}))["order"]
    delivered, _ = await worker.run_once()
    assert (delivered.delivered, delivered.failed) == (0, 1)
    delivered, _ = await worker.run_once()
    assert (delivered.delivered, delivered.failed) == (0, 0), "retried before its back-off"

    mail_server.start()
    api.clock.advance(seconds=6)
    delivered, _ = await worker.run_once()
    assert delivered.delivered == 1
    api.clock.advance(hours=2)
    await worker.run_once()
    assert len(mail_server.inbox.messages) == 1
    mail = mail_server.inbox.messages[0]
    assert order["number"] in mail["Subject"]
    assert mail["To"] == "Ada <ada@example.com>"
    async with api.runtime.database.connect() as connection:
        row = (await connection.execute(select(outbox.c.attempts, outbox.c.delivered_at))).one()
    assert row.attempts == 2
    assert row.delivered_at is not None


async def test_each_order_gets_one_mail(api: Api, mail_server: MailServer) -> None:
    await stock_shop(api)
    worker = smtp_worker(api, mail_server)
    numbers = set()
    for _ in range(3):
        token = await invoiced(api, [{"sku": "CASE", "quantity": 1}])
        numbers.add((await mutate(api, COMPLETE, {"token": token}))["order"]["number"])
        await mutate(api, COMPLETE, {"token": token})
    await worker.run_once()
    await worker.run_once()
    assert sorted(m["Subject"].split()[2] for m in mail_server.inbox.messages) == sorted(numbers)


async def test_a_round_reads_its_orders_once_and_marks_each_as_it_goes(
    api: Api, mail_server: MailServer
) -> None:
    """A round's statements grow by one mark per order, not by reading each order; an order
    that cannot be mailed does not hold back the others."""
    await stock_shop(api)
    worker = smtp_worker(api, mail_server)

    async def complete(orders: int) -> None:
        for _ in range(orders):
            token = await invoiced(api, [{"sku": "CASE", "quantity": 1}])
            await mutate(api, COMPLETE, {"token": token})

    async def round_costs() -> tuple[int, int, int]:
        with counted_statements(api.runtime.database) as log:
            delivered, _ = await worker.run_once()
        marks = sum(
            text.startswith("UPDATE outbox") and "delivered_at=" in text for text in log.statements
        )
        return delivered.delivered, marks, log.count - marks

    await complete(1)
    one = await round_costs()
    await complete(3)
    three = await round_costs()
    assert one[:2] == (1, 1)
    assert three[:2] == (3, 3)
    assert three[2] == one[2], "a round reads its orders and stores once"

    await complete(3)
    async with api.runtime.database.writing() as connection:
        newest = select(func.max(outbox.c.id)).scalar_subquery()
        await connection.execute(
            update(outbox).where(outbox.c.id == newest).values(payload={"orderId": "or_gone"})
        )
    delivered, _ = await worker.run_once()
    assert (delivered.delivered, delivered.failed) == (2, 1)
    assert len(mail_server.inbox.messages) == 6


async def test_a_completion_that_rolls_back_sends_nothing(
    api: Api, mail_server: MailServer
) -> None:
    await stock_shop(api)
    worker = smtp_worker(api, mail_server)
    token = await invoiced(api, [{"sku": "LENS", "quantity": 2}])
    # The shop takes the units away after they were reserved: completion must fail whole.
    await mutate(
        api,
        """mutation($input: [ProductInput!]!) { upsertProducts(input: $input) { errors { code } } }""",
        {"input": [{"sku": "LENS", "name": "Lenses", "price": "24.95", "stock": 1}]},
        key="secret",
    )
    answer = await mutate(api, COMPLETE, {"token": token})
    assert [e["code"] for e in answer["errors"]] == ["INSUFFICIENT_STOCK"]
    assert answer["checkout"]["status"] == "COMPLETABLE"
    assert (await api.data(PRODUCT, {"sku": "LENS"}))["product"]["stock"] == 1
    await worker.run_once()
    assert mail_server.inbox.messages == []
