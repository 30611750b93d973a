"""What the mutations that move money count: completions by outcome, and payments that reach a
status through them. Read from the payload the resolver returns, so it counts the same however
little of it the client selected; the domain knows nothing of metrics.

A payment is counted where it moves: here when a mutation opens or links one (made during the
call, by the checkout's clock) and when completeCheckout itself finds it paid at the provider
(the order was made during the call); in graph/webhooks.py when a provider's event moves it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

import structlog
from strawberry.extensions.field_extension import AsyncExtensionResolver, FieldExtension
from strawberry.types import Info
from strawberry.types.field import StrawberryField

from domain.payment import PaymentProvider, PaymentStatus
from graph import request_facts
from graph.metrics import CHECKOUT_COMPLETIONS, PAYMENTS

log = structlog.get_logger("checkout_flow.metrics")


def count_payment(provider: PaymentProvider, status: PaymentStatus) -> None:
    PAYMENTS.labels(provider.value, status.value).inc()


class CountedOutcome(FieldExtension):
    async def resolve_async(
        self, next_: AsyncExtensionResolver, source: Any, info: Info, **kwargs: Any
    ) -> Any:
        started = info.context.now()
        payload = await next_(source, info, **kwargs)
        try:
            _count(info.field_name, payload, started)
        except Exception:  # a metric never fails the call it counts
            log.exception("counting failed", mutation=info.field_name)
        return payload


def _count(field_name: str, payload: Any, started: datetime) -> None:
    errors = getattr(payload, "errors", None) or []
    shown = getattr(payload, "checkout", None)
    checkout = getattr(shown, "checkout", None)  # the domain checkout behind the type
    if checkout is not None:
        # A token call sent without a store key learns its store only now.
        request_facts.note_store(checkout.store.id)
    if field_name == "completeCheckout":
        order = getattr(payload, "order", None)
        CHECKOUT_COMPLETIONS.labels(
            "completed" if order is not None else _code(errors) or "unknown"
        ).inc()
        payment = getattr(order, "payment", None)
        if (
            order is not None
            and payment is not None
            and payment.provider.is_online
            and payment.status is PaymentStatus.PAID
            and order.created_at >= started
        ):
            count_payment(payment.provider, payment.status)
        return
    payment = getattr(checkout, "payment", None)
    if not errors and payment is not None and payment.created_at >= started:
        count_payment(payment.provider, payment.status)


def _code(errors: list[Any]) -> str | None:
    code = getattr(errors[0], "code", None) if errors else None
    return str(getattr(code, "value", code)) if code is not None else None


Field = TypeVar("Field", bound=StrawberryField)


def counted(field: Field) -> Field:
    """The mutation with its outcome counted; innermost, so that it sees what the resolver
    returned and nothing a limit or a permission refused."""
    field.extensions.insert(0, CountedOutcome())
    return field
