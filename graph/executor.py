"""How the schema's documents are executed: graphql-core's executor, with a short way for the
fields that make up most of every answer.

A checkout's answer is mostly values read straight off objects: a line's sku, name and
quantity, its prices, a money's amount and currency. graphql-core treats each like any field
(a resolve-info object, the resolver through Strawberry's wrapper, non-null, list, leaf and
object checks in turn): about 4 µs a field, most of the time a 100-line checkout takes. A
field that is a plain attribute (no resolver, argument, permission or extension) of a scalar,
enum or object type is read here directly: a scalar coerced, an object's own fields executed.
Anything unusual (an error, a null where none may be) goes the ordinary way, which reads the
attribute again and reports exactly as it would have.

An object whose selected fields are all such fields (a line: its sku, name, quantity, prices
and meta) is answered in one go, without graphql-core's per-field paths and checks: its
answer is made straight from the attributes by the selection's plan, made once per selection
and execution when the selection comes a second time (a list's items; for a selection met
once, making the plan costs what it saves). Should anything in it be unusual, the object
goes the ordinary way as a whole.

A field whose resolver only projects its object (a method of the type that takes nothing but
`self`, synchronous, with no arguments, permission, extension or directive: a checkout's
items, totals, customer) is resolved by calling that method directly, without Strawberry's
wrapper (an `Info`, the arguments converted, the extension chain put together for each
call); its value is completed as graphql-core completes any resolver's.

A document whose selections no variable can change (no directive anywhere: no @skip, @include
or @defer) selects the same sub-fields in every execution: those collections and their plans
are kept across executions, by the identity of the parsed document's nodes (the documents are
cached; see graph/parser_cache.py). A storefront sends the same few documents again and again,
so from their second execution on, every plain object in their answers is made by its plan.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import json
import operator
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import cache
from typing import Any, NamedTuple

from graphql import (
    ExecutionResult,
    FragmentSpreadNode,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    OperationDefinitionNode,
    is_leaf_type,
)
from graphql.execution import Executor as GraphQLExecutor
from strawberry.types.field import StrawberryField

from graph.production import SuggestionHidingExecutor

STRAWBERRY_FIELD = "strawberry-definition"
_FAILED: Any = object()
_NOT_YET: Any = object()  # a selection met once, not planned


class PlainField(NamedTuple):
    attribute: str
    output: GraphQLOutputType  # as declared, non-null or not
    type: GraphQLLeafType | GraphQLObjectType  # what is inside
    non_null: bool
    leaf: bool


PlainFields = dict[tuple[str, str], PlainField]  # by (object type's name, field's name)
# How to answer a selection of plain fields: each response key, its field, and the plan of the
# object's own selection (None for a leaf).
PlainPlan = tuple[tuple[str, PlainField, "PlainPlan | None"], ...]


class _Unusual(Exception):
    """A plain selection met something only the ordinary way reports (a null where none may
    be)."""


@cache  # one table per schema, made on its first execution
def plain_fields(schema: GraphQLSchema) -> PlainFields:
    table: PlainFields = {}
    for type_name, named in schema.type_map.items():
        if not isinstance(named, GraphQLObjectType) or type_name.startswith("__"):
            continue
        for field_name, field in named.fields.items():
            definition = (field.extensions or {}).get(STRAWBERRY_FIELD)
            if not _is_plain(definition, field.resolve) or field.args:
                continue
            output = field.type
            non_null = isinstance(output, GraphQLNonNull)
            inner = output.of_type if non_null else output
            # An object type that checks what it is given (is_type_of) goes the ordinary way.
            if is_leaf_type(inner) or (
                isinstance(inner, GraphQLObjectType) and not inner.is_type_of
            ):
                table[type_name, field_name] = PlainField(
                    definition.python_name, output, inner, non_null, is_leaf_type(inner)
                )
    return table


@cache  # one table per schema, made on its first execution
def projections(schema: GraphQLSchema) -> dict[tuple[str, str], Callable[[Any], Any]]:
    """The methods of fields that only project their object, by (type's name, field's name).
    None at all where the schema has exception handlers, which Strawberry's wrapper applies."""
    converter = getattr(getattr(schema, "_strawberry_schema", None), "schema_converter", None)
    if converter is None or getattr(converter, "_exception_handler_specs", True):
        return {}
    table: dict[tuple[str, str], Callable[[Any], Any]] = {}
    for type_name, named in schema.type_map.items():
        if not isinstance(named, GraphQLObjectType) or type_name.startswith("__"):
            continue
        for field_name, graphql_field in named.fields.items():
            definition: Any = (graphql_field.extensions or {}).get(STRAWBERRY_FIELD)
            if not graphql_field.args and _is_projection(definition):
                table[type_name, field_name] = definition.base_resolver.wrapped_func
    return table


