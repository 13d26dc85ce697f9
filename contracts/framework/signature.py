"""A method's arguments, declared once: which names it takes and how each is read.

A contract method declares its :class:`Signature` beside its handler (see :func:`transaction`
and :func:`query`); the framework checks the argument names and reads every argument in
declaration order before the handler runs, so which error a bad call gets depends only on
that order (kept equal to the order the checks were written in before: error messages are
part of a block's results). An argument whose check needs state (a field list checked
against a certificate's type, say) is declared ``deferred`` and read by the handler when it
gets there.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from contracts.framework import arguments, limits
from contracts.framework.arguments import Args, TextFormat
from contracts.framework.interface import (
    CallContext,
    CallResult,
    QueryHandler,
    StateReader,
    TransactionHandler,
)

T = TypeVar("T")
D = TypeVar("D")

Reader = Callable[[Args, str], T]
"""Reads argument ``name`` of ``args``; raises ``invalid_argument`` if it is malformed."""


@dataclass(frozen=True, slots=True)
class Arg(Generic[T]):
    """One argument of a method."""

    name: str
    """Its name in the call."""

    read: Reader[T]
    """How its value is read and checked."""

    optional: bool = False
    """Whether a call may leave it out."""

    deferred: bool = False
    """Read by the handler itself (its check needs state), not before the handler runs."""

    def maybe(self) -> Arg[T]:
        """The same argument, optional."""
        return Arg(self.name, self.read, optional=True, deferred=self.deferred)

    def later(self) -> Arg[T]:
        """The same argument, read by the handler when it needs it."""
        return Arg(self.name, self.read, optional=self.optional, deferred=True)


def text(name: str, text_format: TextFormat) -> Arg[str]:
    """A string argument of the given format."""
    return Arg(name, text_format.read)


def free_text(name: str, length_max: int) -> Arg[str]:
    """Free text of at most ``length_max`` characters that may be stored on-chain."""
    return text(name, arguments.free_text(length_max))


def integer(name: str, minimum: int, maximum: int = limits.INT_ARG_MAX) -> Arg[int]:
    """An integer argument in ``minimum..maximum``."""
    return Arg(name, functools.partial(arguments.get_int, minimum=minimum, maximum=maximum))


def choice(name: str, choices: Collection[str]) -> Arg[str]:
    """A string argument among ``choices``."""
    return Arg(name, functools.partial(arguments.get_choice, choices=tuple(choices)))


def name_list(
    name: str, allowed: Collection[str], *, allow_empty: bool = True
) -> Arg[tuple[str, ...]]:
    """A JSON array of distinct names among ``allowed``, read sorted."""
    return Arg(
        name,
        functools.partial(arguments.get_name_list, allowed=tuple(allowed), allow_empty=allow_empty),
    )


def flag(name: str) -> Arg[bool]:
    """An optional boolean argument."""
    return Arg(name, functools.partial(arguments.get_bool, default=False), optional=True)


LIMIT: Arg[int] = integer("limit", 1, limits.LIST_LIMIT_MAX).maybe()
"""The ``limit`` of a list query (``LIST_LIMIT_DEFAULT`` when left out)."""


_UNREAD = object()


class Values:
    """The arguments of one call, read and checked as its signature declares."""

    __slots__ = ("_read", "raw")

    def __init__(self, raw: Args, read: dict[str, Any]) -> None:
        self.raw = raw
        """The arguments as the call gave them."""
        self._read = read

    def __getitem__(self, arg: Arg[T]) -> T:
        """The value of ``arg`` (read now if it is deferred)."""
        value = self._read.get(arg.name, _UNREAD)
        return arg.read(self.raw, arg.name) if value is _UNREAD else cast(T, value)

    def __contains__(self, arg: Arg[Any]) -> bool:
        return arg.name in self.raw

    def get(self, arg: Arg[T], default: D) -> T | D:
        """The value of an optional ``arg``, or ``default`` if the call left it out."""
        return self[arg] if arg.name in self.raw else default

    def get_limit(self) -> int:
        """The ``limit`` of a list query."""
        return self.get(LIMIT, limits.LIST_LIMIT_DEFAULT)


class Signature:
    """The arguments a method takes, in the order they are read."""

    __slots__ = ("_eager", "args", "optional", "required")

    def __init__(self, *args: Arg[Any]) -> None:
        self.args = args
        self.required = tuple(arg.name for arg in args if not arg.optional)
        self.optional = tuple(arg.name for arg in args if arg.optional)
        # Every transaction of a block goes through `read`: the readers are looked up once.
        self._eager = tuple((arg.name, arg.read) for arg in args if not arg.deferred)

    def read(self, raw: Args) -> Values:
        """Check the argument names, then read every argument given that is not deferred."""
        arguments.check_arg_names(raw, required=self.required, optional=self.optional)
        return Values(raw, {name: read(raw, name) for name, read in self._eager if name in raw})


Transaction = Callable[[StateReader, CallContext, Values], CallResult]
Query = Callable[[StateReader, Values, int], Any]


def transaction(signature: Signature) -> Callable[[Transaction], TransactionHandler]:
    """Make a handler taking read arguments into one the runtime calls with raw arguments."""

    def wrap(handler: Transaction) -> TransactionHandler:
        @functools.wraps(handler)
        def run(state: StateReader, ctx: CallContext, args: Args) -> CallResult:
            return handler(state, ctx, signature.read(args))

        return run

    return wrap


def query(signature: Signature) -> Callable[[Query], QueryHandler]:
    """As :func:`transaction`, for a query."""

    def wrap(handler: Query) -> QueryHandler:
        @functools.wraps(handler)
        def run(state: StateReader, args: Args, now_ms: int) -> Any:
            return handler(state, signature.read(args), now_ms)

        return run

    return wrap
