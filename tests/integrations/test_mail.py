"""The order confirmation mail: what it says, and that it arrives over SMTP or as `.eml` files."""

from __future__ import annotations

import asyncio
import email
import re
import socket
import warnings
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import aiosmtplib
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from domain.customer import Address, Customer
from domain.money import Money
from domain.order import Order, OrderLine, OrderPaymentStatus, OrderStatus
from domain.payment import Payment, PaymentFlow, PaymentProvider, PaymentStatus
from domain.ports import MailNotSent
from domain.store import Store, StoreSettings
from domain.totals import compute_totals
from integrations.mail import (
    FileMailer,
    InvalidSmtpUrl,
    SmtpMailer,
    SmtpServer,
    mailer_from_settings,
    order_confirmation_message,
    parse_smtp_url,
)
from integrations.mail_rendering import message_id_header
from tests.secrets_registry import register

DEFAULT_SENDER = "Checkout Flow <orders@checkout-flow.localhost>"
PASSWORD = "s3cr:et/p@ss"
QUOTED_PASSWORD = "s3cr%3Aet%2Fp%40ss"
register(PASSWORD, QUOTED_PASSWORD, made_by="tests/integrations/test_mail.py")
PLACED = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
PRESCRIPTION = {"eye": "LEFT", "sphere": "-2.25", "baseCurve": "8.6"}

# --- domain objects ---------------------------------------------------------------------------


def make_store(
    currency: str = "EUR",
    *,
    prices_include_tax: bool = False,
    email_sender: str | None = "orders@optician.example",
) -> Store:
    settings = StoreSettings(prices_include_tax=prices_include_tax, email_sender=email_sender)
    return Store(id="st_1", name="Demo Optician", currency=currency, settings=settings)


def make_order(
    currency: str = "EUR",
    *,
    lines: list[OrderLine] | None = None,
    with_payment: bool = True,
    billing: bool = True,
    prices_include_tax: bool = False,
) -> Order:
    if lines is None:
        lines = [
            OrderLine(
                1, "LENS-DAILY-30", "Daily lenses", 2, money("31.60", currency), PRESCRIPTION
            ),
            OrderLine(2, "CASE", "Lens case", 1, money("4.50", currency)),
        ]
    shipping = money("4.95", currency)
    totals = compute_totals(
        [line.total for line in lines],
        shipping,
        Decimal("0.21"),
        prices_include_tax=prices_include_tax,
    )
    shipping_address = Address(
        line1="Damrak 1", city="Amsterdam", postal_code="1012 LG", country="NL", name="Ada Lovelace"
    )
    billing_address = Address(
        line1="Rue Neuve 2", city="Bruxelles", postal_code="1000", country="BE", company="Ada BV"
    )
    customer = Customer(
        email="ada@example.com",
        name="Ada Lovelace",
        shipping_address=shipping_address,
        billing_address=billing_address if billing else None,
    )
    payment = Payment(
        id=7,
        provider=PaymentProvider.STRIPE,
        flow=PaymentFlow.REDIRECT,
        status=PaymentStatus.PAID,
        amount=totals.total,
        created_at=PLACED,
        external_id="cs_test_1",
    )
    return Order(
        id="ord_1",
        store_id="st_1",
        number="CF-2026-000042",
        status=OrderStatus.PENDING,
        payment_status=OrderPaymentStatus.PAID if with_payment else OrderPaymentStatus.UNPAID,
        checkout_token="tok",
        customer=customer,
        totals=totals,
        created_at=PLACED,
        updated_at=PLACED,
        lines=lines,
        payment=payment if with_payment else None,
    )


def money(amount: str, currency: str) -> Money:
    return Money(Decimal(amount), currency)


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    return text.get_content(), html.get_content()


def confirmation(order: Order, store: Store, message_id: str, sender: str) -> EmailMessage:
    """The confirmation as it goes out, read back."""
    return parsed(order_confirmation_message(order, store, message_id, sender).data)


def names_in(directory: Path) -> list[str]:
    return sorted(entry.name for entry in directory.iterdir())


def contents(path: Path) -> bytes:
    return path.read_bytes()


def parsed(raw: bytes) -> EmailMessage:
    if raw.isascii():
        message = email.message_from_bytes(raw, policy=default_policy)
    else:
        # The stdlib's bytes parser reads raw UTF-8 headers (RFC 6532) as escaped bytes.
        message = email.message_from_string(raw.decode("utf-8"), policy=default_policy)
    assert isinstance(message, EmailMessage)
    return message


