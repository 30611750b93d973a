"""Cutting the event bus's connections from the outside, as a failing network or a restarted
server would: the listening ones, or the publishing ones."""

from __future__ import annotations

from typing import Literal

import psycopg
import redis.asyncio as redis

from integrations.redis_bus import CLIENT_NAME
from persistence.notify_bus import LISTEN_APPLICATION, NOTIFY_APPLICATION, libpq_url

Role = Literal["listen", "publish"]


async def kill_postgres_bus(url: str, role: Role = "listen") -> int:
    """Terminates Checkout Flow's bus connections of that role on this database; how many."""
    application = LISTEN_APPLICATION if role == "listen" else NOTIFY_APPLICATION
    async with await psycopg.AsyncConnection.connect(libpq_url(url), autocommit=True) as conn:
        cursor = await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = %s AND datname = current_database()",
            (application,),
        )
        return len(await cursor.fetchall())


async def kill_redis_bus(url: str, role: Role = "listen") -> int:
    """Kills Checkout Flow's connections of that role on this Redis database; how many."""
    client = redis.Redis.from_url(url)
    try:
        database = client.connection_pool.connection_kwargs.get("db", 0)
        killed = 0
        kind = "pubsub" if role == "listen" else "normal"
        for entry in await client.client_list(_type=kind):
            if entry.get("name") == CLIENT_NAME and int(entry.get("db", -1)) == database:
                killed += await client.client_kill_filter(_id=entry["id"])
        return killed
    finally:
        await client.aclose()
