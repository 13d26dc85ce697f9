"""The catalogue the contracts read: three shelves of chain state (:mod:`.shelves`), and the
checks every contract makes against them (a type in force, fields of a type, a category,
a purpose)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from contracts.catalogue.certificate_types import CERTIFICATE_TYPES
from contracts.catalogue.definitions import (
    encode_certificate_type,
    encode_purpose,
    encode_record_category,
    parse_certificate_type,
    parse_many,
    parse_purpose,
    parse_record_category,
)
from contracts.catalogue.entries import CatalogueEntry, CertificateType, RecordCategory
from contracts.catalogue.purposes import PURPOSES
from contracts.catalogue.record_categories import RECORD_CATEGORIES
from contracts.catalogue.shelves import GENESIS_KEY, Shelf
from contracts.framework.arguments import invalid
from contracts.framework.interface import StateReader

TYPES: Final = Shelf(
    "certificate_type",
    "certificate type",
    parse_certificate_type,
    encode_certificate_type,
    CERTIFICATE_TYPES,
)
CATEGORIES: Final = Shelf(
    "record_category",
    "record category",
    parse_record_category,
    encode_record_category,
    RECORD_CATEGORIES,
)
PURPOSE_CODES: Final = Shelf("purpose", "purpose", parse_purpose, encode_purpose, PURPOSES)


def get_certificate_type(state: StateReader, type_id: str) -> CertificateType:
    """The current version of a type that certificates exist under (retired or not); its
    fields include every earlier version's (a version never drops a field)."""
    listed = TYPES.get(state, type_id)
    if listed is None:
        raise invalid("cert_type is not in the certificate catalogue")
    return listed.entry


def get_type_at(state: StateReader, type_id: str, height: int) -> CertificateType:
    """The version of a type in force at ``height``, retired or not: what a certificate
    already issued under it is renewed, amended and verified against."""
    return TYPES.get_at(state, type_id, height).entry


def get_type_for_issue(state: StateReader, type_id: str, height: int) -> CertificateType:
    """The version of a type in force at ``height``, to issue a certificate under."""
    return TYPES.get_in_force(state, type_id, height)


def check_fields_of(state: StateReader, type_id: str, fields: Iterable[str], name: str) -> None:
    """``invalid_argument`` unless every name in ``fields`` is a field of the type."""
    if not set(fields) <= set(get_certificate_type(state, type_id).fields):
        raise invalid(f"{name} must be field names of the certificate's type")


def get_category_in_force(state: StateReader, category_id: str, height: int) -> RecordCategory:
    """An archive record category to record under at ``height``."""
    return CATEGORIES.get_in_force(state, category_id, height)


def check_purpose_code(state: StateReader, code: str, height: int) -> CatalogueEntry:
    """A purpose code in force at ``height`` (``invalid_argument``/``failed_precondition``)."""
    return PURPOSE_CODES.get_in_force(state, code, height)


def check_names_known(
    state: StateReader, shelf: Shelf[CertificateType] | Shelf[RecordCategory], ids: Iterable[str]
) -> None:
    """``invalid_argument`` naming the first id the shelf has no entry for (retired ones
    count: an organisation may keep a retired type among those it issued)."""
    for entry_id in ids:
        if shelf.get(state, entry_id) is None:
            raise invalid(f"{shelf.what} {entry_id} is not in the catalogue")


@dataclass(frozen=True, slots=True)
class GenesisCatalogue:
    """The catalogue a chain's genesis registers."""

    types: tuple[CertificateType, ...]
    categories: tuple[RecordCategory, ...]
    purposes: tuple[CatalogueEntry, ...]


def genesis_writes(catalogue: GenesisCatalogue) -> dict[bytes, bytes]:
    """A genesis catalogue: its entries, and the mark that the legacy one does not apply."""
    return {
        GENESIS_KEY: b"true",
        **TYPES.genesis_writes(catalogue.types),
        **CATEGORIES.genesis_writes(catalogue.categories),
        **PURPOSE_CODES.genesis_writes(catalogue.purposes),
    }


def check_genesis_names(
    catalogue: GenesisCatalogue | None,
    cert_types: Iterable[str],
    categories: Iterable[str],
    org_id: str,
) -> None:
    """``invalid_argument`` unless a founding organisation names only types and categories
    of the genesis catalogue (or of the legacy one, if genesis registers none)."""
    known_types = set(CERTIFICATE_TYPES) if catalogue is None else {t.id for t in catalogue.types}
    known_categories = (
        set(RECORD_CATEGORIES) if catalogue is None else {c.id for c in catalogue.categories}
    )
    for name in cert_types:
        if name not in known_types:
            raise invalid(f"organisation {org_id}: certificate type {name} is not in the catalogue")
    for name in categories:
        if name not in known_categories:
            raise invalid(f"organisation {org_id}: record category {name} is not in the catalogue")


def parse_genesis_catalogue(value: object) -> GenesisCatalogue:
    """A genesis file's ``catalogue``: ``{"certificate_types": [...], "record_categories":
    [...], "purposes": [...]}``, each a list of definitions (``invalid_argument`` naming the
    first problem)."""
    if not isinstance(value, dict) or set(value) != set(_SECTIONS):
        raise invalid(f"a genesis catalogue has exactly the keys {', '.join(_SECTIONS)}")
    types = parse_many(value["certificate_types"], parse_certificate_type, _id, "certificate_types")
    codes = [t.type_code for t in types if t.type_code]
    if len(set(codes)) != len(codes):
        raise invalid("the catalogue's certificate_types give one type code to two types")
    return GenesisCatalogue(
        types=types,
        categories=parse_many(
            value["record_categories"], parse_record_category, _id, "record_categories"
        ),
        purposes=parse_many(value["purposes"], parse_purpose, _id, "purposes"),
    )


def encode_genesis_catalogue(catalogue: GenesisCatalogue) -> dict[str, Any]:
    """A genesis file's ``catalogue`` section."""
    return {
        "certificate_types": [encode_certificate_type(t) for t in catalogue.types],
        "record_categories": [encode_record_category(c) for c in catalogue.categories],
        "purposes": [encode_purpose(p) for p in catalogue.purposes],
    }


_SECTIONS: Final = ("certificate_types", "purposes", "record_categories")


def _id(entry: CatalogueEntry) -> str:
    return entry.id
