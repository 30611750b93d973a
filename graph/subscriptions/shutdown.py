"""Subscriptions end with their protocol's `complete` when the process is told to stop.

uvicorn closes every open WebSocket (code 1012) the moment it begins to shut down, before the
app hears of it through the lifespan. So the app steps in front of the server's SIGTERM and
SIGINT handlers: it first ends every subscription through the hub, so that each client gets
`complete` (and may subscribe again, at another process), then hands the signal on. The
server then stops accepting, lets in-flight requests finish and runs the lifespan's shutdown.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from graph.event_hub import EventHub

SIGNALS = (signal.SIGTERM, signal.SIGINT)
# How long the subscriptions get to end before the server's shutdown goes on regardless.
GRACE_SECONDS = 5.0
# The `complete` messages are queued once the subscriptions let go; a moment lets them leave.
FLUSH_SECONDS = 0.1


def end_subscriptions_first(hub: EventHub) -> Callable[[], None]:
    """Installs the handlers; returns what puts back the ones before."""
    # Signals reach only the main thread; a server run in another (as in tests) has none.
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    loop = asyncio.get_running_loop()
    before: dict[int, Any] = {signum: signal.getsignal(signum) for signum in SIGNALS}
    signalled: list[asyncio.Task[None]] = []

    def hand_on(signum: int, frame: FrameType | None) -> None:
        handler = before[signum]
        if callable(handler):
            handler(signum, frame)
        elif handler != signal.SIG_IGN:
            signal.signal(signum, handler)
            signal.raise_signal(signum)

    async def end_then_hand_on(signum: int, frame: FrameType | None) -> None:
        try:
            await hub.end_subscriptions(within=GRACE_SECONDS)
            await asyncio.sleep(FLUSH_SECONDS)
        finally:
            hand_on(signum, frame)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if signalled:
            hand_on(signum, frame)  # asked twice: no more waiting
            return
        signalled.append(loop.create_task(end_then_hand_on(signum, frame)))

    def threadsafe(signum: int, frame: FrameType | None) -> None:
        # Python runs signal handlers between bytecodes of the main thread, possibly inside
        # the event loop's own code; the loop is only touched from a callback it schedules.
        loop.call_soon_threadsafe(on_signal, signum, frame)

    for signum in SIGNALS:
        signal.signal(signum, threadsafe)

    def restore() -> None:
        for signum, handler in before.items():
            if signal.getsignal(signum) is threadsafe:
                signal.signal(signum, handler)

    return restore
