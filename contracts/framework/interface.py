"""The types shared by the runtime and the system contracts.

:mod:`contracts.runtime` re-exports these; they live here only so the contract modules can
use them without importing the runtime that dispatches to them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NewType, Protocol

from suites import Suite

ArgValue = str | int | bytes | bool
"""The types a transaction or query argument may have."""

AttrValue = str | int | bool
"""The types an event attribute may have."""

EventName = NewType("EventName", str)
"""A dotted event name, e.g. ``"certificate.issued"``. Each contract declares its names as
constants in its ``events`` module (an :class:`EventNames`); :func:`make_event` takes
nothing else, so a misspelt name is a type error rather than a silent new event."""


class EventNames:
    """A contract's event names: a subclass declares each as ``NAME: EventName`` and it is
    ``"<prefix>.<name in lower case>"``, so a name is written once and its constant and
    value cannot drift apart."""

    def __init_subclass__(cls, *, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in cls.__annotations__:
            setattr(cls, name, EventName(f"{prefix}.{name.lower()}"))


class StateReader(Protocol):
    """Read access to the world state as it was before the call."""

    def get(self, key: bytes) -> bytes | None:
        """Return the value stored at ``key``, or None."""
        ...

    def scan(self, prefix: bytes, limit: int) -> list[tuple[bytes, bytes]]:
        """Return at most ``limit`` (key, value) pairs whose key starts with ``prefix``,
        in ascending key order."""
        ...


@dataclass(frozen=True, slots=True)
class CallContext:
    """What the block and the transaction envelope tell a contract about a call."""

    chain_id: str
    """The chain the transaction was signed for."""

    sender_key: bytes
    """Public key of the transaction's signer (a key of the chain's suite)."""

    height: int
    """Height of the block that carries the transaction."""

    time_ms: int
    """Block time (milliseconds since the Unix epoch), chosen by the proposer within bounds."""

    tx_hash: bytes
    """Hash of the transaction's canonical bytes."""

    suite: Suite
    """The chain's crypto suite, from its genesis (docs/sm-suite.md): the hash of holder ids,
    field commitments and CA digests, and the check of every key registered on chain. Passed
    in by the node for every call, with no default, so a contract never hashes with another
    chain's function by omission."""


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened, for clients and the node's audit index."""

    name: str
    """Dotted name, e.g. ``"certificate.issued"``."""

    subjects: tuple[str, ...]
    """Ids the event is about: holder id, certificate id, request id, organisation id."""

    attrs: tuple[tuple[str, AttrValue], ...]
    """Further details as (key, value) pairs, sorted by key."""


@dataclass(frozen=True, slots=True)
class CallResult:
    """The effects of a successful transaction."""

    writes: tuple[tuple[bytes, bytes | None], ...]
    """State changes as (key, value) pairs sorted by key; a value of None deletes the key."""

    events: tuple[Event, ...]
    """Events in the order they happened."""


def make_event(name: EventName, subjects: Iterable[str], attrs: Mapping[str, AttrValue]) -> Event:
    """Build an :class:`Event` with its attributes sorted by key."""
    return Event(name=name, subjects=tuple(subjects), attrs=tuple(sorted(attrs.items())))


def make_result(writes: Mapping[bytes, bytes | None], events: Iterable[Event]) -> CallResult:
    """Build a :class:`CallResult` with its writes sorted by key."""
    return CallResult(writes=tuple(sorted(writes.items())), events=tuple(events))


TransactionHandler = Callable[[StateReader, CallContext, Mapping[str, ArgValue]], CallResult]
"""A contract's transaction method: checks, then returns its writes and events."""

QueryHandler = Callable[[StateReader, Mapping[str, ArgValue], int], Any]
"""A contract's query method, given the state, the arguments and the time (ms) to judge
expiry by; returns a JSON-serialisable value."""
