"""Governance of the consortium: proposals approved on-chain by a quorum of member organisations.

These are the ``membership`` contract's transactions. Any member organisation may propose a
change; each member approves at most once (the proposer's proposal counts as its approval).
When the approvals of current members reach the quorum, the change is applied in that same
transaction. The quorum rule is state, set in genesis (default: more than two-thirds of the
organisations) and changed only by a ``set_quorum`` proposal.

Actions and their arguments (besides ``proposal_id``, ``action`` and an optional
``expires_at_ms``, after which the proposal can no longer be approved):

- ``add_org(org_id, name, public_key, roles, cert_types?, record_categories?)``
- ``remove_org(org_id)``
- ``set_roles(org_id, roles, cert_types?, record_categories?)``
- ``rotate_org_key(org_id, public_key)``
- ``add_validator(validator_id, public_key, operator, endpoint?)``: ``endpoint`` is the
  ``host:port`` where the other validators reach it (its organisation's server address)
- ``remove_validator(validator_id)``
- ``rotate_validator_key(validator_id, public_key)``
- ``set_validator_endpoint(validator_id, endpoint)``: a validator of the latest scheduled
  set moved to another ``host:port``
- ``activate_contract_version(contract, version)``
- ``set_quorum(numerator, denominator)``: approvals x denominator > members x numerator

Lists (roles, cert_types, record_categories) are JSON arrays; public keys lowercase hex.
Validator changes take effect at ``decided_height + VALIDATOR_ACTIVATION_DELAY``, contract
versions at ``decided_height + CONTRACT_ACTIVATION_DELAY``; an endpoint at once (it does not
change who signs which height, and peers must reach a new validator before it signs).

State:

- ``membership/quorum`` -> ``{"numerator": n, "denominator": d}``
- ``membership/proposal/<proposal id>`` -> the proposal (:class:`Proposal`)
- plus what the actions change (see :mod:`contracts.membership`,
  :mod:`contracts.validator_set`, :mod:`contracts.versions`)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

from contracts import arguments, limits, validator_set, versions
from contracts.catalogue import CERTIFICATE_TYPES, RECORD_CATEGORIES
from contracts.codec import canonical_json, load_json
from contracts.errors import (
    ALREADY_EXISTS,
    FAILED_PRECONDITION,
    NOT_FOUND,
    PERMISSION_DENIED,
    ContractError,
)
from contracts.interface import (
    ArgValue,
    CallContext,
    CallResult,
    Event,
    QueryHandler,
    StateReader,
    TransactionHandler,
    make_event,
    make_result,
)
from contracts.membership import (
    ROLE_VALIDATOR_OPERATOR,
    ROLES,
    Organisation,
    count_organisations,
    encode_organisation,
    get_org_key,
    get_organisation,
    get_organisation_problem,
    get_public_key_key,
    get_retired_key,
    list_organisations,
    principal_of,
)
from contracts.validator_set import Endpoint, ScheduledSet, ValidatorEntry

QUORUM_KEY: Final = b"membership/quorum"
PROPOSAL_PREFIX: Final = b"membership/proposal/"

STATUS_OPEN: Final = "open"
STATUS_APPLIED: Final = "applied"
STATUS_FAILED: Final = "failed"
"""Reached its quorum, but the change was no longer possible (e.g. the org id was taken)."""
STATUSES: Final = (STATUS_OPEN, STATUS_APPLIED, STATUS_FAILED)

VALIDATOR_ACTIVATION_DELAY: Final = limits.VALIDATOR_ACTIVATION_DELAY
CONTRACT_ACTIVATION_DELAY: Final = limits.CONTRACT_ACTIVATION_DELAY

Params = dict[str, Any]
Writes = dict[bytes, bytes | None]


# --- The quorum rule -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuorumRule:
    """A proposal passes when approvals x denominator > organisations x numerator."""

    numerator: int
    """With ``denominator``, the fraction of organisations that must be exceeded."""

    denominator: int
    """1 to ``QUORUM_DENOMINATOR_MAX``."""

    def get_approvals_needed(self, organisations: int) -> int:
        """Fewest approvals that pass a proposal among ``organisations`` members."""
        return organisations * self.numerator // self.denominator + 1

    def is_reached(self, approvals: int, organisations: int) -> bool:
        """Whether ``approvals`` of ``organisations`` members pass a proposal."""
        return approvals * self.denominator > organisations * self.numerator

    def to_json(self) -> dict[str, Any]:
        """The rule as a JSON object."""
        return {"numerator": self.numerator, "denominator": self.denominator}


DEFAULT_QUORUM: Final = QuorumRule(2, 3)
"""More than two-thirds of the member organisations."""


def get_quorum_problem(rule: QuorumRule) -> str | None:
    """Why ``rule`` is not an acceptable quorum, or None.

    The fraction is at least one half, so two disjoint minorities can never both pass
    proposals, and below one, so a quorum is reachable.
    """
    numerator: object = rule.numerator
    denominator: object = rule.denominator
    if not isinstance(numerator, int) or not isinstance(denominator, int):
        return "quorum numerator and denominator must be integers"
    if isinstance(numerator, bool) or isinstance(denominator, bool):
        return "quorum numerator and denominator must be integers"
    if not 1 <= denominator <= limits.QUORUM_DENOMINATOR_MAX:
        return f"quorum denominator must be 1 to {limits.QUORUM_DENOMINATOR_MAX}"
    if not (2 * numerator >= denominator and numerator < denominator):
        return "quorum fraction must be at least one half and less than one"
    return None


def get_quorum(state: StateReader) -> QuorumRule:
    """The quorum rule in force (the default if genesis stored none)."""
    value = state.get(QUORUM_KEY)
    if value is None:
        return DEFAULT_QUORUM
    record = load_json(value)
    return QuorumRule(record["numerator"], record["denominator"])


def genesis_writes(quorum: QuorumRule | None) -> dict[bytes, bytes]:
    """The quorum rule of genesis; raises ``invalid_argument`` if it is not acceptable."""
    rule = DEFAULT_QUORUM if quorum is None else quorum
    if not isinstance(rule, QuorumRule):
        raise arguments.invalid("the genesis quorum must be a QuorumRule")
    problem = get_quorum_problem(rule)
    if problem is not None:
        raise arguments.invalid(problem)
    return {QUORUM_KEY: canonical_json(rule.to_json())}


# --- Proposals -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Proposal:
    """A proposed change to the consortium and the approvals it has gathered."""

    proposal_id: str
    """Chosen by the proposer, ``[A-Za-z0-9._:-]{8,64}``, unique on the chain."""

    action: str
    """One of :data:`ACTIONS`."""

    params: dict[str, Any]
    """The action's checked arguments."""

    proposer: str
    """Id of the proposing organisation."""

    approvals: list[str]
    """Ids of the organisations that approved it, sorted (the proposer included)."""

    status: str
    """One of :data:`STATUSES`."""

    proposed_height: int
    """Height of the block that carried the proposal."""

    expires_at_ms: int
    """After this time it can no longer be approved."""

    decided_height: int
    """Height at which it reached its quorum; 0 while open."""

    effective_height: int
    """Height from which the change applies (later than ``decided_height`` for validator
    sets and contract versions); 0 while open."""

    failure: str
    """Why the change could not be applied, for a failed proposal; empty otherwise."""

    def to_json(self) -> dict[str, Any]:
        """The record as a JSON object."""
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}

    @staticmethod
    def from_json(record: Mapping[str, Any]) -> Proposal:
        """Rebuild a record from its JSON object."""
        return Proposal(
            **{field.name: record[field.name] for field in dataclasses.fields(Proposal)}
        )


