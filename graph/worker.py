"""The worker: delivers the outbox and expires what ran out of time, in a loop. It runs
inside every `serve` process and as `checkout-flow worker`; several at once are safe, since
each claim skips rows another worker holds."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from datetime import timedelta

import structlog

from domain import expiry, outbox_delivery
from graph.runtime import Runtime, build_runtime
from graph.settings import Settings
from persistence.outbox import SqlOutboxQueue

log = structlog.get_logger("checkout_flow.worker")


class Worker:
    def __init__(
        self,
        runtime: Runtime,
        *,
        interval: float = 1.0,
        lease: timedelta = timedelta(minutes=2),
    ) -> None:
        self.runtime = runtime
        self.interval = interval
        self.lease = lease
        self.queue = SqlOutboxQueue(runtime.database)
        self.deliverers = outbox_delivery.standard_deliverers(runtime.ports, runtime.mailer)
        self._stop = asyncio.Event()

    async def run_once(self) -> tuple[outbox_delivery.DeliveryReport, expiry.ExpiryReport]:
        delivered = await outbox_delivery.deliver_due(
            self.runtime.ports, self.queue, self.deliverers, lease=self.lease
        )
        expired = await expiry.expire_due(self.runtime.ports)
        return delivered, expired

    async def run(self) -> None:
        """Until `stop()`: a round, then a pause. A round that fails is logged and retried;
        the worker never dies of a passing database or mail problem."""
        while not self._stop.is_set():
            try:
                delivered, expired = await self.run_once()
                if delivered.delivered or delivered.failed or expired.checkouts or expired.carts:
                    log.info(
                        "worker round",
                        delivered=delivered.delivered,
                        failed=delivered.failed,
                        expired_checkouts=expired.checkouts,
                        expired_carts=expired.carts,
                    )
            except Exception:
                log.exception("worker round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.interval)

    def stop(self) -> None:
        self._stop.set()


async def run_worker_process(settings: Settings) -> None:
    """`checkout-flow worker`: the worker alone, until SIGTERM or SIGINT."""
    from graph.logs import configure_logging

    configure_logging(settings.logs_as, settings.log_level)
    runtime = build_runtime(settings)
    worker = Worker(
        runtime,
        interval=settings.worker_interval_seconds,
        lease=timedelta(seconds=settings.outbox_lease_seconds),
    )
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, worker.stop)
    try:
        await worker.run()
    finally:
        await runtime.close()
