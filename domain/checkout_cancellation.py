"""The shopper gives up: the checkout is CANCELLED, its stock no longer held, its open payment
closed at the provider where the provider allows it, and its cart stays ACTIVE for a new
checkout."""

from __future__ import annotations

from dataclasses import dataclass

from domain.checkout import Checkout, CheckoutStatus
from domain.checkout_lookup import find_checkout
from domain.errors import ErrorCode, Outcome, Rejected, path
from domain.events import CheckoutChanged
from domain.payment import Payment, PaymentProvider, PaymentStatus
from domain.payment_gateway import PaymentProviderFailed
from domain.payment_updates import apply_payment_update
from domain.ports import Ports


@dataclass(frozen=True, slots=True)
class _CloseAtProvider:
    checkout: Checkout
    payment: Payment


async def cancel_checkout(
    ports: Ports, token: str, *, store_scope: str | None
) -> Outcome[Checkout]:
    outcome = await _cancel(ports, token, store_scope, provider_closed=False)
    if not isinstance(outcome, _CloseAtProvider):
        return outcome
    checkout, payment = outcome.checkout, outcome.payment
    gateway = await ports.payments.gateway(checkout.store, payment.provider)
    if gateway is not None and payment.external_id:
        try:
            closed = await gateway.cancel(payment.external_id)
        except PaymentProviderFailed:
            closed = None  # the provider ends it by itself when the checkout's time is up
        if closed is not None:
            await apply_payment_update(ports, checkout.store.id, closed)
            if closed.status.is_paid:
                message = "the payment went through before the cancel; the order is made"
                return Rejected.of(ErrorCode.CHECKOUT_NOT_ACTIVE, message, path("token"), checkout)
    result = await _cancel(ports, token, store_scope, provider_closed=True)
    assert not isinstance(result, _CloseAtProvider)
    return result


async def _cancel(
    ports: Ports, token: str, store_scope: str | None, *, provider_closed: bool
) -> Checkout | Rejected | _CloseAtProvider:
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
        payment = checkout.payment
        if payment is not None and payment.status.is_open:
            if payment.provider.is_online and not provider_closed:
                return _CloseAtProvider(checkout, payment)
            checkout.payment = payment.moved(PaymentStatus.CANCELED)
            if payment.provider is PaymentProvider.INVOICE or provider_closed:
                await uow.checkouts.save_payment(checkout.payment, now)
        checkout.move_to(CheckoutStatus.CANCELLED)
        checkout.updated_at = now
        await uow.checkouts.save(checkout)
        assert checkout.id is not None
        await uow.stock.release(checkout.id)
        uow.publish(CheckoutChanged(checkout.store.id, checkout.token))
        await uow.commit()
    return checkout