def get_proposal_key(proposal_id: str) -> bytes:
    """State key of a proposal."""
    return PROPOSAL_PREFIX + proposal_id.encode("ascii")


def get_proposal(state: StateReader, proposal_id: str) -> Proposal | None:
    """The proposal with id ``proposal_id``, or None."""
    value = state.get(get_proposal_key(proposal_id))
    return None if value is None else Proposal.from_json(load_json(value))


def count_member_approvals(state: StateReader, proposal: Proposal) -> int:
    """Approvals from organisations that are still members."""
    return sum(1 for org_id in proposal.approvals if get_organisation(state, org_id) is not None)


# --- Actions: checking arguments -----------------------------------------------------------


def _get_public_key(args: Mapping[str, ArgValue], name: str) -> str:
    return arguments.get_public_key_hex(args, name)


def _get_org_lists(args: Mapping[str, ArgValue]) -> Params:
    return {
        "roles": list(arguments.get_name_list(args, "roles", allowed=ROLES, allow_empty=False)),
        "cert_types": list(
            arguments.get_name_list(args, "cert_types", allowed=tuple(CERTIFICATE_TYPES))
            if "cert_types" in args
            else ()
        ),
        "record_categories": list(
            arguments.get_name_list(args, "record_categories", allowed=tuple(RECORD_CATEGORIES))
            if "record_categories" in args
            else ()
        ),
    }