def _is_projection(definition: Any) -> bool:
    if not isinstance(definition, StrawberryField) or definition.base_resolver is None:
        return False
    resolver = definition.base_resolver
    return (
        not definition.is_async
        and not definition.is_subscription
        and not definition.permission_classes
        and not definition.directives
        and not definition.extensions
        and not resolver.arguments
        and resolver.self_parameter is not None
        and resolver.info_parameter is None
        and resolver.root_parameter is None
        and resolver.parent_parameter is None
        and callable(resolver.wrapped_func)
    )


def _is_plain(definition: Any, resolve: Any) -> bool:
    return (
        isinstance(definition, StrawberryField)
        and definition.is_basic_field
        and definition.default_resolver is getattr
        and getattr(resolve, "_is_default", False)
        and not definition.permission_classes
        and not definition.directives
    )


# Kept across executions: at most this many collections and operations (a storefront has a few
# dozen documents); past it, everything is forgotten and collected again.
KEPT_ACROSS_EXECUTIONS = 2048


@dataclass
class _Collection:
    """A selection's sub-fields in a document whose selections no variable changes, with the
    nodes they were collected from (so that their ids are no other's) and their plan."""

    nodes: tuple[Any, ...]
    collected: Any  # graphql-core's CollectedFields
    plan: PlainPlan | None


@dataclass
class _AcrossExecutions:
    collections: dict[tuple[Any, ...], _Collection] = dataclasses.field(default_factory=dict)
    # By the operation's id: the operation (so that its id is no other's) and whether no
    # variable can change its selections.
    fixed: dict[int, tuple[OperationDefinitionNode, bool]] = dataclasses.field(default_factory=dict)

    def forget_when_full(self) -> None:
        if len(self.collections) >= KEPT_ACROSS_EXECUTIONS:
            self.collections.clear()
        if len(self.fixed) >= KEPT_ACROSS_EXECUTIONS:
            self.fixed.clear()


@cache  # one per schema
def _across_executions(schema: GraphQLSchema) -> _AcrossExecutions:
    return _AcrossExecutions()


def _selections_fixed(operation: OperationDefinitionNode, fragments: dict[str, Any]) -> bool:
    """Whether no directive (and no fragment argument) appears in the operation's selections
    or in any fragment of its document."""
    pending: list[Any] = [operation.selection_set]
    pending += [details.definition.selection_set for details in fragments.values()]
    while pending:
        selection_set = pending.pop()
        if selection_set is None:
            continue
        for selection in selection_set.selections:
            if selection.directives:
                return False
            if isinstance(selection, FragmentSpreadNode) and getattr(selection, "arguments", None):
                return False
            pending.append(getattr(selection, "selection_set", None))
    for details in fragments.values():
        if details.definition.directives or details.variable_signatures:
            return False
    return True


@dataclass(frozen=True, slots=True)
class SharedEvent:
    """A subscription event that many subscriptions receive at once: the object to show, and
    the answers made of it so far. Subscriptions that ask the same document with the same
    variables and credentials get the same answer, so it is executed once for all of them."""

    payload: Any
    answers: dict[Hashable, Any]


