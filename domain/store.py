"""A store: the tenant every cart, checkout and order belongs to, and its settings."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import Enum
from typing import Any

from domain.money import Money

DEFAULT_CART_TTL_SECONDS = 7 * 24 * 3600
DEFAULT_CHECKOUT_TTL_SECONDS = 3600
# Stripe Checkout Sessions live between 30 minutes and 24 hours; a checkout that holds one
# must fit the same window, and nothing else needs a longer one.
MIN_CHECKOUT_TTL_SECONDS = 30 * 60
MAX_CHECKOUT_TTL_SECONDS = 24 * 3600
MAX_CART_TTL_SECONDS = 365 * 24 * 3600


class Access(Enum):
    """What a store key grants: the public key shops from a browser, the secret key administers."""

    PUBLIC = "PUBLIC"
    SECRET = "SECRET"


@dataclass(frozen=True, slots=True)
class ShippingMethod:
    id: str
    name: str
    price: Money
    # ISO 3166-1 alpha-2 codes; empty means every country.
    countries: tuple[str, ...] = ()

    def serves(self, country: str | None) -> bool:
        return not self.countries or country is None or country in self.countries


@dataclass(frozen=True, slots=True)
class TaxRate:
    country: str
    rate: Decimal  # 0.21 for 21 %


@dataclass(frozen=True, slots=True)
class StoreSettings:
    allow_invoice_checkout: bool = False
    prices_include_tax: bool = False
    cart_ttl_seconds: int = DEFAULT_CART_TTL_SECONDS
    checkout_ttl_seconds: int = DEFAULT_CHECKOUT_TTL_SECONDS
    tax_rates: tuple[TaxRate, ...] = ()
    shipping_methods: tuple[ShippingMethod, ...] = ()
    email_sender: str | None = None
    success_url: str | None = None
    cancel_url: str | None = None

    def tax_rate_for(self, country: str | None) -> Decimal:
        for tax in self.tax_rates:
            if tax.country == country:
                return tax.rate
        return Decimal(0)

    def shipping_method(self, method_id: str) -> ShippingMethod | None:
        return next((m for m in self.shipping_methods if m.id == method_id), None)

    def shipping_methods_for(self, country: str | None) -> tuple[ShippingMethod, ...]:
        return tuple(m for m in self.shipping_methods if m.serves(country))

    def changed(self, **changes: Any) -> StoreSettings:
        return replace(self, **changes)


@dataclass(frozen=True, slots=True)
class Store:
    id: str
    name: str
    currency: str
    settings: StoreSettings = field(default_factory=StoreSettings)
    is_demo: bool = False

    def money(self, amount: Decimal) -> Money:
        return Money(amount, self.currency)


@dataclass(frozen=True, slots=True)
class StoreAccess:
    """A store as reached with one of its keys."""

    store: Store
    access: Access

    @property
    def is_secret(self) -> bool:
        return self.access is Access.SECRET


@dataclass(frozen=True, slots=True)
class IssuedKeys:
    """Keys in the clear, shown once when a store is created (only hashes are kept)."""

    store_id: str
    public_key: str
    secret_key: str
