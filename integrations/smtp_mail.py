"""Order confirmations sent to an SMTP server named by `CHECKOUT_FLOW_SMTP_URL`.

`smtp://user:pass@host:port` talks plain SMTP (STARTTLS with `?starttls=1`), `smtps://…` uses
implicit TLS. The URL carries a password, so neither it nor the password ever appears in an
error message, a repr or a log line made here.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from domain.order import Order
from domain.ports import MailNotSent
from domain.store import Store
from integrations.mail_rendering import order_confirmation_message

DEFAULT_TIMEOUT_SECONDS = 10.0
DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


@dataclass(frozen=True, slots=True)
class SmtpServer:
    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    implicit_tls: bool = False
    starttls: bool = False

    @property
    def where(self) -> str:
        """What an error message may say about the server: no user, no password."""
        return f"{self.host}:{self.port}"


class InvalidSmtpUrl(ValueError):
    """The configured SMTP URL cannot be used; the message never repeats the URL."""


def parse_smtp_url(url: str) -> SmtpServer:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        # urllib's own message may quote the URL, password included.
        raise InvalidSmtpUrl("SMTP URL is malformed (is the port a number?)") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise InvalidSmtpUrl("SMTP URL must start with smtp:// or smtps://")
    if not parts.hostname:
        raise InvalidSmtpUrl("SMTP URL has no host")
    starttls = _starttls_flag(parts.query)
    if starttls and scheme == "smtps":
        raise InvalidSmtpUrl("smtps:// is TLS from the start; starttls=1 applies to smtp://")
    return SmtpServer(
        host=parts.hostname,
        port=port if port is not None else DEFAULT_PORTS[scheme],
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        implicit_tls=scheme == "smtps",
        starttls=starttls,
    )


def _starttls_flag(query: str) -> bool:
    options = parse_qs(query, keep_blank_values=True)
    unknown = sorted(set(options) - {"starttls"})
    if unknown:
        # A typo such as ?startls=1 would otherwise send mail in the clear without a word.
        raise InvalidSmtpUrl(f"SMTP URL has unknown options: {', '.join(unknown)}")
    value = options.get("starttls", ["0"])[-1].lower()
    if value not in _TRUE + _FALSE:
        raise InvalidSmtpUrl("SMTP URL option starttls must be 1 or 0")
    return value in _TRUE


class SmtpMailer:
    """Implements `domain.ports.Mailer` over SMTP with aiosmtplib."""

    def __init__(
        self,
        smtp_url: str,
        default_sender: str,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self.server = parse_smtp_url(smtp_url)
        self._default_sender = default_sender
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"SmtpMailer({self.server.where})"

    async def send_order_confirmation(self, order: Order, store: Store, message_id: str) -> None:
        mail = order_confirmation_message(order, store, message_id, self._default_sender)
        server = self.server
        try:
            # aiosmtplib's timeout is per command; this one bounds the whole conversation.
            async with asyncio.timeout(self._timeout):
                await aiosmtplib.send(
                    mail.data,
                    sender=mail.sender,
                    recipients=[mail.recipient],
                    mail_options=["SMTPUTF8"] if mail.international else None,
                    hostname=server.host,
                    port=server.port,
                    username=server.username,
                    password=server.password,
                    use_tls=server.implicit_tls,
                    # Plain means plain: an unasked-for STARTTLS would fail on a relay whose
                    # certificate cannot be verified.
                    start_tls=server.starttls,
                    timeout=self._timeout,
                )
        except (aiosmtplib.SMTPException, OSError) as exc:  # TimeoutError is an OSError
            raise MailNotSent(self._failure(order, exc)) from exc

    def _failure(self, order: Order, exc: BaseException) -> str:
        reason = str(exc) or "no answer in time"
        password = self.server.password
        if password:
            # A server may echo what it was sent; keep the password out in any form.
            reason = reason.replace(password, "***")
        return (
            f"confirmation of order {order.number} not sent via {self.server.where}: "
            f"{type(exc).__name__}: {reason}"
        )