class CheckoutExecutor(SuggestionHidingExecutor):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # An extension that wraps resolvers must see every field, plain ones included.
        manager = self.middleware_manager
        wrapped = manager is not None and bool(manager.middlewares)
        self._plain_fields: PlainFields = {} if wrapped else plain_fields(self.schema)
        self._projections = {} if wrapped else projections(self.schema)
        # By the identity of a grouped field set, kept alive with it (so that the identity is
        # no other's meanwhile): its plan, None when not all of it is plain, or _NOT_YET.
        self._plain_plans: dict[int, tuple[Any, Any]] = {}
        self._across = _across_executions(self.schema)
        self._fixed = self._is_fixed()

    def _is_fixed(self) -> bool:
        operation = self.operation
        known = self._across.fixed.get(id(operation))
        if known is not None and known[0] is operation:
            return known[1]
        self._across.forget_when_full()
        fixed = _selections_fixed(operation, self.fragments)
        self._across.fixed[id(operation)] = (operation, fixed)
        return fixed

    def collect_subfields(self, return_type: GraphQLObjectType, field_details_list: Any) -> Any:
        if not self._fixed:
            return super().collect_subfields(return_type, field_details_list)
        return self._collection(return_type, field_details_list).collected

    def _collection(self, return_type: GraphQLObjectType, field_details_list: Any) -> _Collection:
        nodes = tuple(details.node for details in field_details_list)
        key = (return_type, *map(id, nodes))
        known = self._across.collections.get(key)
        if known is not None and all(map(operator.is_, known.nodes, nodes)):
            return known
        collected = super().collect_subfields(return_type, field_details_list)
        collection = _Collection(nodes, collected, None)
        if self._plain_fields and not collected.new_defer_usages:
            collection.plan = self._plan_of(return_type, collected.grouped_field_set, now=True)
        self._across.forget_when_full()
        self._across.collections[key] = collection
        return collection

    def collect_and_execute_subfields(
        self,
        return_type: GraphQLObjectType,
        field_details_list: Any,
        path: Any,
        result: Any,
        position_context: Any,
    ) -> Any:
        if not self._fixed or position_context is not None:
            return super().collect_and_execute_subfields(
                return_type, field_details_list, path, result, position_context
            )
        collection = self._collection(return_type, field_details_list)
        if collection.plan is not None:
            try:
                return _answer_plainly(collection.plan, result)
            except Exception:  # the ordinary way reports it where it happened
                pass
        grouped_field_set, new_defer_usages, _ = collection.collected
        return self.execute_collected_subfields(
            return_type, result, path, grouped_field_set, new_defer_usages, position_context
        )

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Any,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        if position_context is None and self._plain_fields:
            plan = self._plan_of(parent_type, grouped_field_set)
            if plan is not None:
                try:
                    return _answer_plainly(plan, source_value)
                except Exception:  # the ordinary way reports it where it happened
                    pass
        return super().execute_fields(
            parent_type, source_value, path, grouped_field_set, position_context
        )

    def _plan_of(
        self, parent_type: GraphQLObjectType, grouped_field_set: Any, *, now: bool = False
    ) -> PlainPlan | None:
        """The selection's plan. A plan pays for itself only on a selection met again (a
        list's items), so one met for the first time goes the ordinary way, unless it is
        inside a selection being planned (`now`)."""
        key = id(grouped_field_set)
        known = self._plain_plans.get(key)
        if known is not None and known[1] is not _NOT_YET:
            return known[1]  # type: ignore[no-any-return]
        if known is None and not now:
            self._plain_plans[key] = (grouped_field_set, _NOT_YET)
            return None
        plan = self._make_plan(parent_type, grouped_field_set)
        self._plain_plans[key] = (grouped_field_set, plan)
        return plan

    def _make_plan(
        self, parent_type: GraphQLObjectType, grouped_field_set: Any
    ) -> PlainPlan | None:
        steps = []
        for response_name, field_details_list in grouped_field_set.items():
            first = field_details_list[0]
            plain = self._plain_fields.get((parent_type.name, first.node.name.value))
            if plain is None or any(details.defer_usage for details in field_details_list):
                return None
            own: PlainPlan | None = None
            if not plain.leaf:
                fields, deferred, _ = self.collect_subfields(
                    plain.type,  # type: ignore[arg-type]
                    field_details_list,
                )
                if deferred:
                    return None
                own = self._plan_of(plain.type, fields, now=True)  # type: ignore[arg-type]
                if own is None:
                    return None
            steps.append((response_name, plain, own))
        return tuple(steps)

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Any,
        position_context: Any,
    ) -> Any:
        key = (parent_type.name, field_details_list[0].node.name.value)
        plain = self._plain_fields.get(key)
        if plain is None:
            projection = self._projections.get(key)
            if projection is not None:
                return self._execute_projection(
                    projection, parent_type, source, field_details_list, path, position_context
                )
            return super().execute_field(
                parent_type, source, field_details_list, path, position_context
            )
        try:
            value = getattr(source, plain.attribute)
            if plain.leaf and value is not None:
                return self.complete_leaf_value(plain.type, value)  # type: ignore[arg-type]
        except Exception:
            value = _FAILED
        if value is _FAILED or (value is None and plain.non_null):
            # The ordinary way does it again and reports what is wrong where it happened.
            return super().execute_field(
                parent_type, source, field_details_list, path, position_context
            )
        if value is None:
            return None
        return self._complete_plain_object(plain, value, field_details_list, path, position_context)

    def _execute_projection(
        self,
        projection: Callable[[Any], Any],
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Any,
        position_context: Any,
    ) -> Any:
        """As graphql-core's `execute_field`, with the method called for the resolver."""
        field_def = parent_type.fields[field_details_list[0].node.name.value]
        return_type = field_def.type
        info = self.build_resolve_info(
            field_def, [details.node for details in field_details_list], parent_type, path
        )
        try:
            completed = self.complete_value(
                return_type, field_details_list, info, path, projection(source), position_context
            )
        except Exception as error:
            self.handle_field_error(error, return_type, field_details_list, path)
            return None
        if not self.is_awaitable(completed):
            return completed
        return self._settled(completed, return_type, field_details_list, path)

    async def _settled(
        self, completed: Any, return_type: GraphQLOutputType, field_details_list: Any, path: Any
    ) -> Any:
        try:
            return await completed
        except Exception as error:
            self.handle_field_error(error, return_type, field_details_list, path)
            return None

    def _complete_plain_object(
        self,
        plain: PlainField,
        value: Any,
        field_details_list: Any,
        path: Any,
        position_context: Any,
    ) -> Any:
        """The object's own fields, with their errors handled here as the ordinary way would:
        running them again would report each twice."""
        try:
            completed = self.collect_and_execute_subfields(
                plain.type,  # type: ignore[arg-type]
                field_details_list,
                path,
                value,
                position_context,
            )
        except Exception as error:
            self.handle_field_error(error, plain.output, field_details_list, path)
            return None
        if not self.is_awaitable(completed):
            return completed
        return self._settled(completed, plain.output, field_details_list, path)

    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> Any:
        executor = super().build(*args, **kwargs)
        if not isinstance(executor, list):
            # How it was made, for a subscription's `EventExecutor` to make its like again.
            executor._built_with = (args, kwargs)
        return executor

    def event_executor(self) -> EventExecutor:
        """What executes this subscription's later events without this executor itself
        (~4 KiB, held for as long as the subscription is open): see EventExecutor."""
        args, kwargs = self._built_with
        return EventExecutor(type(self), args, kwargs, self._answer_key(), self.operation)

    def build_per_event_executor(self, payload: Any) -> Any:
        # Imported here: graph.subscriptions imports this module.
        from graph.subscriptions.lean import offer_executor

        # The subscription's executor (this one) makes the executor of each event; the lean
        # stream takes over from it once Strawberry's stream has handed over.
        offer_executor(self)
        if isinstance(payload, SharedEvent):
            answer = _ready(self._known_answer(payload))
            if answer is not None:
                return _Answered(answer)
        event = super().build_per_event_executor(payload)
        # graphql-core's copy would share the subscription's memo of collected sub-fields,
        # keyed by lists made afresh for every event: it would grow by every event.
        event._relevant_sub_fields = {}
        event._plain_plans = {}
        return event

    def execute_operation(self, serially: bool | None = None) -> Any:
        event = self.root_value
        if not isinstance(event, SharedEvent):
            return super().execute_operation(serially)
        self.root_value = event.payload
        known = self._known_answer(event)
        if known is None:
            answer = super().execute_operation(serially)
            if not self.is_awaitable(answer):
                if not answer.errors:
                    event.answers[self._answer_key()] = (self.operation, answer)
                return answer
            known = asyncio.ensure_future(answer)
            # The operation is kept with it, so that its id is no other's meanwhile.
            event.answers[self._answer_key()] = (self.operation, known)
        return self._shared_answer(known, serially)

    def _known_answer(self, event: SharedEvent) -> Any:
        """The answer (or the future of it) another subscription of this document, variables
        and credentials made of the event; None when there is none yet."""
        operation, known = event.answers.get(self._answer_key(), (None, None))
        return known if operation is self.operation else None

    async def _shared_answer(self, known: Any, serially: bool | None) -> Any:
        answer = await asyncio.shield(known) if isinstance(known, asyncio.Future) else known
        if answer.errors:
            # Errors are reported to each with its own request's facts: made on its own.
            answer = super().execute_operation(serially)
            if self.is_awaitable(answer):
                answer = await answer
        return answer

    def _answer_key(self) -> Hashable:
        # Kept on the subscription's executor (and so on its per-event copies): the same for
        # every event.
        key: Hashable | None = self.__dict__.get("_shared_key")
        if key is None:
            variables = json.dumps(self.variable_values.coerced, sort_keys=True, default=repr)
            credential = getattr(self.context_value, "key", None)
            key = self._shared_key = (id(self.operation), variables, credential)
        return key


