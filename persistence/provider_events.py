"""Provider events seen, so a replayed webhook is recognised before anything is done."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from domain.payment import PaymentProvider
from persistence.dialect import built_once, insert_for
from persistence.tables import provider_events

RECORD = built_once(
    lambda connection: (
        insert_for(connection, provider_events)
        .on_conflict_do_nothing(
            index_elements=[provider_events.c.provider, provider_events.c.event_id]
        )
        .returning(provider_events.c.event_id)
    )
)


class SqlProviderEvents:
    def __init__(self, connection: AsyncConnection, now: Callable[[], datetime]) -> None:
        self._connection = connection
        self._now = now

    async def first_time(self, provider: PaymentProvider, event_id: str, store_id: str) -> bool:
        recorded = await self._connection.scalar(
            RECORD(self._connection),
            {
                "provider": provider.value,
                "event_id": event_id,
                "store_id": store_id,
                "received_at": self._now(),
            },
        )
        return recorded is not None
