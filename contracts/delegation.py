"""System contract ``delegation``: who may act for a holder (代办, 监护, 法定代表人, 经办人).

A delegation lets a delegate (a person's holder id) act for a principal (a person's or an
enterprise's holder id) in named actions, for named certificate types and record
categories, until an expiry:

- ``guardian``: for a minor, an elderly parent or a disabled person; registered by a
  registrar organisation (civil affairs, a court) or appointed by the principal themself;
- ``legal_representative`` (法定代表人) of an enterprise: registered by a registrar
  organisation (market regulation);
- ``agent`` (授权代理人 / 经办人) of an enterprise: appointed by the enterprise itself or by its
  legal representative (within the representative's own scope and expiry, and only while
  the representative's delegation is in force).

Registered delegations are active at once: the registrar checked identity and legal status
off-chain. Appointed ones are ``pending`` until the delegate accepts them: the two-way
mandate with intent confirmation (身份展示 + 身份认证 + 意愿确认) the seeds ask for.

Actions a delegation may cover (:data:`ACTIONS`):

- ``consent``: grant, narrow, refuse and revoke consent requests to the principal;
- ``archives``: claim the principal's archive records and ask for corrections;
- ``appoint_agents``: appoint agents of the enterprise (legal representatives only).

The delegate's actions name both parties in their events, so a guardian's actions appear
in the ward's audit trace and in the guardian's.

State:

- ``delegation/record/<delegation id>`` -> the delegation (:class:`Delegation`)
- ``delegation/by_principal/<holder id>/<delegation id>`` -> id (index)
- ``delegation/by_delegate/<holder id>/<delegation id>`` -> id (index)
- ``delegation/by_pair/<principal>/<delegate>/<delegation id>`` -> id (index)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

from contracts import arguments, holder_kinds, limits
from contracts.catalogue import CERTIFICATE_TYPES, RECORD_CATEGORIES
from contracts.codec import canonical_json, load_json
from contracts.errors import (
    ALREADY_EXISTS,
    FAILED_PRECONDITION,
    NOT_FOUND,
    PERMISSION_DENIED,
    ContractError,
)
from contracts.identity import holder_id_for
from contracts.interface import (
    ArgValue,
    AttrValue,
    CallContext,
    CallResult,
    QueryHandler,
    StateReader,
    TransactionHandler,
    make_event,
    make_result,
)
from contracts.membership import ROLE_REGISTRAR, principal_of

CONTRACT: Final = "delegation"

RECORD_PREFIX: Final = b"delegation/record/"
BY_PRINCIPAL_PREFIX: Final = b"delegation/by_principal/"
BY_DELEGATE_PREFIX: Final = b"delegation/by_delegate/"
BY_PAIR_PREFIX: Final = b"delegation/by_pair/"

KIND_GUARDIAN: Final = "guardian"
KIND_LEGAL_REPRESENTATIVE: Final = "legal_representative"
KIND_AGENT: Final = "agent"
KINDS: Final = (KIND_GUARDIAN, KIND_LEGAL_REPRESENTATIVE, KIND_AGENT)

REGISTERED_KINDS: Final = (KIND_GUARDIAN, KIND_LEGAL_REPRESENTATIVE)
"""Kinds a registrar organisation may register."""

APPOINTED_KINDS: Final = (KIND_GUARDIAN, KIND_AGENT)
"""Kinds a holder (or an enterprise's legal representative) may appoint."""

ACTION_CONSENT: Final = "consent"
ACTION_ARCHIVES: Final = "archives"
ACTION_APPOINT_AGENTS: Final = "appoint_agents"
ACTIONS: Final = (ACTION_CONSENT, ACTION_ARCHIVES, ACTION_APPOINT_AGENTS)

STATUS_PENDING: Final = "pending"
STATUS_ACTIVE: Final = "active"
STATUS_DECLINED: Final = "declined"
STATUS_REVOKED: Final = "revoked"
STATUSES: Final = (STATUS_PENDING, STATUS_ACTIVE, STATUS_DECLINED, STATUS_REVOKED)

CREATED_BY_REGISTRAR: Final = "registrar"
CREATED_BY_PRINCIPAL: Final = "principal"
CREATED_BY_LEGAL_REPRESENTATIVE: Final = "legal_representative"

PRINCIPAL_KIND: Final[Mapping[str, str]] = MappingProxyType(
    {
        KIND_GUARDIAN: holder_kinds.KIND_PERSON,
        KIND_LEGAL_REPRESENTATIVE: holder_kinds.KIND_ENTERPRISE,
        KIND_AGENT: holder_kinds.KIND_ENTERPRISE,
    }
)
"""Whose delegation each kind is: a person's or an enterprise's."""


@dataclass(frozen=True, slots=True)
class Delegation:
    """The on-chain record of one delegation."""

    delegation_id: str
    """Chosen by its creator, ``[A-Za-z0-9._:-]{8,64}``, unique on the chain."""

    kind: str
    """One of :data:`KINDS`."""

    principal: str
    """Holder id of the person or enterprise acted for."""

    delegate: str
    """Holder id of the person who may act."""

    actions: list[str]
    """Actions covered, among :data:`ACTIONS`."""

    cert_types: list[str]
    """Certificate types covered; empty means all."""

    record_categories: list[str]
    """Archive record categories covered; empty means all."""

    expires_at_ms: int
    """After this time the delegation is no longer in force."""

    status: str
    """One of :data:`STATUSES`."""

    created_by: str
    """Registrar organisation id, or holder id of the principal or legal representative."""

    creator_role: str
    """``registrar``, ``principal`` or ``legal_representative``."""

    parent: str
    """For an agent appointed by a legal representative: the representative's delegation."""

    created_height: int
    """Height of the block that created it."""

    decided_height: int
    """Height of the delegate's acceptance or refusal (the creation height if registered)."""

    revoked_height: int
    """Height of its revocation; 0 if not revoked."""

    revoked_by: str
    """Who revoked it (holder or organisation id); empty if not revoked."""

    reason: str
    """Why it was revoked, if a reason was given."""

    def to_json(self) -> dict[str, Any]:
        """The record as a JSON object."""
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}

    @staticmethod
    def from_json(record: Mapping[str, Any]) -> Delegation:
        """Rebuild a record from its JSON object."""
        return Delegation(
            **{field.name: record[field.name] for field in dataclasses.fields(Delegation)}
        )


