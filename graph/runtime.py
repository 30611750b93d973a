"""The composition root: one Runtime per process holds the database, the ports the domain
uses, the read side and the event bus, built from Settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from domain.ports import Clock, Mailer, Ports
from graph.settings import Settings
from integrations.in_process_bus import InProcessBus
from integrations.mail import mailer_from_settings
from persistence.database import Database
from persistence.readers import Readers
from persistence.unit_of_work import SqlUnitOfWork


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class Runtime:
    settings: Settings
    database: Database
    readers: Readers
    ports: Ports
    bus: InProcessBus
    mailer: Mailer

    @property
    def clock(self) -> Clock:
        return self.ports.clock

    async def close(self) -> None:
        await self.bus.close()
        await self.database.dispose()


def build_runtime(settings: Settings, clock: Clock | None = None) -> Runtime:
    clock = clock or SystemClock()
    database = Database(settings.database_url, pool_size=settings.database_pool_size)
    bus = InProcessBus()
    ports = Ports(
        unit_of_work=lambda: SqlUnitOfWork(database, bus, clock.now),
        clock=clock,
    )
    smtp_url = settings.smtp_url.get_secret_value() if settings.smtp_url else None
    mailer = mailer_from_settings(smtp_url, settings.mail_dir, settings.mail_sender)
    return Runtime(settings, database, Readers(database), ports, bus, mailer)
