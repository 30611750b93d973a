"""Online payments as the storefront, the shop and the providers drive them, for these tests."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, replace
from typing import Any

import httpx
from sqlalchemy import func, select

from domain.events import ORDER_CONFIRMATION_EMAIL
from persistence.tables import orders, outbox, provider_events
from tests.checkout.flow import ERRORS, mutate, ready_to_pay, stock_shop
from tests.fakes.mollie_fake import MollieFake
from tests.fakes.stripe_events import SignedEvent
from tests.fakes.stripe_fake import StripeFake
from tests.support import Api

PAYMENT_FIELDS = "payment { provider flow status externalId redirectUrl clientSecret amount { amount currency } }"
ORDER_FIELDS = "order { id number status paymentStatus }"
CHECKOUT_FIELDS = (
    f"token status totals {{ total {{ amount currency }} }} {PAYMENT_FIELDS} {ORDER_FIELDS}"
)

CREATE_PAYMENT = f"""mutation($token: ID!, $input: PaymentInput!) {{ createPayment(token: $token, input: $input) {{ checkout {{ {CHECKOUT_FIELDS} }} {ERRORS} }} }}"""
SET_PAYMENT = f"""mutation($token: ID!, $input: SetPaymentInput!) {{ setPayment(token: $token, input: $input) {{ checkout {{ {CHECKOUT_FIELDS} }} {ERRORS} }} }}"""
COMPLETE = f"""mutation($token: ID!) {{ completeCheckout(token: $token) {{ order {{ id number status paymentStatus }} checkout {{ status }} {ERRORS} }} }}"""
CANCEL = f"""mutation($token: ID!) {{ cancelCheckout(token: $token) {{ checkout {{ {CHECKOUT_FIELDS} }} {ERRORS} }} }}"""
CHECKOUT = f"""query($token: ID!) {{ checkout(token: $token) {{ {CHECKOUT_FIELDS} }} }}"""
SET_CUSTOMER = f"""mutation($token: ID!, $input: CustomerInput!) {{ setCustomer(token: $token, input: $input) {{ checkout {{ {CHECKOUT_FIELDS} }} {ERRORS} }} }}"""
SET_CREDENTIALS = f"""mutation($provider: PaymentProvider!, $apiKey: String!, $webhookSecret: String) {{ setProviderCredentials(provider: $provider, apiKey: $apiKey, webhookSecret: $webhookSecret) {{ store {{ id }} {ERRORS} }} }}"""
PROVIDERS = """query { store { id paymentProviders { provider apiKeySet apiKeyLast4 webhookSecretSet webhookSecretLast4 } } }"""
ORDER_BY_PAYMENT = """query($provider: PaymentProvider!, $externalId: String!) { orderByPayment(provider: $provider, externalId: $externalId) { id number paymentStatus status checkoutToken payment { externalId status } } }"""
ORDER = """query($id: ID!) { order(id: $id) { id status paymentStatus payment { status externalId } } }"""
CANCEL_ORDER = f"""mutation($id: ID!) {{ cancelOrder(id: $id, reason: "changed my mind") {{ order {{ id status paymentStatus }} {ERRORS} }} }}"""
PRODUCT = """query($sku: String!) { product(sku: $sku) { stock availableQuantity } }"""

LINES = [{"sku": "LENS", "quantity": 2}, {"sku": "CARD", "quantity": 1}]
# 2 x 24.95 + 25.00, 4.95 shipping, 21 % tax per line: 10.48 + 5.25 + 1.04
TOTAL = "96.62"
TOTAL_MINOR = 9662
RETURN_URL = "https://shop.example/thanks"
CANCEL_URL = "https://shop.example/cart"


@dataclass
class Shop:
    api: Api
    stripe: StripeFake
    mollie: MollieFake
    stripe_key: str
    stripe_secret: str
    mollie_key: str

    @property
    def store_id(self) -> str:
        assert self.api.keys is not None
        return self.api.keys.store_id

    @property
    def secrets(self) -> list[str]:
        """Everything that must never show in a response or a log line."""
        return [self.stripe_key, self.stripe_secret, self.mollie_key]


async def connect(shop: Shop) -> None:
    await stock_shop(shop.api)
    for provider, key, secret in (
        ("STRIPE", shop.stripe_key, shop.stripe_secret),
        ("MOLLIE", shop.mollie_key, None),
    ):
        answer = await mutate(
            shop.api,
            SET_CREDENTIALS,
            {"provider": provider, "apiKey": key, "webhookSecret": secret},
            key="secret",
        )
        assert answer["errors"] == [], answer


async def pay_with(
    shop: Shop, provider: str, flow: str | None = None, lines: list[dict[str, Any]] = LINES
) -> dict[str, Any]:
    """A checkout ready to pay, and its payment opened: the checkout as createPayment shows it."""
    token = await ready_to_pay(shop.api, lines)
    return await open_payment(shop, token, provider, flow)


async def open_payment(
    shop: Shop, token: str, provider: str, flow: str | None = None
) -> dict[str, Any]:
    answer = await create_payment(shop, token, provider, flow)
    assert answer["errors"] == [], answer
    checkout = answer["checkout"]
    assert checkout["status"] == "PAYMENT_PENDING", checkout
    return checkout  # type: ignore[no-any-return]


async def create_payment(
    shop: Shop, token: str, provider: str, flow: str | None = None
) -> dict[str, Any]:
    payment_input: dict[str, Any] = {
        "provider": provider,
        "returnUrl": RETURN_URL,
        "cancelUrl": CANCEL_URL,
    }
    if flow:
        payment_input["flow"] = flow
    return await mutate(shop.api, CREATE_PAYMENT, {"token": token, "input": payment_input})


async def checkout(shop: Shop, token: str) -> dict[str, Any]:
    return (await shop.api.data(CHECKOUT, {"token": token}))["checkout"]  # type: ignore[no-any-return]


async def complete(shop: Shop, token: str) -> dict[str, Any]:
    return await mutate(shop.api, COMPLETE, {"token": token})


# -- webhooks ----------------------------------------------------------------------------


def signed(shop: Shop, event: dict[str, Any], timestamp: int | None = None) -> SignedEvent:
    return shop.stripe.sign(event, shop.stripe_secret, timestamp)


async def post_signed(
    shop: Shop, event: SignedEvent, store_id: str | None = None
) -> httpx.Response:
    url = f"/webhooks/stripe/{store_id or shop.store_id}"
    return await shop.api.client.post(url, content=event.payload, headers=event.headers)


async def post_stripe(shop: Shop, events: list[dict[str, Any]]) -> list[httpx.Response]:
    """Each event signed with the store's secret and posted, in order, as Stripe would."""
    return [await post_signed(shop, signed(shop, event)) for event in events]


