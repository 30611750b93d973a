from __future__ import annotations

import strawberry

from domain import payment_linking
from graph.mutations.payloads import CheckoutPayload, checkout_payload
from graph.permissions import ValidKeyIfAny
from graph.types.payment import PaymentProviderEnum


@strawberry.input
class SetPaymentInput:
    provider: PaymentProviderEnum  # type: ignore[valid-type]
    external_id: str = strawberry.field(description="cs_… or pi_… (Stripe), tr_… (Mollie).")


@strawberry.mutation(
    permission_classes=[ValidKeyIfAny],
    description="Links a payment made at the provider by other means. The server fetches it "
    "from the provider and checks its amount and currency (PAYMENT_AMOUNT_MISMATCH) and that "
    "it pays no other checkout.",
)
async def set_payment(
    info: strawberry.Info, token: strawberry.ID, input: SetPaymentInput
) -> CheckoutPayload:
    outcome = await payment_linking.set_payment(
        info.context.ports,
        token,
        input.provider,
        input.external_id.strip(),
        store_scope=await info.context.store_id_if_any(),
    )
    return checkout_payload(outcome)
