"""Governance actions on the consortium's organisations: add, remove, set roles, rotate keys."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from contracts.framework import arguments, limits
from contracts.framework.errors import already_exists, failed_precondition
from contracts.framework.interface import CallContext, StateReader, make_event
from contracts.framework.signature import catalogue_name_list, free_text, name_list, text
from contracts.governance.plans import Action, Params, Plan, Writes
from contracts.membership import credit_codes, trust, validator_set
from contracts.membership.events import MembershipEvent
from contracts.membership.organisations import (
    ORGANISATIONS,
    ROLE_VALIDATOR_OPERATOR,
    ROLES,
    Organisation,
    Retirement,
    check_catalogue_names,
    count_organisations,
    get_key_problem,
    get_organisation_problem,
    get_organisation_writes,
    get_public_key_key,
    get_retired_key,
)


def _check_org(org: Organisation, ctx: CallContext) -> None:
    problem = get_organisation_problem(org, ctx.suite)
    if problem is not None:
        raise arguments.invalid(problem)


def check_suite_key(ctx: CallContext, public_key: bytes) -> None:
    """Raise ``invalid_argument`` unless ``public_key`` is a key of the chain's suite."""
    problem = get_key_problem(public_key, ctx.suite)
    if problem is not None:
        raise arguments.invalid(problem)


def _check_key_unused(state: StateReader, public_key: bytes) -> None:
    if state.get(get_public_key_key(public_key)) is not None:
        raise already_exists("that public key already belongs to an organisation")


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
    _check_org(org, ctx)
    check_catalogue_names(state, org)
    if ORGANISATIONS.get(state, org.id) is not None or (
        state.get(get_retired_key(org.id)) is not None
    ):
        raise already_exists(f"organisation id {org.id} is taken")
    if count_organisations(state) >= limits.ORGANISATIONS_MAX:
        raise failed_precondition(f"the consortium has {limits.ORGANISATIONS_MAX} organisations")
    _check_key_unused(state, org.public_key)
    writes: Writes = get_organisation_writes(org)
    event = make_event(
        MembershipEvent.ORG_ADDED,
        (org.id, pid),
        {**_org_attrs(org), "public_key": org.public_key.hex(), "proposal_id": pid},
    )
    plan = Plan(writes, [event], ctx.height)
    code: str | None = params.get("credit_code")
    if code is not None:
        plan = plan.then(_plan_credit_code(state, ctx, pid, org.id, code))
    pem: str | None = params.get("ca_certificate")
    if pem is None:
        return plan
    return plan.then(_plan_ca(ctx, pid, org.id, pem))


def _plan_ca(ctx: CallContext, pid: str, org_id: str, pem: str) -> Plan:
    """The CA of a new organisation, in force from the next block."""
    event = make_event(
        MembershipEvent.CA_SET,
        (org_id, pid),
        {
            **trust.get_pem_digest_attr(pem, ctx.suite),
            "org_id": org_id,
            "proposal_id": pid,
            "replaced": False,
            "revocations_cleared": 0,
        },
    )
    writes: Writes = {trust.CAS.key(org_id): trust.CaCertificate(pem, ctx.height).encode()}
    return Plan(writes, [event], ctx.height)


def _plan_credit_code(
    state: StateReader, ctx: CallContext, pid: str, org_id: str, code: str
) -> Plan:
    writes: Writes = dict(credit_codes.get_setting_writes(state, org_id, code))
    event = make_event(
        MembershipEvent.CREDIT_CODE_SET,
        (org_id, pid),
        {"credit_code": code, "org_id": org_id, "proposal_id": pid},
    )
    return Plan(writes, [event], ctx.height)


def _plan_set_credit_code(state: StateReader, ctx: CallContext, pid: str, params: Params) -> Plan:
    org = ORGANISATIONS.get_existing(state, params["org_id"])
    return _plan_credit_code(state, ctx, pid, org.id, params["credit_code"])


