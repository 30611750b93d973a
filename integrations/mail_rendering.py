"""The order confirmation mail: rendered once from Jinja2 templates, as a text and an HTML part.

Both mailers (SMTP and `.eml` files) build their message here, so what a shopper receives does not
depend on how it was delivered. Templates get plain, preformatted values (money as "EUR 63.20",
meta as one readable line), so they hold layout only and no rules.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from email.header import Header
from email.headerregistry import Address as MailAddress
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import format_datetime, formataddr, parseaddr
from typing import Any

import pycountry
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from domain.customer import Address, Customer
from domain.money import Money
from domain.order import Order, OrderLine
from domain.store import Store

# Only the HTML part is escaped: the text part shows a name like "<b>" as the shopper typed it.
TEMPLATES = Environment(
    loader=PackageLoader("integrations", "mail_templates"),
    autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)

MESSAGE_ID_DOMAIN = "checkout-flow"
# RFC 5322 dot-atom-text: atext characters, dots only between them.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_DOT_ATOM = re.compile(rf"{_ATEXT}+(\.{_ATEXT}+)*")
_NOT_ATEXT = re.compile(r"[^A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+")
_MSG_ID = re.compile(rf"<{_DOT_ATOM.pattern}@{_DOT_ATOM.pattern}>")

PROVIDER_NAMES = {"STRIPE": "Stripe", "MOLLIE": "Mollie", "INVOICE": "Invoice"}


@dataclass(frozen=True, slots=True)
class RenderedMail:
    subject: str
    text: str
    html: str


@dataclass(frozen=True, slots=True)
class LineView:
    name: str
    sku: str
    quantity: int
    unit_price: str
    total: str
    meta: str


def render_order_confirmation(order: Order, store: Store) -> RenderedMail:
    context = _confirmation_context(order, store)
    return RenderedMail(
        subject=one_line(f"Your order {order.number} at {store.name}"),
        text=TEMPLATES.get_template("order_confirmation.txt.j2").render(context),
        html=TEMPLATES.get_template("order_confirmation.html.j2").render(context),
    )


@dataclass(frozen=True, slots=True)
class ConfirmationMail:
    """The confirmation as it travels: the envelope's two addresses and the message's bytes
    (CRLF line ends, as over SMTP). `international` when an address is not ASCII: the mail
    then needs SMTPUTF8 (RFC 6531), and its headers carry UTF-8 as it is (RFC 6532)."""

    sender: str
    recipient: str
    data: bytes
    international: bool


# The stdlib's email package with its compat32 policy: the default policy parses every header
# it is given back into an object and folds it again on the way out, ~1 ms of CPU per mail
# (bench/FINDINGS.md); here each header is set once as the text it will be.
_WRITTEN = compat32.clone(linesep="\r\n")


def order_confirmation_message(
    order: Order,
    store: Store,
    message_id: str,
    default_sender: str,
    *,
    sent_at: datetime | None = None,
) -> ConfirmationMail:
    """The whole mail, multipart/alternative (text first, so HTML is preferred by clients)."""
    rendered = render_order_confirmation(order, store)
    sender_name, sender = parseaddr(sender_of(store, default_sender))
    to = recipient(order.customer)
    international = not (sender + to.addr_spec).isascii()
    # A boundary of 128 random bits cannot turn up in the parts; the generator would otherwise
    # make one and search both parts for it with a regular expression compiled for each mail.
    message = MIMEMultipart("alternative", f"=_{secrets.token_hex(16)}", policy=_WRITTEN)
    message["Subject"] = _header_text(rendered.subject, international)
    message["From"] = _address(sender_name, sender, international)
    message["To"] = _address(to.display_name, to.addr_spec, international)
    message["Date"] = format_datetime(sent_at or datetime.now(UTC))
    message["Message-ID"] = message_id_header(message_id)
    message.attach(_part(rendered.text, "plain"))
    message.attach(_part(rendered.html, "html"))
    return ConfirmationMail(sender, to.addr_spec, message.as_bytes(policy=_WRITTEN), international)


def _header_text(text: str, international: bool) -> Any:
    text = one_line(text)  # a line break in a header would start a new header
    if text.isascii():
        return text
    if international:
        # Raw UTF-8, which compat32 writes as it is when given as escaped bytes.
        return text.encode().decode("ascii", "surrogateescape")
    return Header(text, "utf-8")  # RFC 2047 encoded words


def _address(name: str, address: str, international: bool) -> Any:
    name = one_line(name)
    if not international:
        return formataddr((name, address), charset="utf-8")
    local, _, domain = address.rpartition("@")
    return _header_text(str(MailAddress(display_name=name, username=local, domain=domain)), True)


def _part(text: str, subtype: str) -> MIMEText:
    # Text that is not ASCII goes as base64, which every server takes (no 8BITMIME needed).
    charset = "us-ascii" if text.isascii() else "utf-8"
    return MIMEText(text, subtype, charset, policy=_WRITTEN)


def sender_of(store: Store, default_sender: str) -> str:
    """The store's own sender, named after the store when it is a bare address."""
    sender = store.settings.email_sender
    if not sender:
        return default_sender
    name, address = parseaddr(sender)
    if name or not address:
        return sender
    try:
        return str(MailAddress(display_name=one_line(store.name), addr_spec=address))
    except ValueError:
        return sender


