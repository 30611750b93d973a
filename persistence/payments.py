"""Payment rows, shared by checkouts and orders."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Label

from domain.money import Money
from domain.payment import Payment, PaymentFlow, PaymentProvider, PaymentStatus
from persistence.tables import payments

# Payment columns under a prefix, for queries that join a payment to its checkout or order.
PAYMENT_COLUMNS: tuple[Label[Any], ...] = tuple(
    column.label(f"pay_{column.name}")
    for column in (
        payments.c.id,
        payments.c.provider,
        payments.c.flow,
        payments.c.status,
        payments.c.external_id,
        payments.c.related_external_id,
        payments.c.redirect_url,
        payments.c.client_secret,
        payments.c.amount_minor,
        payments.c.refunded_minor,
        payments.c.currency,
        payments.c.created_at,
    )
)


def payment_from_row(row: Any) -> Payment | None:
    if row.pay_id is None:
        return None
    currency = row.pay_currency
    return Payment(
        id=row.pay_id,
        provider=PaymentProvider(row.pay_provider),
        flow=PaymentFlow(row.pay_flow) if row.pay_flow else None,
        status=PaymentStatus(row.pay_status),
        amount=Money.from_minor(row.pay_amount_minor, currency),
        created_at=row.pay_created_at,
        external_id=row.pay_external_id,
        redirect_url=row.pay_redirect_url,
        client_secret=row.pay_client_secret,
        refunded=Money.from_minor(row.pay_refunded_minor, currency),
        related_id=row.pay_related_external_id,
    )


def payment_columns(payment: Payment) -> dict[str, Any]:
    return {
        "provider": payment.provider.value,
        "flow": payment.flow.value if payment.flow else None,
        "status": payment.status.value,
        "external_id": payment.external_id,
        "related_external_id": payment.related_id,
        "redirect_url": payment.redirect_url,
        "client_secret": payment.client_secret,
        "amount_minor": payment.amount.minor,
        "refunded_minor": payment.refunded.minor if payment.refunded else 0,
        "currency": payment.amount.currency,
    }