def _params_add_org(args: Mapping[str, ArgValue]) -> Params:
    org_id = arguments.get_org_id(args, "org_id")
    arguments.reject_personal_identifier("org_id", org_id)
    name = arguments.get_free_text(args, "name", length_max=limits.ORG_NAME_LENGTH_MAX)
    return {
        "org_id": org_id,
        "name": name,
        "public_key": _get_public_key(args, "public_key"),
        **_get_org_lists(args),
    }


def _params_org_id(args: Mapping[str, ArgValue]) -> Params:
    return {"org_id": arguments.get_org_id(args, "org_id")}


def _params_set_roles(args: Mapping[str, ArgValue]) -> Params:
    return {"org_id": arguments.get_org_id(args, "org_id"), **_get_org_lists(args)}


def _params_rotate_org_key(args: Mapping[str, ArgValue]) -> Params:
    return {
        "org_id": arguments.get_org_id(args, "org_id"),
        "public_key": _get_public_key(args, "public_key"),
    }


def _params_add_validator(args: Mapping[str, ArgValue]) -> Params:
    params: Params = {
        "validator_id": arguments.get_validator_id(args, "validator_id"),
        "public_key": _get_public_key(args, "public_key"),
        "operator": arguments.get_org_id(args, "operator"),
    }
    if "endpoint" in args:  # absent, not empty, when not given: older records stay as they were
        params["endpoint"] = arguments.get_endpoint(args, "endpoint")
    return params


def _params_set_validator_endpoint(args: Mapping[str, ArgValue]) -> Params:
    return {
        "validator_id": arguments.get_validator_id(args, "validator_id"),
        "endpoint": arguments.get_endpoint(args, "endpoint"),
    }


def _params_validator_id(args: Mapping[str, ArgValue]) -> Params:
    return {"validator_id": arguments.get_validator_id(args, "validator_id")}


def _params_rotate_validator_key(args: Mapping[str, ArgValue]) -> Params:
    return {
        "validator_id": arguments.get_validator_id(args, "validator_id"),
        "public_key": _get_public_key(args, "public_key"),
    }


def _params_activate_contract_version(args: Mapping[str, ArgValue]) -> Params:
    contract = arguments.get_choice(args, "contract", tuple(versions.SHIPPED_VERSIONS))
    version = arguments.get_int(args, "version", minimum=1, maximum=1_000_000)
    if version not in versions.SHIPPED_VERSIONS[contract]:
        raise arguments.invalid(
            f"version must be one shipped for {contract}:"
            f" {', '.join(str(v) for v in versions.SHIPPED_VERSIONS[contract])}"
        )
    return {"contract": contract, "version": version}


def _params_set_quorum(args: Mapping[str, ArgValue]) -> Params:
    numerator = arguments.get_int(args, "numerator", minimum=0, maximum=1_000)
    denominator = arguments.get_int(args, "denominator", minimum=1, maximum=1_000)
    problem = get_quorum_problem(QuorumRule(numerator, denominator))
    if problem is not None:
        raise arguments.invalid(problem)
    return {"numerator": numerator, "denominator": denominator}


# --- Actions: planning their effects -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Plan:
    """What applying an action would write and announce."""

    writes: Writes
    events: list[Event]
    effective_height: int


def _get_org(state: StateReader, org_id: str) -> Organisation:
    org = get_organisation(state, org_id)
    if org is None:
        raise ContractError(NOT_FOUND, f"no organisation {org_id}")
    return org


def _check_org(org: Organisation) -> None:
    problem = get_organisation_problem(org)
    if problem is not None:
        raise arguments.invalid(problem)


def _check_key_unused(state: StateReader, public_key: bytes) -> None:
    if state.get(get_public_key_key(public_key)) is not None:
        raise ContractError(ALREADY_EXISTS, "that public key already belongs to an organisation")


def _org_attrs(org: Organisation) -> dict[str, str | int | bool]:
    return {
        "cert_types": ",".join(org.cert_types),
        "record_categories": ",".join(org.record_categories),
        "roles": ",".join(org.roles),
    }


