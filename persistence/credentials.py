"""Provider credentials of each store, sealed in the vault. Only the last four characters
of a key are ever shown. Reads take no write lock: a unit of work may ask for them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from domain.payment import PaymentProvider
from domain.payment_gateway import CredentialStatus, ProviderCredentials
from persistence.database import Database
from persistence.dialect import insert_for
from persistence.tables import provider_credentials
from persistence.vault import Vault


def last4(secret: str | None) -> str | None:
    return secret[-4:] if secret else None


class SqlCredentialVault:
    def __init__(self, database: Database, vault: Vault, now: Callable[[], datetime]) -> None:
        self._database = database
        self._vault = vault
        self._now = now

    async def save(
        self, store_id: str, provider: PaymentProvider, api_key: str, webhook_secret: str | None
    ) -> None:
        values = {
            "store_id": store_id,
            "provider": provider.value,
            "api_key_sealed": self._vault.seal(api_key),
            "webhook_secret_sealed": self._vault.seal(webhook_secret) if webhook_secret else None,
            "api_key_last4": last4(api_key),
            "webhook_secret_last4": last4(webhook_secret),
            "updated_at": self._now(),
        }
        async with self._database.writing() as connection:
            statement = insert_for(connection, provider_credentials).values(**values)
            await connection.execute(
                statement.on_conflict_do_update(
                    index_elements=[
                        provider_credentials.c.store_id,
                        provider_credentials.c.provider,
                    ],
                    set_={k: v for k, v in values.items() if k not in ("store_id", "provider")},
                )
            )

    async def credentials(
        self, store_id: str, provider: PaymentProvider
    ) -> ProviderCredentials | None:
        async with self._database.reading() as connection:
            row = (
                await connection.execute(
                    select(
                        provider_credentials.c.api_key_sealed,
                        provider_credentials.c.webhook_secret_sealed,
                    ).where(
                        provider_credentials.c.store_id == store_id,
                        provider_credentials.c.provider == provider.value,
                    )
                )
            ).first()
        if row is None:
            return None
        secret = row.webhook_secret_sealed
        return ProviderCredentials(
            api_key=self._vault.open(row.api_key_sealed),
            webhook_secret=self._vault.open(secret) if secret else None,
        )

    async def statuses(self, store_id: str) -> list[CredentialStatus]:
        async with self._database.reading() as connection:
            rows = await connection.execute(
                select(
                    provider_credentials.c.provider,
                    provider_credentials.c.api_key_last4,
                    provider_credentials.c.webhook_secret_last4,
                )
                .where(provider_credentials.c.store_id == store_id)
                .order_by(provider_credentials.c.provider)
            )
            return [
                CredentialStatus(
                    PaymentProvider(r.provider), r.api_key_last4, r.webhook_secret_last4
                )
                for r in rows
            ]
