"""Subscriptions that hold little while they wait for the next change.

Strawberry runs a subscription inside its extensions' hooks from start to end: every
`on_operation` and `on_execute` hook stays open (a generator, its context manager and an exit
stack each), with the extension instances, the execution context and graphql-core's mapping
iterator — about 12 KiB for every subscriber, most of them waiting for hours for a checkout
that may never change. Nothing in those hooks is needed after the first answer: they check
and prepare the operation (limits, credentials, fresh loaders, the request's facts) and shape
the errors of each answer.

So once a subscription of ours has sent an answer without errors, the stream here takes over
from Strawberry's: the subscription's event source stops feeding Strawberry's stream, which
then ends as any stream does (its hooks close normally), and each later event is executed as
graphql-core's mapping iterator executes it (the subscription's executor makes an executor
per event, which finds the answer the other subscribers share) and handed to the protocol
handler as Strawberry's stream hands it. An answer with errors, which is rare, goes through
the schema's error processing and the extensions' `on_stream_result` hooks as before, with
extension instances made for it.

The hand-over happens only where it changes nothing a client sees: the schema's extensions
add nothing to answers (no `get_results`), and the only ones that look at each answer touch
only answers with errors (`ERRORS_ONLY_STREAM_HOOKS`). With any other extension, and until an
answer without errors, Strawberry's stream simply goes on.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import nullcontext
from contextvars import ContextVar
from functools import cache
from inspect import isawaitable
from typing import TYPE_CHECKING, Any, Protocol

from graphql import GraphQLError, parse
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import ExecutionContext, ExecutionResult, PreExecutionError
from strawberry.types.graphql import OperationType

from graph import request_facts
from graph.errors import ErrorShaping

if TYPE_CHECKING:
    from strawberry.schema import Schema

# Extensions whose `on_stream_result` acts on answers with errors only: an answer without
# errors may skip them.
ERRORS_ONLY_STREAM_HOOKS: frozenset[type[SchemaExtension]] = frozenset({ErrorShaping})


class EventSource(Protocol):
    """What a subscription's resolver returns (`graph.subscriptions.fields.Readings`)."""

    def hand_over(self) -> None:
        """From now on Strawberry's stream gets nothing more: `next_event` gives the events."""

    async def next_event(self) -> Any:
        """The next event; StopAsyncIteration when there are no more."""

    def close(self) -> None: ...


class Handover:
    """What the first answer of a subscription leaves for the lean stream: the resolver's
    event source and graphql-core's executor of the subscription."""

    __slots__ = ("executor", "source")

    def __init__(self) -> None:
        self.source: EventSource | None = None
        self.executor: Any = None


# Set by the lean stream in the operation's own task (each operation on a WebSocket runs in a
# task of its own), for the resolver and the executor, which run inside it.
_HANDOVER: ContextVar[Handover | None] = ContextVar("subscription_handover", default=None)


def offer_source(source: EventSource) -> None:
    """Called by a subscription's resolver with the event source it returns."""
    handover = _HANDOVER.get()
    if handover is not None and handover.source is None:
        handover.source = source


def offer_executor(executor: Any) -> None:
    """Called by the subscription's executor when it makes the executor of an event."""
    handover = _HANDOVER.get()
    if handover is not None and handover.executor is None:
        handover.executor = executor


def extensions_allow(schema: Schema) -> bool:
    """Whether answers without errors may skip the schema's extensions once it runs."""
    return _types_allow(tuple(type(extension) for extension in schema.get_extensions()))


@cache
def _types_allow(extension_types: tuple[type[SchemaExtension], ...]) -> bool:
    for extension in extension_types:
        if extension.get_results is not SchemaExtension.get_results:
            return False
        stream_hook = extension.on_stream_result
        if (
            stream_hook is not SchemaExtension.on_stream_result
            and extension not in ERRORS_ONLY_STREAM_HOOKS
        ):
            return False
    return True


