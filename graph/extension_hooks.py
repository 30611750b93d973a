"""Strawberry's schema-extension hooks, looked up once per extension class instead of on every
operation.

For each of an operation's four stages (operation, parsing, validation, execution) Strawberry
asks every extension for its hook, inspects it, wraps it in `contextlib.contextmanager` (which
copies the function's attributes with `update_wrapper`) and enters it through an `ExitStack`:
about a fifth of the CPU of a `{ __typename }` request, for seven extensions whose hooks never
change. Here a class's hooks are found once; an operation only runs the generators, entering
them in order and leaving them in reverse, with `contextlib.contextmanager`'s rules for an
exception (thrown into each hook in turn, which may handle it or raise another).

A hook that is not a plain generator (an async generator, a coroutine, a plain function)
keeps Strawberry's own handling for its stage.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any

from strawberry.extensions import SchemaExtension
from strawberry.extensions.context import (
    ExecutingContextManager,
    ExtensionContextManagerBase,
    OperationContextManager,
    ParsingContextManager,
    StreamResultContextManager,
    ValidationContextManager,
)
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.types import StreamExecutionResult

Hook = Callable[..., Iterator[None]]

# (extension class, hook name) -> the class's own generator hook, None when it has none, or
# _STRAWBERRYS when only Strawberry's context managers know how to run it.
_found: dict[tuple[type, str], Any] = {}
_STRAWBERRYS = object()


def _hook_of(kind: type, name: str) -> Any:
    key = (kind, name)
    try:
        return _found[key]
    except KeyError:
        pass
    hook = getattr(kind, name)
    if hook is getattr(SchemaExtension, name):
        found: Any = None
    elif inspect.isgeneratorfunction(hook):
        found = hook
    else:
        found = _STRAWBERRYS
    _found[key] = found
    return found


class _Stage:
    """One stage's hooks of one operation, used once as a (sync or async) context manager."""

    __slots__ = ("_args", "_extensions", "_hooks", "_running")

    def __init__(self, extensions: list[SchemaExtension], hooks: list[Hook], args: tuple[Any, ...]):
        self._extensions = extensions
        self._hooks = hooks
        self._args = args
        self._running: list[Iterator[None]] = []

    def __enter__(self) -> None:
        running = self._running
        for extension, hook in zip(self._extensions, self._hooks, strict=True):
            generator = hook(extension, *self._args)
            try:
                try:
                    next(generator)
                except StopIteration:
                    raise RuntimeError(f"{hook.__qualname__} did not yield") from None
            except BaseException:
                # Those entered already are left as a `with` block's would be.
                self.__exit__(*sys.exc_info())
                raise
            running.append(generator)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        pending = error
        running, self._running = self._running, []
        for generator in reversed(running):
            pending = _leave(generator, pending)
        if pending is None:
            return error is not None  # handled by a hook
        if pending is error:
            return False
        raise pending

    async def __aenter__(self) -> None:
        self.__enter__()

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        return self.__exit__(kind, error, traceback)


def _leave(generator: Iterator[None], error: BaseException | None) -> BaseException | None:
    """Runs the rest of one hook; returns the exception still on its way out, if any."""
    try:
        if error is None:
            next(generator)
        else:
            generator.throw(error)  # type: ignore[attr-defined]
    except StopIteration as stopped:
        # A hook that returns after an exception was thrown in has handled it; one that
        # lets a thrown StopIteration through has not.
        return error if stopped is error else None
    except BaseException as raised:
        if isinstance(error, StopIteration) and raised.__cause__ is error:
            return error  # the generator's own RuntimeError for a StopIteration thrown in
        if raised is not error and error is not None and raised.__context__ is None:
            raised.__context__ = error
        return raised
    return RuntimeError(f"{generator!r} yielded more than once")


class HooksFoundOnce(SchemaExtensionsRunner):
    """`Schema.create_extensions_runner`'s runner, with each stage's hooks found once."""

    def _stage(self, name: str, strawberrys: type[ExtensionContextManagerBase], *args: Any) -> Any:
        extensions: list[SchemaExtension] = []
        hooks: list[Hook] = []
        for extension in self.extensions:
            hook = _hook_of(type(extension), name)
            if hook is None:
                continue
            if hook is _STRAWBERRYS:
                return strawberrys(self.extensions, *args)
            extensions.append(extension)
            hooks.append(hook)
        return _Stage(extensions, hooks, args)

    def operation(self) -> Any:
        return self._stage("on_operation", OperationContextManager)

    def validation(self) -> Any:
        return self._stage("on_validate", ValidationContextManager)

    def parsing(self) -> Any:
        return self._stage("on_parse", ParsingContextManager)

    def executing(self) -> Any:
        return self._stage("on_execute", ExecutingContextManager)

    def on_stream_result(self, result: StreamExecutionResult) -> Any:
        return self._stage("on_stream_result", StreamResultContextManager, result)
