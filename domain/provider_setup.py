"""Connecting a store's own Stripe or Mollie account: its API key and, for Stripe, the signing
secret of its webhook endpoint, checked for their shape and kept in the credential vault.

Only the shape is checked here (a typo shows at once, with the field); whether the provider
takes the key shows at the first payment, as PAYMENT_PROVIDER_ERROR.
"""

from __future__ import annotations

import re

from domain.errors import ErrorCode, Outcome, Problem, Rejected, path
from domain.payment import PaymentProvider
from domain.payment_gateway import CredentialVault

MAX_SECRET_LENGTH = 255
# Secret and restricted keys; a publishable key (pk_) belongs in the storefront, not here.
_STRIPE_KEY = re.compile(r"^(sk|rk)_(test|live)_[A-Za-z0-9_]{8,}$")
_STRIPE_WEBHOOK_SECRET = re.compile(r"^whsec_[A-Za-z0-9_+/=]{8,}$")
_MOLLIE_KEY = re.compile(r"^(test|live)_[A-Za-z0-9_]{8,}$")


async def set_provider_credentials(
    vault: CredentialVault,
    store_id: str,
    provider: PaymentProvider,
    api_key: str,
    webhook_secret: str | None,
) -> Outcome[None]:
    """`webhook_secret` None keeps the one set before (a key can be rolled on its own); an
    empty one removes it."""
    api_key = api_key.strip()
    keep_secret = webhook_secret is None
    secret = (webhook_secret or "").strip() or None
    problems = credential_problems(provider, api_key, secret)
    if problems:
        return Rejected.all(problems)
    if keep_secret:
        before = await vault.credentials(store_id, provider)
        secret = before.webhook_secret if before else None
    await vault.save(store_id, provider, api_key, secret)
    return None


def credential_problems(
    provider: PaymentProvider, api_key: str, webhook_secret: str | None
) -> list[Problem]:
    """What is wrong with the credentials; the messages never repeat them."""
    if not provider.is_online:
        message = "INVOICE needs no provider account; choose STRIPE or MOLLIE"
        return [Problem(ErrorCode.INVALID, message, path("provider"))]
    problems = []
    if len(api_key) > MAX_SECRET_LENGTH or not _key_pattern(provider).match(api_key):
        problems.append(Problem(ErrorCode.INVALID, _key_hint(provider), path("apiKey")))
    if webhook_secret is not None:
        if provider is PaymentProvider.MOLLIE:
            message = "Mollie signs no webhooks; leave webhookSecret out"
            problems.append(Problem(ErrorCode.INVALID, message, path("webhookSecret")))
        elif len(webhook_secret) > MAX_SECRET_LENGTH or not _STRIPE_WEBHOOK_SECRET.match(
            webhook_secret
        ):
            message = "a Stripe webhook signing secret starts with whsec_"
            problems.append(Problem(ErrorCode.INVALID, message, path("webhookSecret")))
    return problems


def _key_pattern(provider: PaymentProvider) -> re.Pattern[str]:
    return _STRIPE_KEY if provider is PaymentProvider.STRIPE else _MOLLIE_KEY


def _key_hint(provider: PaymentProvider) -> str:
    if provider is PaymentProvider.STRIPE:
        return "a Stripe secret key starts with sk_test_, sk_live_, rk_test_ or rk_live_"
    return "a Mollie API key starts with test_ or live_"