def _plan_add_org(state: StateReader, ctx: CallContext, pid: str, params: Params) -> Plan:
    org = Organisation(
        id=params["org_id"],
        name=params["name"],
        public_key=bytes.fromhex(params["public_key"]),
        roles=tuple(params["roles"]),
        cert_types=tuple(params["cert_types"]),
        record_categories=tuple(params["record_categories"]),
    )
    _check_org(org)
    if get_organisation(state, org.id) is not None or (
        state.get(get_retired_key(org.id)) is not None
    ):
        raise ContractError(ALREADY_EXISTS, f"organisation id {org.id} is taken")
    if count_organisations(state) >= limits.ORGANISATIONS_MAX:
        raise ContractError(
            FAILED_PRECONDITION, f"the consortium has {limits.ORGANISATIONS_MAX} organisations"
        )
    _check_key_unused(state, org.public_key)
    writes: Writes = {
        get_org_key(org.id): encode_organisation(org),
        get_public_key_key(org.public_key): canonical_json(org.id),
    }
    event = make_event(
        "membership.org_added",
        (org.id, pid),
        {**_org_attrs(org), "public_key": org.public_key.hex(), "proposal_id": pid},
    )
    return Plan(writes, [event], ctx.height)


def _plan_remove_org(state: StateReader, ctx: CallContext, pid: str, params: Params) -> Plan:
    org = _get_org(state, params["org_id"])
    if count_organisations(state) <= 1:
        raise ContractError(FAILED_PRECONDITION, "the last organisation cannot be removed")
    operated = [
        v.id for v in validator_set.get_set_at(state, None).validators if v.operator == org.id
    ]
    if operated:
        raise ContractError(
            FAILED_PRECONDITION,
            f"organisation {org.id} operates validators ({', '.join(operated)}): remove them first",
        )
    writes: Writes = {
        get_org_key(org.id): None,
        get_public_key_key(org.public_key): None,
        get_retired_key(org.id): canonical_json({"removed_height": ctx.height}),
    }
    event = make_event("membership.org_removed", (org.id, pid), {"proposal_id": pid})
    return Plan(writes, [event], ctx.height)


def _plan_set_roles(state: StateReader, ctx: CallContext, pid: str, params: Params) -> Plan:
    org = _get_org(state, params["org_id"])
    changed = dataclasses.replace(
        org,
        roles=tuple(params["roles"]),
        cert_types=tuple(params["cert_types"]),
        record_categories=tuple(params["record_categories"]),
    )
    _check_org(changed)
    if not changed.has_role(ROLE_VALIDATOR_OPERATOR) and any(
        v.operator == org.id for v in validator_set.get_set_at(state, None).validators
    ):
        raise ContractError(
            FAILED_PRECONDITION,
            f"organisation {org.id} operates validators and must keep the validator_operator role",
        )
    event = make_event(
        "membership.roles_set", (org.id, pid), {**_org_attrs(changed), "proposal_id": pid}
    )
    return Plan({get_org_key(org.id): encode_organisation(changed)}, [event], ctx.height)


def _plan_rotate_org_key(state: StateReader, ctx: CallContext, pid: str, params: Params) -> Plan:
    org = _get_org(state, params["org_id"])
    new_key = bytes.fromhex(params["public_key"])
    _check_key_unused(state, new_key)
    rotated = dataclasses.replace(org, public_key=new_key)
    writes: Writes = {
        get_org_key(org.id): encode_organisation(rotated),
        get_public_key_key(org.public_key): None,
        get_public_key_key(new_key): canonical_json(org.id),
    }
    event = make_event(
        "membership.org_key_rotated",
        (org.id, pid),
        {
            "new_public_key": new_key.hex(),
            "old_public_key": org.public_key.hex(),
            "proposal_id": pid,
        },
    )
    return Plan(writes, [event], ctx.height)


def _schedule_validators(
    state: StateReader,
    ctx: CallContext,
    pid: str,
    action: str,
    changed: tuple[ValidatorEntry, ...],
    subjects: tuple[str, ...],
) -> Plan:
    problem = validator_set.get_problem(changed)
    if problem is not None:
        raise ContractError(FAILED_PRECONDITION, problem)
    activation_height = ctx.height + VALIDATOR_ACTIVATION_DELAY
    scheduled = ScheduledSet(
        activation_height=activation_height,
        decided_height=ctx.height,
        proposal_id=pid,
        validators=validator_set.sort_validators(changed),
    )
    members = [{"id": v.id, "public_key": v.public_key} for v in scheduled.validators]
    event = make_event(
        "membership.validators_scheduled",
        (*subjects, pid),
        {
            "action": action,
            "activation_height": activation_height,
            "decided_height": ctx.height,
            "proposal_id": pid,
            "validator_count": len(members),
            "validators": canonical_json(members).decode("utf-8"),
        },
    )
    writes: Writes = {
        validator_set.get_set_key(activation_height): validator_set.encode_set(scheduled)
    }
    return Plan(writes, [event], activation_height)


