"""A method's arguments, declared once: which names it takes and how each is read.

A contract method declares its :class:`Signature` beside its handler (see :func:`transaction`
and :func:`query`); the framework checks the argument names and reads every argument in
declaration order before the handler runs, so which error a bad call gets depends only on
that order (kept equal to the order the checks were written in before: error messages are
part of a block's results). An argument whose check needs state (a field list checked
against a certificate's type, say) is declared ``deferred`` and read by the handler when it
gets there.

Every argument also declares its :class:`Kind` (wire type, length, format, whether it is
free text), and every transaction carries its declaration (:class:`DeclaredTransaction`), so
the node can refuse an undeclared or ill-typed argument before a transaction reaches a block
(see :mod:`contracts.framework.declarations`).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar, cast

from contracts.framework import arguments, formats, limits
from contracts.framework.arguments import Args, TextFormat
from contracts.framework.errors import ContractError
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


WireType = Literal["text", "integer", "flag"]
"""The declared type of an argument on the wire (bytes are never declared)."""


@dataclass(frozen=True, slots=True)
class Kind:
    """What an argument is, as the node checks it before admission (no state needed)."""

    wire: WireType
    """Its type on the wire: text (str), integer (int, never bool) or flag (bool)."""

    summary: str
    """What a value is and looks like, for the method's published declaration."""

    length_max: int = 0
    """Most characters of a text value (0 for integers and flags)."""

    free_text: bool = False
    """Free text (a reason, a purpose, a name): the only kind of argument that holds words."""

    random_hex: bool = False
    """A digest or key in hex: random, never screened for personal data."""

    organisation_code: bool = False
    """A member organisation's credit code: not screened when it is exactly one valid code
    (``arguments.TextFormat.organisation_code``)."""

    json: bool = False
    """JSON text: digests and holder ids inside are skipped, the rest is screened."""

    admit: Callable[[str], str | None] | None = None
    """A check only admission runs, for JSON whose full check needs state (field names of a
    certificate's type): why a value is refused (completing "<name> ..."), or None."""


def text_kind(text_format: TextFormat) -> Kind:
    """The :class:`Kind` of a string argument of ``text_format``."""
    return Kind(
        "text",
        text_format.summary,
        text_format.length_max,
        free_text=text_format.free_text,
        random_hex=text_format.random_hex,
        organisation_code=text_format.organisation_code,
    )


def json_kind(summary: str, admit: Callable[[str], str | None] | None = None) -> Kind:
    """The :class:`Kind` of a JSON text argument."""
    return Kind("text", summary, limits.JSON_ARG_LENGTH_MAX, json=True, admit=admit)


def choice_kind(choices: Collection[str]) -> Kind:
    """The :class:`Kind` of a string argument among ``choices``."""
    return Kind(
        "text",
        f"one of: {', '.join(sorted(choices))}",
        max((len(choice) for choice in choices), default=0),
    )


@dataclass(frozen=True, slots=True)
class Arg(Generic[T]):
    """One argument of a method."""

    name: str
    """Its name in the call."""

    read: Reader[T]
    """How its value is read and checked."""

    kind: Kind
    """What it is on the wire (checked by the node before admission)."""

    optional: bool = False
    """Whether a call may leave it out."""

    deferred: bool = False
    """Read by the handler itself (its check needs state), not before the handler runs."""

    node_requires: bool = False
    """Optional to the contract (blocks made before it existed replay as they were), but a
    call without it is refused before admission: the node's policy for new calls."""

    def maybe(self) -> Arg[T]:
        """The same argument, optional."""
        return dataclasses.replace(self, optional=True)

    def required_by_node(self) -> Arg[T]:
        """The same argument, optional to the contract and required at admission."""
        return dataclasses.replace(self, optional=True, node_requires=True)

    def later(self) -> Arg[T]:
        """The same argument, read by the handler when it needs it."""
        return dataclasses.replace(self, deferred=True)


def text(name: str, text_format: TextFormat) -> Arg[str]:
    """A string argument of the given format."""
    return Arg(name, text_format.read, text_kind(text_format))


def free_text(name: str, length_max: int) -> Arg[str]:
    """Free text of at most ``length_max`` characters that may be stored on-chain."""
    return text(name, arguments.free_text(length_max))


def integer(name: str, minimum: int, maximum: int = limits.INT_ARG_MAX) -> Arg[int]:
    """An integer argument in ``minimum..maximum``."""
    return Arg(
        name,
        functools.partial(arguments.get_int, minimum=minimum, maximum=maximum),
        Kind("integer", f"integer from {minimum} to {maximum}"),
    )


def choice(name: str, choices: Collection[str]) -> Arg[str]:
    """A string argument among ``choices``."""
    return Arg(
        name, functools.partial(arguments.get_choice, choices=tuple(choices)), choice_kind(choices)
    )


