"""The contract runtime: the one entry point the node uses to run and query contracts.

Every validator calls :func:`execute` for each transaction of a block, in block order, with
the state as the previous transactions left it, and applies the returned writes. A call
either succeeds with all its writes and events or raises :class:`ContractError` with none:
contracts only read ``state`` and return their effects, so there is nothing to undo.
The result depends only on the state, the context and the arguments (no clock, no I/O, no
randomness), so every honest validator computes the same bytes.

Each call runs the version of its contract that the state's schedule makes active at the
block's height (:mod:`contracts.governance.versions`); implementations are in :mod:`contracts.registry`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from contracts.catalogue import lookup
from contracts.framework import arguments, declarations
from contracts.framework.contract import SystemContract
from contracts.framework.declarations import Refusal
from contracts.framework.errors import INVALID_ARGUMENT, UNKNOWN_METHOD, ContractError
from contracts.framework.interface import (
    ArgValue,
    CallContext,
    CallResult,
    Event,
    StateReader,
)
from contracts.governance import quorum as quorum_rule
from contracts.governance import versions
from contracts.governance.actions import CONTRACT_ACTIVATION_DELAY
from contracts.governance.quorum import QuorumRule
from contracts.membership import credit_codes as credit_code_records
from contracts.membership import organisations as organisation_records
from contracts.membership import trust as membership_trust
from contracts.membership import validator_set
from contracts.membership.organisations import Organisation
from contracts.membership.validator_actions import VALIDATOR_ACTIVATION_DELAY
from contracts.membership.validator_set import ValidatorLike
from contracts.registry import LATEST, REGISTRY
from suites import Suite

__all__ = [
    "CONTRACTS",
    "CONTRACT_ACTIVATION_DELAY",
    "VALIDATOR_ACTIVATION_DELAY",
    "ArgValue",
    "CallContext",
    "CallResult",
    "ContractError",
    "Event",
    "Organisation",
    "QuorumRule",
    "Refusal",
    "StateReader",
    "SystemContract",
    "ValidatorLike",
    "execute",
    "genesis_writes",
    "get_admission_refusal",
    "query",
    "related_subjects",
    "screen_arguments",
    "subjects_of",
]

CONTRACTS: Final[Mapping[str, SystemContract]] = LATEST
"""Every contract the chain runs, by name (the newest shipped version of each)."""


def _get_contract(state: StateReader, contract: str, height: int | None) -> SystemContract:
    by_version = REGISTRY.get(contract) if isinstance(contract, str) else None
    if by_version is None:
        raise ContractError(UNKNOWN_METHOD, "no such contract")
    version = versions.get_active_version(state, contract, height)
    found = by_version.get(version)
    if found is None:
        # Governance only activates shipped versions: a binary missing one cannot go on.
        raise RuntimeError(f"{contract} version {version} is active but not in this build")
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

    The contract's version is the one active at ``ctx.height``. Raises
    :class:`ContractError` if the call is rejected; then it has no effect.
    """
    system = _get_contract(state, contract, ctx.height)
    handler = system.transactions.get(method) if isinstance(method, str) else None
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
    height: int | None = None,
) -> Any:
    """Answer read-only query ``contract.method(args)`` as of time ``now_ms``.

    ``height`` picks the contract version (pass the height of the next block for exactly
    what a transaction would see); without it, the last scheduled version answers.
    Returns a JSON-serialisable value; raises :class:`ContractError` if the query is invalid.
    """
    system = _get_contract(state, contract, height)
    handler = system.queries.get(method) if isinstance(method, str) else None
    if handler is None:
        raise ContractError(UNKNOWN_METHOD, f"{contract} has no query of that name")
    _check_args_mapping(args)
    return handler(state, args, now_ms)


def screen_arguments(args: Mapping[str, ArgValue], contract: str = "", method: str = "") -> None:
    """Stateless admission check for the node's mempool: raise ``invalid_argument`` if an
    argument looks like personal data (see ``arguments.get_screening_problem``). Arguments
    that ``contract.method`` declares as an organisation's credit code are left to
    admission's check of their format (``declarations.get_organisation_code_args``).

    A transaction is stored in its block even when its contract rejects it, so this must
    run before a transaction is admitted, or personal data would reach the chain anyway.
    """
    _check_args_mapping(args)
    codes = declarations.get_organisation_code_args(LATEST.get(contract), method, args)
    problem = arguments.get_screening_problem(args, codes)
    if problem is not None:
        raise ContractError(INVALID_ARGUMENT, problem)


