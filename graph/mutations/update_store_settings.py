from __future__ import annotations

from decimal import Decimal

import strawberry

from domain import store_setup
from graph.mutations.payloads import StorePayload, payload
from graph.permissions import SecretKey
from graph.types.store import Store


@strawberry.input
class TaxRateInput:
    country: str
    rate: Decimal = strawberry.field(description="A fraction: 0.21 is 21 %.")


@strawberry.input
class ShippingMethodInput:
    id: str
    name: str
    price: Decimal
    countries: list[str] = strawberry.field(
        default_factory=list, description="ISO 3166-1 alpha-2; empty: every country."
    )


@strawberry.input(description="Each field is optional: what is left out stays as it was.")
class StoreSettingsInput:
    allow_invoice_checkout: bool | None = None
    prices_include_tax: bool | None = None
    cart_ttl_seconds: int | None = None
    checkout_ttl_seconds: int | None = None
    tax_rates: list[TaxRateInput] | None = None
    shipping_methods: list[ShippingMethodInput] | None = None
    email_sender: str | None = None
    success_url: str | None = None
    cancel_url: str | None = None

    def to_domain(self) -> store_setup.SettingsInput:
        return store_setup.SettingsInput(
            allow_invoice_checkout=self.allow_invoice_checkout,
            prices_include_tax=self.prices_include_tax,
            cart_ttl_seconds=self.cart_ttl_seconds,
            checkout_ttl_seconds=self.checkout_ttl_seconds,
            tax_rates=None
            if self.tax_rates is None
            else [store_setup.TaxRateInput(t.country, t.rate) for t in self.tax_rates],
            shipping_methods=None
            if self.shipping_methods is None
            else [
                store_setup.ShippingMethodInput(m.id, m.name, m.price, m.countries)
                for m in self.shipping_methods
            ],
            email_sender=self.email_sender,
            success_url=self.success_url,
            cancel_url=self.cancel_url,
        )


@strawberry.mutation(permission_classes=[SecretKey])
async def update_store_settings(info: strawberry.Info, input: StoreSettingsInput) -> StorePayload:
    access = await info.context.require_store(secret=True)
    outcome = await store_setup.update_store_settings(
        info.context.ports, access.store.id, input.to_domain()
    )
    return payload(
        outcome,
        lambda store: StorePayload(store=Store.from_domain(store)),
        lambda errors: StorePayload(errors=errors),
    )
