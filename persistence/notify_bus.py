"""The event bus on PostgreSQL LISTEN/NOTIFY, through psycopg's async connection.

Two connections per process, outside the SQLAlchemy pool: one that LISTENs for as long as the
process runs and one that NOTIFYs. Each carries an `application_name`, so an operator (or a
test) finds them in `pg_stat_activity`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import psycopg
from psycopg import sql

from integrations.remote_bus import RemoteBus

CHANNEL = "checkout_flow_events"
LISTEN_APPLICATION = "checkout-flow-listen"
NOTIFY_APPLICATION = "checkout-flow-notify"
CONNECT_TIMEOUT_SECONDS = 5
# A quiet listener checks this often that its connection is still there; a dead one would
# otherwise wait for notifications forever.
HEALTH_CHECK_SECONDS = 15.0


def libpq_url(url: str) -> str:
    """psycopg takes `postgresql://`; SQLAlchemy's `postgresql+psycopg://` names the same
    server, so either may be given."""
    scheme, separator, rest = url.partition("://")
    if scheme.startswith("postgresql+") or scheme == "postgres":
        return f"postgresql{separator}{rest}"
    return url


class NotifyBus(RemoteBus):
    name = "postgresql"

    def __init__(self, url: str, *, health_check_seconds: float = HEALTH_CHECK_SECONDS) -> None:
        super().__init__()
        self._url = libpq_url(url)
        self._health_check_seconds = health_check_seconds
        self._notifier: psycopg.AsyncConnection[object] | None = None

    async def _connect(self, application: str) -> psycopg.AsyncConnection[object]:
        return await psycopg.AsyncConnection.connect(
            self._url,
            autocommit=True,
            application_name=application,
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
        )

    async def _send(self, payloads: Sequence[str]) -> None:
        if self._notifier is None or self._notifier.closed:
            self._notifier = await self._connect(NOTIFY_APPLICATION)
        # One round trip for the lot; each message stays far below NOTIFY's 8000 bytes.
        await self._notifier.execute(
            "SELECT pg_notify(%s, payload) FROM unnest(%s::text[]) AS payload",
            (CHANNEL, list(payloads)),
        )

    async def _drop_sender(self) -> None:
        notifier, self._notifier = self._notifier, None
        if notifier is not None:
            await notifier.close()

    async def _receive(self) -> AsyncIterator[str | None]:
        async with await self._connect(LISTEN_APPLICATION) as connection:
            await connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(CHANNEL)))
            yield None
            while True:
                async for notification in connection.notifies(timeout=self._health_check_seconds):
                    yield notification.payload
                await connection.execute("SELECT 1")
