"""Catalogue entries as JSON definitions: what a genesis file lists, what a governance proposal
carries and what the chain stores (docs/conventions.md, "The catalogue on the chain").

A definition is checked whole before anything is stored: unknown keys, a malformed id, a
field listed twice, a length or a class out of range are refused with the first problem
named. ``encode_*`` writes every key, so one entry has one encoding.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final, TypeVar, cast

from contracts.catalogue.entries import (
    DISCLOSURES,
    FIELD_KINDS,
    METADATA_ROLES,
    CatalogueEntry,
    CertificateType,
    Disclosure,
    FieldKind,
    HolderKind,
    MetadataRole,
    RecordCategory,
)
from contracts.framework import formats, identifiers, limits
from contracts.framework.arguments import invalid

ID_RE: Final = formats.CATALOGUE_ID_RE
_ID_RULE: Final = "lower-case letters, digits and _"
"""What :data:`ID_RE` accepts, as refusals say it."""
PURPOSE_CODE_RE: Final = formats.PURPOSE_CODE_RE

HOLDER_KINDS: Final[tuple[HolderKind, ...]] = ("person", "enterprise")

NAME_LENGTH_MAX: Final = 64
"""Longest display name of an entry, in characters (the longest of the seeds' types is 26)."""

FIELD_LENGTH_MAX: Final = 4_000
"""Longest value a type may allow a field (a business scope is 2,000)."""

TYPE_LENGTH_MAX: Final = 5_000
"""Most characters a type's fields may hold in all (the sum of their longest values; the
business licence's is 3,800): a document stays within 16 KB of UTF-8, so it and the two
credentials signed over it fit a wallet's delivery (wallet/limits.py)."""

VALIDITY_MS_MAX: Final = 100 * 366 * 86_400_000
"""Longest validity a type may set: a century."""

Definition = dict[str, Any]
E = TypeVar("E")


def _keys(
    value: object, required: frozenset[str], optional: frozenset[str], what: str
) -> Definition:
    if not isinstance(value, dict):
        raise invalid(f"{what} must be a JSON object")
    keys = set(value)
    if not required <= keys:
        raise invalid(f"{what} lacks {', '.join(sorted(required - keys))}")
    if not keys <= required | optional:
        raise invalid(f"{what} has unknown keys: {', '.join(sorted(keys - required - optional))}")
    return cast(Definition, value)


def _names(value: Definition, what: str) -> tuple[str, str]:
    names: list[str] = []
    for key in ("name_zh", "name_en"):
        name = value[key]
        if not isinstance(name, str) or not 1 <= len(name) <= NAME_LENGTH_MAX:
            raise invalid(f"{what}: {key} must be text of 1 to {NAME_LENGTH_MAX} characters")
        names.append(name)
    return names[0], names[1]


def _entry(raw: Definition, kind: str, id_re: re.Pattern[str], id_rule: str) -> CatalogueEntry:
    """What every entry has (its id, checked by ``id_re``, and its names), read first so
    later refusals can name the entry."""
    entry_id = raw["id"]
    if not isinstance(entry_id, str) or id_re.fullmatch(entry_id) is None:
        raise invalid(f"a {kind}'s id must be {id_rule}")
    return CatalogueEntry(entry_id, *_names(raw, f"{kind} {entry_id}"))


def _kinds(value: object, what: str, key: str) -> tuple[HolderKind, ...]:
    if (
        not isinstance(value, list)
        or not value
        or not all(kind in HOLDER_KINDS for kind in value)
        or len(set(value)) != len(value)
    ):
        raise invalid(f"{what}: {key} must list person and/or enterprise, once each")
    return tuple(kind for kind in HOLDER_KINDS if kind in value)


def _integer(value: object, low: int, high: int, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise invalid(f"{what} must be an integer from {low} to {high}")
    return value


_FIELD_KEYS: Final = frozenset({"name"}), frozenset({"kind", "length_max", "disclosure"})
_TYPE_KEYS: Final = (
    frozenset({"id", "name_zh", "name_en", "holder_kinds", "fields"}),
    frozenset({"type_code", "validity_required", "validity_ms_max", "metadata"}),
)


def _metadata_fields(
    value: object, names: list[str], what: str
) -> tuple[tuple[MetadataRole, str], ...]:
    """The ``metadata`` object: each GB/T 36903 role to the field that holds it."""
    if not isinstance(value, dict) or not all(
        role in METADATA_ROLES and field in names for role, field in value.items()
    ):
        raise invalid(
            f"{what}: metadata must map {', '.join(METADATA_ROLES)} to fields of the type"
        )
    return tuple((role, value[role]) for role in METADATA_ROLES if role in value)


def parse_certificate_type(value: object) -> CertificateType:
    """The certificate type a definition describes; ``invalid_argument`` naming the first
    problem if it is not one."""
    raw = _keys(value, *_TYPE_KEYS, "a certificate type")
    head = _entry(raw, "certificate type", ID_RE, _ID_RULE)
    what = f"certificate type {head.id}"
    fields = raw["fields"]
    if not isinstance(fields, list) or not 1 <= len(fields) <= limits.NAME_LIST_LENGTH_MAX:
        raise invalid(f"{what}: fields must list 1 to {limits.NAME_LIST_LENGTH_MAX} fields")
    names: list[str] = []
    lengths: list[tuple[str, int]] = []
    kinds: list[tuple[str, FieldKind]] = []
    classes: list[tuple[str, Disclosure]] = []
    for item in fields:
        field = _keys(item, *_FIELD_KEYS, f"{what}: a field")
        name = field["name"]
        if not isinstance(name, str) or ID_RE.fullmatch(name) is None or name in names:
            raise invalid(f"{what}: field names must be distinct lower-case names")
        names.append(name)
        length_max = _integer(
            field.get("length_max", limits.FIELD_VALUE_LENGTH_MAX_DEFAULT),
            1,
            FIELD_LENGTH_MAX,
            f"{what}: field {name}'s length_max",
        )
        if length_max != limits.FIELD_VALUE_LENGTH_MAX_DEFAULT:
            lengths.append((name, length_max))
        kind = field.get("kind", "text")
        if kind not in FIELD_KINDS:
            raise invalid(f"{what}: field {name}'s kind must be one of {', '.join(FIELD_KINDS)}")
        if kind != "text":
            kinds.append((name, kind))
        disclosure = field.get("disclosure", "conditional")
        if disclosure not in DISCLOSURES:
            raise invalid(
                f"{what}: field {name}'s disclosure must be one of {', '.join(DISCLOSURES)}"
            )
        if disclosure != "conditional":
            classes.append((name, disclosure))
    total = sum(dict(lengths).get(n, limits.FIELD_VALUE_LENGTH_MAX_DEFAULT) for n in names)
    if total > TYPE_LENGTH_MAX:
        raise invalid(
            f"{what}: its fields may hold at most {TYPE_LENGTH_MAX} characters in all"
            f" ({total} asked: a document and its credentials must fit one wallet delivery)"
        )
    type_code = raw.get("type_code", "")
    if not isinstance(type_code, str) or not (
        type_code == "" or identifiers.is_type_code(type_code)
    ):
        raise invalid(f"{what}: type_code must be a GB/T 36904 type code (credit code + 3 digits)")
    roles = _metadata_fields(raw.get("metadata", {}), names, what)
    validity_required = raw.get("validity_required", False)
    if not isinstance(validity_required, bool):
        raise invalid(f"{what}: validity_required must be true or false")
    return CertificateType(
        id=head.id,
        name_zh=head.name_zh,
        name_en=head.name_en,
        holder_kinds=_kinds(raw["holder_kinds"], what, "holder_kinds"),
        fields=tuple(names),
        field_lengths_max=tuple(lengths),
        validity_required=validity_required,
        validity_ms_max=_integer(
            raw.get("validity_ms_max", 0), 0, VALIDITY_MS_MAX, f"{what}: validity_ms_max"
        ),
        type_code=type_code,
        field_kinds=tuple(kinds),
        field_disclosures=tuple(classes),
        metadata_fields=roles,
    )


def encode_certificate_type(entry: CertificateType) -> Definition:
    """The definition of ``entry``, every key written."""
    return {
        "id": entry.id,
        "name_zh": entry.name_zh,
        "name_en": entry.name_en,
        "holder_kinds": list(entry.holder_kinds),
        "fields": [
            {
                "name": name,
                "kind": entry.get_field_kind(name),
                "length_max": entry.get_field_length_max(name),
                "disclosure": entry.get_field_disclosure(name),
            }
            for name in entry.fields
        ],
        "validity_required": entry.validity_required,
        "validity_ms_max": entry.validity_ms_max,
        "type_code": entry.type_code,
        "metadata": dict(entry.metadata_fields),
    }


def parse_record_category(value: object) -> RecordCategory:
    """The archive record category a definition describes (``invalid_argument`` if none)."""
    raw = _keys(
        value, frozenset({"id", "name_zh", "name_en", "subject_kinds"}), frozenset(), "a category"
    )
    head = _entry(raw, "record category", ID_RE, _ID_RULE)
    kinds = _kinds(raw["subject_kinds"], f"record category {head.id}", "subject_kinds")
    return RecordCategory(head.id, head.name_zh, head.name_en, kinds)


def encode_record_category(entry: RecordCategory) -> Definition:
    """The definition of ``entry``."""
    return {**entry.get_names_json(), "subject_kinds": list(entry.subject_kinds)}


def parse_purpose(value: object) -> CatalogueEntry:
    """The purpose of use a definition describes (``invalid_argument`` if none)."""
    raw = _keys(value, frozenset({"id", "name_zh", "name_en"}), frozenset(), "a purpose")
    return _entry(raw, "purpose", PURPOSE_CODE_RE, "a code of 3 digits")


def encode_purpose(entry: CatalogueEntry) -> Definition:
    """The definition of ``entry``."""
    return entry.get_names_json()


def parse_many(
    values: object, parse: Callable[[object], E], get_id: Callable[[E], str], what: str
) -> tuple[E, ...]:
    """A list of definitions, each id once (a genesis catalogue's section)."""
    if not isinstance(values, list):
        raise invalid(f"the catalogue's {what} must be a JSON array")
    entries = tuple(parse(value) for value in values)
    ids = [get_id(entry) for entry in entries]
    if len(set(ids)) != len(ids):
        raise invalid(f"the catalogue's {what} list an id twice")
    return entries
