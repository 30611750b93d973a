"""Fault injection and the request log, shared by the Stripe and Mollie fakes."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Fault", "FaultPlan", "LoggedRequest", "RequestLog"]

# A hang checks this often whether the server is shutting down, so stopping never waits long.
_HANG_TICK = 0.05


@dataclass
class Fault:
    kind: Literal["fail", "hang"]
    remaining: int
    path_prefix: str = ""
    status: int = 500
    seconds: float = 0.0

    def matches(self, path: str) -> bool:
        return self.remaining > 0 and path.startswith(self.path_prefix)


class FaultPlan:
    """Faults armed by a test, consumed by the next matching provider API requests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._closing = threading.Event()
        # Bumped by clear(): a request still hanging from an earlier test must not run later.
        self._epoch = 0

    def fail_next(self, count: int = 1, *, path_prefix: str = "", status: int = 500) -> None:
        with self._lock:
            self._faults.append(Fault("fail", count, path_prefix, status=status))

    def hang_next(self, count: int = 1, *, seconds: float, path_prefix: str = "") -> None:
        with self._lock:
            self._faults.append(Fault("hang", count, path_prefix, seconds=seconds))

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self._epoch += 1

    def close(self) -> None:
        """Wake every hanging request: the server is going away."""
        self._closing.set()

    def take(self, path: str) -> list[Fault]:
        """The faults this request meets: at most one hang, then at most one failure."""
        taken: list[Fault] = []
        with self._lock:
            for kind in ("hang", "fail"):
                fault = next((f for f in self._faults if f.kind == kind and f.matches(path)), None)
                if fault is not None:
                    fault.remaining -= 1
                    taken.append(fault)
            self._faults = [f for f in self._faults if f.remaining > 0]
        return taken

    async def hang(self, seconds: float) -> bool:
        """Wait; False when a reset or shutdown cut the wait short, and the request must not run."""
        epoch = self._epoch
        deadline = time.monotonic() + seconds
        # Polled, not awaited on an asyncio.Event: reset and close come from the test's thread.
        while (left := deadline - time.monotonic()) > 0:
            if self._closing.is_set() or self._epoch != epoch:
                return False
            await asyncio.sleep(min(_HANG_TICK, left))
        return True


@dataclass
class LoggedRequest:
    method: str
    path: str
    query: dict[str, Any]
    params: dict[str, Any]
    idempotency_key: str | None
    api_key_last4: str | None
    at: float = field(default_factory=time.time)
    status: int | None = None
    fault: str | None = None


class RequestLog:
    """Every provider API request, as the fake understood it; API keys only by their last 4."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[LoggedRequest] = []

    def add(self, entry: LoggedRequest) -> LoggedRequest:
        with self._lock:
            self._entries.append(entry)
        return entry

    def entries(self, *, method: str | None = None, path_prefix: str = "") -> list[LoggedRequest]:
        with self._lock:
            return [
                e
                for e in self._entries
                if (method is None or e.method == method.upper()) and e.path.startswith(path_prefix)
            ]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    @staticmethod
    def last4(api_key: str | None) -> str | None:
        return api_key[-4:] if api_key else None
