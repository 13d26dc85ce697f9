"""The shape of a catalogue entry: a certificate type or an archive record category."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from contracts.framework import limits

HolderKind = Literal["person", "enterprise"]

Disclosure = Literal["public", "conditional", "sensitive"]
"""A field's disclosure class (数据分级分类, after seed 002's 最小够用): ``public`` is shown to
any verifier the holder presents to, ``conditional`` only when a request asks for it, and
``sensitive`` only when a request names it and the holder ticks it (never by default)."""

DISCLOSURES: tuple[Disclosure, ...] = ("public", "conditional", "sensitive")

FieldKind = Literal["text", "date", "resident_id", "credit_code", "number"]
"""What a field's value is, checked off-chain where the value is known (the issuer's SDK and
the holder's wallet): the chain sees only commitments. ``resident_id`` is a GB 11643 number
with its check digit, ``credit_code`` a GB 32100 code with its check character, ``date``
``YYYY-MM-DD``, ``number`` decimal digits."""

FIELD_KINDS: tuple[FieldKind, ...] = ("text", "date", "resident_id", "credit_code", "number")

MetadataRole = Literal["holder", "holder_code", "certificate_number"]
"""The GB/T 36903 elements a document field may hold: 持证主体 (the holder's name), 持证主体代码
(the holder's resident ID number or credit code), 证照编号 (the number printed on it)."""

METADATA_ROLES: tuple[MetadataRole, ...] = ("holder", "holder_code", "certificate_number")


@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    """What every catalogue entry has: a key and its display names."""

    id: str
    """Catalogue key, e.g. ``"diploma"`` or ``"social_security"``."""

    name_zh: str
    """Display name in Chinese, e.g. ``"高校学历"`` or ``"社保"``."""

    name_en: str
    """Display name in English."""

    def get_names_json(self) -> dict[str, Any]:
        """The key and names, as the catalogue queries list them."""
        return {"id": self.id, "name_zh": self.name_zh, "name_en": self.name_en}


@dataclass(frozen=True, slots=True)
class CertificateType(CatalogueEntry):
    """One kind of certificate, e.g. a diploma."""

    holder_kinds: tuple[HolderKind, ...]
    """Who may hold it: a person, an enterprise, or either."""

    fields: tuple[str, ...]
    """Names of the document's fields, in display order. All are personal or business data
    and stay off-chain."""

    field_lengths_max: tuple[tuple[str, int], ...] = ()
    """Fields whose values may be longer (or must be shorter) than
    ``FIELD_VALUE_LENGTH_MAX_DEFAULT`` characters, with their own maximum."""

    validity_required: bool = False
    """Whether every certificate of this type must have an end of validity."""

    validity_ms_max: int = 0
    """If not 0, the longest validity (from the block that issues or renews it)."""

    type_code: str = ""
    """证照类型代码 (GB/T 36904): the defining body's unified social credit code and 3
    digits; the type part of its certificates' national identifiers."""

    field_kinds: tuple[tuple[str, FieldKind], ...] = ()
    """Fields whose values are not plain ``text``, with their kind."""

    field_disclosures: tuple[tuple[str, Disclosure], ...] = ()
    """Fields whose disclosure class is not ``conditional``, with their class."""

    metadata_fields: tuple[tuple[MetadataRole, str], ...] = ()
    """Which field holds each personal element of GB/T 36903 (持证主体, 持证主体代码,
    证照编号), for the types that have them: see :mod:`contracts.certificates.metadata`."""

    def get_field_kind(self, field_name: str) -> FieldKind:
        """What ``field_name``'s value is (``text`` unless the type says otherwise)."""
        return dict(self.field_kinds).get(field_name, "text")

    def get_field_disclosure(self, field_name: str) -> Disclosure:
        """``field_name``'s disclosure class (``conditional`` unless the type says otherwise)."""
        return dict(self.field_disclosures).get(field_name, "conditional")

    def get_field_length_max(self, field_name: str) -> int:
        """Longest value allowed for ``field_name``, in characters."""
        for name, length_max in self.field_lengths_max:
            if name == field_name:
                return length_max
        return limits.FIELD_VALUE_LENGTH_MAX_DEFAULT


@dataclass(frozen=True, slots=True)
class RecordCategory(CatalogueEntry):
    """One category of archive records, e.g. social-security contributions (社保)."""

    subject_kinds: tuple[HolderKind, ...]
    """Whose files hold it: a person's (一人一档), an enterprise's (一企一档), or both."""


@dataclass(frozen=True, slots=True)
class Standing:
    """Where a catalogue entry stands on the chain: which version, from when, until when."""

    version: int
    """1 for the first registration, one more for each approved change."""

    from_height: int
    """The first block in which this version is in force (the block after its approval; 0
    for the genesis catalogue)."""

    retired_height: int = 0
    """The first block in which the entry is retired (nothing new issued or recorded under
    it; what exists stays verifiable); 0 while in force."""

    def is_retired(self, height: int) -> bool:
        """Whether the entry is retired in the block at ``height``."""
        return self.retired_height != 0 and self.retired_height <= height
