"""The ``delegation`` contract's transactions: registering, appointing, accepting,
declining and revoking delegations (see :mod:`contracts.delegation`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from contracts.archives import files
from contracts.catalogue import lookup
from contracts.delegation.events import DelegationEvent
from contracts.delegation.records import (
    ACTION_APPOINT_AGENTS,
    ACTIONS,
    APPOINTED_KINDS,
    BY_DELEGATE,
    BY_PAIR,
    BY_PRINCIPAL,
    CREATED_BY_LEGAL_REPRESENTATIVE,
    CREATED_BY_PRINCIPAL,
    CREATED_BY_REGISTRAR,
    DELEGATIONS,
    KIND_AGENT,
    KIND_LEGAL_REPRESENTATIVE,
    PRINCIPAL_KIND,
    REGISTERED_KINDS,
    STATUS_ACTIVE,
    STATUS_DECLINED,
    STATUS_PENDING,
    STATUS_REVOKED,
    Delegation,
    find_delegation,
)
from contracts.framework import arguments, limits
from contracts.framework.checks import check_new
from contracts.framework.errors import failed_precondition, permission_denied
from contracts.framework.identity import holder_id_for
from contracts.framework.interface import (
    AttrValue,
    CallContext,
    CallResult,
    EventName,
    StateReader,
    make_event,
    make_result,
)
from contracts.framework.signature import (
    Arg,
    DeclaredTransaction,
    Signature,
    Values,
    catalogue_name_list,
    choice,
    free_text,
    integer,
    name_list,
    text,
    transaction,
)
from contracts.membership.organisations import ROLE_REGISTRAR, get_member_with_role, principal_of


def _subjects(delegation: Delegation) -> tuple[str, ...]:
    return (delegation.principal, delegation.delegate, delegation.delegation_id)


def _attrs(delegation: Delegation, **more: AttrValue) -> dict[str, AttrValue]:
    return {
        "actions": ",".join(delegation.actions),
        "cert_types": ",".join(delegation.cert_types),
        "expires_at_ms": delegation.expires_at_ms,
        "kind": delegation.kind,
        "record_categories": ",".join(delegation.record_categories),
        **more,
    }


def _write(delegation: Delegation) -> dict[bytes, bytes | None]:
    return {DELEGATIONS.key(delegation.delegation_id): delegation.encode()}


def _write_new(delegation: Delegation) -> dict[bytes, bytes | None]:
    did, principal, delegate = delegation.delegation_id, delegation.principal, delegation.delegate
    return {
        **_write(delegation),
        **BY_PRINCIPAL.write(principal, did),
        **BY_DELEGATE.write(delegate, did),
        **BY_PAIR.write(principal, delegate, did),
    }


# --- Creating a delegation -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Terms:
    delegation_id: str
    kind: str
    principal: str
    delegate: str
    actions: tuple[str, ...]
    cert_types: tuple[str, ...]
    record_categories: tuple[str, ...]
    expires_at_ms: int


NEW_DELEGATION_ID = text("delegation_id", arguments.NEW_OBJECT_ID)
DELEGATION_ID = text("delegation_id", arguments.OBJECT_ID)
PRINCIPAL = text("principal", arguments.HOLDER_ID)
DELEGATE = text("delegate", arguments.HOLDER_ID)
ACTIONS_ARG = name_list("actions", ACTIONS, allow_empty=False)
CERT_TYPES = catalogue_name_list("cert_types", allow_empty=False).maybe()
RECORD_CATEGORIES_ARG = catalogue_name_list("record_categories", allow_empty=False).maybe()
EXPIRES_AT_MS = integer("expires_at_ms", 0)
REASON = free_text("reason", limits.REASON_LENGTH_MAX).maybe()


def _get_terms_signature(kind: Arg[str]) -> Signature:
    return Signature(
        NEW_DELEGATION_ID,
        kind,
        PRINCIPAL,
        DELEGATE,
        ACTIONS_ARG,
        CERT_TYPES,
        RECORD_CATEGORIES_ARG,
        EXPIRES_AT_MS,
    )


def _check_catalogue(state: StateReader, terms: _Terms) -> None:
    lookup.check_names_known(state, lookup.TYPES, terms.cert_types)
    lookup.check_names_known(state, lookup.CATEGORIES, terms.record_categories)


REGISTERED_KIND = choice("kind", REGISTERED_KINDS)
APPOINTED_KIND = choice("kind", APPOINTED_KINDS)


def _get_terms(values: Values, ctx: CallContext, kind: Arg[str]) -> _Terms:
    """The arguments shared by ``register`` and ``appoint``, checked together."""
    terms = _Terms(
        delegation_id=values[NEW_DELEGATION_ID],
        kind=values[kind],
        principal=values[PRINCIPAL],
        delegate=values[DELEGATE],
        actions=values[ACTIONS_ARG],
        cert_types=values.get(CERT_TYPES, ()),
        record_categories=values.get(RECORD_CATEGORIES_ARG, ()),
        expires_at_ms=values[EXPIRES_AT_MS],
    )
    if terms.expires_at_ms <= ctx.time_ms:
        raise arguments.invalid("expires_at_ms must be later than the block time")
    if terms.principal == terms.delegate:
        raise arguments.invalid("a holder cannot be their own delegate")
    if ACTION_APPOINT_AGENTS in terms.actions and terms.kind != KIND_LEGAL_REPRESENTATIVE:
        raise arguments.invalid("only a legal representative may be allowed to appoint agents")
    return terms


def _check_new(state: StateReader, terms: _Terms) -> None:
    """The id is new and the parties' kinds (as the chain knows them) fit the delegation."""
    check_new(state, DELEGATIONS, terms.delegation_id)
    principal_kind = files.get_kind(state, terms.principal)
    if principal_kind is not None and principal_kind != PRINCIPAL_KIND[terms.kind]:
        raise failed_precondition(
            f"a {terms.kind} acts for a {PRINCIPAL_KIND[terms.kind]}, but holder"
            f" {terms.principal} has a {principal_kind} file"
        )
    if files.get_kind(state, terms.delegate) == files.KIND_ENTERPRISE:
        raise failed_precondition(
            f"holder {terms.delegate} is an enterprise and cannot be a delegate"
        )


