"""The records of the ``delegation`` contract, their keys, and whether one is in force."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

from contracts.archives import files
from contracts.framework import limits
from contracts.framework.interface import StateReader
from contracts.framework.records import Record
from contracts.framework.store import Index, Table, scan_index

CONTRACT: Final = "delegation"

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
        KIND_GUARDIAN: files.KIND_PERSON,
        KIND_LEGAL_REPRESENTATIVE: files.KIND_ENTERPRISE,
        KIND_AGENT: files.KIND_ENTERPRISE,
    }
)
"""Whose delegation each kind is: a person's or an enterprise's."""


@dataclass(frozen=True, slots=True)
class Delegation(Record):
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


# --- Keys, accessors and predicates --------------------------------------------------------

DELEGATIONS: Final = Table(
    Delegation,
    b"delegation/record/",
    "delegation",
    related=("principal", "delegate", "created_by", "parent"),
)
BY_PRINCIPAL: Final = Index(b"delegation/by_principal/")
BY_DELEGATE: Final = Index(b"delegation/by_delegate/")
BY_PAIR: Final = Index(b"delegation/by_pair/")
"""Under the principal, then the delegate."""


def is_in_force(state: StateReader, delegation: Delegation, now_ms: int) -> bool:
    """Whether the delegate may act under ``delegation`` at ``now_ms``: active, not expired,
    and, for an agent appointed by a legal representative, that appointment still in force."""
    if delegation.status != STATUS_ACTIVE or now_ms > delegation.expires_at_ms:
        return False
    if not delegation.parent:
        return True
    parent = DELEGATIONS.get(state, delegation.parent)
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
    prefix = BY_PAIR.prefix_of(principal, delegate)
    for delegation in scan_index(state, prefix, limits.SCAN_LIMIT_MAX, DELEGATIONS.get):
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


get_related: Final = DELEGATIONS.get_related
"""Ids the delegation named ``subject`` is about."""
