from __future__ import annotations

from datetime import datetime

import strawberry

from domain.payment import Payment as DomainPayment
from domain.payment import PaymentFlow, PaymentProvider, PaymentStatus
from graph.types.money import Money

PaymentProviderEnum = strawberry.enum(PaymentProvider, name="PaymentProvider")
PaymentFlowEnum = strawberry.enum(
    PaymentFlow,
    name="PaymentFlow",
    description="EMBEDDED: a Stripe PaymentIntent with a clientSecret for Stripe.js.",
)
PaymentStatusEnum = strawberry.enum(PaymentStatus, name="PaymentStatus")


@strawberry.type
class Payment:
    provider: PaymentProviderEnum  # type: ignore[valid-type]
    flow: PaymentFlowEnum | None  # type: ignore[valid-type]
    status: PaymentStatusEnum  # type: ignore[valid-type]
    external_id: str | None = strawberry.field(description="cs_…, pi_… or tr_… at the provider.")
    redirect_url: str | None = strawberry.field(description="Where the shopper pays.")
    client_secret: str | None = strawberry.field(description="For Stripe.js (EMBEDDED flow).")
    amount: Money
    created_at: datetime

    @classmethod
    def from_domain(cls, payment: DomainPayment | None) -> Payment | None:
        if payment is None:
            return None
        return cls(
            provider=payment.provider,
            flow=payment.flow,
            status=payment.status,
            external_id=payment.external_id,
            redirect_url=payment.redirect_url,
            client_secret=payment.client_secret,
            amount=Money.from_domain(payment.amount),
            created_at=payment.created_at,
        )