def _create(
    terms: _Terms,
    ctx: CallContext,
    *,
    status: str,
    created_by: str,
    creator_role: str,
    parent: str,
) -> Delegation:
    return Delegation(
        delegation_id=terms.delegation_id,
        kind=terms.kind,
        principal=terms.principal,
        delegate=terms.delegate,
        actions=list(terms.actions),
        cert_types=list(terms.cert_types),
        record_categories=list(terms.record_categories),
        expires_at_ms=terms.expires_at_ms,
        status=status,
        created_by=created_by,
        creator_role=creator_role,
        parent=parent,
        created_height=ctx.height,
        decided_height=ctx.height if status == STATUS_ACTIVE else 0,
        revoked_height=0,
        revoked_by="",
        reason="",
    )


def _is_within(child: _Terms, parent: Delegation) -> bool:
    """Whether an agent's terms stay within the appointing representative's delegation."""
    if not set(child.actions) <= set(parent.actions) - {ACTION_APPOINT_AGENTS}:
        return False
    if child.expires_at_ms > parent.expires_at_ms:
        return False
    if parent.cert_types and not (
        child.cert_types and set(child.cert_types) <= set(parent.cert_types)
    ):
        return False
    return not parent.record_categories or bool(
        child.record_categories and set(child.record_categories) <= set(parent.record_categories)
    )


