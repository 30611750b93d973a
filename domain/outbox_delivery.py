"""Carrying out what the outbox holds: each message by the deliverer for its kind, retried
with exponential back-off until it goes through. Nothing is dropped because a mail server
is down; nothing is sent for a change that rolled back, since its message was never written."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from domain.events import ORDER_CONFIRMATION_EMAIL, REFUND_PAYMENT
from domain.money import Money
from domain.payment import PaymentProvider
from domain.payment_gateway import PaymentProviderFailed
from domain.ports import DeliveryFailed, Mailer, OutboxJob, OutboxQueue, Ports

Deliverer = Callable[[OutboxJob], Awaitable[None]]

FIRST_RETRY_SECONDS = 5
LONGEST_RETRY_SECONDS = 3600


def retry_delay(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s … up to an hour between tries."""
    seconds = FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, LONGEST_RETRY_SECONDS))


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    delivered: int
    failed: int


async def deliver_due(
    ports: Ports,
    queue: OutboxQueue,
    deliverers: Mapping[str, Deliverer],
    *,
    lease: timedelta,
    limit: int = 20,
) -> DeliveryReport:
    jobs = await queue.claim(ports.clock.now(), lease, limit)
    delivered = failed = 0
    for job in jobs:
        deliverer = deliverers.get(job.kind)
        try:
            if deliverer is None:
                raise DeliveryFailed(f"no deliverer for {job.kind!r}")
            await deliverer(job)
        except DeliveryFailed as exc:
            failed += 1
            await queue.failed(job.id, ports.clock.now() + retry_delay(job.attempts), str(exc))
            continue
        delivered += 1
        await queue.delivered(job.id, ports.clock.now())
    return DeliveryReport(delivered, failed)


def order_confirmation(ports: Ports, mailer: Mailer) -> Deliverer:
    async def deliver(job: OutboxJob) -> None:
        async with ports.unit_of_work() as uow:
            order = await uow.orders.get(job.store_id, job.payload["orderId"])
            store = await uow.stores.get(job.store_id)
        if order is None or store is None:
            raise DeliveryFailed("the order of this confirmation is gone")
        await mailer.send_order_confirmation(order, store, f"outbox-{job.id}")

    return deliver


def payment_refund(ports: Ports) -> Deliverer:
    async def deliver(job: OutboxJob) -> None:
        from domain.payment_updates import apply_payment_update

        async with ports.unit_of_work() as uow:
            store = await uow.stores.get(job.store_id)
        if store is None:
            raise DeliveryFailed("the store of this refund is gone")
        provider = PaymentProvider(job.payload["provider"])
        gateway = await ports.payments.gateway(store, provider)
        if gateway is None:
            raise DeliveryFailed(f"the store has no {provider.value} credentials to refund with")
        amount = Money.from_minor(job.payload["amountMinor"], job.payload["currency"])
        try:
            after = await gateway.refund(
                job.payload["externalId"], amount, idempotency_key=f"cf-refund-{job.id}"
            )
        except PaymentProviderFailed as exc:
            raise DeliveryFailed(str(exc)) from exc
        await apply_payment_update(ports, store.id, after)

    return deliver


def standard_deliverers(ports: Ports, mailer: Mailer) -> dict[str, Deliverer]:
    return {
        ORDER_CONFIRMATION_EMAIL: order_confirmation(ports, mailer),
        REFUND_PAYMENT: payment_refund(ports),
    }
