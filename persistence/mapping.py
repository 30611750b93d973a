"""Domain values to and from their stored JSON and minor-unit forms."""

from __future__ import annotations

from dataclasses import fields
from decimal import Decimal
from typing import Any

from domain.customer import Address, Customer
from domain.line_meta import MetaDefinition, MetaField, MetaFieldType
from domain.money import Money
from domain.store import ShippingMethod, StoreSettings, TaxRate
from domain.totals import Totals


def money(minor: int | None, currency: str) -> Money | None:
    return None if minor is None else Money.from_minor(minor, currency)


def minor(amount: Money | None) -> int | None:
    return None if amount is None else amount.minor


def totals_from(row: Any, currency: str) -> Totals:
    return Totals(
        subtotal=Money.from_minor(row.subtotal_minor, currency),
        shipping=Money.from_minor(row.shipping_minor, currency),
        tax=Money.from_minor(row.tax_minor, currency),
        total=Money.from_minor(row.total_minor, currency),
    )


def totals_columns(totals: Totals) -> dict[str, int]:
    return {
        "subtotal_minor": totals.subtotal.minor,
        "shipping_minor": totals.shipping.minor,
        "tax_minor": totals.tax.minor,
        "total_minor": totals.total.minor,
    }


# --- store settings -------------------------------------------------------------------------


def settings_to_json(settings: StoreSettings) -> dict[str, Any]:
    return {
        "allowInvoiceCheckout": settings.allow_invoice_checkout,
        "pricesIncludeTax": settings.prices_include_tax,
        "cartTtlSeconds": settings.cart_ttl_seconds,
        "checkoutTtlSeconds": settings.checkout_ttl_seconds,
        "taxRates": [{"country": t.country, "rate": str(t.rate)} for t in settings.tax_rates],
        "shippingMethods": [
            {
                "id": m.id,
                "name": m.name,
                "priceMinor": m.price.minor,
                "countries": list(m.countries),
            }
            for m in settings.shipping_methods
        ],
        "emailSender": settings.email_sender,
        "successUrl": settings.success_url,
        "cancelUrl": settings.cancel_url,
    }


def settings_from_json(data: dict[str, Any], currency: str) -> StoreSettings:
    defaults = StoreSettings()
    return StoreSettings(
        allow_invoice_checkout=data.get("allowInvoiceCheckout", defaults.allow_invoice_checkout),
        prices_include_tax=data.get("pricesIncludeTax", defaults.prices_include_tax),
        cart_ttl_seconds=data.get("cartTtlSeconds", defaults.cart_ttl_seconds),
        checkout_ttl_seconds=data.get("checkoutTtlSeconds", defaults.checkout_ttl_seconds),
        tax_rates=tuple(
            TaxRate(t["country"], Decimal(t["rate"])) for t in data.get("taxRates", [])
        ),
        shipping_methods=tuple(
            ShippingMethod(
                m["id"],
                m["name"],
                Money.from_minor(m["priceMinor"], currency),
                tuple(m.get("countries", [])),
            )
            for m in data.get("shippingMethods", [])
        ),
        email_sender=data.get("emailSender"),
        success_url=data.get("successUrl"),
        cancel_url=data.get("cancelUrl"),
    )


# --- customers ------------------------------------------------------------------------------


ADDRESS_FIELDS = tuple(field.name for field in fields(Address))


def customer_to_json(customer: Customer | None) -> dict[str, Any] | None:
    # What dataclasses.asdict would give, without its deep copy: it is written at every save.
    if customer is None:
        return None

    def address(value: Address | None) -> dict[str, Any] | None:
        return None if value is None else {name: getattr(value, name) for name in ADDRESS_FIELDS}

    return {
        "email": customer.email,
        "name": customer.name,
        "phone": customer.phone,
        "account_id": customer.account_id,
        "shipping_address": address(customer.shipping_address),
        "billing_address": address(customer.billing_address),
    }


def customer_from_json(data: dict[str, Any] | None) -> Customer | None:
    if data is None:
        return None

    def address(value: dict[str, Any] | None) -> Address | None:
        return None if value is None else Address(**value)

    return Customer(
        email=data["email"],
        name=data.get("name"),
        phone=data.get("phone"),
        account_id=data.get("account_id"),
        shipping_address=address(data.get("shipping_address")),
        billing_address=address(data.get("billing_address")),
    )


# --- line meta definitions ------------------------------------------------------------------


def definition_to_json(definition: MetaDefinition | None) -> dict[str, Any] | None:
    if definition is None:
        return None

    def number(value: Decimal | None) -> str | None:
        return None if value is None else str(value)

    return {
        "key": definition.key,
        "fields": [
            {
                "name": f.name,
                "type": f.type.value,
                "required": f.required,
                "min": number(f.min),
                "max": number(f.max),
                "step": number(f.step),
                "pattern": f.pattern,
                "options": list(f.options) if f.options is not None else None,
                "optionsSource": f.options_source,
                "requiredWhenSet": f.required_when_set,
            }
            for f in definition.fields
        ],
    }


def definition_from_json(data: dict[str, Any] | None) -> MetaDefinition | None:
    if data is None:
        return None

    def number(value: str | None) -> Decimal | None:
        return None if value is None else Decimal(value)

    return MetaDefinition(
        key=data["key"],
        fields=tuple(
            MetaField(
                name=f["name"],
                type=MetaFieldType(f["type"]),
                required=f["required"],
                min=number(f["min"]),
                max=number(f["max"]),
                step=number(f["step"]),
                pattern=f["pattern"],
                options=tuple(f["options"]) if f["options"] is not None else None,
                options_source=f["optionsSource"],
                required_when_set=f["requiredWhenSet"],
            )
            for f in data["fields"]
        ),
    )
