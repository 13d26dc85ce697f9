"""The consortium's organisations, their roles and keys.

Membership is set in genesis and changed on-chain by governance proposals approved by a
quorum of member organisations (:mod:`contracts.governance.proposals`; the organisation
changes are in :mod:`contracts.membership.org_actions`).

State:

- ``membership/org/<org id>`` -> the organisation (see :func:`encode_organisation`)
- ``membership/key/<hex public key>`` -> the org id owning that key, as a JSON string
- ``membership/retired_org/<org id>`` -> ``{"removed_height": h}`` for a removed organisation
  (its id is never given to another organisation, so old records keep one meaning)
"""

from __future__ import annotations

import functools
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from contracts.catalogue import lookup
from contracts.framework import arguments, formats, limits
from contracts.framework.codec import load_json
from contracts.framework.errors import permission_denied
from contracts.framework.interface import CallContext, StateReader
from contracts.framework.records import Record
from contracts.framework.store import Table, encode_index_entry
from suites import Suite

CONTRACT: Final = "membership"

ROLE_ISSUER: Final = "issuer"
"""May issue and revoke certificates of the types listed in ``cert_types``."""

ROLE_VERIFIER: Final = "verifier"
"""May ask holders for consent, access their data under a grant, and record verifications."""

ROLE_ARCHIVE_SOURCE: Final = "archive_source"
"""May append records of the categories listed in ``record_categories`` to holders' files."""

ROLE_AUDITOR: Final = "auditor"
"""May trace data flows (read-only, served by the node)."""

ROLE_VALIDATOR_OPERATOR: Final = "validator_operator"
"""Runs validators of the consortium."""

ROLE_REGISTRAR: Final = "registrar"
"""May register guardianships (civil affairs, courts) and legal representatives (market
regulation) as delegations."""

ROLES: Final = (
    ROLE_ISSUER,
    ROLE_VERIFIER,
    ROLE_ARCHIVE_SOURCE,
    ROLE_AUDITOR,
    ROLE_VALIDATOR_OPERATOR,
    ROLE_REGISTRAR,
)
"""Every role an organisation may have."""

KEY_PREFIX: Final = b"membership/key/"
RETIRED_PREFIX: Final = b"membership/retired_org/"


@dataclass(frozen=True, slots=True)
class Organisation(Record):
    """A member of the consortium: an issuing agency, a verifying agency, an auditor…"""

    id: str
    """Lowercase ``[a-z0-9-]{2,32}``, e.g. ``"jinan-psb"``."""

    name: str
    """Display name, e.g. ``"济南市公安局"``."""

    public_key: bytes
    """Public key of the chain's suite (32 bytes Ed25519, 65 bytes SM2) that signs the
    organisation's transactions."""

    roles: tuple[str, ...]
    """Roles from :data:`ROLES`, at least one, no repeats."""

    cert_types: tuple[str, ...] = ()
    """Certificate types (catalogue ids) it may issue, if it has the issuer role."""

    record_categories: tuple[str, ...] = ()
    """Archive record categories it may append, if it has the archive_source role."""

    def has_role(self, role: str) -> bool:
        """Whether the organisation has ``role``."""
        return role in self.roles

    def may_issue(self, cert_type: str) -> bool:
        """Whether it is an issuer of ``cert_type`` certificates."""
        return self.has_role(ROLE_ISSUER) and cert_type in self.cert_types

    def may_append(self, category: str) -> bool:
        """Whether it is an archive source for ``category`` records."""
        return self.has_role(ROLE_ARCHIVE_SOURCE) and category in self.record_categories


# --- Keys and encoding ---------------------------------------------------------------------


def get_public_key_key(public_key: bytes) -> bytes:
    """State key mapping a public key to its organisation."""
    return KEY_PREFIX + public_key.hex().encode("ascii")


def get_retired_key(org_id: str) -> bytes:
    """State key marking a removed organisation's id as retired."""
    return RETIRED_PREFIX + org_id.encode("utf-8")


@dataclass(frozen=True, slots=True)
class Retirement(Record):
    """The mark a removed organisation leaves, so its id is never given to another."""

    removed_height: int
    """Height of the block that removed it."""


decode_organisation: Final = functools.lru_cache(maxsize=limits.DECODED_RECORDS_CACHED_MAX)(
    Organisation.decode
)
"""Rebuild an organisation from its stored bytes.

Memoised on the bytes (the result is immutable and depends on them alone): every transaction
looks up its sender's organisation."""

