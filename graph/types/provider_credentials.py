from __future__ import annotations

import strawberry

from domain.payment import PaymentProvider
from domain.payment_gateway import CredentialStatus
from graph.types.payment import PaymentProviderEnum

ONLINE_PROVIDERS = (PaymentProvider.STRIPE, PaymentProvider.MOLLIE)


@strawberry.type(
    description="Whether a provider account is connected: never the key or secret itself, "
    "only whether each is set and its last four characters."
)
class ProviderCredentialStatus:
    provider: PaymentProviderEnum  # type: ignore[valid-type]
    api_key_set: bool
    api_key_last4: str | None
    webhook_secret_set: bool
    webhook_secret_last4: str | None

    @classmethod
    def from_domain(
        cls, provider: PaymentProvider, status: CredentialStatus | None
    ) -> ProviderCredentialStatus:
        key = status.api_key_last4 if status else None
        secret = status.webhook_secret_last4 if status else None
        return cls(
            provider=provider,
            api_key_set=key is not None,
            api_key_last4=key,
            webhook_secret_set=secret is not None,
            webhook_secret_last4=secret,
        )

    @classmethod
    def for_every_provider(cls, statuses: list[CredentialStatus]) -> list[ProviderCredentialStatus]:
        """One entry per online provider, set or not, so a dashboard can show both."""
        by_provider = {status.provider: status for status in statuses}
        return [cls.from_domain(p, by_provider.get(p)) for p in ONLINE_PROVIDERS]
