"""The shopper gives up: the checkout is CANCELLED, its stock no longer held, and its cart
stays ACTIVE for a new checkout."""

from __future__ import annotations

from domain.checkout import Checkout, CheckoutStatus
from domain.checkout_lookup import find_checkout
from domain.errors import Outcome, Rejected
from domain.events import CheckoutChanged
from domain.payment import PaymentProvider, PaymentStatus
from domain.ports import Ports


async def cancel_checkout(
    ports: Ports, token: str, *, store_scope: str | None
) -> Outcome[Checkout]:
    async with ports.unit_of_work() as uow:
        now = ports.clock.now()
        checkout = await find_checkout(uow, token, store_scope)
        if isinstance(checkout, Rejected):
            return checkout
        if checkout.status is CheckoutStatus.CANCELLED:
            return checkout  # cancelling twice is the same as once
        refusal = checkout.refusal(now)
        if refusal:
            return Rejected((refusal,), subject=checkout)
        checkout.move_to(CheckoutStatus.CANCELLED)
        checkout.updated_at = now
        payment = checkout.payment
        if (
            payment is not None
            and payment.provider is PaymentProvider.INVOICE
            and payment.status.is_open
        ):
            checkout.payment = payment.moved(PaymentStatus.CANCELED)
            await uow.checkouts.save_payment(checkout.payment, now)
        await uow.checkouts.save(checkout)
        assert checkout.id is not None
        await uow.stock.release(checkout.id)
        uow.publish(CheckoutChanged(checkout.store.id, checkout.token))
        await uow.commit()
    return checkout
