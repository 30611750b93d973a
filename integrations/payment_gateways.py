"""The payment providers a store has set up, each with the store's own vaulted key."""

from __future__ import annotations

from dataclasses import dataclass

from domain.payment import PaymentProvider
from domain.payment_gateway import CredentialVault, PaymentGateway
from domain.store import Store


@dataclass(frozen=True, slots=True)
class ProviderEndpoints:
    """Where the SDKs are pointed (empty: the providers' real APIs) and how long to wait."""

    stripe_api_base: str
    mollie_api_base: str
    public_base_url: str
    timeout_seconds: float = 10.0


class ProviderGateways:
    def __init__(self, vault: CredentialVault, endpoints: ProviderEndpoints) -> None:
        self._vault = vault
        self._endpoints = endpoints

    async def gateway(self, store: Store, provider: PaymentProvider) -> PaymentGateway | None:
        credentials = await self._vault.credentials(store.id, provider)
        if credentials is None:
            return None
        # Only the module of a provider imports its SDK.
        if provider is PaymentProvider.STRIPE:
            from integrations.stripe_payments import StripeGateway

            return StripeGateway(credentials.api_key, self._endpoints)
        if provider is PaymentProvider.MOLLIE:
            from integrations.mollie_payments import MollieGateway

            webhook_url = (
                f"{self._endpoints.public_base_url.rstrip('/')}/webhooks/mollie/{store.id}"
            )
            return MollieGateway(credentials.api_key, self._endpoints, webhook_url)
        return None