@transaction(_get_terms_signature(REGISTERED_KIND))
def process_register(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``register(delegation_id, kind, principal, delegate, actions, expires_at_ms,
    cert_types?, record_categories?)`` by a registrar: a guardianship or a legal
    representative, in force at once."""
    # The arguments are well-formed; the types and categories named are in the catalogue.
    terms = _get_terms(args, ctx, REGISTERED_KIND)
    _check_catalogue(state, terms)

    # The sender is a registrar organisation.
    registrar = get_member_with_role(state, ctx, ROLE_REGISTRAR, "register a delegation")

    # The id is new and the parties fit.
    _check_new(state, terms)

    # Effect: an active delegation.
    delegation = _create(
        terms,
        ctx,
        status=STATUS_ACTIVE,
        created_by=registrar.id,
        creator_role=CREATED_BY_REGISTRAR,
        parent="",
    )
    event = make_event(
        DelegationEvent.REGISTERED,
        (*_subjects(delegation), registrar.id),
        _attrs(delegation, registrar=registrar.id),
    )
    return make_result(_write_new(delegation), [event])


@transaction(_get_terms_signature(APPOINTED_KIND))
def process_appoint(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``appoint(delegation_id, kind, principal, delegate, actions, expires_at_ms,
    cert_types?, record_categories?)`` by the principal (a guardian or an agent), or by the
    enterprise's legal representative (an agent); pending until the delegate accepts."""
    # The arguments are well-formed; the types and categories named are in the catalogue.
    terms = _get_terms(args, ctx, APPOINTED_KIND)
    _check_catalogue(state, terms)
    sender = holder_id_for(ctx.sender_key, ctx.suite)

    # The sender is the principal, or (for an agent) a legal representative in force who
    # may appoint agents, within their own scope and expiry.
    parent = ""
    creator_role = CREATED_BY_PRINCIPAL
    if sender != terms.principal:
        representative = (
            find_delegation(state, terms.principal, sender, ACTION_APPOINT_AGENTS, ctx.time_ms)
            if terms.kind == KIND_AGENT
            else None
        )
        if representative is None or representative.kind != KIND_LEGAL_REPRESENTATIVE:
            raise permission_denied(
                "only the principal, or for an agent the enterprise's legal representative,"
                " may appoint a delegate"
            )
        if not _is_within(terms, representative):
            raise permission_denied(
                "an agent's actions, types, categories and expiry must stay within the legal"
                f" representative's delegation {representative.delegation_id}"
            )
        if terms.delegate == sender:
            raise arguments.invalid("a legal representative cannot appoint themself as agent")
        parent = representative.delegation_id
        creator_role = CREATED_BY_LEGAL_REPRESENTATIVE

    # The id is new and the parties fit.
    _check_new(state, terms)

    # Effect: a pending delegation, awaiting the delegate's acceptance.
    delegation = _create(
        terms,
        ctx,
        status=STATUS_PENDING,
        created_by=sender,
        creator_role=creator_role,
        parent=parent,
    )
    subjects = _subjects(delegation) + ((sender,) if sender != terms.principal else ())
    event = make_event(
        DelegationEvent.APPOINTED,
        subjects,
        _attrs(delegation, appointed_by=sender, parent=parent),
    )
    return make_result(_write_new(delegation), [event])


def get_pending_for_delegate(
    state: StateReader, ctx: CallContext, delegation_id: str, action: str
) -> Delegation:
    """The delegation the delegate answers by ``action``: it exists, the sender is its
    delegate and it is still pending."""
    delegation = DELEGATIONS.get_existing(state, delegation_id)
    if holder_id_for(ctx.sender_key, ctx.suite) != delegation.delegate:
        raise permission_denied(
            f"only the delegate may {action} delegation {delegation.delegation_id}"
        )
    if delegation.status != STATUS_PENDING:
        raise failed_precondition(f"delegation {delegation_id} is {delegation.status}, not pending")
    return delegation


def _answer(ctx: CallContext, delegation: Delegation, status: str, name: EventName) -> CallResult:
    """The delegate's answer recorded: the new status and its event."""
    answered = dataclasses.replace(delegation, status=status, decided_height=ctx.height)
    event = make_event(name, _subjects(delegation), _attrs(delegation))
    return make_result(_write(answered), [event])


@transaction(Signature(DELEGATION_ID))
def process_accept(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``accept(delegation_id)`` by the delegate (意愿确认): the delegation comes into force."""
    delegation_id = args[DELEGATION_ID]

    # The delegation exists, the sender is its delegate and it is pending.
    delegation = get_pending_for_delegate(state, ctx, delegation_id, "accept")

    # It has not expired.
    if ctx.time_ms > delegation.expires_at_ms:
        raise failed_precondition(f"delegation {delegation_id} has expired")

    # Effect: active.
    return _answer(ctx, delegation, STATUS_ACTIVE, DelegationEvent.ACCEPTED)


@transaction(Signature(DELEGATION_ID))
def process_decline(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``decline(delegation_id)`` by the delegate, while it is pending."""
    delegation = get_pending_for_delegate(state, ctx, args[DELEGATION_ID], "decline")
    return _answer(ctx, delegation, STATUS_DECLINED, DelegationEvent.DECLINED)


def _get_revoker(state: StateReader, ctx: CallContext, delegation: Delegation) -> str | None:
    """Who may revoke ``delegation``: the id the sender revokes as, or None.

    The delegate may always renounce. A registered delegation is otherwise revoked by a
    registrar; an appointed one by the principal or the appointer, and an agent also by the
    enterprise's legal representative in force.
    """
    sender = holder_id_for(ctx.sender_key, ctx.suite)
    if sender == delegation.delegate:
        return sender
    if delegation.creator_role == CREATED_BY_REGISTRAR:
        org = principal_of(state, ctx.sender_key)
        return org.id if org is not None and org.has_role(ROLE_REGISTRAR) else None
    if sender in (delegation.principal, delegation.created_by):
        return sender
    if delegation.kind == KIND_AGENT and (
        find_delegation(state, delegation.principal, sender, ACTION_APPOINT_AGENTS, ctx.time_ms)
        is not None
    ):
        return sender
    return None


@transaction(Signature(DELEGATION_ID, REASON))
def process_revoke(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``revoke(delegation_id, reason?)``: end a pending or active delegation (see
    :func:`_get_revoker` for who may)."""
    delegation_id, reason = args[DELEGATION_ID], args.get(REASON, "")

    # The delegation exists and the sender may revoke it.
    delegation = DELEGATIONS.get_existing(state, delegation_id)
    revoker = _get_revoker(state, ctx, delegation)
    if revoker is None:
        raise permission_denied(f"the sender may not revoke delegation {delegation_id}")

    # It is pending or active.
    if delegation.status not in (STATUS_PENDING, STATUS_ACTIVE):
        raise failed_precondition(f"delegation {delegation_id} is {delegation.status}")

    # Effect: revoked.
    revoked = dataclasses.replace(
        delegation,
        status=STATUS_REVOKED,
        revoked_height=ctx.height,
        revoked_by=revoker,
        reason=reason,
    )
    subjects = _subjects(delegation)
    event = make_event(
        DelegationEvent.REVOKED,
        subjects if revoker in subjects else (*subjects, revoker),
        _attrs(delegation, reason=reason, revoked_by=revoker),
    )
    return make_result(_write(revoked), [event])


TRANSACTIONS: Final[Mapping[str, DeclaredTransaction]] = MappingProxyType(
    {
        "register": process_register,
        "appoint": process_appoint,
        "accept": process_accept,
        "decline": process_decline,
        "revoke": process_revoke,
    }
)
