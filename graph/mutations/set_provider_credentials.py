from __future__ import annotations

from typing import Annotated

import strawberry

from domain import provider_setup
from graph.mutations.payloads import StorePayload, payload
from graph.permissions import SecretKey
from graph.types.payment import PaymentProviderEnum
from graph.types.store import Store


@strawberry.mutation(
    permission_classes=[SecretKey],
    description="Connects the store's own Stripe or Mollie account: the secret API key "
    "(Stripe sk_/rk_…, Mollie test_/live_…) and, for Stripe, the webhook signing secret "
    "(whsec_…). Both are stored encrypted and never shown again, only their last four "
    "characters in store.paymentProviders.",
)
async def set_provider_credentials(
    info: strawberry.Info,
    provider: PaymentProviderEnum,  # type: ignore[valid-type]
    api_key: str,
    webhook_secret: Annotated[
        str | None,
        strawberry.argument(
            description="Stripe only. Left out: the secret set before stays; empty: removed."
        ),
    ] = None,
) -> StorePayload:
    access = await info.context.require_store(secret=True)
    outcome = await provider_setup.set_provider_credentials(
        info.context.runtime.vault, access.store.id, provider, api_key, webhook_secret
    )
    return payload(
        outcome,
        lambda _: StorePayload(store=Store.from_domain(access.store)),
        lambda errors: StorePayload(errors=errors),
    )
