"""Two stores for the security tests: A, the victim, with a catalog, a cart, checkouts in every
state that matters, orders paid by invoice and through Stripe and payments open at both
providers; and B, the attacker, with a store, provider accounts and a checkout of its own.

Everything is made through the public API, as a shop and its shoppers would make it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

import httpx

from domain.store import IssuedKeys
from tests.fakes.mollie_fake import MollieFake
from tests.fakes.stripe_fake import StripeFake
from tests.secrets_registry import register
from tests.support import Api, open_store

ERRORS = "errors { code field message }"
SETTINGS = f"""mutation($input: StoreSettingsInput!) {{ updateStoreSettings(input: $input) {{ {ERRORS} }} }}"""
UPSERT = (
    f"""mutation($input: [ProductInput!]!) {{ upsertProducts(input: $input) {{ {ERRORS} }} }}"""
)
DEFINE = f"""mutation($sku: String!, $fields: [MetaFieldInput!]!, $key: String) {{ defineLineMeta(sku: $sku, fields: $fields, key: $key) {{ {ERRORS} }} }}"""
OPTIONS = f"""mutation($key: String!, $values: [String!]!) {{ setOptionSource(key: $key, values: $values) {{ {ERRORS} }} }}"""
CREDENTIALS = f"""mutation($provider: PaymentProvider!, $apiKey: String!, $webhookSecret: String) {{ setProviderCredentials(provider: $provider, apiKey: $apiKey, webhookSecret: $webhookSecret) {{ {ERRORS} }} }}"""
CREATE_CART = f"""mutation($lines: [CartLineInput!]!) {{ createCart(lines: $lines) {{ cart {{ id }} {ERRORS} }} }}"""
INITIATE = f"""mutation($cartId: ID!) {{ initiateCheckout(cartId: $cartId) {{ checkout {{ token }} {ERRORS} }} }}"""
SET_CUSTOMER = f"""mutation($token: ID!, $input: CustomerInput!) {{ setCustomer(token: $token, input: $input) {{ {ERRORS} }} }}"""
SET_LINE_META = f"""mutation($token: ID!, $sku: String!, $meta: JSON!) {{ setLineMeta(token: $token, productSku: $sku, meta: $meta) {{ {ERRORS} }} }}"""
CREATE_PAYMENT = f"""mutation($token: ID!, $input: PaymentInput!) {{ createPayment(token: $token, input: $input) {{ checkout {{ payment {{ externalId }} }} {ERRORS} }} }}"""
COMPLETE = f"""mutation($token: ID!) {{ completeCheckout(token: $token) {{ order {{ id number }} {ERRORS} }} }}"""
CHECKOUT_ORDER = """query($token: ID!) { checkout(token: $token) { status order { id number } } }"""

PRESCRIPTION = [
    {"name": "eye", "type": "ENUM", "required": True, "options": ["LEFT", "RIGHT"]},
    {"name": "tint", "type": "ENUM", "optionsSource": "victim-tints"},
]
SHIPPING = {
    "allowInvoiceCheckout": True,
    "taxRates": [{"country": "NL", "rate": "0.21"}],
    "shippingMethods": [{"id": "standard", "name": "Standard", "price": "4.95"}],
}


def customer(email: str) -> dict[str, Any]:
    return {
        "email": email,
        "name": "Ada",
        "shippingMethodId": "standard",
        "shippingAddress": {
            "line1": "Damrak 1",
            "city": "Amsterdam",
            "postalCode": "1012 LG",
            "country": "NL",
        },
    }


@dataclass
class Store:
    keys: IssuedKeys
    stripe_key: str
    stripe_secret: str
    mollie_key: str
    skus: list[str] = field(default_factory=list)
    cart_id: str = ""  # an active cart without a checkout
    token: str = ""  # an active checkout with its customer set
    done_token: str = ""  # a checkout completed by invoice
    order_id: str = ""  # its order
    paid_order_id: str = ""  # an order paid through Stripe
    paid_session: str = ""  # its Checkout Session (cs_…)
    open_session: str = ""  # a Stripe session open, paid at Stripe, not yet told to us
    open_session_token: str = ""
    mollie_payment: str = ""  # a Mollie payment open, paid at Mollie, not yet told to us
    mollie_token: str = ""

    @property
    def id(self) -> str:
        return self.keys.store_id

    @property
    def public(self) -> dict[str, str]:
        return {"X-Store-Key": self.keys.public_key}

    @property
    def secret(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys.secret_key}"}


@dataclass
class World:
    api: Api
    stripe: StripeFake
    mollie: MollieFake
    victim: Store
    attacker: Store
    # Values of the victim's that no answer to the attacker may hold (unless sent in the request).
    markers: list[str] = field(default_factory=list)

    @property
    def client(self) -> httpx.AsyncClient:
        return self.api.client

    def leaked(self, answer: str, sent: str) -> list[str]:
        return [marker for marker in self.markers if marker in answer and marker not in sent]


async def ask(
    api: Api, document: str, variables: dict[str, Any], headers: dict[str, str]
) -> dict[str, Any]:
    """The one root field's value of an answer that must have no top-level errors."""
    response = await api.post(document, variables, headers=headers)
    answer = response.json()
    assert response.status_code == 200, answer
    assert "errors" not in answer, answer
    return next(iter(answer["data"].values()))  # type: ignore[no-any-return]


