"""The event bus on Redis pub/sub (redis.asyncio).

Pub/sub channels span all of a Redis server's numbered databases, so the channel carries the
database number of the URL: two deployments on `/1` and `/2` of one server stay apart.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import redis.asyncio as redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from integrations.remote_bus import RemoteBus

CLIENT_NAME = "checkout-flow"
CONNECT_TIMEOUT_SECONDS = 5
# A quiet listener pings this often, so that a dead connection shows instead of waiting for
# messages forever.
HEALTH_CHECK_SECONDS = 15.0


class RedisBus(RemoteBus):
    name = "redis"

    def __init__(self, url: str, *, health_check_seconds: float = HEALTH_CHECK_SECONDS) -> None:
        super().__init__()
        self._health_check_seconds = health_check_seconds
        self._client = redis.Redis.from_url(
            url,
            client_name=CLIENT_NAME,
            socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
            socket_keepalive=True,
            health_check_interval=health_check_seconds,
            # No quiet reconnect inside redis-py: the bus must know when its subscription
            # was gone, to have its listeners read again what they may have missed.
            retry=Retry(NoBackoff(), 0),
        )
        database = self._client.connection_pool.connection_kwargs.get("db", 0)
        self.channel = f"checkout_flow.events.db{database}"

    async def _send(self, payloads: Sequence[str]) -> None:
        async with self._client.pipeline(transaction=False) as pipe:
            for payload in payloads:
                pipe.publish(self.channel, payload)
            await pipe.execute()

    async def _drop_sender(self) -> None:
        pass  # the pool reconnects a connection that broke by itself

    async def _close_connections(self) -> None:
        await self._client.aclose()

    async def _receive(self) -> AsyncIterator[bytes | None]:
        pubsub = self._client.pubsub()
        try:
            await pubsub.subscribe(self.channel)
            # Listening only once Redis confirmed the subscription; a message published
            # before that would not reach us.
            while (await pubsub.get_message(timeout=self._health_check_seconds)) is None:
                pass
            yield None
            while True:
                message = await pubsub.get_message(
                    ignore_subscribe_messages=True, timeout=self._health_check_seconds
                )
                if message is not None and message["type"] == "message":
                    yield message["data"]
        finally:
            await pubsub.aclose()
