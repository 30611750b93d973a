"""Order confirmations written as `.eml` files when no SMTP server is configured.

Each mail lands in `CHECKOUT_FLOW_MAIL_DIR` under a name made of the order number and the message
id, so a retried delivery finds its own file and writes no second one. Files appear whole or not
at all: they are written next to their final name and renamed into place.
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from pathlib import Path

from domain.order import Order
from domain.ports import MailNotSent
from domain.store import Store
from integrations.mail_rendering import order_confirmation_message, safe_token

_NOT_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def eml_name(order_number: str, message_id: str) -> str:
    order_part = safe_token(order_number, disallowed=_NOT_FILENAME)
    return f"{order_part}_{safe_token(message_id, disallowed=_NOT_FILENAME)}.eml"


class FileMailer:
    """Implements `domain.ports.Mailer` by writing `.eml` files into `directory`."""

    def __init__(self, directory: Path, default_sender: str) -> None:
        self.directory = Path(directory)
        self._default_sender = default_sender

    def __repr__(self) -> str:
        return f"FileMailer({str(self.directory)!r})"

    def path_for(self, order: Order, message_id: str) -> Path:
        return self.directory / eml_name(order.number, message_id)

    async def send_order_confirmation(self, order: Order, store: Store, message_id: str) -> None:
        target = self.path_for(order, message_id)
        mail = order_confirmation_message(order, store, message_id, self._default_sender)
        try:
            # CRLF line ends, as the message travels over SMTP; mail clients open either.
            await asyncio.to_thread(_write_once, target, mail.data)
        except OSError as exc:
            message_text = f"confirmation of order {order.number} not written to {target}: {exc}"
            raise MailNotSent(message_text) from exc


def _write_once(target: Path, content: bytes) -> None:
    if target.exists():
        return  # written on an earlier attempt; that mail stays as it went out
    target.parent.mkdir(parents=True, exist_ok=True)
    # A dot name and a .tmp suffix keep readers that list *.eml from seeing a half-written file.
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".eml.tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
            file.flush()
            # On disk before the rename: the outbox marks the mail delivered once this returns.
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
