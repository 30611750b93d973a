"""Carrying out what the outbox holds: each message by the deliverer for its kind, retried
with exponential back-off until it goes through. Nothing is dropped because a mail server
is down; nothing is sent for a change that rolled back, since its message was never written."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from domain.events import ORDER_CONFIRMATION_EMAIL, REFUND_PAYMENT
from domain.money import Money
from domain.payment import PaymentProvider
from domain.payment_gateway import PaymentProviderFailed
from domain.ports import DeliveryFailed, Mailer, OutboxJob, OutboxQueue, Ports

# A deliverer carries out a round's jobs of its kind and says how each went, as it goes, so
# that each is marked delivered right after it went out: a crash between a mail and its mark
# sends that one mail again, never the round's.
Outcome = tuple[OutboxJob, DeliveryFailed | None]
Deliverer = Callable[[Sequence[OutboxJob]], AsyncIterator[Outcome]]

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
    for kind, batch in _by_kind(jobs).items():
        deliverer = deliverers.get(kind)
        outcomes = deliverer(batch) if deliverer else _refused(batch, f"no deliverer for {kind!r}")
        async for job, problem in outcomes:
            if problem is None:
                delivered += 1
                await queue.delivered(job.id, ports.clock.now())
            else:
                failed += 1
                retry_at = ports.clock.now() + retry_delay(job.attempts)
                await queue.failed(job.id, retry_at, str(problem))
    return DeliveryReport(delivered, failed)


def _by_kind(jobs: Sequence[OutboxJob]) -> dict[str, list[OutboxJob]]:
    kinds: dict[str, list[OutboxJob]] = {}
    for job in jobs:
        kinds.setdefault(job.kind, []).append(job)
    return kinds


async def _refused(jobs: Sequence[OutboxJob], reason: str) -> AsyncIterator[Outcome]:
    for job in jobs:
        yield job, DeliveryFailed(reason)


def one_at_a_time(deliver_one: Callable[[OutboxJob], Awaitable[None]]) -> Deliverer:
    """A deliverer for jobs that share nothing worth reading once for all of them."""

    async def deliver(jobs: Sequence[OutboxJob]) -> AsyncIterator[Outcome]:
        for job in jobs:
            yield await _attempt(job, deliver_one(job))

    return deliver


async def _attempt(job: OutboxJob, delivery: Awaitable[None]) -> Outcome:
    try:
        await delivery
    except DeliveryFailed as exc:
        return job, exc
    return job, None


def order_confirmation(ports: Ports, mailer: Mailer) -> Deliverer:
    """The round's orders and their stores are read in one unit of work, then mailed."""

    async def deliver(jobs: Sequence[OutboxJob]) -> AsyncIterator[Outcome]:
        async with ports.unit_of_work() as uow:
            orders = await uow.orders.by_ids([job.payload["orderId"] for job in jobs])
            stores = {store_id: await uow.stores.get(store_id) for store_id in _stores_of(jobs)}
        for job in jobs:
            order = orders.get(job.payload["orderId"])
            store = stores[job.store_id]
            if order is None or store is None or order.store_id != job.store_id:
                yield job, DeliveryFailed("the order of this confirmation is gone")
                continue
            yield await _attempt(
                job, mailer.send_order_confirmation(order, store, f"outbox-{job.id}")
            )

    return deliver


def _stores_of(jobs: Sequence[OutboxJob]) -> list[str]:
    return list(dict.fromkeys(job.store_id for job in jobs))


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

    return one_at_a_time(deliver)


def standard_deliverers(ports: Ports, mailer: Mailer) -> dict[str, Deliverer]:
    return {
        ORDER_CONFIRMATION_EMAIL: order_confirmation(ports, mailer),
        REFUND_PAYMENT: payment_refund(ports),
    }