def _check_endpoint_unused(
    state: StateReader, current: ScheduledSet, validator_id: str, endpoint: str
) -> None:
    user = validator_set.get_endpoint_user(state, current.validators, endpoint)
    if user is not None and user != validator_id:
        raise ContractError(ALREADY_EXISTS, f"validator {user} already has that endpoint")


def _plan_endpoint(
    ctx: CallContext, pid: str, validator_id: str, endpoint: str, subjects: tuple[str, ...]
) -> Plan:
    """Writes and event of a validator's endpoint, in force from this block on."""
    record = Endpoint(endpoint, ctx.height, pid)
    event = make_event(
        "membership.validator_endpoint_set",
        (*subjects, pid),
        {"endpoint": endpoint, "proposal_id": pid, "validator_id": validator_id},
    )
    writes: Writes = {
        validator_set.get_endpoint_key(validator_id): validator_set.encode_endpoint(record)
    }
    return Plan(writes, [event], ctx.height)


def _plan_add_validator(state: StateReader, ctx: CallContext, pid: str, params: Params) -> Plan:
    current = validator_set.get_set_at(state, None)
    operator = _get_org(state, params["operator"])
    if not operator.has_role(ROLE_VALIDATOR_OPERATOR):
        raise ContractError(
            FAILED_PRECONDITION, f"organisation {operator.id} is not a validator operator"
        )
    if current.get(params["validator_id"]) is not None:
        raise ContractError(ALREADY_EXISTS, f"validator {params['validator_id']} is in the set")
    endpoint: str | None = params.get("endpoint")
    if endpoint is not None:
        _check_endpoint_unused(state, current, params["validator_id"], endpoint)
    added = ValidatorEntry(params["validator_id"], params["public_key"], operator.id)
    subjects = (added.id, operator.id)
    plan = _schedule_validators(
        state, ctx, pid, "add_validator", (*current.validators, added), subjects
    )
    if endpoint is None:
        return plan
    located = _plan_endpoint(ctx, pid, added.id, endpoint, subjects)
    return Plan(
        {**plan.writes, **located.writes}, [*plan.events, *located.events], plan.effective_height
    )


def _plan_set_validator_endpoint(
    state: StateReader, ctx: CallContext, pid: str, params: Params
) -> Plan:
    current = validator_set.get_set_at(state, None)
    moved = current.get(params["validator_id"])
    if moved is None:
        raise ContractError(NOT_FOUND, f"no validator {params['validator_id']} in the set")
    endpoint: str = params["endpoint"]
    found = validator_set.get_endpoint(state, moved.id)
    if found is not None and found.endpoint == endpoint:
        raise ContractError(
            FAILED_PRECONDITION, f"validator {moved.id} already has endpoint {endpoint}"
        )
    _check_endpoint_unused(state, current, moved.id, endpoint)
    subjects = (moved.id, moved.operator) if moved.operator else (moved.id,)
    return _plan_endpoint(ctx, pid, moved.id, endpoint, subjects)


def _plan_remove_validator(state: StateReader, ctx: CallContext, pid: str, params: Params) -> Plan:
    current = validator_set.get_set_at(state, None)
    removed = current.get(params["validator_id"])
    if removed is None:
        raise ContractError(NOT_FOUND, f"no validator {params['validator_id']} in the set")
    remaining = tuple(v for v in current.validators if v.id != removed.id)
    subjects = (removed.id, removed.operator) if removed.operator else (removed.id,)
    return _schedule_validators(state, ctx, pid, "remove_validator", remaining, subjects)


def _plan_rotate_validator_key(
    state: StateReader, ctx: CallContext, pid: str, params: Params
) -> Plan:
    current = validator_set.get_set_at(state, None)
    rotated = current.get(params["validator_id"])
    if rotated is None:
        raise ContractError(NOT_FOUND, f"no validator {params['validator_id']} in the set")
    changed = tuple(
        dataclasses.replace(v, public_key=params["public_key"]) if v.id == rotated.id else v
        for v in current.validators
    )
    subjects = (rotated.id, rotated.operator) if rotated.operator else (rotated.id,)
    return _schedule_validators(state, ctx, pid, "rotate_validator_key", changed, subjects)


