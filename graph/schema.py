"""The schema with its limits (contract §5) and caches, built once per process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.extensions.max_aliases import create_validator as aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.name_converter import NameConverter
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

from graph.errors import ErrorShaping
from graph.executor import CheckoutExecutor
from graph.extension_hooks import HooksFoundOnce
from graph.input_text import TextWithoutNul
from graph.mutations import Mutation
from graph.operation_facts import OperationFacts
from graph.parser_cache import ParserCacheAnsweringErrors, ValidationCacheByDocument
from graph.production import PRODUCTION_RULES, is_production
from graph.queries import Query
from graph.subscriptions import Subscription
from graph.subscriptions.lean import LeanStream
from graph.subscriptions.loaders_per_operation import FreshLoadersPerOperation

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 2000

# The limit rules are made once: the validation cache is keyed on the rule classes, so a
# class made per request (as QueryDepthLimiter() and MaxAliasesLimiter() do) never hits it.
LIMIT_RULES = [depth_rule(MAX_DEPTH, None, None), aliases_rule(MAX_ALIASES)]


class OperationLimits(SchemaExtension):
    """The limits every document is held to (tokens while parsing, depth and aliases while
    validating) and, in production, the production rules (no introspection, no suggestions).
    One extension where Strawberry's MaxTokensLimiter and AddValidationRules and a third of
    ours took three: Strawberry asks every extension for each of its hooks on every operation."""

    def on_operation(self) -> Iterator[None]:
        execution = self.execution_context
        execution.parse_options["max_tokens"] = MAX_TOKENS
        rules = (*execution.validation_rules, *LIMIT_RULES)
        if is_production(execution.context):
            rules = (*rules, *PRODUCTION_RULES)
        execution.validation_rules = rules
        yield


class NamesConvertedOnce(NameConverter):
    """Strawberry turns an input field's Python name into its camelCase GraphQL name for every
    field of every input object in every request (~1 % of a checkout's CPU); the names are
    the schema's own, few and fixed, so each is converted once."""

    def __init__(self) -> None:
        super().__init__(auto_camel_case=True)
        self._converted: dict[str, str] = {}

    def apply_naming_config(self, name: str) -> str:
        converted = self._converted.get(name)
        if converted is None:
            converted = self._converted[name] = super().apply_naming_config(name)
        return converted


class CheckoutSchema(strawberry.Schema):
    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        return HooksFoundOnce(execution_context=execution_context, extensions=extensions)

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Strawberry would log a traceback for every top-level error, an expected refusal
        (UNAUTHENTICATED, a limit) included; the unexpected ones are logged once, with the
        request id, where ErrorShaping masks them."""

    async def stream(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        operation_extensions: dict[str, Any] | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
    ) -> AsyncIterator[Any]:
        """Every operation over a WebSocket comes here (graphql-ws through `subscribe`). A
        subscription costs little while it waits once it has answered: see
        graph.subscriptions.lean."""
        inner = await super().stream(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            operation_extensions,
            allowed_operation_types,
        )
        return LeanStream(
            self, inner, query, variable_values, context_value, root_value, operation_name
        )


def build_schema() -> strawberry.Schema:
    return CheckoutSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[
            # Outermost: the facts it notes are on every line the others log, masked errors too.
            OperationFacts,
            ErrorShaping,
            FreshLoadersPerOperation,
            TextWithoutNul,
            OperationLimits,
            # Both caches live at module level, shared by every request.
            lambda: ParserCacheAnsweringErrors(maxsize=512),
            lambda: ValidationCacheByDocument(maxsize=512),
        ],
        config=StrawberryConfig(name_converter=NamesConvertedOnce()),
        execution_context_class=CheckoutExecutor,
    )


schema = build_schema()