def variant(event: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """Another event about the same object: a new id, another type or object fields."""
    copy = json.loads(json.dumps(event))
    copy["id"] = "evt_3" + secrets.token_hex(12)
    copy["type"] = changes.pop("type", event["type"])
    copy["data"]["object"].update(changes)
    return copy


def tampered(event: SignedEvent) -> SignedEvent:
    """The body changed after signing (the signature is the original's)."""
    return replace(event, payload=event.payload.replace(b'"livemode": false', b'"livemode": true'))


async def post_mollie(shop: Shop, payment_id: str, store_id: str | None = None) -> httpx.Response:
    """What Mollie posts: only the id, form-encoded."""
    url = f"/webhooks/mollie/{store_id or shop.store_id}"
    return await shop.api.client.post(
        url,
        content=f"id={payment_id}".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


# -- what the database holds -------------------------------------------------------------


async def count(shop: Shop, table: Any, *where: Any) -> int:
    async with shop.api.runtime.database.connect() as connection:
        query = select(func.count()).select_from(table).where(*where)
        return int(await connection.scalar(query) or 0)


async def orders_of(shop: Shop) -> int:
    return await count(shop, orders, orders.c.store_id == shop.store_id)


async def confirmations(shop: Shop) -> int:
    return await count(shop, outbox, outbox.c.kind == ORDER_CONFIRMATION_EMAIL)


async def recorded_events(shop: Shop) -> int:
    return await count(shop, provider_events)


# -- payments made at the providers by other means ---------------------------------------


async def intent_at_stripe(
    shop: Shop, amount_minor: int, currency: str = "eur", token: str | None = None
) -> dict[str, Any]:
    """A PaymentIntent made straight at Stripe (another integration, a payment link)."""
    form = {"amount": str(amount_minor), "currency": currency}
    if token:
        form["metadata[checkout_token]"] = token
    async with httpx.AsyncClient(base_url=shop.stripe.base_url, trust_env=False) as client:
        answer = await client.post(
            "/v1/payment_intents",
            data=form,
            headers={"Authorization": f"Bearer {shop.stripe_key}"},
        )
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def payment_at_mollie(shop: Shop, value: str, currency: str = "EUR") -> dict[str, Any]:
    """A Mollie payment made straight at Mollie, not by this service."""
    async with httpx.AsyncClient(base_url=shop.mollie.base_url, trust_env=False) as client:
        answer = await client.post(
            "/v2/payments",
            json={
                "amount": {"currency": currency, "value": value},
                "description": "made elsewhere",
                "redirectUrl": "https://elsewhere.example/",
            },
            headers={"Authorization": f"Bearer {shop.mollie_key}"},
        )
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]