def _plan_activate_contract_version(
    state: StateReader, ctx: CallContext, pid: str, params: Params
) -> Plan:
    contract: str = params["contract"]
    version: int = params["version"]
    schedule = versions.get_schedule(state, contract)
    if versions.get_version_at(schedule, None) == version:
        raise ContractError(
            FAILED_PRECONDITION, f"{contract} version {version} is already the scheduled version"
        )
    activation_height = ctx.height + CONTRACT_ACTIVATION_DELAY
    kept = tuple(entry for entry in schedule if entry[0] < activation_height)
    changed = (*kept, (activation_height, version))
    event = make_event(
        "membership.contract_version_scheduled",
        (contract, pid),
        {
            "activation_height": activation_height,
            "contract": contract,
            "decided_height": ctx.height,
            "proposal_id": pid,
            "version": version,
        },
    )
    writes: Writes = {versions.get_schedule_key(contract): versions.encode_schedule(changed)}
    return Plan(writes, [event], activation_height)


def _plan_set_quorum(state: StateReader, ctx: CallContext, pid: str, params: Params) -> Plan:
    rule = QuorumRule(params["numerator"], params["denominator"])
    event = make_event(
        "membership.quorum_set",
        (pid,),
        {"denominator": rule.denominator, "numerator": rule.numerator, "proposal_id": pid},
    )
    return Plan({QUORUM_KEY: canonical_json(rule.to_json())}, [event], ctx.height)


@dataclass(frozen=True, slots=True)
class Action:
    """One kind of governance change."""

    required: tuple[str, ...]
    """Arguments it needs (besides proposal_id and action)."""

    optional: tuple[str, ...]
    """Arguments it may take."""

    parse: Callable[[Mapping[str, ArgValue]], Params]
    """Checks its arguments and returns them normalised."""

    plan: Callable[[StateReader, CallContext, str, Params], Plan]
    """Checks the state allows it and returns its effects."""


ACTIONS: Final[Mapping[str, Action]] = MappingProxyType(
    {
        "add_org": Action(
            ("org_id", "name", "public_key", "roles"),
            ("cert_types", "record_categories"),
            _params_add_org,
            _plan_add_org,
        ),
        "remove_org": Action(("org_id",), (), _params_org_id, _plan_remove_org),
        "set_roles": Action(
            ("org_id", "roles"),
            ("cert_types", "record_categories"),
            _params_set_roles,
            _plan_set_roles,
        ),
        "rotate_org_key": Action(
            ("org_id", "public_key"), (), _params_rotate_org_key, _plan_rotate_org_key
        ),
        "add_validator": Action(
            ("validator_id", "public_key", "operator"),
            ("endpoint",),
            _params_add_validator,
            _plan_add_validator,
        ),
        "remove_validator": Action(
            ("validator_id",), (), _params_validator_id, _plan_remove_validator
        ),
        "rotate_validator_key": Action(
            ("validator_id", "public_key"),
            (),
            _params_rotate_validator_key,
            _plan_rotate_validator_key,
        ),
        "set_validator_endpoint": Action(
            ("validator_id", "endpoint"),
            (),
            _params_set_validator_endpoint,
            _plan_set_validator_endpoint,
        ),
        "activate_contract_version": Action(
            ("contract", "version"),
            (),
            _params_activate_contract_version,
            _plan_activate_contract_version,
        ),
        "set_quorum": Action(
            ("numerator", "denominator"), (), _params_set_quorum, _plan_set_quorum
        ),
    }
)
"""Every governance action, by name."""


# --- Transactions --------------------------------------------------------------------------


def _get_member(state: StateReader, ctx: CallContext, doing: str) -> Organisation:
    org = principal_of(state, ctx.sender_key)
    if org is None:
        raise ContractError(PERMISSION_DENIED, f"only a member organisation may {doing}")
    return org


def _decide(
    state: StateReader, ctx: CallContext, proposal: Proposal
) -> tuple[Proposal, Writes, list[Event]]:
    """If ``proposal`` has reached its quorum, apply it (or mark it failed)."""
    rule = get_quorum(state)
    approvals = count_member_approvals(state, proposal)
    if not rule.is_reached(approvals, count_organisations(state)):
        return proposal, {}, []
    action = ACTIONS[proposal.action]
    pid = proposal.proposal_id
    try:
        plan = action.plan(state, ctx, pid, proposal.params)
    except ContractError as error:
        failed = dataclasses.replace(
            proposal, status=STATUS_FAILED, decided_height=ctx.height, failure=error.message
        )
        event = make_event(
            "membership.proposal_failed",
            (pid,),
            {"action": proposal.action, "approvals": approvals, "reason": error.message},
        )
        return failed, {}, [event]
    applied = dataclasses.replace(
        proposal,
        status=STATUS_APPLIED,
        decided_height=ctx.height,
        effective_height=plan.effective_height,
    )
    event = make_event(
        "membership.proposal_applied",
        (pid,),
        {
            "action": proposal.action,
            "approvals": approvals,
            "effective_height": plan.effective_height,
        },
    )
    return applied, plan.writes, [event, *plan.events]


