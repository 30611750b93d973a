from __future__ import annotations

import strawberry

from domain import checkout_payment
from domain.payment import PaymentFlow
from graph.mutations.payloads import CheckoutPayload, checkout_payload
from graph.permissions import ValidKeyIfAny
from graph.types.payment import PaymentFlowEnum, PaymentProviderEnum


@strawberry.input
class PaymentInput:
    provider: PaymentProviderEnum  # type: ignore[valid-type]
    flow: PaymentFlowEnum | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="REDIRECT (default) or EMBEDDED (Stripe only)."
    )
    return_url: str | None = strawberry.field(
        default=None, description="Where the provider sends the shopper after paying."
    )
    cancel_url: str | None = None


@strawberry.mutation(
    permission_classes=[ValidKeyIfAny],
    description="Re-prices the lines (PRICE_CHANGED shows new totals to confirm), reserves "
    "the stock and opens the payment: a provider payment to redirect to, or an invoice.",
)
async def create_payment(
    info: strawberry.Info, token: strawberry.ID, input: PaymentInput
) -> CheckoutPayload:
    choice = checkout_payment.PaymentChoice(
        provider=input.provider,
        flow=input.flow or (PaymentFlow.REDIRECT if input.provider.is_online else None),
        return_url=input.return_url,
        cancel_url=input.cancel_url,
    )
    outcome = await checkout_payment.create_payment(
        info.context.ports, token, choice, store_scope=await info.context.store_id_if_any()
    )
    return checkout_payload(outcome)