def recipient(customer: Customer) -> MailAddress:
    """The shopper's address; an internationalised domain in its ASCII (IDNA) form."""
    name = one_line(customer.name or "")
    local, _, domain = customer.email.rpartition("@")
    # A domain IDNA cannot encode is left as it is; the server says whether it can deliver.
    with suppress(UnicodeError):
        domain = domain.encode("idna").decode("ascii")
    try:
        return MailAddress(display_name=name, addr_spec=f"{local}@{domain}")
    except ValueError:
        # The stdlib parser refuses a non-ASCII local part (RFC 6531), which email-validator
        # accepts; built from its parts it goes out over SMTPUTF8.
        return MailAddress(display_name=name, username=local, domain=domain)


def message_id_header(message_id: str) -> str:
    """A valid RFC 5322 msg-id for `message_id`; the same id always gives the same header, and
    ids that had to be cleaned keep a hash of the original so two of them never collide."""
    if _MSG_ID.fullmatch(message_id):
        return message_id
    return f"<{safe_token(message_id)}@{MESSAGE_ID_DOMAIN}>"


def safe_token(text: str, *, disallowed: re.Pattern[str] = _NOT_ATEXT) -> str:
    """`text` if it is made of allowed characters only, otherwise a cleaned form plus a hash."""
    cleaned = re.sub(r"\.{2,}", ".", disallowed.sub("-", text)).strip(".-")[:80].rstrip(".-")
    if cleaned == text and text:
        return text
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    return f"{cleaned}.{digest}" if cleaned else digest


def one_line(text: str) -> str:
    """Header text on one line: a line break in a header would start a new header."""
    return " ".join(text.split())


def money_text(money: Money) -> str:
    return f"{money.currency} {money.formatted()}"


def meta_text(meta: Mapping[str, Any] | None) -> str:
    """ "eye: LEFT, sphere: -2.25, baseCurve: 8.6"; fields without a value are left out."""
    if not meta:
        return ""
    return ", ".join(
        f"{name}: {_meta_value(value)}" for name, value in meta.items() if value is not None
    )


def _meta_value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def address_lines(address: Address) -> list[str]:
    country = pycountry.countries.get(alpha_2=address.country)
    place = " ".join(part for part in (address.postal_code, address.city) if part)
    lines = [
        address.name,
        address.company,
        address.line1,
        address.line2,
        place,
        address.region,
        country.name if country else address.country,
        f"Phone: {address.phone}" if address.phone else None,
    ]
    return [line for line in lines if line]


def _line_view(line: OrderLine) -> LineView:
    return LineView(
        name=line.name,
        sku=line.sku,
        quantity=line.quantity,
        unit_price=money_text(line.unit_price),
        total=money_text(line.total),
        meta=meta_text(line.meta),
    )


def _status_text(value: str) -> str:
    return value.replace("_", " ").capitalize()


def _confirmation_context(order: Order, store: Store) -> dict[str, Any]:
    customer = order.customer
    totals = order.totals
    shipping = address_lines(customer.shipping_address) if customer.shipping_address else None
    billing = address_lines(customer.billing_address) if customer.billing_address else None
    payment = order.payment
    return {
        "store_name": store.name,
        "number": order.number,
        "date": f"{order.created_at:%Y-%m-%d}",
        "lines": [_line_view(line) for line in order.lines],
        "subtotal": money_text(totals.subtotal),
        "shipping": money_text(totals.shipping),
        "tax": money_text(totals.tax),
        "tax_label": "Tax (incl.)" if store.settings.prices_include_tax else "Tax",
        "total": money_text(totals.total),
        "payment_method": PROVIDER_NAMES.get(payment.provider.value) if payment else None,
        "payment_status": _status_text(order.payment_status.value),
        "customer_name": customer.name,
        "customer_email": customer.email,
        "customer_phone": customer.phone,
        "shipping_address": shipping,
        # No billing address means the shopper bills to where it ships.
        "billing_address": billing,
        "billing_same_as_shipping": billing is None and shipping is not None,
    }