class LeanStream:
    """Strawberry's stream of an operation (`inner`) until a subscription has answered without
    errors, then its later events, executed here.

    An async iterator of its own rather than an async generator: a waiting subscription holds
    this object (a few references) instead of a suspended generator frame, and the event loop
    keeps no record of it (it tracks every live async generator)."""

    __slots__ = (
        "_events",
        "_facts",
        "_finished",
        "_handover",
        "_inner",
        "_operation",
        "_source",
        "_switching",
    )

    def __init__(
        self,
        schema: Schema,
        inner: AsyncGenerator[Any, None],
        query: str | None,
        variables: dict[str, Any] | None,
        context: Any,
        root_value: Any,
        operation_name: str | None,
    ) -> None:
        self._inner: AsyncGenerator[Any, None] | None = inner
        # The operation as the protocol handler asked for it, for an answer with errors.
        self._operation = (schema, query, variables, context, root_value, operation_name)
        self._handover: Handover | None = Handover()
        # Made in the operation's task (the handler awaits the schema's `stream` there), before
        # the resolver and the executor run.
        _HANDOVER.set(self._handover)
        self._switching = False
        self._source: EventSource | None = None
        self._events: Any = None
        self._facts: request_facts.RequestFacts | None = None
        self._finished = False

    def __aiter__(self) -> LeanStream:
        return self

    async def __anext__(self) -> Any:
        if self._finished:
            raise StopAsyncIteration
        if self._inner is not None:
            result = await self._from_inner()
            if result is not _SWITCHED:
                return result
        return await self._next_event()

    async def _from_inner(self) -> Any:
        inner = self._inner
        assert inner is not None
        handover = self._handover
        if self._switching and handover is not None and handover.source is not None:
            # Still inside the operation's hooks: its facts are in effect.
            self._facts = request_facts.current()
            handover.source.hand_over()
        try:
            result = await anext(inner)
        except StopAsyncIteration:
            if not self._switching:
                self._close_inner()
                raise
            # The source gave Strawberry's stream nothing more: it has ended, its hooks closed.
            assert handover is not None
            self._source, self._events = handover.source, handover.executor.event_executor()
            self._close_inner()
            return _SWITCHED
        except BaseException:
            self._close_inner()
            raise
        if not self._switching and _may_hand_over(self._operation[0], handover, result):
            self._switching = True  # once the handler has sent this answer
        return result

    def _close_inner(self) -> None:
        self._inner, self._handover = None, None
        _HANDOVER.set(None)

    async def _next_event(self) -> Any:
        source = self._source
        if source is None:
            raise StopAsyncIteration
        try:
            event = await source.next_event()
            answer = self._events.execute(event)
            if isawaitable(answer):
                answer = await answer
        except StopAsyncIteration:
            self._finish()
            raise
        except Exception as error:  # as Strawberry's stream: an answer with the error, the end
            self._finish()
            failed = error if isinstance(error, GraphQLError) else _unexpected(error)
            return await _with_errors(self._operation, None, [failed], self._facts)
        if answer.errors:
            return await _with_errors(self._operation, answer.data, answer.errors, self._facts)
        # What Strawberry's stream makes of it: no errors, no extension results.
        return ExecutionResult(data=answer.data, errors=None, extensions={})

    def _finish(self) -> None:
        self._finished = True
        if self._source is not None:
            self._source.close()
            self._source = self._events = None

    async def aclose(self) -> None:
        inner = self._inner
        if inner is not None:
            self._close_inner()
            await inner.aclose()
        self._finish()


_SWITCHED: Any = object()


def _unexpected(error: Exception) -> GraphQLError:
    return GraphQLError(str(error), original_error=error)


def _may_hand_over(schema: Schema, handover: Handover | None, result: Any) -> bool:
    return (
        handover is not None
        and handover.source is not None
        and handover.executor is not None
        and isinstance(result, ExecutionResult)
        and not isinstance(result, PreExecutionError)
        and not result.errors
        and extensions_allow(schema)
    )


async def _with_errors(
    operation: tuple[Schema, str | None, dict[str, Any] | None, Any, Any, str | None],
    data: Any,
    errors: list[GraphQLError],
    facts: request_facts.RequestFacts | None,
) -> ExecutionResult:
    """An answer with errors as Strawberry's stream makes it: the schema's error processing,
    the extensions' results and their `on_stream_result` hooks — with extensions and an
    execution context made for it, the operation's facts in effect for its log lines. The
    hooks' after-parts run before the answer leaves rather than after (ErrorShaping's has none)."""
    schema, query, variables, context, root_value, operation_name = operation
    execution = ExecutionContext(
        query=query,
        schema=schema,
        allowed_operations=(OperationType.SUBSCRIPTION,),
        context=context,
        variables=variables,
        root_value=root_value,
        provided_operation_name=operation_name,
    )
    # The document parsed again (the operation's own was let go at the hand-over): the hooks
    # ask only whether there is one.
    execution.graphql_document = parse(query) if query else None
    extensions = schema.get_extensions()
    for extension in extensions:
        extension.execution_context = execution
    runner = schema.create_extensions_runner(execution, extensions)
    with request_facts.in_effect(facts) if facts is not None else nullcontext():
        execution.pre_execution_errors = errors
        schema._process_errors(errors, execution)
        result = ExecutionResult(data=data, errors=errors)
        result.extensions = await runner.get_extensions_results(execution)
        execution.result = result
        async with runner.on_stream_result(result):
            pass
    return result