# --- an SMTP server in this process -----------------------------------------------------------


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps what it receives and the logins it saw."""

    envelopes: list[Envelope] = field(default_factory=list)
    logins: list[tuple[bytes, bytes]] = field(default_factory=list)

    # aiosmtpd finds its hooks by these names.
    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        self.envelopes.append(envelope)
        return "250 Message accepted"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        self.logins.append((data.login, data.password))
        # handled=False: aiosmtpd answers "535" itself rather than leave the client waiting.
        return AuthResult(success=data.password == PASSWORD.encode(), handled=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


def _serve(inbox: Inbox, **smtp_options: Any) -> Iterator[int]:
    port = free_port()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, server_hostname="localhost", **smtp_options
    )
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.fixture
def smtp_port(inbox: Inbox) -> Iterator[int]:
    yield from _serve(inbox)


@pytest.fixture
def login_smtp_port(inbox: Inbox) -> Iterator[int]:
    with warnings.catch_warnings():
        # aiosmtpd warns about AUTH without TLS; on loopback in a test that is the point.
        warnings.simplefilter("ignore")
        yield from _serve(
            inbox,
            authenticator=inbox.authenticate,
            auth_required=True,
            auth_require_tls=False,
        )


@pytest.fixture
async def silent_port() -> AsyncIterator[int]:
    """A server that accepts connections and never says a word."""

    async def ignore(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()
        writer.close()

    server = await asyncio.start_server(ignore, "127.0.0.1", 0)
    async with server:
        yield server.sockets[0].getsockname()[1]


# --- rendering --------------------------------------------------------------------------------


def test_both_parts_show_the_whole_order() -> None:
    message = confirmation(make_order(), make_store(), "msg-1", DEFAULT_SENDER)
    assert message.get_content_type() == "multipart/alternative"
    assert message["Subject"] == "Your order CF-2026-000042 at Demo Optician"
    for part in parts(message):
        for expected in (
            "Demo Optician",
            "CF-2026-000042",
            "2026-03-14",
            "Daily lenses",
            "LENS-DAILY-30",
            "Lens case",
            "EUR 31.60",  # unit price
            "EUR 63.20",  # line total
            "eye: LEFT, sphere: -2.25, baseCurve: 8.6",
            "EUR 67.70",  # subtotal
            "EUR 4.95",  # shipping
            "EUR 15.26",  # tax: 21 % of 63.20, 4.50 and 4.95, rounded per amount
            "EUR 87.91",  # total
            "Stripe",
            "Paid",
            "Damrak 1",
            "1012 LG Amsterdam",
            "Netherlands",
            "Rue Neuve 2",
            "Ada BV",
            "Belgium",
            "ada@example.com",
        ):
            assert expected in part, expected
        assert "incl." not in part
        assert re.search(r"\b2\b", part)  # the quantity


def test_tax_says_incl_when_prices_include_tax() -> None:
    order = make_order(prices_include_tax=True)
    message = confirmation(order, make_store(prices_include_tax=True), "msg-1", DEFAULT_SENDER)
    for part in parts(message):
        assert "Tax (incl.)" in part
        assert f"EUR {order.totals.tax.formatted()}" in part


def test_jpy_amounts_have_no_decimals() -> None:
    lines = [OrderLine(1, "TEA", "Green tea", 3, money("1200", "JPY"), {"grade": "first"})]
    order = make_order("JPY", lines=lines)
    message = confirmation(order, make_store("JPY"), "msg-1", DEFAULT_SENDER)
    for part in parts(message):
        assert "JPY 1200" in part
        assert "JPY 3600" in part
        assert "JPY 5" in part  # shipping 4.95 rounds to 5 yen
        assert re.search(r"JPY \d+\.\d", part) is None


def test_html_escapes_what_shoppers_and_shops_typed() -> None:
    evil = "<script>alert(1)</script>"
    lines = [OrderLine(1, "X", evil, 1, money("1.00", "EUR"), {"engraving": "<b>hi</b>"})]
    order = make_order(lines=lines)
    text, html = parts(confirmation(order, make_store(), "m", DEFAULT_SENDER))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "engraving: &lt;b&gt;hi&lt;/b&gt;" in html
    assert evil in text  # plain text is shown as typed


def test_html_loads_nothing_from_outside() -> None:
    _, html = parts(confirmation(make_order(), make_store(), "m", DEFAULT_SENDER))
    for outside in ("src=", "<link", "url(", "http:", "https:", "<script", "<style"):
        assert outside not in html


def test_order_without_payment_meta_or_billing_address() -> None:
    lines = [OrderLine(1, "CASE", "Lens case", 1, money("4.50", "EUR"), None)]
    order = make_order(lines=lines, with_payment=False, billing=False)
    for part in parts(confirmation(order, make_store(), "m", DEFAULT_SENDER)):
        assert "Unpaid" in part
        assert "Payment method" not in part
        assert "Same as the shipping address" in part


def test_meta_values_of_every_kind_read_plainly() -> None:
    meta = {
        "tinted": True,
        "polished": False,
        "axis": 90,
        "cylinder": Decimal("-0.75"),
        "unset": None,
    }
    lines = [OrderLine(1, "L", "Lens", 1, money("1.00", "EUR"), meta)]
    text, _ = parts(confirmation(make_order(lines=lines), make_store(), "m", "s@x"))
    assert "tinted: yes, polished: no, axis: 90, cylinder: -0.75" in text
    assert "unset" not in text


def test_sender_is_the_store_or_the_default() -> None:
    def sender(store: Store) -> str:
        return str(confirmation(make_order(), store, "m", DEFAULT_SENDER)["From"])

    assert sender(make_store()) == "Demo Optician <orders@optician.example>"
    assert sender(make_store(email_sender="Shop <shop@example.com>")) == "Shop <shop@example.com>"
    assert sender(make_store(email_sender=None)) == DEFAULT_SENDER


def test_subject_stays_on_one_line() -> None:
    store = replace(make_store(), name="Evil\r\nBcc: victim@example.com")
    message = confirmation(make_order(), store, "m", DEFAULT_SENDER)
    assert message["Subject"] == "Your order CF-2026-000042 at Evil Bcc: victim@example.com"
    assert message["Bcc"] is None


@pytest.mark.parametrize(
    "message_id",
    ["order_confirmation_email:ord_abc", "ord_1", "a..b", "", " spaces and <brackets> "],
)
def test_message_id_is_a_valid_msg_id(message_id: str) -> None:
    header = message_id_header(message_id)
    assert re.fullmatch(r"<[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@checkout-flow>", header)
    assert ".." not in header
    assert "<." not in header
    assert ".@" not in header
    assert header == message_id_header(message_id)  # the same on every attempt


def test_message_ids_that_need_cleaning_stay_distinct() -> None:
    assert message_id_header("a:b") != message_id_header("a/b")
    assert message_id_header("ord_1") == "<ord_1@checkout-flow>"
    assert message_id_header("<given@example.com>") == "<given@example.com>"


# --- SMTP -------------------------------------------------------------------------------------


async def test_smtp_delivers_once_with_its_message_id(inbox: Inbox, smtp_port: int) -> None:
    mailer = SmtpMailer(f"smtp://127.0.0.1:{smtp_port}", DEFAULT_SENDER)
    await mailer.send_order_confirmation(make_order(), make_store(), "order-mail-1")

    [envelope] = inbox.envelopes
    assert envelope.mail_from == "orders@optician.example"
    assert envelope.rcpt_tos == ["ada@example.com"]
    assert isinstance(envelope.content, bytes)
    message = parsed(envelope.content)
    assert message["Message-ID"] == "<order-mail-1@checkout-flow>"
    assert message["From"] == "Demo Optician <orders@optician.example>"
    assert message["To"] == "Ada Lovelace <ada@example.com>"
    assert message["Subject"] == "Your order CF-2026-000042 at Demo Optician"
    text, html = parts(message)
    assert "EUR 87.91" in text
    assert "EUR 87.91" in html


def international_order() -> Order:
    order = make_order()
    order.customer = replace(order.customer, email="zoë@exämple.com", name='Zoë "Z" Ó, Jr.')
    return order


async def test_smtp_delivers_to_international_addresses(inbox: Inbox, smtp_port: int) -> None:
    store = replace(make_store(), name="Café Ünïcode")
    mailer = SmtpMailer(f"smtp://127.0.0.1:{smtp_port}", DEFAULT_SENDER)
    await mailer.send_order_confirmation(international_order(), store, "m")

    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == ["zoë@xn--exmple-cua.com"]  # SMTPUTF8, domain in IDNA form
    assert isinstance(envelope.content, bytes)
    message = parsed(envelope.content)
    assert message["To"].addresses[0].display_name == 'Zoë "Z" Ó, Jr.'
    assert message["Subject"] == "Your order CF-2026-000042 at Café Ünïcode"


async def test_smtp_logs_in_with_the_decoded_password(inbox: Inbox, login_smtp_port: int) -> None:
    url = f"smtp://shop%40example.com:{QUOTED_PASSWORD}@127.0.0.1:{login_smtp_port}"
    await SmtpMailer(url, DEFAULT_SENDER).send_order_confirmation(make_order(), make_store(), "m")
    assert inbox.logins == [(b"shop@example.com", PASSWORD.encode())]
    assert len(inbox.envelopes) == 1


async def test_wrong_password_is_mail_not_sent_without_it(
    inbox: Inbox, login_smtp_port: int
) -> None:
    url = f"smtp://shop:wrong-{QUOTED_PASSWORD}@127.0.0.1:{login_smtp_port}"
    with pytest.raises(MailNotSent) as raised:
        await SmtpMailer(url, DEFAULT_SENDER).send_order_confirmation(
            make_order(), make_store(), "m"
        )
    assert_no_secret(raised.value, url)
    assert inbox.envelopes == []


async def test_server_down_is_mail_not_sent_without_the_password() -> None:
    url = f"smtp://shop:{QUOTED_PASSWORD}@127.0.0.1:{free_port()}"
    mailer = SmtpMailer(url, DEFAULT_SENDER, timeout=2)
    with pytest.raises(MailNotSent) as raised:
        await mailer.send_order_confirmation(make_order(), make_store(), "m")
    assert "CF-2026-000042" in str(raised.value)
    assert "127.0.0.1" in str(raised.value)
    assert_no_secret(raised.value, url)
    assert PASSWORD not in repr(mailer)
    assert PASSWORD not in repr(mailer.server)


async def test_silent_server_gives_up_after_the_timeout(silent_port: int) -> None:
    mailer = SmtpMailer(f"smtp://127.0.0.1:{silent_port}", DEFAULT_SENDER, timeout=0.3)
    with pytest.raises(MailNotSent, match="CF-2026-000042"):
        await mailer.send_order_confirmation(make_order(), make_store(), "m")


def assert_no_secret(error: BaseException, url: str) -> None:
    seen = [error, error.__cause__, error.__context__]
    for text in (str(item) for item in seen if item is not None):
        for secret in (PASSWORD, QUOTED_PASSWORD, url):
            assert secret not in text


@pytest.mark.parametrize(
    ("url", "use_tls", "start_tls", "port"),
    [
        ("smtp://mail.example.com", False, False, 25),
        ("smtp://mail.example.com:587?starttls=1", False, True, 587),
        ("smtps://mail.example.com", True, False, 465),
    ],
)
async def test_tls_settings_reach_aiosmtplib(
    monkeypatch: pytest.MonkeyPatch, url: str, use_tls: bool, start_tls: bool, port: int
) -> None:
    calls: list[dict[str, Any]] = []

    async def send(message: EmailMessage, **options: Any) -> None:
        calls.append(options)

    monkeypatch.setattr(aiosmtplib, "send", send)
    await SmtpMailer(url, DEFAULT_SENDER, timeout=3).send_order_confirmation(
        make_order(), make_store(), "m"
    )
    [options] = calls
    assert options["hostname"] == "mail.example.com"
    assert (options["port"], options["use_tls"], options["start_tls"]) == (port, use_tls, start_tls)
    assert options["timeout"] == 3


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://localhost", SmtpServer("localhost", 25)),
        ("smtp://localhost:1025", SmtpServer("localhost", 1025)),
        ("SMTP://Mail.Example.com:2525", SmtpServer("mail.example.com", 2525)),
        ("smtps://mail.example.com", SmtpServer("mail.example.com", 465, implicit_tls=True)),
        ("smtps://mail.example.com:2465", SmtpServer("mail.example.com", 2465, implicit_tls=True)),
        ("smtp://h:587?starttls=1", SmtpServer("h", 587, starttls=True)),
        ("smtp://h?starttls=true", SmtpServer("h", 25, starttls=True)),
        ("smtp://h?starttls=0", SmtpServer("h", 25)),
        ("smtp://user@h", SmtpServer("h", 25, username="user")),
        ("smtp://user:@h", SmtpServer("h", 25, username="user", password="")),
        (
            f"smtp://a%40b.c:{QUOTED_PASSWORD}@h:25",
            SmtpServer("h", 25, username="a@b.c", password=PASSWORD),
        ),
        ("smtp://[::1]:25", SmtpServer("::1", 25)),
    ],
)
def test_smtp_url_variants(url: str, expected: SmtpServer) -> None:
    assert parse_smtp_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        f"http://u:{PASSWORD}@h",
        f"smtp://u:{QUOTED_PASSWORD}@h:notaport",
        f"smtp://u:{QUOTED_PASSWORD}@h:99999",
        f"smtp://u:{QUOTED_PASSWORD}@",
        f"smtp://u:{QUOTED_PASSWORD}@h?startls=1",
        f"smtp://u:{QUOTED_PASSWORD}@h?starttls=maybe",
        f"smtps://u:{QUOTED_PASSWORD}@h?starttls=1",
    ],
)
def test_unusable_smtp_urls_are_refused_without_repeating_them(url: str) -> None:
    with pytest.raises(InvalidSmtpUrl) as raised:
        parse_smtp_url(url)
    assert_no_secret(raised.value, url)


# --- .eml files -------------------------------------------------------------------------------


async def test_eml_file_parses_back(tmp_path: Path) -> None:
    directory = tmp_path / "not" / "there" / "yet"
    mailer = FileMailer(directory, DEFAULT_SENDER)
    await mailer.send_order_confirmation(make_order(), make_store(), "order-mail-1")

    [name] = names_in(directory)
    assert name.endswith(".eml")
    assert "CF-2026-000042" in name
    assert "order-mail-1" in name
    message = parsed(contents(directory / name))
    assert message["Message-ID"] == "<order-mail-1@checkout-flow>"
    assert message["To"] == "Ada Lovelace <ada@example.com>"
    assert message["Subject"] == "Your order CF-2026-000042 at Demo Optician"
    text, html = parts(message)
    assert "eye: LEFT, sphere: -2.25, baseCurve: 8.6" in text
    assert "EUR 87.91" in html


async def test_eml_file_is_written_once_per_message_id(tmp_path: Path) -> None:
    mailer = FileMailer(tmp_path, DEFAULT_SENDER)
    order, store = make_order(), make_store()
    await mailer.send_order_confirmation(order, store, "order-mail-1")
    first = contents(mailer.path_for(order, "order-mail-1"))
    await asyncio.gather(
        *(mailer.send_order_confirmation(order, store, "order-mail-1") for _ in range(3))
    )
    assert names_in(tmp_path) == [mailer.path_for(order, "order-mail-1").name]
    assert contents(mailer.path_for(order, "order-mail-1")) == first

    await mailer.send_order_confirmation(order, store, "order-mail-2")
    assert len(names_in(tmp_path)) == 2  # another message id is another mail


async def test_odd_message_ids_make_safe_distinct_file_names(tmp_path: Path) -> None:
    mailer = FileMailer(tmp_path, DEFAULT_SENDER)
    for message_id in ("../../escape", "a:b", "a/b"):
        await mailer.send_order_confirmation(make_order(), make_store(), message_id)
    names = names_in(tmp_path)
    assert len(names) == 3
    assert all(re.fullmatch(r"CF-2026-000042_[A-Za-z0-9._-]+\.eml", name) for name in names)


async def test_eml_file_keeps_international_addresses(tmp_path: Path) -> None:
    mailer = FileMailer(tmp_path, DEFAULT_SENDER)
    await mailer.send_order_confirmation(international_order(), make_store(), "m")
    [name] = names_in(tmp_path)
    message = parsed(contents(tmp_path / name))
    assert message["To"].addresses[0].addr_spec == "zoë@xn--exmple-cua.com"


async def test_unwritable_mail_dir_is_mail_not_sent(tmp_path: Path) -> None:
    in_the_way = tmp_path / "mail"
    in_the_way.write_text("a file where the directory should be")
    with pytest.raises(MailNotSent, match="CF-2026-000042"):
        await FileMailer(in_the_way, DEFAULT_SENDER).send_order_confirmation(
            make_order(), make_store(), "m"
        )
    assert names_in(tmp_path) == ["mail"]  # no temporary file left behind


# --- choosing a mailer ------------------------------------------------------------------------


def test_mailer_from_settings(tmp_path: Path) -> None:
    assert isinstance(mailer_from_settings(None, tmp_path, DEFAULT_SENDER), FileMailer)
    assert isinstance(mailer_from_settings("  ", tmp_path, DEFAULT_SENDER), FileMailer)
    smtp = mailer_from_settings("smtps://u:p@mail.example.com", tmp_path, DEFAULT_SENDER)
    assert isinstance(smtp, SmtpMailer)
    assert smtp.server == SmtpServer("mail.example.com", 465, "u", "p", implicit_tls=True)
    with pytest.raises(InvalidSmtpUrl):
        mailer_from_settings("mail.example.com", tmp_path, DEFAULT_SENDER)
