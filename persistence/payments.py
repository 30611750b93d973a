"""Payment rows, shared by checkouts and orders."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Label

from domain.money import Money
from domain.payment import Payment, PaymentFlow, PaymentProvider, PaymentStatus
from persistence.tables import payments

# Payment columns under a prefix, for queries that join a payment to its checkout or order.
PAYMENT_COLUMNS: tuple[Label[Any], ...] = tuple(
    column.label(f"payment_{column.name}")
    for column in (
        payments.c.id,
        payments.c.provider,
        payments.c.flow,
        payments.c.status,
        payments.c.external_id,
        payments.c.redirect_url,
        payments.c.client_secret,
        payments.c.amount_minor,
        payments.c.refunded_minor,
        payments.c.currency,
        payments.c.created_at,
    )
)


def payment_from_row(row: Any) -> Payment | None:
    if row.payment_id is None:
        return None
    currency = row.payment_currency
    return Payment(
        id=row.payment_id,
        provider=PaymentProvider(row.payment_provider),
        flow=PaymentFlow(row.payment_flow) if row.payment_flow else None,
        status=PaymentStatus(row.payment_status),
        amount=Money.from_minor(row.payment_amount_minor, currency),
        created_at=row.payment_created_at,
        external_id=row.payment_external_id,
        redirect_url=row.payment_redirect_url,
        client_secret=row.payment_client_secret,
        refunded=Money.from_minor(row.payment_refunded_minor, currency),
    )


def payment_columns(payment: Payment) -> dict[str, Any]:
    return {
        "provider": payment.provider.value,
        "flow": payment.flow.value if payment.flow else None,
        "status": payment.status.value,
        "external_id": payment.external_id,
        "redirect_url": payment.redirect_url,
        "client_secret": payment.client_secret,
        "amount_minor": payment.amount.minor,
        "refunded_minor": payment.refunded.minor if payment.refunded else 0,
        "currency": payment.amount.currency,
    }
