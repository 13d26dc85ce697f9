"""The contract runtime: the one entry point the node uses to run and query contracts.

Every validator calls :func:`execute` for each transaction of a block, in block order, with
the state as the previous transactions left it, and applies the returned writes. A call
either succeeds with all its writes and events or raises :class:`ContractError` with none:
contracts only read ``state`` and return their effects, so there is nothing to undo.
The result depends only on the state, the context and the arguments (no clock, no I/O, no
randomness), so every honest validator computes the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

from contracts import certificates, consent, membership
from contracts.errors import INVALID_ARGUMENT, UNKNOWN_METHOD, ContractError
from contracts.interface import (
    ArgValue,
    CallContext,
    CallResult,
    Event,
    QueryHandler,
    StateReader,
    TransactionHandler,
)
from contracts.membership import Organisation

__all__ = [
    "CONTRACTS",
    "ArgValue",
    "CallContext",
    "CallResult",
    "ContractError",
    "Event",
    "Organisation",
    "StateReader",
    "SystemContract",
    "execute",
    "genesis_writes",
    "query",
    "subjects_of",
]


@dataclass(frozen=True, slots=True)
class SystemContract:
    """A contract as the runtime sees it: its methods, by name."""

    name: str
    """Name used in transactions, e.g. ``"certificates"``; also its state key prefix."""

    transactions: Mapping[str, TransactionHandler]
    """Methods that change state."""

    queries: Mapping[str, QueryHandler]
    """Read-only methods."""


CONTRACTS: Final[Mapping[str, SystemContract]] = MappingProxyType(
    {
        module.CONTRACT: SystemContract(
            name=module.CONTRACT, transactions=module.TRANSACTIONS, queries=module.QUERIES
        )
        for module in (membership, certificates, consent)
    }
)
"""Every contract the chain runs, by name."""


def _get_contract(contract: str) -> SystemContract:
    found = CONTRACTS.get(contract) if isinstance(contract, str) else None
    if found is None:
        raise ContractError(UNKNOWN_METHOD, "no such contract")
    return found


def _check_args_mapping(args: Mapping[str, ArgValue]) -> None:
    untrusted: object = args
    if not isinstance(untrusted, Mapping):
        raise ContractError(INVALID_ARGUMENT, "arguments must be a mapping of names to values")


def execute(
    state: StateReader,
    ctx: CallContext,
    contract: str,
    method: str,
    args: Mapping[str, ArgValue],
) -> CallResult:
    """Run transaction ``contract.method(args)`` and return its writes and events.

    Raises :class:`ContractError` if the call is rejected; then it has no effect.
    """
    handler = _get_contract(contract).transactions.get(method) if isinstance(method, str) else None
    if handler is None:
        raise ContractError(UNKNOWN_METHOD, f"{contract} has no transaction of that name")
    _check_args_mapping(args)
    return handler(state, ctx, args)


def query(
    state: StateReader,
    contract: str,
    method: str,
    args: Mapping[str, ArgValue],
    *,
    now_ms: int,
) -> Any:
    """Answer read-only query ``contract.method(args)`` as of time ``now_ms``.

    Returns a JSON-serialisable value; raises :class:`ContractError` if the query is invalid.
    """
    handler = _get_contract(contract).queries.get(method) if isinstance(method, str) else None
    if handler is None:
        raise ContractError(UNKNOWN_METHOD, f"{contract} has no query of that name")
    _check_args_mapping(args)
    return handler(state, args, now_ms)


def subjects_of(contract: str, method: str, args: Mapping[str, ArgValue]) -> tuple[str, ...]:
    """Best-effort ids a call is about, from its arguments alone; never raises.

    Lets the node index a rejected transaction for auditors (e.g. an access attempt without
    a grant). Only well-formed ids are returned, so garbage arguments add no subjects.
    """
    untrusted_args: object = args
    try:
        if not isinstance(untrusted_args, Mapping):
            return ()
        if contract == membership.CONTRACT:
            return membership.subjects_of(method, args)
        if contract == certificates.CONTRACT:
            return certificates.subjects_of(method, args)
        if contract == consent.CONTRACT:
            return consent.subjects_of(method, args)
        return ()
    except Exception:  # an audit index must never fail a block over a malformed call
        return ()


def related_subjects(
    state: StateReader, contract: str, method: str, args: Mapping[str, ArgValue]
) -> tuple[str, ...]:
    """`subjects_of` widened by what state says the named records are about; never raises.

    A rejected access names only a request id, but the auditor tracing the holder or the
    certificate must see the attempt too (access without a grant is an anomaly to find).
    """
    subjects = set(subjects_of(contract, method, args))
    try:
        for subject in list(subjects):
            request = consent.get_request(state, subject)
            if request is not None:
                subjects.update((request.holder, request.cert_id, request.agency))
                continue
            cert = certificates.get_certificate(state, subject)
            if cert is not None:
                subjects.update((cert.holder, cert.issuer))
    except Exception:  # malformed ids or records: the audit index keeps what it has
        pass
    return tuple(sorted(subjects))


def genesis_writes(organisations: Sequence[Organisation]) -> tuple[tuple[bytes, bytes], ...]:
    """The initial state: the consortium's organisations (see ``membership.genesis_writes``).

    Raises ``invalid_argument`` if the organisations are not a valid membership.
    """
    return membership.genesis_writes(organisations)