# --- Keys, accessors and predicates --------------------------------------------------------


def get_record_key(delegation_id: str) -> bytes:
    """State key of a delegation record."""
    return RECORD_PREFIX + delegation_id.encode("ascii")


def get_pair_prefix(principal: str, delegate: str) -> bytes:
    """Prefix of the delegations from ``principal`` to ``delegate``."""
    return BY_PAIR_PREFIX + principal.encode("ascii") + b"/" + delegate.encode("ascii") + b"/"


def get_delegation(state: StateReader, delegation_id: str) -> Delegation | None:
    """The delegation with this id, or None."""
    value = state.get(get_record_key(delegation_id))
    return None if value is None else Delegation.from_json(load_json(value))


def is_in_force(state: StateReader, delegation: Delegation, now_ms: int) -> bool:
    """Whether the delegate may act under ``delegation`` at ``now_ms``: active, not expired,
    and, for an agent appointed by a legal representative, that appointment still in force."""
    if delegation.status != STATUS_ACTIVE or now_ms > delegation.expires_at_ms:
        return False
    if not delegation.parent:
        return True
    parent = get_delegation(state, delegation.parent)
    return (
        parent is not None
        and parent.status == STATUS_ACTIVE
        and now_ms <= parent.expires_at_ms
        and parent.delegate == delegation.created_by
        and parent.principal == delegation.principal
    )


def covers(
    delegation: Delegation,
    action: str,
    cert_types: Iterable[str] = (),
    record_categories: Iterable[str] = (),
) -> bool:
    """Whether ``delegation`` covers ``action`` on all the named types and categories."""
    if action not in delegation.actions:
        return False
    if delegation.cert_types and not set(cert_types) <= set(delegation.cert_types):
        return False
    return not delegation.record_categories or set(record_categories) <= set(
        delegation.record_categories
    )