def _plan_remove_org(state: StateReader, ctx: CallContext, pid: str, params: Params) -> Plan:
    org = ORGANISATIONS.get_existing(state, params["org_id"])
    if count_organisations(state) <= 1:
        raise failed_precondition("the last organisation cannot be removed")
    operated = [
        v.id for v in validator_set.get_set_at(state, None).validators if v.operator == org.id
    ]
    if operated:
        raise failed_precondition(
            f"organisation {org.id} operates validators ({', '.join(operated)}): remove them first"
        )
    writes: Writes = {
        ORGANISATIONS.key(org.id): None,
        get_public_key_key(org.public_key): None,
        get_retired_key(org.id): Retirement(ctx.height).encode(),
        **credit_codes.get_removal_writes(state, org.id),
    }
    events = [make_event(MembershipEvent.ORG_REMOVED, (org.id, pid), {"proposal_id": pid})]
    # Its CA and revocations go with it: its certificates are refused from the next block.
    if trust.CAS.get(state, org.id) is not None:
        cleared = trust.get_clearing_writes(state, org.id)
        writes.update(cleared)
        writes[trust.CAS.key(org.id)] = None
        events.append(
            make_event(
                MembershipEvent.CA_REMOVED,
                (org.id, pid),
                {"org_id": org.id, "proposal_id": pid, "revocations_cleared": len(cleared)},
            )
        )
    return Plan(writes, events, ctx.height)


def _plan_set_roles(state: StateReader, ctx: CallContext, pid: str, params: Params) -> Plan:
    org = ORGANISATIONS.get_existing(state, params["org_id"])
    changed = dataclasses.replace(
        org,
        roles=tuple(params["roles"]),
        cert_types=tuple(params["cert_types"]),
        record_categories=tuple(params["record_categories"]),
    )
    _check_org(changed, ctx)
    check_catalogue_names(state, changed)
    if not changed.has_role(ROLE_VALIDATOR_OPERATOR) and any(
        v.operator == org.id for v in validator_set.get_set_at(state, None).validators
    ):
        raise failed_precondition(
            f"organisation {org.id} operates validators and must keep the validator_operator role"
        )
    event = make_event(
        MembershipEvent.ROLES_SET, (org.id, pid), {**_org_attrs(changed), "proposal_id": pid}
    )
    return Plan({ORGANISATIONS.key(org.id): changed.encode()}, [event], ctx.height)


def _plan_rotate_org_key(state: StateReader, ctx: CallContext, pid: str, params: Params) -> Plan:
    org = ORGANISATIONS.get_existing(state, params["org_id"])
    new_key = bytes.fromhex(params["public_key"])
    check_suite_key(ctx, new_key)
    _check_key_unused(state, new_key)
    rotated = dataclasses.replace(org, public_key=new_key)
    writes: Writes = {
        get_public_key_key(org.public_key): None,
        **get_organisation_writes(rotated),
    }
    event = make_event(
        MembershipEvent.ORG_KEY_ROTATED,
        (org.id, pid),
        {
            "new_public_key": new_key.hex(),
            "old_public_key": org.public_key.hex(),
            "proposal_id": pid,
        },
    )
    return Plan(writes, [event], ctx.height)


ORG_ID = text("org_id", arguments.ORG_ID)
PUBLIC_KEY = text("public_key", arguments.PUBLIC_KEY_HEX)
CREDIT_CODE = text("credit_code", arguments.ORGANISATION_CODE)
_ORG_LISTS = (
    name_list("roles", ROLES, allow_empty=False),
    catalogue_name_list("cert_types").maybe(),
    catalogue_name_list("record_categories").maybe(),
)
_NO_LISTS: Final[Mapping[str, list[str]]] = MappingProxyType(
    {"cert_types": [], "record_categories": []}
)

ACTIONS: Final[Mapping[str, Action]] = MappingProxyType(
    {
        "add_org": Action(
            (
                text("org_id", arguments.ORG_ID.creating()),
                free_text("name", limits.ORG_NAME_LENGTH_MAX),
                PUBLIC_KEY,
                *_ORG_LISTS,
                # Absent, not empty, when not given: older proposals stay as they were.
                text("ca_certificate", trust.CA_PEM).maybe(),
                CREDIT_CODE.maybe(),
            ),
            _plan_add_org,
            defaults=_NO_LISTS,
        ),
        "remove_org": Action((ORG_ID,), _plan_remove_org),
        "set_roles": Action((ORG_ID, *_ORG_LISTS), _plan_set_roles, defaults=_NO_LISTS),
        "rotate_org_key": Action((ORG_ID, PUBLIC_KEY), _plan_rotate_org_key),
        "set_credit_code": Action((ORG_ID, CREDIT_CODE), _plan_set_credit_code),
    }
)
"""The organisation actions, by name."""