ORGANISATIONS: Final = Table(
    Organisation, b"membership/org/", "organisation", decode_organisation, id_encoding="utf-8"
)


def get_organisation_writes(org: Organisation) -> dict[bytes, bytes | None]:
    """The record of ``org`` and its key index entry."""
    return {
        ORGANISATIONS.key(org.id): org.encode(),
        get_public_key_key(org.public_key): encode_index_entry(org.id),
    }


# --- Accessors -----------------------------------------------------------------------------


def principal_of(state: StateReader, sender_key: bytes) -> Organisation | None:
    """The organisation whose key signed a transaction, or None (e.g. a citizen's wallet)."""
    if not isinstance(sender_key, bytes) or len(sender_key) not in limits.PUBLIC_KEY_LENGTHS:
        return None
    value = state.get(get_public_key_key(sender_key))
    if value is None:
        return None
    return ORGANISATIONS.get(state, _decode_org_id(value))


ROLE_HOLDERS: Final[Mapping[str, str]] = MappingProxyType(
    {
        ROLE_ISSUER: "an issuing organisation",
        ROLE_VERIFIER: "a verifying organisation",
        ROLE_REGISTRAR: "a registrar organisation",
    }
)
"""What a refusal calls the organisations with a role that a transaction requires (the
roles :func:`get_member_with_role` is asked for)."""


def get_member_with_role(
    state: StateReader, ctx: CallContext, role: str, action: str
) -> Organisation:
    """The member organisation that signed the call, for a transaction only organisations
    with ``role`` may send; ``permission_denied`` "only <role holders> may <action>" for
    anyone else, so every contract words the refusal alike."""
    org = principal_of(state, ctx.sender_key)
    if org is None or not org.has_role(role):
        raise permission_denied(f"only {ROLE_HOLDERS[role]} may {action}")
    return org


def get_member(state: StateReader, ctx: CallContext, action: str) -> Organisation:
    """The member organisation that signed the call, for a transaction only members may send;
    ``permission_denied`` naming the ``action`` for anyone else (a citizen's wallet, a
    removed organisation's key), so every contract refuses a non-member alike."""
    org = principal_of(state, ctx.sender_key)
    if org is None:
        raise permission_denied(f"only a member organisation may {action}")
    return org


@functools.lru_cache(maxsize=limits.DECODED_RECORDS_CACHED_MAX)
def _decode_org_id(value: bytes) -> str:
    org_id = load_json(value)
    if not isinstance(org_id, str):
        raise RuntimeError("membership key index holds a non-string org id")
    return org_id


# --- Genesis -------------------------------------------------------------------------------


def get_key_problem(public_key: object, suite: Suite) -> str | None:
    """Why ``public_key`` cannot be registered on a chain of ``suite``, or None if it can.

    Every key the chain registers (organisations', validators') must be a key of the chain's
    suite: ``suite.is_public_key`` (on ``sm2-sm3`` a 65-byte ``04 || x || y`` point on the
    curve), so a key of the other suite, or bytes that are no key, never sign for anyone. On
    the suites of :data:`limits.SUITES_KEYS_CHECKED_BY_LENGTH` the length alone is checked:
    their chains registered any key of that length before issue 18, and every validator
    re-executing their history must come to the same state.
    """
    if not isinstance(public_key, bytes) or len(public_key) != suite.public_key_bytes:
        return f"public key must be a {suite.name} public key ({suite.public_key_bytes} bytes)"
    if suite.name not in limits.SUITES_KEYS_CHECKED_BY_LENGTH and not suite.is_public_key(
        public_key
    ):
        return f"public key must be a {suite.name} public key (a point of its curve)"
    return None