def name_list(
    name: str, allowed: Collection[str], *, allow_empty: bool = True
) -> Arg[tuple[str, ...]]:
    """A JSON array of distinct names among ``allowed``, read sorted."""
    return Arg(
        name,
        functools.partial(arguments.get_name_list, allowed=tuple(allowed), allow_empty=allow_empty),
        json_kind(f"JSON array of distinct names among: {', '.join(sorted(allowed))}"),
    )


def _get_catalogue_names_problem(text: str) -> str | None:
    try:
        value = arguments.parse_json_text(text, "names")
    except ContractError:
        return None  # the reader reports malformed JSON first
    if isinstance(value, list) and all(formats.is_catalogue_id(item) for item in value):
        return None
    return "must list catalogue ids ([a-z][a-z0-9_]{0,47})"


def catalogue_name_list(name: str, *, allow_empty: bool = True) -> Arg[tuple[str, ...]]:
    """A JSON array of distinct catalogue ids (certificate types or record categories), read
    sorted; the handler looks them up in the chain's catalogue."""
    return Arg(
        name,
        functools.partial(arguments.get_catalogue_name_list, allow_empty=allow_empty),
        json_kind("JSON array of distinct catalogue ids", _get_catalogue_names_problem),
    )


def flag(name: str) -> Arg[bool]:
    """An optional boolean argument."""
    return Arg(
        name,
        functools.partial(arguments.get_bool, default=False),
        Kind("flag", "true or false"),
        optional=True,
    )


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

    def get_signature(self, raw: Args) -> Signature:
        """The signature a call with arguments ``raw`` is checked against: this one."""
        return self

    def describe(self) -> list[dict[str, Any]]:
        """The declared arguments, in order, as JSON (for documentation and clients)."""
        return [
            {
                "name": arg.name,
                "type": arg.kind.wire,
                "summary": arg.kind.summary,
                "length_max": arg.kind.length_max,
                "free_text": arg.kind.free_text,
                # What a client must send: an argument the node requires is not optional.
                "optional": arg.optional and not arg.node_requires,
            }
            for arg in self.args
        ]


@dataclass(frozen=True, slots=True)
class SignatureByChoice:
    """A method whose arguments depend on one of them (``membership.propose``: the
    ``action`` says what the other arguments are)."""

    selector: Arg[str]
    """The argument that picks the variant (a :func:`choice`)."""

    variants: Mapping[str, Signature]
    """The full signature for each value of the selector (the selector included)."""

    def get_signature(self, raw: Args) -> Signature:
        """The variant ``raw`` selects; raises ``invalid_argument`` if it selects none."""
        return self.variants[self.selector.read(raw, self.selector.name)]

    def describe(self) -> list[dict[str, Any]]:
        """Every variant's arguments, by selector value."""
        return [
            {"name": self.selector.name, "value": value, "args": signature.describe()}
            for value, signature in sorted(self.variants.items())
        ]


Declaration = Signature | SignatureByChoice
"""How a method declares its arguments."""


Transaction = Callable[[StateReader, CallContext, Values], CallResult]
Query = Callable[[StateReader, Values, int], Any]


@dataclass(frozen=True, slots=True)
class DeclaredTransaction:
    """A transaction method with its declared arguments: what a contract's table holds."""

    run: TransactionHandler
    """The handler the runtime calls with the raw arguments."""

    declaration: Declaration
    """The arguments it takes (the node checks a call against them before admission)."""

    def __call__(self, state: StateReader, ctx: CallContext, args: Args) -> CallResult:
        return self.run(state, ctx, args)


def declared(declaration: Declaration) -> Callable[[TransactionHandler], DeclaredTransaction]:
    """Declare the arguments of a handler that reads its raw arguments itself."""

    def wrap(handler: TransactionHandler) -> DeclaredTransaction:
        return DeclaredTransaction(handler, declaration)

    return wrap


def transaction(signature: Signature) -> Callable[[Transaction], DeclaredTransaction]:
    """Make a handler taking read arguments into one the runtime calls with raw arguments."""

    def wrap(handler: Transaction) -> DeclaredTransaction:
        @functools.wraps(handler)
        def run(state: StateReader, ctx: CallContext, args: Args) -> CallResult:
            return handler(state, ctx, signature.read(args))

        return DeclaredTransaction(run, signature)

    return wrap


def query(signature: Signature) -> Callable[[Query], QueryHandler]:
    """As :func:`transaction`, for a query."""

    def wrap(handler: Query) -> QueryHandler:
        @functools.wraps(handler)
        def run(state: StateReader, args: Args, now_ms: int) -> Any:
            return handler(state, signature.read(args), now_ms)

        return run

    return wrap
