"""Where order confirmations go: to the SMTP server of `CHECKOUT_FLOW_SMTP_URL` when one is
configured, otherwise into `.eml` files under `CHECKOUT_FLOW_MAIL_DIR`.

The worker asks `mailer_from_settings` once and calls `send_order_confirmation` per outbox row.
"""

from __future__ import annotations

from pathlib import Path

from domain.ports import Mailer
from integrations.mail_files import FileMailer
from integrations.mail_rendering import order_confirmation_message, render_order_confirmation
from integrations.smtp_mail import (
    DEFAULT_TIMEOUT_SECONDS,
    InvalidSmtpUrl,
    SmtpMailer,
    SmtpServer,
    parse_smtp_url,
)

__all__ = [
    "DEFAULT_TIMEOUT_SECONDS",
    "FileMailer",
    "InvalidSmtpUrl",
    "SmtpMailer",
    "SmtpServer",
    "mailer_from_settings",
    "order_confirmation_message",
    "parse_smtp_url",
    "render_order_confirmation",
]


def mailer_from_settings(
    smtp_url: str | None,
    mail_dir: Path,
    default_sender: str,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
) -> Mailer:
    """An empty SMTP URL counts as none: `CHECKOUT_FLOW_SMTP_URL=` in `.env` means files.
    Raises InvalidSmtpUrl for a URL that cannot work, so a bad setting shows at start-up."""
    if smtp_url and smtp_url.strip():
        return SmtpMailer(smtp_url, default_sender, timeout=timeout)
    return FileMailer(mail_dir, default_sender)
