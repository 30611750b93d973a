"""The schema with its limits (contract §5) and caches, built once per process."""

from __future__ import annotations

import strawberry
from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from graph.errors import ErrorShaping
from graph.mutations import Mutation
from graph.queries import Query
from graph.subscriptions import Subscription
from graph.subscriptions.loaders_per_operation import FreshLoadersPerOperation

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 2000


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[
            ErrorShaping,
            FreshLoadersPerOperation,
            lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
            # Both caches live at module level in Strawberry, shared by every request.
            lambda: ParserCache(maxsize=512),
            lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
            lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
            lambda: ValidationCache(maxsize=512),
        ],
        config=StrawberryConfig(auto_camel_case=True),
    )


schema = build_schema()