def process_propose(
    state: StateReader, ctx: CallContext, args: Mapping[str, ArgValue]
) -> CallResult:
    """``propose(proposal_id, action, expires_at_ms?, ...action arguments)`` by a member."""
    # The arguments are well-formed for the action.
    action_name = arguments.get_choice(args, "action", tuple(ACTIONS))
    action = ACTIONS[action_name]
    arguments.check_arg_names(
        args,
        required=("proposal_id", "action", *action.required),
        optional=("expires_at_ms", *action.optional),
    )
    proposal_id = arguments.get_new_object_id(args, "proposal_id")
    expires_at_ms = arguments.get_optional_int(args, "expires_at_ms", minimum=0)
    if expires_at_ms is None:
        expires_at_ms = ctx.time_ms + limits.PROPOSAL_TTL_MS_DEFAULT
    if not ctx.time_ms < expires_at_ms <= ctx.time_ms + limits.PROPOSAL_TTL_MS_MAX:
        raise arguments.invalid(
            "expires_at_ms must be later than the block time, by at most a year"
        )
    params = action.parse(args)

    # The sender is a member organisation.
    proposer = _get_member(state, ctx, "propose a change")

    # The proposal id is new.
    if state.get(get_proposal_key(proposal_id)) is not None:
        raise ContractError(ALREADY_EXISTS, f"proposal {proposal_id} already exists")

    # The change is possible now (checked again when the quorum is reached).
    action.plan(state, ctx, proposal_id, params)

    # Effect: record the proposal with the proposer's approval; apply it if that is enough.
    proposal = Proposal(
        proposal_id=proposal_id,
        action=action_name,
        params=params,
        proposer=proposer.id,
        approvals=[proposer.id],
        status=STATUS_OPEN,
        proposed_height=ctx.height,
        expires_at_ms=expires_at_ms,
        decided_height=0,
        effective_height=0,
        failure="",
    )
    rule = get_quorum(state)
    proposed = make_event(
        "membership.proposed",
        (proposal_id, proposer.id),
        {
            "action": action_name,
            "approvals_needed": rule.get_approvals_needed(count_organisations(state)),
            "expires_at_ms": expires_at_ms,
            "params": canonical_json(params).decode("utf-8"),
            "proposer": proposer.id,
        },
    )
    decided, writes, events = _decide(state, ctx, proposal)
    writes[get_proposal_key(proposal_id)] = canonical_json(decided.to_json())
    return make_result(writes, [proposed, *events])


def process_approve(
    state: StateReader, ctx: CallContext, args: Mapping[str, ArgValue]
) -> CallResult:
    """``approve(proposal_id)`` by a member that has not approved it yet."""
    # The arguments are well-formed.
    arguments.check_arg_names(args, required=("proposal_id",))
    proposal_id = arguments.get_object_id(args, "proposal_id")

    # The sender is a member organisation.
    approver = _get_member(state, ctx, "approve a proposal")

    # The proposal exists, is open and has not expired.
    proposal = get_proposal(state, proposal_id)
    if proposal is None:
        raise ContractError(NOT_FOUND, f"no proposal {proposal_id}")
    if proposal.status != STATUS_OPEN:
        raise ContractError(
            FAILED_PRECONDITION, f"proposal {proposal_id} is {proposal.status}, not open"
        )
    if ctx.time_ms > proposal.expires_at_ms:
        raise ContractError(FAILED_PRECONDITION, f"proposal {proposal_id} has expired")

    # The sender has not approved it already: each organisation counts once.
    if approver.id in proposal.approvals:
        raise ContractError(
            ALREADY_EXISTS, f"organisation {approver.id} already approved proposal {proposal_id}"
        )

    # Effect: add the approval; apply the change if the quorum is reached.
    approved = dataclasses.replace(proposal, approvals=sorted([*proposal.approvals, approver.id]))
    rule = get_quorum(state)
    event = make_event(
        "membership.approved",
        (proposal_id, approver.id),
        {
            "action": proposal.action,
            "approvals": count_member_approvals(state, approved),
            "approvals_needed": rule.get_approvals_needed(count_organisations(state)),
            "approver": approver.id,
        },
    )
    decided, writes, events = _decide(state, ctx, approved)
    writes[get_proposal_key(proposal_id)] = canonical_json(decided.to_json())
    return make_result(writes, [event, *events])