async def ok(api: Api, document: str, variables: dict[str, Any], headers: dict[str, str]) -> Any:
    value = await ask(api, document, variables, headers)
    assert not value.get("errors"), value
    return value


async def checkout_of(api: Api, store: Store, sku: str, email: str) -> str:
    cart = await ok(api, CREATE_CART, {"lines": [{"sku": sku, "quantity": 1}]}, store.public)
    started = await ok(api, INITIATE, {"cartId": cart["cart"]["id"]}, store.public)
    token: str = started["checkout"]["token"]
    await ok(api, SET_CUSTOMER, {"token": token, "input": customer(email)}, store.public)
    return token


async def furnish(api: Api, store: Store, prefix: str, stripe: StripeFake) -> None:
    """Settings, catalog, meta definition, option list and both providers."""
    await ok(api, SETTINGS, {"input": SHIPPING}, store.secret)
    products = [
        {
            "sku": f"{prefix}-LENS",
            "name": f"{prefix.title()} lenses",
            "price": "24.95",
            "stock": 50,
        },
        {"sku": f"{prefix}-CASE", "name": f"{prefix.title()} case", "price": "4.50", "stock": 50},
    ]
    await ok(api, UPSERT, {"input": products}, store.secret)
    store.skus = [p["sku"] for p in products]
    tints = {"key": f"{prefix.lower()}-tints", "values": [f"{prefix.lower()}-amber"]}
    await ok(api, OPTIONS, tints, store.secret)
    key = f"{prefix.lower()}-prescription"
    fields = [
        {**f, "optionsSource": f"{prefix.lower()}-tints"} if "optionsSource" in f else f
        for f in PRESCRIPTION
    ]
    await ok(api, DEFINE, {"sku": store.skus[0], "fields": fields, "key": key}, store.secret)
    for provider, api_key, secret in (
        ("STRIPE", store.stripe_key, store.stripe_secret),
        ("MOLLIE", store.mollie_key, None),
    ):
        variables = {"provider": provider, "apiKey": api_key, "webhookSecret": secret}
        await ok(api, CREDENTIALS, variables, store.secret)


async def post_stripe_events(api: Api, store: Store, stripe: StripeFake, events: list[Any]) -> None:
    for event in events:
        signed = stripe.sign(event, store.stripe_secret)
        response = await api.client.post(
            f"/webhooks/stripe/{store.id}", content=signed.payload, headers=signed.headers
        )
        assert response.status_code < 300, response.text


