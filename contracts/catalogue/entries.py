"""The shape of a catalogue entry: a certificate type or an archive record category."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from contracts.framework import limits

HolderKind = Literal["person", "enterprise"]


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
