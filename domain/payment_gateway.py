"""What the domain needs from a payment provider (Stripe, Mollie), and what it hears back.

One small shape per provider, after Vendure's payment handlers: open a payment, look it up,
cancel it, refund it. Adapters in integrations/ map SDK errors to `PaymentProviderFailed` with
a message that is safe to show (never a key, never a raw SDK dump).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from domain.money import Money
from domain.payment import PaymentFlow, PaymentProvider, PaymentStatus
from domain.store import Store


class PaymentProviderFailed(Exception):
    """The provider was down, too slow or said no; `str()` is safe to show the shopper."""


class PaymentNotFound(PaymentProviderFailed):
    """The provider answered, and knows no payment by that id (a webhook for it is refused,
    not retried as for a provider that is down)."""


@dataclass(frozen=True, slots=True)
class PaymentLine:
    sku: str
    name: str
    quantity: int
    unit_price: Money


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    checkout_token: str
    flow: PaymentFlow
    amount: Money
    lines: tuple[PaymentLine, ...]
    # Shipping and tax as lines of their own where the provider lists lines (Stripe Checkout),
    # so the lines add up to `amount`.
    extra_lines: tuple[PaymentLine, ...]
    description: str
    customer_email: str | None
    return_url: str
    cancel_url: str | None
    expires_at: datetime
    metadata: dict[str, str]
    # Same checkout, same amount, same payment it replaces: the same key, so a retried request
    # can never open a second charge.
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class ProviderPayment:
    """A payment as its provider sees it now."""

    provider: PaymentProvider
    external_id: str
    status: PaymentStatus
    amount: Money
    redirect_url: str | None = None
    client_secret: str | None = None
    checkout_token: str | None = None  # from the metadata we gave it
    refunded: Money | None = None
    # Another id the provider knows this payment by: the pi_… behind a Stripe cs_… session.
    related_id: str | None = None


class PaymentGateway(Protocol):
    provider: PaymentProvider

    async def open(self, request: PaymentRequest) -> ProviderPayment: ...

    async def fetch(self, external_id: str) -> ProviderPayment: ...

    async def cancel(self, external_id: str) -> ProviderPayment:
        """Cancels or expires an open payment where the provider allows it, and returns the
        state it is in afterwards (which may be PAID: it was paid first)."""
        ...

    async def refund(
        self, external_id: str, amount: Money, idempotency_key: str
    ) -> ProviderPayment:
        """Refunds `amount`; the same key never refunds twice. A payment refunded already
        answers with its state rather than an error."""
        ...


class PaymentGateways(Protocol):
    async def gateway(self, store: Store, provider: PaymentProvider) -> PaymentGateway | None:
        """The provider with the store's vaulted key; None when the store has none set."""
        ...


@dataclass(frozen=True, slots=True)
class ProviderCredentials:
    # Out of the repr: a traceback or a debug print must not show them.
    api_key: str = field(repr=False)
    webhook_secret: str | None = field(repr=False)


@dataclass(frozen=True, slots=True)
class CredentialStatus:
    """What may be shown of vaulted credentials: whether set, and the last four characters."""

    provider: PaymentProvider
    api_key_last4: str | None
    webhook_secret_last4: str | None


class CredentialVault(Protocol):
    async def save(
        self, store_id: str, provider: PaymentProvider, api_key: str, webhook_secret: str | None
    ) -> None: ...

    async def credentials(
        self, store_id: str, provider: PaymentProvider
    ) -> ProviderCredentials | None: ...

    async def statuses(self, store_id: str) -> list[CredentialStatus]: ...
