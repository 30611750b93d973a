"""The demo store `make serve` opens on an empty database: a small optician's shop with
contact lenses that carry a prescription, a shipping method and tax rates, so the whole
checkout runs from GraphiQL at once."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal

from domain import catalog_upkeep, store_setup
from domain.catalog import ProductInput
from domain.errors import Rejected
from domain.line_meta import MetaField, MetaFieldType
from domain.ports import Ports
from domain.store import IssuedKeys
from domain.store_keys import derived_keys, key_hash

DEMO_STORE_ID = "st_demo"
BASE_CURVES = ["8.4", "8.5", "8.6", "8.7", "8.8", "9.0"]

PRODUCTS = [
    ProductInput("LENS-DAILY-30", "Daily contact lenses (30 pack)", Decimal("24.95"), 200),
    ProductInput("LENS-MONTHLY-6", "Monthly contact lenses (6 pack)", Decimal("39.50"), 120),
    ProductInput("SOLUTION-360", "Lens solution 360 ml", Decimal("9.95"), 500),
    ProductInput("CASE-TRAVEL", "Travel lens case", Decimal("4.50"), 300),
    ProductInput("DROPS-10", "Eye drops 10 ml", Decimal("7.25"), 250),
    ProductInput("SUNGLASSES-UV", "UV400 sunglasses", Decimal("59.00"), 5),
    ProductInput("GIFT-CARD", "Gift card", Decimal("25.00"), None),
]

PRESCRIPTION = [
    MetaField("eye", MetaFieldType.ENUM, required=True, options=("LEFT", "RIGHT")),
    MetaField(
        "sphere",
        MetaFieldType.DECIMAL,
        required=True,
        min=Decimal("-20.00"),
        max=Decimal("20.00"),
        step=Decimal("0.25"),
    ),
    MetaField(
        "cylinder",
        MetaFieldType.DECIMAL,
        min=Decimal("-6.00"),
        max=Decimal("0"),
        step=Decimal("0.25"),
    ),
    MetaField(
        "axis",
        MetaFieldType.INTEGER,
        min=Decimal(1),
        max=Decimal(180),
        required_when_set="cylinder",
    ),
    MetaField("baseCurve", MetaFieldType.ENUM, required=True, options_source="base-curves"),
]


@dataclass(frozen=True)
class DemoStore:
    keys: IssuedKeys
    created: bool


async def ensure_demo_store(ports: Ports, seed: bytes) -> DemoStore | None:
    """The demo store with keys made again from `seed`; None when the database holds other
    stores (a real shop's database gets no demo)."""
    public_key, secret_key = derived_keys(seed, DEMO_STORE_ID)
    async with ports.unit_of_work() as uow:
        existing = await uow.stores.demo()
        if existing is None and await uow.stores.exists():
            return None
        if existing is not None:
            # The seed may have changed (a new VAULT_KEY): the printed keys must open the store.
            await uow.stores.set_key_hashes(existing.id, key_hash(public_key), key_hash(secret_key))
            await uow.commit()
            return DemoStore(IssuedKeys(existing.id, public_key, secret_key), created=False)
    issued = await store_setup.create_store(
        ports,
        "Checkout Flow demo optician",
        "EUR",
        allow_invoice_checkout=True,
        keys=(public_key, secret_key),
        store_id=DEMO_STORE_ID,
        is_demo=True,
    )
    assert not isinstance(issued, Rejected)
    store = await _store(ports)
    settings = store_setup.SettingsInput(
        tax_rates=[
            store_setup.TaxRateInput("NL", "0.21"),
            store_setup.TaxRateInput("BE", "0.21"),
            store_setup.TaxRateInput("DE", "0.19"),
        ],
        shipping_methods=[
            store_setup.ShippingMethodInput(
                "standard", "Standard (2-3 days)", "4.95", ["NL", "BE", "DE"]
            ),
            store_setup.ShippingMethodInput("express", "Express (next day)", "9.95", ["NL"]),
        ],
        email_sender="orders@demo-optician.example",
    )
    for outcome in (
        await store_setup.update_store_settings(ports, store.id, settings),
        await catalog_upkeep.upsert_products(ports, store, PRODUCTS),
        await catalog_upkeep.set_option_source(ports, store, "base-curves", BASE_CURVES),
        await catalog_upkeep.define_line_meta(
            ports, store, "LENS-DAILY-30", PRESCRIPTION, "prescription"
        ),
        await catalog_upkeep.define_line_meta(
            ports, store, "LENS-MONTHLY-6", PRESCRIPTION, "prescription"
        ),
    ):
        assert not isinstance(outcome, Rejected), outcome
    return DemoStore(issued, created=True)


async def _store(ports: Ports):  # type: ignore[no-untyped-def]
    async with ports.unit_of_work() as uow:
        store = await uow.stores.get(DEMO_STORE_ID)
    assert store is not None
    return store


def demo_seed(vault_key: str) -> bytes:
    return hashlib.sha256(b"checkout-flow demo store:" + vault_key.encode()).digest()
