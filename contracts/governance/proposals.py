"""Governance of the consortium: proposals approved on-chain by a quorum of member organisations.

These are the ``membership`` contract's transactions. Any member organisation may propose a
change; each member approves at most once (the proposer's proposal counts as its approval).
When the approvals of current members reach the quorum (:mod:`contracts.governance.quorum`),
the change is applied in that same transaction.

Actions and their arguments (besides ``proposal_id``, ``action`` and an optional
``expires_at_ms``, after which the proposal can no longer be approved):

- ``add_org(org_id, name, public_key, roles, cert_types?, record_categories?,
  ca_certificate?, credit_code?)``: ``ca_certificate`` is the organisation's CA certificate,
  PEM text (see :mod:`contracts.membership.trust`); ``credit_code`` its unified social credit
  code (see :mod:`contracts.membership.credit_codes`)
- ``remove_org(org_id)``: its CA certificate and revoked serials are deleted too
- ``set_roles(org_id, roles, cert_types?, record_categories?)``
- ``rotate_org_key(org_id, public_key)``
- ``set_credit_code(org_id, credit_code)``: the issuer part of its national identifiers
- ``add_validator(validator_id, public_key, operator, endpoint?)``: ``endpoint`` is the
  ``host:port`` where the other validators reach it (its organisation's server address)
- ``remove_validator(validator_id)``
- ``rotate_validator_key(validator_id, public_key)``
- ``set_validator_endpoint(validator_id, endpoint)``: a validator of the latest scheduled
  set moved to another ``host:port``
- ``activate_contract_version(contract, version)``
- ``set_quorum(numerator, denominator)``: approvals x denominator > members x numerator
- ``register_certificate_type(definition)``, ``register_record_category(definition)``,
  ``register_purpose(definition)``, ``retire_certificate_type(entry_id)``,
  ``retire_record_category(entry_id)``, ``retire_purpose(entry_id)``: the catalogue
  (:mod:`contracts.catalogue.actions`); a certificate type only by its defining body

The organisation actions are in :mod:`contracts.membership.org_actions`, the validator ones
in :mod:`contracts.membership.validator_actions`, the last two in
:mod:`contracts.governance.actions`. Lists (roles, cert_types, record_categories) are JSON
arrays; public keys lowercase hex. Validator changes take effect at
``decided_height + VALIDATOR_ACTIVATION_DELAY``, contract versions at
``decided_height + CONTRACT_ACTIVATION_DELAY``; an endpoint at once (it does not change who
signs which height, and peers must reach a new validator before it signs).

State:

- ``membership/proposal/<proposal id>`` -> the proposal (:class:`Proposal`)
- plus what the actions change (see :mod:`contracts.membership.organisations`,
  :mod:`contracts.membership.validator_set`, :mod:`contracts.governance.versions`,
  :mod:`contracts.governance.quorum`)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from contracts.framework import arguments, limits
from contracts.framework.codec import canonical_json
from contracts.framework.errors import (
    ContractError,
    already_exists,
    failed_precondition,
)
from contracts.framework.interface import (
    ArgValue,
    CallContext,
    CallResult,
    Event,
    StateReader,
    make_event,
    make_result,
)
from contracts.framework.records import Record
from contracts.framework.signature import (
    DeclaredTransaction,
    Signature,
    SignatureByChoice,
    Values,
    choice,
    declared,
    integer,
    text,
    transaction,
)
from contracts.framework.store import Table
from contracts.governance.events import GovernanceEvent
from contracts.governance.plans import Action, Writes
from contracts.governance.quorum import get_quorum
from contracts.membership.organisations import (
    ORGANISATIONS,
    count_organisations,
    get_member,
)

STATUS_OPEN: Final = "open"
STATUS_APPLIED: Final = "applied"
STATUS_FAILED: Final = "failed"
"""Reached its quorum, but the change was no longer possible (e.g. the org id was taken)."""
STATUSES: Final = (STATUS_OPEN, STATUS_APPLIED, STATUS_FAILED)


@dataclass(frozen=True, slots=True)
class Proposal(Record):
    """A proposed change to the consortium and the approvals it has gathered."""

    proposal_id: str
    """Chosen by the proposer, ``[A-Za-z0-9._:-]{8,64}``, unique on the chain."""

    action: str
    """The name of its :class:`~contracts.governance.plans.Action`."""

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


PROPOSALS: Final = Table(Proposal, b"membership/proposal/", "proposal", related=("proposer",))

get_related: Final = PROPOSALS.get_related
"""The proposer of the proposal named ``subject``, if it is one."""


def count_member_approvals(state: StateReader, proposal: Proposal) -> int:
    """Approvals from organisations that are still members."""
    return sum(1 for org_id in proposal.approvals if ORGANISATIONS.get(state, org_id) is not None)


def get_proposal_json(state: StateReader, proposal: Proposal, now_ms: int) -> dict[str, Any]:
    """A proposal as queries return it, with its standing at ``now_ms``."""
    record = proposal.to_json()
    record["approvals_counted"] = count_member_approvals(state, proposal)
    record["approvals_needed"] = get_quorum(state).get_approvals_needed(count_organisations(state))
    record["expired"] = proposal.status == STATUS_OPEN and now_ms > proposal.expires_at_ms
    return record


# --- Transactions --------------------------------------------------------------------------

PROPOSAL_ID = text("proposal_id", arguments.OBJECT_ID)
EXPIRES_AT_MS = integer("expires_at_ms", 0).maybe()


def _decide(
    state: StateReader, ctx: CallContext, actions: Mapping[str, Action], proposal: Proposal
) -> tuple[Proposal, Writes, list[Event]]:
    """If ``proposal`` has reached its quorum, apply it (or mark it failed)."""
    rule = get_quorum(state)
    approvals = count_member_approvals(state, proposal)
    if not rule.is_reached(approvals, count_organisations(state)):
        return proposal, {}, []
    action = actions[proposal.action]
    pid = proposal.proposal_id
    try:
        plan = action.plan(state, ctx, pid, proposal.params)
    except ContractError as error:
        failed = dataclasses.replace(
            proposal, status=STATUS_FAILED, decided_height=ctx.height, failure=error.message
        )
        event = make_event(
            GovernanceEvent.PROPOSAL_FAILED,
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
        GovernanceEvent.PROPOSAL_APPLIED,
        (pid,),
        {
            "action": proposal.action,
            "approvals": approvals,
            "effective_height": plan.effective_height,
        },
    )
    return applied, plan.writes, [event, *plan.events]


def _get_propose_signature(actions: Mapping[str, Action], action: Action) -> Signature:
    return Signature(
        PROPOSAL_ID.later(),
        choice("action", actions),
        EXPIRES_AT_MS.later(),
        *(arg.later() for arg in action.args),
    )


def _propose(
    state: StateReader,
    ctx: CallContext,
    args: Mapping[str, ArgValue],
    actions: Mapping[str, Action],
    signatures: Mapping[str, Signature],
) -> CallResult:
    """``propose(proposal_id, action, expires_at_ms?, ...action arguments)`` by a member."""
    # The arguments are well-formed for the action (which says what the others are).
    action_name = arguments.get_choice(args, "action", tuple(actions))
    action = actions[action_name]
    values = signatures[action_name].read(args)
    proposal_id = values[PROPOSAL_ID.later()]
    arguments.reject_personal_identifier("proposal_id", proposal_id)
    expires_at_ms = values.get(EXPIRES_AT_MS, ctx.time_ms + limits.PROPOSAL_TTL_MS_DEFAULT)
    if not ctx.time_ms < expires_at_ms <= ctx.time_ms + limits.PROPOSAL_TTL_MS_MAX:
        raise arguments.invalid(
            "expires_at_ms must be later than the block time, by at most a year"
        )
    params = action.read_params(values)

    # The sender is a member organisation that may propose this change.
    proposer = get_member(state, ctx, "propose a change")
    action.check_proposer(state, proposer.id, params)

    # The proposal id is new.
    if state.get(PROPOSALS.key(proposal_id)) is not None:
        raise already_exists(f"proposal {proposal_id} already exists")

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
        GovernanceEvent.PROPOSED,
        (proposal_id, proposer.id),
        {
            "action": action_name,
            "approvals_needed": rule.get_approvals_needed(count_organisations(state)),
            "expires_at_ms": expires_at_ms,
            "params": canonical_json(params).decode("utf-8"),
            "proposer": proposer.id,
        },
    )
    decided, writes, decided_events = _decide(state, ctx, actions, proposal)
    writes[PROPOSALS.key(proposal_id)] = decided.encode()
    return make_result(writes, [proposed, *decided_events])


def _approve(
    state: StateReader, ctx: CallContext, args: Values, actions: Mapping[str, Action]
) -> CallResult:
    """``approve(proposal_id)`` by a member that has not approved it yet."""
    proposal_id = args[PROPOSAL_ID]

    # The sender is a member organisation.
    approver = get_member(state, ctx, "approve a proposal")

    # The proposal exists, is open and has not expired.
    proposal = PROPOSALS.get_existing(state, proposal_id)
    if proposal.status != STATUS_OPEN:
        raise failed_precondition(f"proposal {proposal_id} is {proposal.status}, not open")
    if ctx.time_ms > proposal.expires_at_ms:
        raise failed_precondition(f"proposal {proposal_id} has expired")

    # The sender has not approved it already: each organisation counts once.
    if approver.id in proposal.approvals:
        raise already_exists(f"organisation {approver.id} already approved proposal {proposal_id}")

    # Effect: add the approval; apply the change if the quorum is reached.
    approved = dataclasses.replace(proposal, approvals=sorted([*proposal.approvals, approver.id]))
    rule = get_quorum(state)
    event = make_event(
        GovernanceEvent.APPROVED,
        (proposal_id, approver.id),
        {
            "action": proposal.action,
            "approvals": count_member_approvals(state, approved),
            "approvals_needed": rule.get_approvals_needed(count_organisations(state)),
            "approver": approver.id,
        },
    )
    decided, writes, decided_events = _decide(state, ctx, actions, approved)
    writes[PROPOSALS.key(proposal_id)] = decided.encode()
    return make_result(writes, [event, *decided_events])


def make_transactions(actions: Mapping[str, Action]) -> dict[str, DeclaredTransaction]:
    """``propose`` and ``approve``, deciding among ``actions``.

    The handlers' bodies are the top-level ``_propose`` and ``_approve``: a decorated function
    nested in another is never mutated by ``make mutate`` (docs/mutation.md), and these two
    decide every change of the consortium.
    """
    signatures = {name: _get_propose_signature(actions, action) for name, action in actions.items()}

    @declared(SignatureByChoice(choice("action", actions), signatures))
    def process_propose(
        state: StateReader, ctx: CallContext, args: Mapping[str, ArgValue]
    ) -> CallResult:
        return _propose(state, ctx, args, actions, signatures)

    @transaction(Signature(PROPOSAL_ID))
    def process_approve(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
        return _approve(state, ctx, args, actions)

    return {"propose": process_propose, "approve": process_approve}