def get_organisation_problem(org: Organisation, suite: Suite) -> str | None:
    """Return why ``org`` is not a valid organisation on a chain of ``suite``, or None.

    Genesis is read from a file, so each field's type is checked too, not just trusted.
    """
    org_id: object = org.id
    if not isinstance(org_id, str) or not formats.is_org_id(org_id):
        return (
            f"organisation id must be {limits.ORG_ID_LENGTH_MIN} to"
            f" {limits.ORG_ID_LENGTH_MAX} characters of [a-z0-9-]"
        )
    if formats.contains_personal_identifier(org_id):
        return "organisation id must not look like an ID number, phone number or credit code"
    name: object = org.name
    if not isinstance(name, str):
        return f"organisation {org_id}: name must be a string"
    name_problem = formats.get_text_problem(name, length_max=limits.ORG_NAME_LENGTH_MAX)
    if name_problem is not None:
        return f"organisation {org_id}: name {name_problem}"
    key_problem = get_key_problem(org.public_key, suite)
    if key_problem is not None:
        return f"organisation {org_id}: {key_problem}"
    lists = (
        (org.roles, "roles", ROLES, f"among {', '.join(ROLES)}", "role"),
        (org.cert_types, "cert_types", _CATALOGUE_IDS, _CATALOGUE_TYPES, "certificate type"),
        (
            org.record_categories,
            "record_categories",
            _CATALOGUE_IDS,
            "categories of the catalogue",
            "record category",
        ),
    )
    for value, name, allowed, among, item in lists:
        problem = _get_list_problem(value, name, allowed, among, item)
        if problem is not None:
            return f"organisation {org_id}: {problem}"
    return None


_CATALOGUE_TYPES: Final = "certificate types of the catalogue"


class _CatalogueIds:
    """Every id of the catalogue's form: whether the chain's catalogue holds one is state,
    checked where the organisation is added (:func:`check_catalogue_names`)."""

    def __contains__(self, value: object) -> bool:
        return isinstance(value, str) and formats.is_catalogue_id(value)


_CATALOGUE_IDS: Final = _CatalogueIds()


def check_catalogue_names(state: StateReader, org: Organisation) -> None:
    """``invalid_argument`` unless the chain's catalogue holds every type and category the
    organisation names (retired ones included: it may keep a type it issued)."""
    lookup.check_names_known(state, lookup.TYPES, org.cert_types)
    lookup.check_names_known(state, lookup.CATEGORIES, org.record_categories)


def _get_list_problem(
    value: object, name: str, allowed: Container[str], among: str, item: str
) -> str | None:
    """Why one of an organisation's lists is malformed (roles may not be empty), or None."""
    if not isinstance(value, tuple) or (name == "roles" and not value):
        return f"{name} must be a non-empty tuple" if name == "roles" else f"{name} must be a tuple"
    if not all(isinstance(entry, str) and entry in allowed for entry in value):
        return f"{name} must be {among}"
    if len(set(value)) != len(value):
        return f"a {item} is listed twice"
    return None


def genesis_writes(
    organisations: Sequence[Organisation], suite: Suite
) -> tuple[tuple[bytes, bytes], ...]:
    """The initial organisations: one record and one key index entry per organisation.

    Raises ``invalid_argument`` if an organisation is malformed (its key not one of
    ``suite``'s included), or two share an id or a key.
    (The runtime's ``genesis_writes`` adds the governance rule, validators and versions.)
    """
    if len(organisations) > limits.ORGANISATIONS_MAX:
        raise arguments.invalid(f"at most {limits.ORGANISATIONS_MAX} organisations in genesis")
    writes: dict[bytes, bytes] = {}
    for candidate in organisations:
        org: object = candidate
        if not isinstance(org, Organisation):
            raise arguments.invalid("genesis organisations must be Organisation values")
        problem = get_organisation_problem(org, suite)
        if problem is not None:
            raise arguments.invalid(problem)
        org_key = ORGANISATIONS.key(org.id)
        public_key_key = get_public_key_key(org.public_key)
        if org_key in writes:
            raise arguments.invalid(f"organisation id {org.id} appears twice in genesis")
        if public_key_key in writes:
            raise arguments.invalid(f"organisation {org.id} reuses another organisation's key")
        writes[org_key] = org.encode()
        writes[public_key_key] = encode_index_entry(org.id)
    return tuple(sorted(writes.items()))


# --- Listing ------------------------------------------------------------------------------


def count_organisations(state: StateReader) -> int:
    """How many organisations are members now."""
    return len(state.scan(ORGANISATIONS.prefix, limits.ORGANISATIONS_MAX + 1))


def list_organisations(state: StateReader) -> list[Organisation]:
    """Every member organisation, in id order."""
    return [
        decode_organisation(value)
        for _, value in state.scan(ORGANISATIONS.prefix, limits.ORGANISATIONS_MAX + 1)
    ]
