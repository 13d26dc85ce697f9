"""Governance actions on the validator set: add, remove, rotate keys, move endpoints."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from contracts.framework import arguments, limits
from contracts.framework.codec import canonical_json
from contracts.framework.errors import already_exists, failed_precondition, not_found
from contracts.framework.interface import CallContext, StateReader, make_event
from contracts.framework.signature import text
from contracts.governance.plans import Action, Params, Plan, Writes
from contracts.membership import validator_set
from contracts.membership.events import MembershipEvent
from contracts.membership.org_actions import PUBLIC_KEY, check_suite_key
from contracts.membership.organisations import ORGANISATIONS, ROLE_VALIDATOR_OPERATOR
from contracts.membership.validator_set import Endpoint, ScheduledSet, ValidatorEntry

VALIDATOR_ACTIVATION_DELAY: Final = limits.VALIDATOR_ACTIVATION_DELAY


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
        raise failed_precondition(problem)
    activation_height = ctx.height + VALIDATOR_ACTIVATION_DELAY
    scheduled = ScheduledSet(
        activation_height=activation_height,
        decided_height=ctx.height,
        proposal_id=pid,
        validators=validator_set.sort_validators(changed),
    )
    members = [{"id": v.id, "public_key": v.public_key} for v in scheduled.validators]
    event = make_event(
        MembershipEvent.VALIDATORS_SCHEDULED,
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
    writes: Writes = {validator_set.get_set_key(activation_height): scheduled.encode()}
    return Plan(writes, [event], activation_height)


def _check_endpoint_unused(
    state: StateReader, current: ScheduledSet, validator_id: str, endpoint: str
) -> None:
    user = validator_set.get_endpoint_user(state, current.validators, endpoint)
    if user is not None and user != validator_id:
        raise already_exists(f"validator {user} already has that endpoint")


def _plan_endpoint(
    ctx: CallContext, pid: str, validator_id: str, endpoint: str, subjects: tuple[str, ...]
) -> Plan:
    """Writes and event of a validator's endpoint, in force from this block on."""
    record = Endpoint(endpoint, ctx.height, pid)
    event = make_event(
        MembershipEvent.VALIDATOR_ENDPOINT_SET,
        (*subjects, pid),
        {"endpoint": endpoint, "proposal_id": pid, "validator_id": validator_id},
    )
    writes: Writes = {validator_set.ENDPOINTS.key(validator_id): record.encode()}
    return Plan(writes, [event], ctx.height)


def _plan_add_validator(state: StateReader, ctx: CallContext, pid: str, params: Params) -> Plan:
    current = validator_set.get_set_at(state, None)
    operator = ORGANISATIONS.get_existing(state, params["operator"])
    if not operator.has_role(ROLE_VALIDATOR_OPERATOR):
        raise failed_precondition(f"organisation {operator.id} is not a validator operator")
    if current.get(params["validator_id"]) is not None:
        raise already_exists(f"validator {params['validator_id']} is in the set")
    endpoint: str | None = params.get("endpoint")
    if endpoint is not None:
        _check_endpoint_unused(state, current, params["validator_id"], endpoint)
    check_suite_key(ctx, bytes.fromhex(params["public_key"]))
    added = ValidatorEntry(params["validator_id"], params["public_key"], operator.id)
    subjects = (added.id, operator.id)
    plan = _schedule_validators(
        state, ctx, pid, "add_validator", (*current.validators, added), subjects
    )
    if endpoint is None:
        return plan
    return plan.then(_plan_endpoint(ctx, pid, added.id, endpoint, subjects))


def _get_named_validator(state: StateReader, params: Params) -> tuple[ScheduledSet, ValidatorEntry]:
    """The latest scheduled set and its validator ``params["validator_id"]``; ``not_found``
    if the set has no such validator."""
    current = validator_set.get_set_at(state, None)
    named = current.get(params["validator_id"])
    if named is None:
        raise not_found(f"no validator {params['validator_id']} in the set")
    return current, named


def _get_subjects(validator: ValidatorEntry) -> tuple[str, ...]:
    """The validator and the organisation that runs it, if any."""
    return (validator.id, validator.operator) if validator.operator else (validator.id,)


def _plan_set_validator_endpoint(
    state: StateReader, ctx: CallContext, pid: str, params: Params
) -> Plan:
    current, moved = _get_named_validator(state, params)
    endpoint: str = params["endpoint"]
    found = validator_set.ENDPOINTS.get(state, moved.id)
    if found is not None and found.endpoint == endpoint:
        raise failed_precondition(f"validator {moved.id} already has endpoint {endpoint}")
    _check_endpoint_unused(state, current, moved.id, endpoint)
    subjects = _get_subjects(moved)
    return _plan_endpoint(ctx, pid, moved.id, endpoint, subjects)


def _plan_remove_validator(state: StateReader, ctx: CallContext, pid: str, params: Params) -> Plan:
    current, removed = _get_named_validator(state, params)
    remaining = tuple(v for v in current.validators if v.id != removed.id)
    subjects = _get_subjects(removed)
    return _schedule_validators(state, ctx, pid, "remove_validator", remaining, subjects)


def _plan_rotate_validator_key(
    state: StateReader, ctx: CallContext, pid: str, params: Params
) -> Plan:
    current, rotated = _get_named_validator(state, params)
    check_suite_key(ctx, bytes.fromhex(params["public_key"]))
    changed = tuple(
        dataclasses.replace(v, public_key=params["public_key"]) if v.id == rotated.id else v
        for v in current.validators
    )
    subjects = _get_subjects(rotated)
    return _schedule_validators(state, ctx, pid, "rotate_validator_key", changed, subjects)


VALIDATOR_ID = text("validator_id", arguments.VALIDATOR_ID)
ENDPOINT = text("endpoint", arguments.ENDPOINT)

ACTIONS: Final[Mapping[str, Action]] = MappingProxyType(
    {
        "add_validator": Action(
            # The endpoint is absent, not empty, when not given: older records stay as they were.
            (VALIDATOR_ID, PUBLIC_KEY, text("operator", arguments.ORG_ID), ENDPOINT.maybe()),
            _plan_add_validator,
        ),
        "remove_validator": Action((VALIDATOR_ID,), _plan_remove_validator),
        "rotate_validator_key": Action((VALIDATOR_ID, PUBLIC_KEY), _plan_rotate_validator_key),
        "set_validator_endpoint": Action((VALIDATOR_ID, ENDPOINT), _plan_set_validator_endpoint),
    }
)
"""The validator set actions, by name."""
