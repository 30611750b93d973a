"""Errors as clients see them.

Business outcomes are `UserError`s in a payload's `errors` list. Faults of the request itself
(credentials, limits, malformed documents) are top-level errors with `extensions.code`; any
other exception is masked as "Internal server error" with the request id, and logged.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import strawberry
import structlog
from graphql import GraphQLError, validate
from strawberry.exceptions import MissingQueryError
from strawberry.extensions import SchemaExtension
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError

from domain.errors import ErrorCode, Rejected

ErrorCodeType = strawberry.enum(
    ErrorCode, name="ErrorCode", description="Why a change was refused."
)

UNAUTHENTICATED = "UNAUTHENTICATED"
FORBIDDEN = "FORBIDDEN"
BAD_REQUEST = "BAD_REQUEST"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
LIMIT_EXCEEDED = "LIMIT_EXCEEDED"
INTERNAL = "INTERNAL_SERVER_ERROR"

log = structlog.get_logger("checkout_flow.graphql")


@strawberry.type(description="A business outcome that stopped a change; nothing was changed.")
class UserError:
    code: ErrorCodeType  # type: ignore[valid-type]
    field: list[str] | None = strawberry.field(
        description="Path of the offending input, from the argument name: ['lines', '0', 'sku']."
    )
    message: str
    retry_after_seconds: int | None = strawberry.field(
        default=None,
        description="LIMIT_EXCEEDED only: seconds after which the same call is allowed again.",
    )


def user_errors(rejected: Rejected) -> list[UserError]:
    return [
        UserError(
            code=problem.code,
            field=list(problem.field) if problem.field is not None else None,
            message=problem.message,
        )
        for problem in rejected.problems
    ]


class ApiError(GraphQLError):
    """A top-level error with a code, raised by the edge (never by the domain)."""

    def __init__(self, message: str, code: str, **extensions: Any) -> None:
        super().__init__(message, extensions={"code": code, **extensions})


def unauthenticated(message: str = "a valid store key is needed") -> ApiError:
    return ApiError(message, UNAUTHENTICATED)


def forbidden(message: str = "this needs the store's secret key") -> ApiError:
    return ApiError(message, FORBIDDEN)


def limit_exceeded(message: str) -> ApiError:
    return ApiError(message, LIMIT_EXCEEDED)


def bad_request(message: str) -> ApiError:
    return ApiError(message, BAD_REQUEST)


# What Strawberry hands to the HTTP view to answer with a status code of its own.
_PASSED_TO_THE_VIEW = (MissingQueryError, CannotGetOperationTypeError, InvalidOperationTypeError)
# graphql-core aborts validation of a document that costs it too much work.
_COMPLEXITY_HINTS = (
    "exceeds maximum operation depth",
    "aliases found",
    "more than",
    "Validation aborted",
)


class ErrorShaping(SchemaExtension):
    """Gives every top-level error a code and masks unexpected ones."""

    def on_operation(self) -> Iterator[None]:
        try:
            yield
        except _PASSED_TO_THE_VIEW:
            raise
        except GraphQLError as error:
            # Raised before Strawberry made a result of it (the parser cache parses outside
            # Strawberry's own try): Strawberry answers with the error we raise instead.
            raise self._shape(error) from None
        except Exception as exc:
            raise self._failed_before_execution(exc) from None
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if result is not None and errors:
            result.errors = [self._shape(error) for error in errors]

    def on_stream_result(self, result: Any) -> Iterator[None]:
        """A result sent over a WebSocket leaves before `on_operation` ends: shaped (and an
        unexpected failure masked) here, as it is in `on_operation` for HTTP."""
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = [self._shape(error) for error in errors]
        yield

    def _shape(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if isinstance(original, ApiError):
            return GraphQLError(
                original.message,
                error.nodes,
                error.source,
                error.positions,
                error.path,
                extensions=original.extensions,
            )
        if isinstance(error, ApiError) or (error.extensions or {}).get("code"):
            return error
        if original is not None and not isinstance(original, GraphQLError):
            return self._masked(error, original)
        return GraphQLError(
            error.message,
            error.nodes,
            error.source,
            error.positions,
            error.path,
            extensions={"code": self._request_error_code(error)},
        )

    def _failed_before_execution(self, exc: Exception) -> GraphQLError:
        """A crash while parsing or validating: a document that breaks a validation rule
        (an unknown fragment) is reported as the plain GraphQL rules see it."""
        document = self.execution_context.graphql_document
        if document is not None:
            schema = self.execution_context.schema._schema
            problems = validate(schema, document, max_errors=1)
            if problems:
                return self._shape(problems[0])
        return self._masked(GraphQLError(str(exc), original_error=exc), exc)

    def _request_error_code(self, error: GraphQLError) -> str:
        if self.execution_context.graphql_document is None:
            too_long = "tokens" in error.message and "more than" in error.message
            return QUERY_TOO_COMPLEX if too_long else BAD_REQUEST
        if any(hint in error.message for hint in _COMPLEXITY_HINTS):
            return QUERY_TOO_COMPLEX
        if error.message.startswith("Variable '$"):
            return BAD_REQUEST
        return VALIDATION_FAILED

    def _masked(self, error: GraphQLError, original: BaseException) -> GraphQLError:
        context = self.execution_context.context
        request_id = getattr(context, "request_id", None)
        log.error(
            "unexpected error",
            request_id=request_id,
            path=error.path,
            exc_info=(type(original), original, original.__traceback__),
        )
        return GraphQLError(
            "Internal server error",
            error.nodes,
            error.source,
            error.positions,
            error.path,
            extensions={"code": INTERNAL, "requestId": request_id},
        )