def find_delegation(
    state: StateReader,
    principal: str,
    delegate: str,
    action: str,
    now_ms: int,
    cert_types: Iterable[str] = (),
    record_categories: Iterable[str] = (),
) -> Delegation | None:
    """The first delegation (in id order) from ``principal`` to ``delegate`` in force at
    ``now_ms`` that covers ``action`` on the named types and categories, or None."""
    wanted_types = tuple(cert_types)
    wanted_categories = tuple(record_categories)
    for _, value in state.scan(get_pair_prefix(principal, delegate), limits.SCAN_LIMIT_MAX):
        delegation = get_delegation(state, load_json(value))
        if delegation is None:
            raise RuntimeError("delegation pair index names a missing delegation")
        if is_in_force(state, delegation, now_ms) and covers(
            delegation, action, wanted_types, wanted_categories
        ):
            return delegation
    return None


def get_delegation_json(state: StateReader, delegation: Delegation, now_ms: int) -> dict[str, Any]:
    """The record as queries return it, with ``in_force`` at ``now_ms``."""
    record = delegation.to_json()
    record["in_force"] = is_in_force(state, delegation, now_ms)
    return record


def _get_existing(state: StateReader, delegation_id: str) -> Delegation:
    delegation = get_delegation(state, delegation_id)
    if delegation is None:
        raise ContractError(NOT_FOUND, f"no delegation {delegation_id}")
    return delegation


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
    return {get_record_key(delegation.delegation_id): canonical_json(delegation.to_json())}


def _write_new(delegation: Delegation) -> dict[bytes, bytes | None]:
    did = delegation.delegation_id.encode("ascii")
    entry = canonical_json(delegation.delegation_id)
    writes = _write(delegation)
    principal = delegation.principal.encode("ascii")
    delegate = delegation.delegate.encode("ascii")
    writes[BY_PRINCIPAL_PREFIX + principal + b"/" + did] = entry
    writes[BY_DELEGATE_PREFIX + delegate + b"/" + did] = entry
    writes[get_pair_prefix(delegation.principal, delegation.delegate) + did] = entry
    return writes


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


_CREATE_REQUIRED: Final = (
    "delegation_id",
    "kind",
    "principal",
    "delegate",
    "actions",
    "expires_at_ms",
)
_CREATE_OPTIONAL: Final = ("cert_types", "record_categories")


def _get_terms(args: Mapping[str, ArgValue], ctx: CallContext, kinds: tuple[str, ...]) -> _Terms:
    """Check the arguments shared by ``register`` and ``appoint``."""
    arguments.check_arg_names(args, required=_CREATE_REQUIRED, optional=_CREATE_OPTIONAL)
    delegation_id = arguments.get_new_object_id(args, "delegation_id")
    kind = arguments.get_choice(args, "kind", kinds)
    principal = arguments.get_holder_id(args, "principal")
    delegate = arguments.get_holder_id(args, "delegate")
    actions = arguments.get_name_list(args, "actions", allowed=ACTIONS, allow_empty=False)
    cert_types: tuple[str, ...] = ()
    if "cert_types" in args:
        cert_types = arguments.get_name_list(
            args, "cert_types", allowed=tuple(CERTIFICATE_TYPES), allow_empty=False
        )
    record_categories: tuple[str, ...] = ()
    if "record_categories" in args:
        record_categories = arguments.get_name_list(
            args, "record_categories", allowed=tuple(RECORD_CATEGORIES), allow_empty=False
        )
    expires_at_ms = arguments.get_int(args, "expires_at_ms", minimum=0)
    if expires_at_ms <= ctx.time_ms:
        raise arguments.invalid("expires_at_ms must be later than the block time")
    if principal == delegate:
        raise arguments.invalid("a holder cannot be their own delegate")
    if ACTION_APPOINT_AGENTS in actions and kind != KIND_LEGAL_REPRESENTATIVE:
        raise arguments.invalid("only a legal representative may be allowed to appoint agents")
    return _Terms(
        delegation_id,
        kind,
        principal,
        delegate,
        actions,
        cert_types,
        record_categories,
        expires_at_ms,
    )


