from __future__ import annotations

from decimal import Decimal

import strawberry

from domain import checkout_details
from graph.mutations.payloads import CheckoutPayload, checkout_payload
from graph.permissions import ValidKeyIfAny
from graph.types.customer import AddressInput


@strawberry.input(description="Fields left out stay as they were.")
class CustomerInput:
    email: str | None = None
    name: str | None = None
    phone: str | None = None
    shipping_address: AddressInput | None = None
    billing_address: AddressInput | None = strawberry.field(
        default=None, description="Defaults to the shipping address."
    )
    shipping_method_id: strawberry.ID | None = None
    shipping_cost: Decimal | None = strawberry.field(default=None, description="Secret key only.")
    tax_amount: Decimal | None = strawberry.field(default=None, description="Secret key only.")
    account_id: str | None = strawberry.field(
        default=None, description="Secret key only: the shop's own user id."
    )

    def to_domain(self) -> checkout_details.CustomerInput:
        return checkout_details.CustomerInput(
            email=self.email,
            name=self.name,
            phone=self.phone,
            shipping_address=self.shipping_address.to_domain() if self.shipping_address else None,
            billing_address=self.billing_address.to_domain() if self.billing_address else None,
            shipping_method_id=self.shipping_method_id,
            shipping_cost=self.shipping_cost,
            tax_amount=self.tax_amount,
            account_id=self.account_id,
        )


@strawberry.mutation(
    permission_classes=[ValidKeyIfAny],
    description="Sets who buys and where it goes; shipping and tax are recalculated.",
)
async def set_customer(
    info: strawberry.Info, token: strawberry.ID, input: CustomerInput
) -> CheckoutPayload:
    access = await info.context.store_access()
    outcome = await checkout_details.set_customer(
        info.context.ports,
        token,
        input.to_domain(),
        store_scope=access.store.id if access else None,
        secret=bool(access and access.is_secret),
    )
    return checkout_payload(outcome)
