"""The outbox: side effects written in the same transaction as their cause, delivered later by
the worker. A row is claimed with a lease, so a worker that dies mid-delivery leaves it to be
claimed again once the lease runs out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.events import OutboxMessage
from domain.ports import OutboxJob
from persistence.compiled_statements import CompiledStatement
from persistence.database import Database
from persistence.dialect import built_once, insert_for
from persistence.tables import outbox

ADD = CompiledStatement(
    built_once(
        lambda connection: insert_for(connection, outbox).on_conflict_do_nothing(
            index_elements=[outbox.c.dedupe_key]
        )
    )
)


class SqlOutbox:
    def __init__(self, connection: AsyncConnection, now: Any) -> None:
        self._connection = connection
        self._now = now

    async def add(self, messages: Sequence[OutboxMessage]) -> None:
        now = self._now()
        rows = [
            {
                "store_id": m.store_id,
                "kind": m.kind,
                "payload": m.payload,
                "dedupe_key": m.dedupe_key,
                "available_at": now,
                "created_at": now,
            }
            for m in messages
        ]
        if len(rows) == 1:
            await ADD.run_later(self._connection, rows[0])
        elif rows:
            await ADD.run(self._connection, rows)


def _due(now: datetime) -> Any:
    return and_(
        outbox.c.delivered_at.is_(None),
        outbox.c.available_at <= now,
        or_(outbox.c.locked_until.is_(None), outbox.c.locked_until <= now),
    )


async def claim(
    connection: AsyncConnection, now: datetime, lease: timedelta, limit: int
) -> list[OutboxJob]:
    """Due messages, leased to this worker. SKIP LOCKED lets several workers claim side by
    side on PostgreSQL without waiting on or taking each other's rows."""
    due = (
        select(outbox.c.id)
        .where(_due(now))
        .order_by(outbox.c.available_at, outbox.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = await connection.execute(
        update(outbox)
        .where(outbox.c.id.in_(due.scalar_subquery()), _due(now))
        .values(locked_until=now + lease, attempts=outbox.c.attempts + 1)
        .returning(
            outbox.c.id, outbox.c.kind, outbox.c.store_id, outbox.c.payload, outbox.c.attempts
        )
    )
    return [OutboxJob(r.id, r.kind, r.store_id, r.payload, r.attempts) for r in rows]


MARK_DELIVERED = CompiledStatement(
    update(outbox)
    .where(outbox.c.id == bindparam("message_id"))
    .values(delivered_at=bindparam("now"), locked_until=None, last_error=None)
)
MARK_FAILED = CompiledStatement(
    update(outbox)
    .where(outbox.c.id == bindparam("message_id"))
    .values(available_at=bindparam("retry_at"), locked_until=None, last_error=bindparam("error"))
)


async def mark_delivered(connection: AsyncConnection, message_id: int, now: datetime) -> None:
    await MARK_DELIVERED.run(connection, {"message_id": message_id, "now": now})


async def mark_failed(
    connection: AsyncConnection, message_id: int, retry_at: datetime, error: str
) -> None:
    await MARK_FAILED.run(
        connection, {"message_id": message_id, "retry_at": retry_at, "error": error[:500]}
    )


async def backlog(connection: AsyncConnection, now: datetime) -> tuple[int, datetime | None]:
    """Messages not yet delivered, and when the oldest of them was written."""
    row = (
        await connection.execute(
            select(func.count(), func.min(outbox.c.created_at)).where(
                outbox.c.delivered_at.is_(None)
            )
        )
    ).one()
    oldest = row[1]
    return int(row[0]), oldest


class SqlOutboxQueue:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def claim(self, now: datetime, lease: timedelta, limit: int) -> list[OutboxJob]:
        async with self._database.writing() as connection:
            return await claim(connection, now, lease, limit)

    async def delivered(self, job_id: int, now: datetime) -> None:
        async with self._database.writing(one_statement=True) as connection:
            await mark_delivered(connection, job_id, now)

    async def failed(self, job_id: int, retry_at: datetime, error: str) -> None:
        async with self._database.writing(one_statement=True) as connection:
            await mark_failed(connection, job_id, retry_at, error)