def _check_new(state: StateReader, terms: _Terms) -> None:
    """The id is new and the parties' kinds (as the chain knows them) fit the delegation."""
    if state.get(get_record_key(terms.delegation_id)) is not None:
        raise ContractError(ALREADY_EXISTS, f"delegation {terms.delegation_id} already exists")
    principal_kind = holder_kinds.get_kind(state, terms.principal)
    if principal_kind is not None and principal_kind != PRINCIPAL_KIND[terms.kind]:
        raise ContractError(
            FAILED_PRECONDITION,
            f"a {terms.kind} acts for a {PRINCIPAL_KIND[terms.kind]}, but holder"
            f" {terms.principal} has a {principal_kind} file",
        )
    if holder_kinds.get_kind(state, terms.delegate) == holder_kinds.KIND_ENTERPRISE:
        raise ContractError(
            FAILED_PRECONDITION,
            f"holder {terms.delegate} is an enterprise and cannot be a delegate",
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


def process_register(
    state: StateReader, ctx: CallContext, args: Mapping[str, ArgValue]
) -> CallResult:
    """``register(delegation_id, kind, principal, delegate, actions, expires_at_ms,
    cert_types?, record_categories?)`` by a registrar: a guardianship or a legal
    representative, in force at once."""
    # The arguments are well-formed.
    terms = _get_terms(args, ctx, REGISTERED_KINDS)

    # The sender is a registrar organisation.
    registrar = principal_of(state, ctx.sender_key)
    if registrar is None or not registrar.has_role(ROLE_REGISTRAR):
        raise ContractError(
            PERMISSION_DENIED, "only a registrar organisation may register a delegation"
        )

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
        "delegation.registered",
        (*_subjects(delegation), registrar.id),
        _attrs(delegation, registrar=registrar.id),
    )
    return make_result(_write_new(delegation), [event])


def process_appoint(
    state: StateReader, ctx: CallContext, args: Mapping[str, ArgValue]
) -> CallResult:
    """``appoint(delegation_id, kind, principal, delegate, actions, expires_at_ms,
    cert_types?, record_categories?)`` by the principal (a guardian or an agent), or by the
    enterprise's legal representative (an agent); pending until the delegate accepts."""
    # The arguments are well-formed.
    terms = _get_terms(args, ctx, APPOINTED_KINDS)
    sender = holder_id_for(ctx.sender_key)

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
            raise ContractError(
                PERMISSION_DENIED,
                "only the principal, or for an agent the enterprise's legal representative,"
                " may appoint a delegate",
            )
        if not _is_within(terms, representative):
            raise ContractError(
                PERMISSION_DENIED,
                "an agent's actions, types, categories and expiry must stay within the legal"
                f" representative's delegation {representative.delegation_id}",
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
        "delegation.appointed",
        subjects,
        _attrs(delegation, appointed_by=sender, parent=parent),
    )
    return make_result(_write_new(delegation), [event])


def _check_sender_is_delegate(ctx: CallContext, delegation: Delegation, action: str) -> None:
    if holder_id_for(ctx.sender_key) != delegation.delegate:
        raise ContractError(
            PERMISSION_DENIED,
            f"only the delegate may {action} delegation {delegation.delegation_id}",
        )


def process_accept(
    state: StateReader, ctx: CallContext, args: Mapping[str, ArgValue]
) -> CallResult:
    """``accept(delegation_id)`` by the delegate (意愿确认): the delegation comes into force."""
    arguments.check_arg_names(args, required=("delegation_id",))
    delegation_id = arguments.get_object_id(args, "delegation_id")

    # The delegation exists and the sender is its delegate.
    delegation = _get_existing(state, delegation_id)
    _check_sender_is_delegate(ctx, delegation, "accept")

    # It is pending and has not expired.
    if delegation.status != STATUS_PENDING:
        raise ContractError(
            FAILED_PRECONDITION, f"delegation {delegation_id} is {delegation.status}, not pending"
        )
    if ctx.time_ms > delegation.expires_at_ms:
        raise ContractError(FAILED_PRECONDITION, f"delegation {delegation_id} has expired")

    # Effect: active.
    accepted = dataclasses.replace(delegation, status=STATUS_ACTIVE, decided_height=ctx.height)
    event = make_event("delegation.accepted", _subjects(delegation), _attrs(delegation))
    return make_result(_write(accepted), [event])


def process_decline(
    state: StateReader, ctx: CallContext, args: Mapping[str, ArgValue]
) -> CallResult:
    """``decline(delegation_id)`` by the delegate, while it is pending."""
    arguments.check_arg_names(args, required=("delegation_id",))
    delegation_id = arguments.get_object_id(args, "delegation_id")
    delegation = _get_existing(state, delegation_id)
    _check_sender_is_delegate(ctx, delegation, "decline")
    if delegation.status != STATUS_PENDING:
        raise ContractError(
            FAILED_PRECONDITION, f"delegation {delegation_id} is {delegation.status}, not pending"
        )
    declined = dataclasses.replace(delegation, status=STATUS_DECLINED, decided_height=ctx.height)
    event = make_event("delegation.declined", _subjects(delegation), _attrs(delegation))
    return make_result(_write(declined), [event])