def get_admission_refusal(
    contract: str, method: str, args: Mapping[str, ArgValue]
) -> Refusal | None:
    """Why a validator must not admit ``contract.method(args)`` into its mempool, or None:
    an undeclared method or argument, an ill-typed or malformed argument, personal data
    (see :mod:`contracts.framework.declarations`). Judged against the newest shipped version
    of the contract; stateless and pure."""
    return declarations.get_refusal(LATEST.get(contract), contract, method, args)


def subjects_of(contract: str, method: str, args: Mapping[str, ArgValue]) -> tuple[str, ...]:
    """Best-effort ids a call is about, from its arguments alone; never raises.

    Lets the node index a rejected transaction for auditors (e.g. an access attempt without
    a grant). Only well-formed ids are returned, so garbage arguments add no subjects.
    """
    untrusted_args: object = args
    try:
        if not isinstance(untrusted_args, Mapping) or contract not in REGISTRY:
            return ()
        return LATEST[contract].subjects_of(method, args)
    except Exception:  # an audit index must never fail a block over a malformed call
        return ()


def _get_related(state: StateReader, subject: str) -> list[str]:
    """Ids the records named ``subject`` are about (a subject may name several records)."""
    found: list[str] = []
    for system in LATEST.values():
        found += system.get_related(state, subject)
    return [item for item in found if item]


def related_subjects(
    state: StateReader, contract: str, method: str, args: Mapping[str, ArgValue]
) -> tuple[str, ...]:
    """`subjects_of` widened by what state says the named records are about; never raises.

    A rejected access names only a request id, but the auditor tracing the holder or the
    certificate must see the attempt too (access without a grant is an anomaly to find);
    a delegate's rejected call on a ward's record must appear in the ward's trace.
    """
    subjects = set(subjects_of(contract, method, args))
    try:
        for subject in sorted(subjects):
            subjects.update(_get_related(state, subject))
    except Exception:  # malformed ids or records: the audit index keeps what it has
        pass
    return tuple(sorted(subjects))


def genesis_writes(
    organisations: Sequence[Organisation],
    validators: Sequence[ValidatorLike] = (),
    quorum: QuorumRule | None = None,
    ca_certificates: Mapping[str, str] | None = None,
    validator_operators: Mapping[str, str] | None = None,
    credit_codes: Mapping[str, str] | None = None,
    catalogue: lookup.GenesisCatalogue | None = None,
    *,
    suite: Suite,
) -> tuple[tuple[bytes, bytes], ...]:
    """The initial state, sorted by key: the consortium's organisations, the governance
    quorum rule (default: more than two-thirds), the initial validator set (if given) and
    version 1 of every contract; and the CA certificates (``org id -> PEM``) of founding
    organisations that have one. ``validator_operators`` (validator id -> org id) names the
    founding organisation that runs a genesis validator; ``credit_codes`` (org id -> unified
    social credit code) the codes of founding organisations that have one; ``catalogue``
    the certificate types, record categories and purposes the chain starts with (none: the
    legacy catalogue of :mod:`contracts.catalogue.shelves` stands, as on chains made before).

    ``suite`` is the chain's (its genesis file's): every organisation and validator key must
    be one of its keys.

    Raises ``invalid_argument`` if the organisations, validators, quorum or CAs are not valid.
    """
    writes: dict[bytes, bytes] = dict(organisation_records.genesis_writes(organisations, suite))
    org_ids = frozenset(org.id for org in organisations)
    writes.update(membership_trust.genesis_writes(ca_certificates or {}, org_ids))
    writes.update(credit_code_records.genesis_writes(credit_codes or {}, org_ids))
    writes.update(quorum_rule.genesis_writes(quorum))
    writes.update(
        validator_set.genesis_writes(validators, validator_operators, org_ids, suite=suite)
    )
    writes.update(versions.genesis_writes())
    if catalogue is not None:
        writes.update(lookup.genesis_writes(catalogue))
    for org in organisations:
        lookup.check_genesis_names(catalogue, org.cert_types, org.record_categories, org.id)
    return tuple(sorted(writes.items()))
