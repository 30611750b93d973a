"""Opening a store and keeping its settings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from domain.customer import is_country
from domain.errors import ErrorCode, Outcome, Problem, Rejected, path
from domain.money import Money, is_amount, is_currency, parse_decimal
from domain.ports import Ports
from domain.store import (
    MAX_CART_TTL_SECONDS,
    MAX_CHECKOUT_TTL_SECONDS,
    MIN_CHECKOUT_TTL_SECONDS,
    IssuedKeys,
    ShippingMethod,
    Store,
    StoreSettings,
    TaxRate,
)
from domain.store_keys import key_hash, new_public_key, new_secret_key, new_store_id

MAX_STORE_NAME = 100
MAX_SHIPPING_METHODS = 50
MAX_URL = 2000


async def create_store(
    ports: Ports,
    name: str,
    currency: str,
    *,
    allow_invoice_checkout: bool = False,
    keys: tuple[str, str] | None = None,
    store_id: str | None = None,
    is_demo: bool = False,
) -> Outcome[IssuedKeys]:
    name = name.strip()
    if not name or len(name) > MAX_STORE_NAME:
        message = f"name must be 1-{MAX_STORE_NAME} characters"
        return Rejected.of(ErrorCode.INVALID, message, path("name"))
    if not is_currency(currency):
        message = "currency must be an ISO 4217 code with a minor unit, like EUR"
        return Rejected.of(ErrorCode.INVALID, message, path("currency"))
    store = Store(
        id=store_id or new_store_id(),
        name=name,
        currency=currency,
        settings=StoreSettings(allow_invoice_checkout=allow_invoice_checkout),
        is_demo=is_demo,
    )
    public_key, secret_key = keys or (new_public_key(), new_secret_key())
    async with ports.unit_of_work() as uow:
        await uow.stores.add(store, key_hash(public_key), key_hash(secret_key))
        await uow.commit()
    return IssuedKeys(store.id, public_key, secret_key)


@dataclass(frozen=True, slots=True)
class ShippingMethodInput:
    id: str
    name: str
    price: Decimal | str
    countries: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class TaxRateInput:
    country: str
    rate: Decimal | str


@dataclass(frozen=True, slots=True)
class SettingsInput:
    """Each field None means: leave it as it is."""

    allow_invoice_checkout: bool | None = None
    prices_include_tax: bool | None = None
    cart_ttl_seconds: int | None = None
    checkout_ttl_seconds: int | None = None
    tax_rates: Sequence[TaxRateInput] | None = None
    shipping_methods: Sequence[ShippingMethodInput] | None = None
    email_sender: str | None = None
    success_url: str | None = None
    cancel_url: str | None = None


async def update_store_settings(
    ports: Ports, store_id: str, changes: SettingsInput
) -> Outcome[Store]:
    async with ports.unit_of_work() as uow:
        store = await uow.stores.get(store_id)
        if store is None:
            return Rejected.of(ErrorCode.NOT_FOUND, "store not found")
        settings, problems = _changed_settings(store, changes)
        if problems:
            return Rejected.all(problems)
        updated = Store(store.id, store.name, store.currency, settings, store.is_demo)
        await uow.stores.save_settings(updated)
        await uow.commit()
    return updated


def _changed_settings(store: Store, changes: SettingsInput) -> tuple[StoreSettings, list[Problem]]:
    problems: list[Problem] = []
    values: dict[str, object] = {}

    def invalid(message: str, *at: str | int) -> None:
        problems.append(Problem(ErrorCode.INVALID, message, path("input", *at)))

    for flag in ("allow_invoice_checkout", "prices_include_tax"):
        if getattr(changes, flag) is not None:
            values[flag] = getattr(changes, flag)
    if changes.cart_ttl_seconds is not None:
        if not 60 <= changes.cart_ttl_seconds <= MAX_CART_TTL_SECONDS:
            invalid("cartTtlSeconds must be between 60 and one year", "cartTtlSeconds")
        values["cart_ttl_seconds"] = changes.cart_ttl_seconds
    if changes.checkout_ttl_seconds is not None:
        if not MIN_CHECKOUT_TTL_SECONDS <= changes.checkout_ttl_seconds <= MAX_CHECKOUT_TTL_SECONDS:
            invalid(
                "checkoutTtlSeconds must be between 1800 (30 minutes) and 86400 (24 hours)",
                "checkoutTtlSeconds",
            )
        values["checkout_ttl_seconds"] = changes.checkout_ttl_seconds
    if changes.tax_rates is not None:
        values["tax_rates"] = _tax_rates(changes.tax_rates, problems)
    if changes.shipping_methods is not None:
        values["shipping_methods"] = _shipping_methods(store, changes.shipping_methods, problems)
    if changes.email_sender is not None:
        sender = changes.email_sender.strip()
        if sender and ("@" not in sender or len(sender) > 200 or "\n" in sender):
            invalid("emailSender must be an email address", "emailSender")
        values["email_sender"] = sender or None
    for url_field, name in (("success_url", "successUrl"), ("cancel_url", "cancelUrl")):
        url = getattr(changes, url_field)
        if url is None:
            continue
        url = url.strip()
        if url and (not url.startswith(("https://", "http://")) or len(url) > MAX_URL):
            invalid(f"{name} must be an http(s) URL", name)
        values[url_field] = url or None
    return store.settings.changed(**values), problems


def _tax_rates(rates: Sequence[TaxRateInput], problems: list[Problem]) -> tuple[TaxRate, ...]:
    result: list[TaxRate] = []
    seen: set[str] = set()
    for index, item in enumerate(rates):
        at = ("input", "taxRates", index)
        country = item.country.strip().upper()
        if not is_country(country):
            message = "country must be an ISO 3166-1 alpha-2 code"
            problems.append(Problem(ErrorCode.INVALID, message, path(*at, "country")))
        elif country in seen:
            message = "a country may have one rate"
            problems.append(Problem(ErrorCode.INVALID, message, path(*at, "country")))
        seen.add(country)
        rate = parse_decimal(item.rate)
        if rate is None or not 0 <= rate < 1:
            message = "rate must be a fraction from 0 up to 1, like 0.21 for 21 %"
            problems.append(Problem(ErrorCode.INVALID, message, path(*at, "rate")))
        else:
            result.append(TaxRate(country, rate))
    return tuple(result)


def _shipping_methods(
    store: Store, methods: Sequence[ShippingMethodInput], problems: list[Problem]
) -> tuple[ShippingMethod, ...]:
    if len(methods) > MAX_SHIPPING_METHODS:
        message = f"at most {MAX_SHIPPING_METHODS} shipping methods"
        problems.append(
            Problem(ErrorCode.LIMIT_EXCEEDED, message, path("input", "shippingMethods"))
        )
        return ()
    result: list[ShippingMethod] = []
    ids: set[str] = set()
    for index, item in enumerate(methods):
        at = ("input", "shippingMethods", index)
        before = len(problems)
        method_id = item.id.strip()
        if not method_id or len(method_id) > 64 or method_id in ids:
            message = "id must be 1-64 characters and unique"
            problems.append(Problem(ErrorCode.INVALID, message, path(*at, "id")))
        ids.add(method_id)
        name = item.name.strip()
        if not name or len(name) > 100:
            problems.append(
                Problem(ErrorCode.INVALID, "name must be 1-100 characters", path(*at, "name"))
            )
        price = parse_decimal(item.price)
        if price is None or not is_amount(price, store.currency):
            message = f"price must be a non-negative amount in {store.currency}"
            problems.append(Problem(ErrorCode.INVALID, message, path(*at, "price")))
        countries = tuple(country.strip().upper() for country in item.countries)
        for position, country in enumerate(countries):
            if not is_country(country):
                message = "countries must be ISO 3166-1 alpha-2 codes"
                problems.append(
                    Problem(ErrorCode.INVALID, message, path(*at, "countries", position))
                )
        if len(problems) == before and price is not None:
            result.append(ShippingMethod(method_id, name, Money(price, store.currency), countries))
    return tuple(result)