# --- Queries -------------------------------------------------------------------------------


def get_proposal_json(state: StateReader, proposal: Proposal, now_ms: int) -> dict[str, Any]:
    """A proposal as queries return it, with its standing at ``now_ms``."""
    record = proposal.to_json()
    record["approvals_counted"] = count_member_approvals(state, proposal)
    record["approvals_needed"] = get_quorum(state).get_approvals_needed(count_organisations(state))
    record["expired"] = proposal.status == STATUS_OPEN and now_ms > proposal.expires_at_ms
    return record


def query_proposal(state: StateReader, args: Mapping[str, ArgValue], now_ms: int) -> Any:
    """``proposal(proposal_id)``: one proposal; ``not_found`` if there is none."""
    arguments.check_arg_names(args, required=("proposal_id",))
    proposal_id = arguments.get_object_id(args, "proposal_id")
    proposal = get_proposal(state, proposal_id)
    if proposal is None:
        raise ContractError(NOT_FOUND, f"no proposal {proposal_id}")
    return get_proposal_json(state, proposal, now_ms)


def query_proposals(state: StateReader, args: Mapping[str, ArgValue], now_ms: int) -> Any:
    """``proposals(status?, limit?)``: proposals in id order, optionally of one status."""
    arguments.check_arg_names(args, required=(), optional=("status", "limit"))
    status = arguments.get_choice(args, "status", STATUSES) if "status" in args else None
    limit = arguments.get_list_limit(args)
    records = []
    for _, value in state.scan(PROPOSAL_PREFIX, limits.SCAN_LIMIT_MAX):
        proposal = Proposal.from_json(load_json(value))
        if status is None or proposal.status == status:
            records.append(get_proposal_json(state, proposal, now_ms))
            if len(records) == limit:
                break
    return records


def query_quorum(state: StateReader, args: Mapping[str, ArgValue], now_ms: int) -> Any:
    """``quorum()``: the rule, the number of members and the approvals a proposal needs."""
    arguments.check_arg_names(args, required=())
    rule = get_quorum(state)
    organisations = count_organisations(state)
    return {
        **rule.to_json(),
        "organisations": organisations,
        "approvals_needed": rule.get_approvals_needed(organisations),
        "members": [org.id for org in list_organisations(state)],
    }


def query_validators(state: StateReader, args: Mapping[str, ArgValue], now_ms: int) -> Any:
    """``validators(height?)``: the set deciding ``height`` (default: the last scheduled),
    each validator with its endpoint as decided now (empty if none was decided), and the
    whole schedule of sets (activation heights) for the node and clients."""
    arguments.check_arg_names(args, required=(), optional=("height",))
    height = arguments.get_optional_int(args, "height", minimum=0)
    found = validator_set.get_set_at(state, height)
    members = []
    for validator in found.validators:
        endpoint = validator_set.get_endpoint(state, validator.id)
        members.append({**validator.to_json(), "endpoint": endpoint.endpoint if endpoint else ""})
    return {
        **found.to_json(),
        "validators": members,
        "schedule": [
            {"activation_height": s.activation_height, "proposal_id": s.proposal_id}
            for s in validator_set.list_sets(state)
        ],
    }


def query_contract_versions(state: StateReader, args: Mapping[str, ArgValue], now_ms: int) -> Any:
    """``contract_versions(height?)``: per contract, the version at ``height`` (default: the
    last scheduled), the versions shipped and the activation schedule."""
    arguments.check_arg_names(args, required=(), optional=("height",))
    height = arguments.get_optional_int(args, "height", minimum=0)
    result = {}
    for contract in sorted(versions.SHIPPED_VERSIONS):
        schedule = versions.get_schedule(state, contract)
        result[contract] = {
            "version": versions.get_version_at(schedule, height),
            "shipped": list(versions.SHIPPED_VERSIONS[contract]),
            "schedule": [[h, v] for h, v in schedule],
        }
    return result


TRANSACTIONS: Final[Mapping[str, TransactionHandler]] = MappingProxyType(
    {"propose": process_propose, "approve": process_approve}
)
QUERIES: Final[Mapping[str, QueryHandler]] = MappingProxyType(
    {
        "proposal": query_proposal,
        "proposals": query_proposals,
        "quorum": query_quorum,
        "validators": query_validators,
        "contract_versions": query_contract_versions,
    }
)