# Where Executor.build takes the root value, to make an executor like a subscription's own
# rooted at an event.
_ROOT_VALUE = list(inspect.signature(GraphQLExecutor.build).parameters).index("root_value")


class EventExecutor:
    """Executes a subscription's events as graphql-core does (its executor's copy for each event,
    rooted at the event), holding only what the subscription's executor was made of.

    Most events need no executor at all: another subscriber of the same document, variables and
    credentials made the answer already (`SharedEvent`). For the others one is made as the
    subscription's own was — the same document, variables, context and middleware — rooted at
    the event; it shares its answer with the rest as the copies do."""

    __slots__ = ("_args", "_executor_class", "_key", "_kwargs", "_operation")

    def __init__(
        self,
        executor_class: type[CheckoutExecutor],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        key: Hashable,
        operation: Any,
    ) -> None:
        self._executor_class = executor_class
        self._args = args
        self._kwargs = kwargs
        self._key = key
        self._operation = operation

    def execute(self, event: SharedEvent) -> Any:
        """The event's ExecutionResult, or an awaitable of it."""
        operation, known = event.answers.get(self._key, (None, None))
        answer = _ready(known) if operation is self._operation else None
        if answer is not None:
            return answer
        # Made as the subscription's own executor was made (the same call), rooted at the event.
        args, kwargs = self._args, self._kwargs
        if len(args) > _ROOT_VALUE:
            args = (*args[:_ROOT_VALUE], event, *args[_ROOT_VALUE + 1 :])
        else:
            kwargs = {**kwargs, "root_value": event}
        executor = self._executor_class.build(*args, **kwargs)
        if isinstance(executor, list):  # pragma: no cover - it was made once with these
            return ExecutionResult(None, errors=executor)
        executor._shared_key = self._key
        return executor.execute_operation(False)


def _answer_plainly(plan: PlainPlan, source: Any) -> dict[str, Any]:
    answer: dict[str, Any] = {}
    for response_name, plain, own in plan:
        value = getattr(source, plain.attribute)
        if value is None:
            if plain.non_null:
                raise _Unusual
            answer[response_name] = None
        elif own is None:
            # Raises for a value the scalar refuses, as for the ordinary way.
            answer[response_name] = GraphQLExecutor.complete_leaf_value(plain.type, value)  # type: ignore[arg-type]
        else:
            answer[response_name] = _answer_plainly(own, value)
    return answer


def _ready(known: Any) -> Any:
    """The answer when it is made and has no errors, else None."""
    if known is None:
        return None
    if isinstance(known, asyncio.Future):
        if not known.done() or known.cancelled() or known.exception() is not None:
            return None
        known = known.result()
    return None if known.errors else known


class _Answered:
    """Stands in for an event's executor when its answer is made already: nothing to copy,
    nothing to execute."""

    def __init__(self, answer: Any) -> None:
        self._answer = answer

    def execute_operation(self, serially: bool | None = None) -> Any:
        return self._answer
