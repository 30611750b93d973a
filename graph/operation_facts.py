"""What a GraphQL operation tells the logs and metrics about itself: its name and type, its
root fields, and the prefix of the checkout token it names — noted in the request's facts
once the document is parsed, before validation, so a refused document is logged as what it
asked for."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    VariableNode,
    get_operation_ast,
)
from starlette.websockets import WebSocket
from strawberry.extensions import SchemaExtension

from graph import request_facts
from graph.request_facts import RequestFacts, in_effect, short

# Root fields noted of one operation; the alias limit keeps real documents well below.
MOST_ROOT_FIELDS = 32


class OperationFacts(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        facts, own = self._facts()
        self._noted = facts
        if own:
            with in_effect(facts):
                yield
        else:
            yield

    def _facts(self) -> tuple[RequestFacts, bool]:
        """The request's facts, and whether this operation must put them in effect itself:
        an MCP tool runs outside the request's task; a WebSocket carries many operations at
        once, each with a copy of the connection's facts."""
        connection = getattr(self.execution_context.context, "connection", None)
        scoped = request_facts.of_scope(getattr(connection, "scope", None))
        if isinstance(connection, WebSocket) and scoped is not None:
            return replace(scoped, extra=dict(scoped.extra)), True
        current = request_facts.current()
        if current is not None:
            return current, False
        if scoped is not None:
            return scoped, True
        request_id = getattr(self.execution_context.context, "request_id", "-")
        return RequestFacts(request_id=request_id), True

    def on_validate(self) -> Iterator[None]:
        execution = self.execution_context
        document = execution.graphql_document
        if document is not None:
            _note(self._noted, document, execution.operation_name, execution.variables or {})
        yield


def _note(
    facts: RequestFacts,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any],
) -> None:
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return
    facts.operation = short(operation.name.value) if operation.name else None
    facts.operation_type = operation.operation.value
    fields = list(_root_fields(document, operation))[:MOST_ROOT_FIELDS]
    facts.root_fields = tuple(dict.fromkeys(short(field.name.value) for field in fields))
    for field in fields:
        for argument in field.arguments or ():
            if argument.name.value != "token":
                continue
            value = argument.value
            if isinstance(value, StringValueNode):
                facts.note_token(value.value)
            elif isinstance(value, VariableNode):
                facts.note_token(variables.get(value.name.value))


def _root_fields(document: DocumentNode, operation: OperationDefinitionNode) -> Iterator[FieldNode]:
    """The operation's top-level fields, also those in fragments spread at the top."""
    fragments = {
        definition.name.value: definition.selection_set
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    seen: set[str] = set()

    def walk(selection_set: SelectionSetNode) -> Iterator[FieldNode]:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                yield from walk(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in fragments and name not in seen:
                    seen.add(name)
                    yield from walk(fragments[name])

    return walk(operation.selection_set)
