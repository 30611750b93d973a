"""Completing a checkout: the order, its lines, the stock, the cart and the confirmation mail,
all in one transaction, exactly once.

The checkout row is locked first, so concurrent completions queue; the one that finds the
checkout COMPLETED returns the order the first one made. A unique constraint (one order per
checkout) stands behind that in the database. An online payment is confirmed with its
provider, never on the client's word.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.checkout import Checkout, CheckoutStatus
from domain.checkout_lookup import find_checkout
from domain.errors import ErrorCode, Outcome, Problem, Rejected, path
from domain.order import Order
from domain.order_placement import place_order
from domain.payment import Payment
from domain.payment_gateway import PaymentProviderFailed
from domain.payment_updates import apply_payment_update
from domain.ports import Ports


@dataclass(frozen=True, slots=True)
class Completion:
    order: Order
    checkout: Checkout


@dataclass(frozen=True, slots=True)
class _AskProvider:
    """The payment is open at its provider: ask it (outside the transaction) and try again."""

    checkout: Checkout
    payment: Payment


async def complete_checkout(
    ports: Ports, token: str, *, store_scope: str | None
) -> Outcome[Completion]:
    outcome = await _complete(ports, token, store_scope)
    if not isinstance(outcome, _AskProvider):
        return outcome
    checkout, payment = outcome.checkout, outcome.payment
    assert payment.external_id is not None
    gateway = await ports.payments.gateway(checkout.store, payment.provider)
    if gateway is None:
        message = f"this store has no {payment.provider.value} account set up"
        return Rejected.of(ErrorCode.PROVIDER_NOT_CONFIGURED, message, path("token"), checkout)
    try:
        seen = await gateway.fetch(payment.external_id)
    except PaymentProviderFailed as exc:
        message = f"the payment provider could not be asked: {exc}"
        return Rejected.of(ErrorCode.PAYMENT_PROVIDER_ERROR, message, path("token"), checkout)
    await apply_payment_update(ports, checkout.store.id, seen)
    settled = await _complete(ports, token, store_scope)
    if isinstance(settled, _AskProvider):
        return Rejected((_not_paid(),), subject=settled.checkout)
    return settled


async def _complete(
    ports: Ports, token: str, store_scope: str | None
) -> Completion | Rejected | _AskProvider:
    async with ports.unit_of_work() as uow:
        now = ports.clock.now()
        checkout = await find_checkout(uow, token, store_scope)
        if isinstance(checkout, Rejected):
            return checkout
        if checkout.status is CheckoutStatus.COMPLETED:
            order = await uow.orders.for_checkout(checkout)
            assert order is not None, "a completed checkout has its order"
            return Completion(order, checkout)
        refusal = checkout.refusal(now) or _payment_refusal(checkout)
        if refusal:
            return Rejected((refusal,), subject=checkout)
        payment = checkout.payment
        if checkout.status is CheckoutStatus.PAYMENT_PENDING and payment is not None:
            return _AskProvider(checkout, payment)
        outcome = await place_order(uow, checkout, now)
        if isinstance(outcome, Rejected):
            return outcome
        await uow.commit()
    return Completion(outcome, checkout)


def _payment_refusal(checkout: Checkout) -> Problem | None:
    if checkout.customer is None:
        message = "set the customer (setCustomer) before completing"
        return Problem(ErrorCode.CUSTOMER_REQUIRED, message, path("token"))
    if checkout.payment is None or checkout.status is CheckoutStatus.ACTIVE:
        message = "choose a payment (createPayment) before completing"
        return Problem(ErrorCode.PAYMENT_REQUIRED, message, path("token"))
    return None


def _not_paid() -> Problem:
    return Problem(
        ErrorCode.PAYMENT_NOT_PAID, "the payment has not been received yet", path("token")
    )
