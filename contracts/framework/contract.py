"""What a system contract is to the runtime: a name, a version, its methods by name.

Each contract package builds its :class:`SystemContract` (one per shipped version) in its
``contract`` module; :mod:`contracts.registry` lists them, one line per contract.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from contracts.framework.interface import ArgValue, QueryHandler, StateReader, TransactionHandler
from contracts.framework.signature import Declaration, DeclaredTransaction
from contracts.framework.subjects import collect_subjects


def get_argument_subjects(method: str, args: Mapping[str, ArgValue]) -> tuple[str, ...]:
    """The well-formed ids among a call's arguments (what most contracts' calls are about)."""
    return tuple(collect_subjects(args))


def get_no_related(state: StateReader, subject: str) -> list[str]:
    """A contract whose records name no further ids."""
    return []


@dataclass(frozen=True, slots=True)
class SystemContract:
    """A contract as the runtime sees it: its methods, by name."""

    name: str
    """Name used in transactions, e.g. ``"certificates"``; also its state key prefix."""

    transactions: Mapping[str, TransactionHandler]
    """Methods that change state."""

    declarations: Mapping[str, Declaration]
    """The arguments each transaction method takes, by method name (the node refuses a
    call that does not fit them before it reaches a block)."""

    queries: Mapping[str, QueryHandler]
    """Read-only methods."""

    version: int = 1
    """Which implementation of the contract this is."""

    subjects_of: Callable[[str, Mapping[str, ArgValue]], tuple[str, ...]] = field(
        default=get_argument_subjects
    )
    """Ids a call is about, judged from its arguments alone (for the node's audit index)."""

    get_related: Callable[[StateReader, str], list[str]] = field(default=get_no_related)
    """Ids the contract's records named ``subject`` are about (for the audit index)."""


def make_contract(
    name: str,
    version: int,
    transactions: Mapping[str, DeclaredTransaction],
    queries: Mapping[str, QueryHandler],
    *,
    subjects_of: Callable[[str, Mapping[str, ArgValue]], tuple[str, ...]] = get_argument_subjects,
    get_related: Callable[[StateReader, str], list[str]] = get_no_related,
) -> SystemContract:
    """A :class:`SystemContract` with read-only method tables; every transaction declares
    its arguments (a :class:`DeclaredTransaction`)."""
    return SystemContract(
        name=name,
        transactions=MappingProxyType({method: t.run for method, t in transactions.items()}),
        declarations=MappingProxyType(
            {method: t.declaration for method, t in transactions.items()}
        ),
        queries=MappingProxyType(dict(queries)),
        version=version,
        subjects_of=subjects_of,
        get_related=get_related,
    )
