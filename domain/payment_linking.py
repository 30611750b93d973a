"""Linking a payment made at the provider by other means (`setPayment`): the server fetches
it from the provider and checks that it pays exactly this checkout."""

from __future__ import annotations

from domain.checkout import Checkout, CheckoutStatus
from domain.checkout_lookup import open_checkout
from domain.checkout_payment import hold_stock, stock_problems
from domain.errors import ErrorCode, Outcome, Rejected, path
from domain.events import CheckoutChanged
from domain.payment import Payment, PaymentProvider, PaymentStatus
from domain.payment_gateway import PaymentProviderFailed, ProviderPayment
from domain.ports import Ports

MAX_EXTERNAL_ID = 255


async def set_payment(
    ports: Ports,
    token: str,
    provider: PaymentProvider,
    external_id: str,
    *,
    store_scope: str | None,
) -> Outcome[Checkout]:
    at = path("input", "externalId")
    if not provider.is_online:
        message = "only STRIPE and MOLLIE payments can be linked"
        return Rejected.of(ErrorCode.INVALID, message, path("input", "provider"))
    if not external_id or len(external_id) > MAX_EXTERNAL_ID or not external_id.isascii():
        return Rejected.of(ErrorCode.INVALID, "externalId is not a provider payment id", at)
    async with ports.unit_of_work() as uow:
        checkout = await open_checkout(uow, token, store_scope, ports.clock.now())
    if isinstance(checkout, Rejected):
        return checkout
    gateway = await ports.payments.gateway(checkout.store, provider)
    if gateway is None:
        message = f"this store has no {provider.value} account set up"
        return Rejected.of(
            ErrorCode.PROVIDER_NOT_CONFIGURED, message, path("input", "provider"), checkout
        )
    try:
        seen = await gateway.fetch(external_id)
    except PaymentProviderFailed as exc:
        message = f"the payment provider could not be asked: {exc}"
        return Rejected.of(ErrorCode.PAYMENT_PROVIDER_ERROR, message, at, checkout)
    return await _link(ports, token, seen, store_scope)


async def _link(
    ports: Ports, token: str, seen: ProviderPayment, store_scope: str | None
) -> Outcome[Checkout]:
    at = path("input", "externalId")
    async with ports.unit_of_work() as uow:
        now = ports.clock.now()
        checkout = await open_checkout(uow, token, store_scope, now)
        if isinstance(checkout, Rejected):
            return checkout
        if seen.amount != checkout.totals.total:
            message = (
                f"the payment is {seen.amount.formatted()} {seen.amount.currency}, the checkout "
                f"{checkout.totals.total.formatted()} {checkout.currency}"
            )
            return Rejected.of(ErrorCode.PAYMENT_AMOUNT_MISMATCH, message, at, checkout)
        if seen.checkout_token not in (None, checkout.token):
            return Rejected.of(
                ErrorCode.INVALID, "that payment is for another checkout", at, checkout
            )
        owner = await uow.checkouts.by_payment(checkout.store.id, seen.provider, seen.external_id)
        if owner is not None and owner[0].token != checkout.token:
            return Rejected.of(
                ErrorCode.INVALID, "that payment is for another checkout", at, checkout
            )
        if owner is not None:
            return checkout  # linked already
        if seen.status.is_unsuccessful:
            message = f"that payment is {seen.status.value.lower()}"
            return Rejected.of(ErrorCode.PAYMENT_NOT_PAID, message, at, checkout)
        products = await uow.products.lock_for_stock(
            checkout.store.id, [line.product_id for line in checkout.lines], now, checkout.id
        )
        problems = stock_problems(checkout, products)
        if problems:
            return Rejected.all(problems, subject=checkout)
        await hold_stock(uow, checkout)
        previous = checkout.payment
        if previous is not None and previous.status.is_open:
            await uow.checkouts.save_payment(previous.moved(PaymentStatus.CANCELED), now)
        checkout.payment = await uow.checkouts.add_payment(
            checkout,
            Payment(
                id=None,
                provider=seen.provider,
                flow=None,
                status=seen.status,
                amount=seen.amount,
                created_at=now,
                external_id=seen.external_id,
                redirect_url=seen.redirect_url,
                client_secret=seen.client_secret,
                refunded=seen.refunded,
                related_id=seen.related_id,
            ),
            now,
        )
        paid = seen.status.is_paid
        checkout.move_to(CheckoutStatus.COMPLETABLE if paid else CheckoutStatus.PAYMENT_PENDING)
        checkout.touch(now)
        await uow.checkouts.save(checkout)
        uow.publish(CheckoutChanged(checkout.store.id, checkout.token))
        await uow.commit()
    return checkout