def _get_revoker(state: StateReader, ctx: CallContext, delegation: Delegation) -> str | None:
    """Who may revoke ``delegation``: the id the sender revokes as, or None.

    The delegate may always renounce. A registered delegation is otherwise revoked by a
    registrar; an appointed one by the principal or the appointer, and an agent also by the
    enterprise's legal representative in force.
    """
    sender = holder_id_for(ctx.sender_key)
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


def process_revoke(
    state: StateReader, ctx: CallContext, args: Mapping[str, ArgValue]
) -> CallResult:
    """``revoke(delegation_id, reason?)``: end a pending or active delegation (see
    :func:`_get_revoker` for who may)."""
    arguments.check_arg_names(args, required=("delegation_id",), optional=("reason",))
    delegation_id = arguments.get_object_id(args, "delegation_id")
    reason = (
        arguments.get_free_text(args, "reason", length_max=limits.REASON_LENGTH_MAX)
        if "reason" in args
        else ""
    )

    # The delegation exists and the sender may revoke it.
    delegation = _get_existing(state, delegation_id)
    revoker = _get_revoker(state, ctx, delegation)
    if revoker is None:
        raise ContractError(
            PERMISSION_DENIED, f"the sender may not revoke delegation {delegation_id}"
        )

    # It is pending or active.
    if delegation.status not in (STATUS_PENDING, STATUS_ACTIVE):
        raise ContractError(
            FAILED_PRECONDITION, f"delegation {delegation_id} is {delegation.status}"
        )

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
        "delegation.revoked",
        subjects if revoker in subjects else (*subjects, revoker),
        _attrs(delegation, reason=reason, revoked_by=revoker),
    )
    return make_result(_write(revoked), [event])


# --- Queries -------------------------------------------------------------------------------


def query_get(state: StateReader, args: Mapping[str, ArgValue], now_ms: int) -> Any:
    """``get(delegation_id)``: the record with ``in_force`` at ``now_ms``."""
    arguments.check_arg_names(args, required=("delegation_id",))
    delegation_id = arguments.get_object_id(args, "delegation_id")
    return get_delegation_json(state, _get_existing(state, delegation_id), now_ms)


def query_list_by_holder(state: StateReader, args: Mapping[str, ArgValue], now_ms: int) -> Any:
    """``list_by_holder(holder, side?, in_force?, limit?)``: delegations where the holder is
    the principal (``side="principal"``), the delegate (``side="delegate"``) or either (the
    default, principal's first); with ``in_force=true`` only those in force at ``now_ms``."""
    arguments.check_arg_names(args, required=("holder",), optional=("side", "in_force", "limit"))
    holder = arguments.get_holder_id(args, "holder")
    side = arguments.get_choice(args, "side", ("principal", "delegate")) if "side" in args else ""
    in_force_only = arguments.get_bool(args, "in_force", default=False)
    limit = arguments.get_list_limit(args)
    prefixes = []
    if side in ("", "principal"):
        prefixes.append(BY_PRINCIPAL_PREFIX + holder.encode("ascii") + b"/")
    if side in ("", "delegate"):
        prefixes.append(BY_DELEGATE_PREFIX + holder.encode("ascii") + b"/")
    records: list[dict[str, Any]] = []
    for prefix in prefixes:
        for _, value in state.scan(prefix, limits.SCAN_LIMIT_MAX):
            delegation = get_delegation(state, load_json(value))
            if delegation is None:
                raise RuntimeError("delegation index names a missing delegation")
            record = get_delegation_json(state, delegation, now_ms)
            if in_force_only and not record["in_force"]:
                continue
            records.append(record)
            if len(records) == limit:
                return records
    return records


TRANSACTIONS: Final[Mapping[str, TransactionHandler]] = MappingProxyType(
    {
        "register": process_register,
        "appoint": process_appoint,
        "accept": process_accept,
        "decline": process_decline,
        "revoke": process_revoke,
    }
)
QUERIES: Final[Mapping[str, QueryHandler]] = MappingProxyType(
    {"get": query_get, "list_by_holder": query_list_by_holder}
)
