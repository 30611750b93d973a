"""Posting webhooks the way a provider does, and remembering how each attempt went."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import httpx

__all__ = ["Delivery", "DeliveryLog", "WebhookCall"]

# Providers give a webhook endpoint a few seconds; a test never needs longer.
DELIVERY_TIMEOUT = 5.0


@dataclass(frozen=True)
class WebhookCall:
    """A webhook request ready to send: a test may post it itself (e.g. to an ASGI app)."""

    url: str
    body: bytes
    headers: dict[str, str]


@dataclass
class Delivery:
    call: WebhookCall
    status: int | None = None
    error: str | None = None
    at: float = field(default_factory=time.time)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class DeliveryLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[Delivery] = []

    def send(self, call: WebhookCall) -> Delivery:
        """Post synchronously; a refused or failing endpoint is recorded, never raised."""
        delivery = Delivery(call)
        try:
            with httpx.Client(trust_env=False, timeout=DELIVERY_TIMEOUT) as client:
                response = client.post(call.url, content=call.body, headers=call.headers)
            delivery.status = response.status_code
        except httpx.HTTPError as exc:
            delivery.error = f"{type(exc).__name__}: {exc}"
        return self._add(delivery)

    async def send_async(self, call: WebhookCall) -> Delivery:
        delivery = Delivery(call)
        try:
            async with httpx.AsyncClient(trust_env=False, timeout=DELIVERY_TIMEOUT) as client:
                response = await client.post(call.url, content=call.body, headers=call.headers)
            delivery.status = response.status_code
        except httpx.HTTPError as exc:
            delivery.error = f"{type(exc).__name__}: {exc}"
        return self._add(delivery)

    def _add(self, delivery: Delivery) -> Delivery:
        with self._lock:
            self._entries.append(delivery)
        return delivery

    def entries(self) -> list[Delivery]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
