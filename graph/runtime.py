"""The composition root: one Runtime per process holds the database, the ports the domain
uses, the read side and the event bus, built from Settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from domain.payment_gateway import CredentialVault
from domain.ports import Clock, EventBus, Mailer, Ports
from graph.settings import Settings
from integrations.in_process_bus import InProcessBus
from integrations.mail import mailer_from_settings
from integrations.payment_gateways import ProviderEndpoints, ProviderGateways
from persistence.credentials import SqlCredentialVault
from persistence.database import Database
from persistence.readers import Readers
from persistence.store_cache import StoreKeyCache
from persistence.unit_of_work import SqlUnitOfWork
from persistence.vault import Vault


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class Runtime:
    settings: Settings
    database: Database
    readers: Readers
    ports: Ports
    bus: EventBus
    mailer: Mailer
    vault: CredentialVault

    @property
    def clock(self) -> Clock:
        return self.ports.clock

    async def close(self) -> None:
        await self.bus.close()
        await self.database.dispose()


def event_bus_for(url: str) -> EventBus:
    """`CHECKOUT_FLOW_PUBSUB_URL`: empty for one process; `postgresql://…` (or SQLAlchemy's
    `postgresql+psycopg://…`) for LISTEN/NOTIFY; `redis://…` or `rediss://…` for Redis."""
    scheme = url.strip().partition("://")[0].lower()
    if not scheme:
        return InProcessBus()
    if scheme in ("postgresql", "postgres") or scheme.startswith("postgresql+"):
        from persistence.notify_bus import NotifyBus

        return NotifyBus(url.strip())
    if scheme in ("redis", "rediss", "unix"):
        from integrations.redis_bus import RedisBus

        return RedisBus(url.strip())
    raise ValueError(
        f"CHECKOUT_FLOW_PUBSUB_URL: {scheme}:// is neither postgresql:// nor redis:// "
        "(leave it empty for a single process)"
    )


def build_runtime(settings: Settings, clock: Clock | None = None) -> Runtime:
    clock = clock or SystemClock()
    database = Database(settings.database_url, pool_size=settings.database_pool_size)
    store_keys = StoreKeyCache()
    bus = event_bus_for(settings.pubsub_url)
    vault = SqlCredentialVault(
        database,
        Vault(
            settings.vault_key.get_secret_value() if settings.vault_key else None,
            [k.strip() for k in settings.vault_old_keys.get_secret_value().split(",")],
        ),
        clock.now,
    )
    endpoints = ProviderEndpoints(
        stripe_api_base=settings.stripe_api_base,
        mollie_api_base=settings.mollie_api_base,
        public_base_url=settings.public_base_url,
        timeout_seconds=settings.provider_timeout_seconds,
    )
    ports = Ports(
        unit_of_work=lambda: SqlUnitOfWork(database, bus, clock.now, store_keys),
        clock=clock,
        payments=ProviderGateways(vault, endpoints),
    )
    smtp_url = settings.smtp_url.get_secret_value() if settings.smtp_url else None
    mailer = mailer_from_settings(smtp_url, settings.mail_dir, settings.mail_sender)
    return Runtime(settings, database, Readers(database, store_keys), ports, bus, mailer, vault)