async def build_world(
    api: Api, stripe: StripeFake, mollie: MollieFake, attacker_keys: IssuedKeys | None = None
) -> World:
    """Over `api`, whose keys are the victim's; the attacker's store is opened through the
    api's runtime unless its keys are given."""
    assert api.keys is not None
    victim = Store(api.keys, *provider_keys())
    attacker = Store(
        attacker_keys or await open_store(api.runtime, "Attacker shop"), *provider_keys()
    )
    await furnish(api, victim, "VICTIM", stripe)
    await furnish(api, attacker, "ATTACKER", stripe)
    lens, case = victim.skus

    cart = await ok(api, CREATE_CART, {"lines": [{"sku": case, "quantity": 2}]}, victim.public)
    victim.cart_id = cart["cart"]["id"]
    victim.token = await checkout_of(api, victim, lens, "victim@example.com")
    await ok(
        api,
        SET_LINE_META,
        {"token": victim.token, "sku": lens, "meta": {"eye": "LEFT", "tint": "victim-amber"}},
        victim.public,
    )

    victim.done_token = await checkout_of(api, victim, case, "victim@example.com")
    invoice = {"token": victim.done_token, "input": {"provider": "INVOICE"}}
    await ok(api, CREATE_PAYMENT, invoice, victim.public)
    victim.order_id = (await ok(api, COMPLETE, {"token": victim.done_token}, victim.public))[
        "order"
    ]["id"]

    paid_token = await checkout_of(api, victim, case, "victim@example.com")
    victim.paid_session = await open_payment(api, victim, paid_token, "STRIPE")
    await post_stripe_events(
        api, victim, stripe, stripe.complete_checkout_session(victim.paid_session)
    )
    paid = await ask(api, CHECKOUT_ORDER, {"token": paid_token}, victim.public)
    assert paid["status"] == "COMPLETED", paid
    victim.paid_order_id = paid["order"]["id"]

    # Paid at the providers, but neither has told us yet: a webhook acted on would complete them.
    victim.open_session_token = await checkout_of(api, victim, case, "victim@example.com")
    victim.open_session = await open_payment(api, victim, victim.open_session_token, "STRIPE")
    victim.mollie_token = await checkout_of(api, victim, case, "victim@example.com")
    victim.mollie_payment = await open_payment(api, victim, victim.mollie_token, "MOLLIE")
    mollie.pay(victim.mollie_payment)

    attacker.token = await checkout_of(api, attacker, attacker.skus[1], "mallory@example.net")
    attacker.done_token = await checkout_of(api, attacker, attacker.skus[1], "mallory@example.net")
    invoice = {"token": attacker.done_token, "input": {"provider": "INVOICE"}}
    await ok(api, CREATE_PAYMENT, invoice, attacker.public)
    attacker.order_id = (await ok(api, COMPLETE, {"token": attacker.done_token}, {}))["order"]["id"]

    markers = [
        victim.id,
        victim.keys.public_key,
        victim.keys.secret_key,
        victim.cart_id,
        victim.token,
        victim.done_token,
        victim.order_id,
        victim.paid_order_id,
        victim.paid_session,
        victim.open_session,
        victim.open_session_token,
        victim.mollie_payment,
        victim.mollie_token,
        victim.stripe_key,
        victim.stripe_secret,
        victim.mollie_key,
        "victim@example.com",
        "Victim lenses",
        "Victim case",
        "victim-prescription",
        "victim-amber",
    ]
    return World(api, stripe, mollie, victim, attacker, markers)


def provider_keys() -> tuple[str, str, str]:
    keys = (
        "sk_test_" + secrets.token_hex(12),
        "whsec_" + secrets.token_hex(16),
        "test_" + secrets.token_hex(15),
    )
    register(*keys, made_by="tests/security/world.py")
    return keys


async def open_payment(api: Api, store: Store, token: str, provider: str) -> str:
    variables = {
        "token": token,
        "input": {"provider": provider, "returnUrl": "https://shop.example/thanks"},
    }
    answer = await ok(api, CREATE_PAYMENT, variables, store.public)
    return answer["checkout"]["payment"]["externalId"]  # type: ignore[no-any-return]
