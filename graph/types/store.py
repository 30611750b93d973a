from __future__ import annotations

from decimal import Decimal

import strawberry

from domain.store import ShippingMethod as DomainShippingMethod
from domain.store import Store as DomainStore
from graph.permissions import SecretKey
from graph.types.money import Money
from graph.types.provider_credentials import ProviderCredentialStatus


@strawberry.type
class ShippingMethod:
    id: strawberry.ID
    name: str
    price: Money
    countries: list[str] = strawberry.field(
        description="ISO 3166-1 alpha-2 countries served; empty: every country."
    )

    @classmethod
    def from_domain(cls, method: DomainShippingMethod) -> ShippingMethod:
        return cls(
            id=strawberry.ID(method.id),
            name=method.name,
            price=Money.from_domain(method.price),
            countries=list(method.countries),
        )


@strawberry.type
class TaxRate:
    country: str
    rate: Decimal = strawberry.field(description="A fraction: 0.21 is 21 %.")


@strawberry.type
class StoreSettings:
    allow_invoice_checkout: bool
    prices_include_tax: bool
    cart_ttl_seconds: int
    checkout_ttl_seconds: int
    tax_rates: list[TaxRate]
    shipping_methods: list[ShippingMethod]
    email_sender: str | None
    success_url: str | None
    cancel_url: str | None


@strawberry.type
class Store:
    id: strawberry.ID
    name: str
    currency: str
    settings: StoreSettings

    @strawberry.field(
        permission_classes=[SecretKey],
        description="The store's Stripe and Mollie accounts (setProviderCredentials): whether "
        "a key and webhook secret are set, and their last four characters.",
    )
    async def payment_providers(self, info: strawberry.Info) -> list[ProviderCredentialStatus]:
        statuses = await info.context.runtime.vault.statuses(str(self.id))
        return ProviderCredentialStatus.for_every_provider(statuses)

    @classmethod
    def from_domain(cls, store: DomainStore) -> Store:
        s = store.settings
        return cls(
            id=strawberry.ID(store.id),
            name=store.name,
            currency=store.currency,
            settings=StoreSettings(
                allow_invoice_checkout=s.allow_invoice_checkout,
                prices_include_tax=s.prices_include_tax,
                cart_ttl_seconds=s.cart_ttl_seconds,
                checkout_ttl_seconds=s.checkout_ttl_seconds,
                tax_rates=[TaxRate(country=t.country, rate=t.rate) for t in s.tax_rates],
                shipping_methods=[ShippingMethod.from_domain(m) for m in s.shipping_methods],
                email_sender=s.email_sender,
                success_url=s.success_url,
                cancel_url=s.cancel_url,
            ),
        )
