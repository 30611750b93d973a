"""The hooks run by `graph.extension_hooks.HooksFoundOnce` behave as Strawberry's own runner
does: entered in order, left in reverse, an exception thrown into each, handled or replaced."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import strawberry
from strawberry.extensions import SchemaExtension

from graph.extension_hooks import HooksFoundOnce

log: list[str] = []


class Outer(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        log.append("outer in")
        try:
            yield
        except KeyError:
            log.append("outer handled KeyError")
        else:
            log.append("outer out")

    def on_execute(self) -> Iterator[None]:
        log.append("outer execute")
        yield


class Inner(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        log.append("inner in")
        try:
            yield
        except ValueError as error:
            log.append("inner turns ValueError into KeyError")
            raise KeyError("k") from error
        finally:
            log.append("inner out")


class AsyncHook(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        log.append("async execute")
        yield


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        log.append("resolved")
        return "hi"


def runner(*extensions: SchemaExtension) -> HooksFoundOnce:
    return HooksFoundOnce(execution_context=None, extensions=list(extensions))  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def fresh_log() -> Iterator[None]:
    log.clear()
    yield
    log.clear()


async def test_hooks_enter_in_order_and_leave_in_reverse() -> None:
    async with runner(Outer(), Inner()).operation():
        log.append("body")
    assert log == ["outer in", "inner in", "body", "inner out", "outer out"]


async def test_an_exception_replaced_by_an_inner_hook_reaches_the_outer_one() -> None:
    async with runner(Outer(), Inner()).operation():
        raise ValueError("v")
    assert log == [
        "outer in",
        "inner in",
        "inner turns ValueError into KeyError",
        "inner out",
        "outer handled KeyError",
    ]


async def test_an_exception_no_hook_handles_leaves_the_block() -> None:
    with pytest.raises(RuntimeError, match="boom"):
        async with runner(Outer(), Inner()).operation():
            raise RuntimeError("boom")
    assert log == ["outer in", "inner in", "inner out"]


async def test_a_stage_with_an_async_hook_runs_it_through_strawberry() -> None:
    async with runner(Outer(), AsyncHook()).executing():
        log.append("body")
    assert log == ["outer execute", "async execute", "body"]


async def test_a_hook_that_never_yields_is_refused() -> None:
    class Silent(SchemaExtension):
        def on_parse(self) -> Iterator[None]:
            return
            yield

    class Entered(SchemaExtension):
        def on_parse(self) -> Iterator[None]:
            log.append("entered")
            try:
                yield
            finally:
                log.append("left")

    with pytest.raises(RuntimeError, match="did not yield"), runner(Entered(), Silent()).parsing():
        log.append("body")
    assert log == ["entered", "left"]


async def test_a_schema_runs_its_extensions_through_it() -> None:
    class Schema(strawberry.Schema):
        def create_extensions_runner(self, execution_context, extensions):  # type: ignore[no-untyped-def]
            return HooksFoundOnce(execution_context=execution_context, extensions=extensions)

    schema = Schema(query=Query, extensions=[Outer, Inner])
    result = await schema.execute("{ hello }")
    assert result.data == {"hello": "hi"}
    assert log == [
        "outer in",
        "inner in",
        "outer execute",
        "resolved",
        "inner out",
        "outer out",
    ]
