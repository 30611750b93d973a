"""Running a tool as its GraphQL twin: the same schema, the same Context the HTTP view builds
from the request's headers, so credentials, store scoping, limits and error codes are the
GraphQL endpoint's own, not a copy of them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import structlog
from graphql import GraphQLError, GraphQLSchema
from starlette.requests import Request
from strawberry.types.graphql import OperationType

from graph.graphql_view import CheckoutGraphQL

Kind = Literal["query", "mutation"]


@dataclass(frozen=True, slots=True)
class Operation:
    """One root field of the schema and what to select from its answer."""

    kind: Kind
    field: str
    selection: str


@dataclass(frozen=True, slots=True)
class Answer:
    """The root field's value, and the top-level errors shaped like UserErrors."""

    value: Any
    errors: list[dict[str, Any]]


class OperationMissing(Exception):
    """The schema has no such root field (yet): the tool cannot be served."""


def document(schema: GraphQLSchema, operation: Operation, arguments: dict[str, Any]) -> str:
    """A named operation passing exactly the given arguments as variables, each typed as the
    schema types that argument; arguments left out keep the schema's defaults."""
    root = schema.query_type if operation.kind == "query" else schema.mutation_type
    found = root.fields.get(operation.field) if root is not None else None
    if found is None:
        raise OperationMissing(operation.field)
    unknown = set(arguments) - set(found.args)
    if unknown:
        # The input schemas mirror the GraphQL arguments; a mismatch is a bug here.
        raise ValueError(f"{operation.field} takes no argument {sorted(unknown)}")
    names = [name for name in found.args if name in arguments]
    variables = ", ".join(f"${name}: {found.args[name].type}" for name in names)
    passed = ", ".join(f"{name}: ${name}" for name in names)
    head = f"{operation.kind} Mcp{operation.field[0].upper()}{operation.field[1:]}"
    head += f"({variables})" if names else ""
    call = f"{operation.field}({passed})" if names else operation.field
    return f"{head} {{ {call} {operation.selection} }}"


class GraphQLRunner:
    """Executes operations in-process against the app's GraphQL view."""

    def __init__(self, view: CheckoutGraphQL) -> None:
        self.view = view
        # graphql-core's schema under Strawberry's: it knows each argument's type.
        self.types: GraphQLSchema = view.schema._schema  # type: ignore[attr-defined]

    async def run(
        self, operation: Operation, arguments: dict[str, Any], request: Request
    ) -> Answer:
        query = document(self.types, operation, arguments)
        context = await self.view.get_context(request, None)
        allowed = OperationType.QUERY if operation.kind == "query" else OperationType.MUTATION
        # The MCP transport runs tools outside the request's task: bind its id for the logs.
        with structlog.contextvars.bound_contextvars(request_id=context.request_id):
            result = await self.view.schema.execute(
                query,
                variable_values=arguments,
                context_value=context,
                allowed_operation_types=[allowed],
            )
        value = (result.data or {}).get(operation.field)
        return Answer(value, [_as_user_error(error) for error in result.errors or []])


def _as_user_error(error: GraphQLError) -> dict[str, Any]:
    extensions = error.extensions or {}
    shaped: dict[str, Any] = {
        "code": extensions.get("code", "INTERNAL_SERVER_ERROR"),
        "field": None,
        "message": error.message,
    }
    if extensions.get("requestId"):
        shaped["requestId"] = extensions["requestId"]
    return shaped
