"""What `CHECKOUT_FLOW_ENV=production` changes, apart from the explorer and GET queries (the
view) and JSON logs (settings): the settings that must be given, and the validation that
tells a stranger nothing about the schema — no introspection, no "Did you mean …?".

The schema itself is the same in both modes (`export-schema` prints one SDL); production only
adds validation rules, per request, from the request's context. The rules are made once, at
import: the validation cache is keyed on the rule classes, so the same document validates from
the cache in either mode.
"""

from __future__ import annotations

from typing import Any

import structlog
from graphql import (
    ASTValidationRule,
    NoSchemaIntrospectionCustomRule,
    ValidationContext,
    ValidationRule,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from graph.settings import Settings

log = structlog.get_logger("checkout_flow.start")

# What production cannot guess: where providers reach us, and the key to the vault.
REQUIRED = {
    "public_base_url": "CHECKOUT_FLOW_PUBLIC_BASE_URL",
    "vault_key": "CHECKOUT_FLOW_VAULT_KEY",
}


class NotConfigured(Exception):
    """Production was asked for without the settings it needs."""

    def __init__(self, missing: list[str]) -> None:
        self.missing = missing
        them = "them" if len(missing) > 1 else "it"
        super().__init__(
            f"CHECKOUT_FLOW_ENV=production needs {' and '.join(missing)}; set {them} in the "
            "environment or in .env (see Running in production in README.md)"
        )


def missing_settings(settings: Settings) -> list[str]:
    """The variables production needs and was not given (a default does not count)."""
    if not settings.is_production:
        return []
    missing = []
    for name, variable in REQUIRED.items():
        value = getattr(settings, name)
        text = value.get_secret_value() if hasattr(value, "get_secret_value") else value
        if name not in settings.model_fields_set or not str(text or "").strip():
            missing.append(variable)
    return missing


def check_start(settings: Settings) -> None:
    """Raises NotConfigured; warns about what production allows but should not have."""
    missing = missing_settings(settings)
    if missing:
        raise NotConfigured(missing)
    if not settings.is_production:
        return
    if settings.database_url.startswith("sqlite"):
        log.warning(
            "production on SQLite: one process, one writer, no --workers; "
            "use PostgreSQL (CHECKOUT_FLOW_DATABASE_URL=postgresql+psycopg://…)"
        )
    if not settings.public_base_url.startswith("https://"):
        log.warning(
            "CHECKOUT_FLOW_PUBLIC_BASE_URL is not https: providers send webhooks there",
            public_base_url=settings.public_base_url,
        )


def is_production(context: Any) -> bool:
    runtime = getattr(context, "runtime", None)
    return bool(runtime is not None and runtime.settings.is_production)


class HideSuggestions(ValidationRule):
    """graphql-core's `validate(…, hide_suggestions=True)` as a rule: Strawberry calls
    `validate` without that argument, and every rule reads the flag from the context it shares,
    so a rule that sets it at the start hides the suggestions of all the others."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        context._hide_suggestions = True


PRODUCTION_RULES: tuple[type[ASTValidationRule], ...] = (
    NoSchemaIntrospectionCustomRule,
    HideSuggestions,
)


class SuggestionHidingExecutor(StrawberryGraphQLCoreExecutionContext):
    """Variables are checked when execution starts (an enum value misspelt in `variables`),
    outside validation: graphql-core's executor hides their suggestions when asked to."""

    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> Any:
        context = kwargs["context_value"] if "context_value" in kwargs else _nth(args, 3)
        if is_production(context):
            kwargs["hide_suggestions"] = True
        return super().build(*args, **kwargs)


def _nth(values: tuple[Any, ...], index: int) -> Any:
    return values[index] if len(values) > index else None
