"""The catalogue (电子证照目录, 数据目录): certificate types, archive record categories
(一人一档 / 一企一档 data items) and purposes of use, governed on the chain.

Each certificate type names the fields of its document, their kinds and disclosure classes,
and its validity rules. Documents are built and kept off-chain by the issuing agency and the
holder's wallet; the chain stores only salted commitments (see
:mod:`contracts.certificates.commitments`). Archive records are likewise kept off-chain; the
chain holds their category, source and content hash.

The entries are chain state (:mod:`.shelves`, :mod:`.lookup`): registered at genesis or by
governance (:mod:`.actions`), versioned, retired. The tables in :mod:`.certificate_types`,
:mod:`.record_categories` and :mod:`.purposes` are the catalogue of chains made before it
moved onto the chain (frozen: a new entry is a governance proposal, never a change here) and
the demonstration catalogue the devnet's genesis registers. They are checked when this
package is imported (:func:`check_catalogue`): a malformed entry stops the build.
"""

from __future__ import annotations

from typing import Final

from contracts.catalogue.certificate_types import CERTIFICATE_TYPES, TYPES
from contracts.catalogue.entries import CertificateType, HolderKind, RecordCategory
from contracts.catalogue.record_categories import CATEGORIES, RECORD_CATEGORIES
from contracts.framework import arguments, formats, identifiers, limits
from contracts.framework.errors import ContractError

__all__ = [
    "CERTIFICATE_TYPES",
    "RECORD_CATEGORIES",
    "CatalogueError",
    "CertificateType",
    "HolderKind",
    "RecordCategory",
    "check_catalogue",
]

_ID_RE: Final = formats.CATALOGUE_ID_RE


def get_fields_admission_problem(text: str) -> str | None:
    """The node's admission check of a JSON list of field names, before the certificate
    (and so its type, which is chain state) is known: names of the catalogue's form only, so
    no free text hides in it (the personal-data screen reads them too). Completes
    "<name> ..."; None if the value passes (or is not JSON: its reader says so)."""
    try:
        value = arguments.parse_json_text(text, "fields")
    except ContractError:
        return None
    if isinstance(value, list) and all(formats.is_catalogue_id(field) for field in value):
        return None
    return "must list field names of the certificate catalogue"


class CatalogueError(RuntimeError):
    """A catalogue entry is malformed: a build that must not run."""


def get_certificate_type_problems(cert_type: CertificateType) -> list[str]:
    """What is wrong with one certificate type (empty if nothing)."""
    checks = (
        (_ID_RE.fullmatch(cert_type.id) is not None, "its id is not a catalogue id"),
        (len(set(cert_type.fields)) == len(cert_type.fields), "a field is listed twice"),
        (all(_ID_RE.fullmatch(f) for f in cert_type.fields), "a field name is malformed"),
        (len(cert_type.fields) <= limits.NAME_LIST_LENGTH_MAX, "it has too many fields"),
        (
            all(name in cert_type.fields for name, _ in cert_type.field_lengths_max),
            "a length bound names no field of it",
        ),
        (cert_type.validity_ms_max >= 0, "its longest validity is negative"),
        (
            cert_type.type_code == "" or identifiers.is_type_code(cert_type.type_code),
            "its type code is not a GB/T 36904 type code",
        ),
    )
    return [f"certificate type {cert_type.id}: {why}" for holds, why in checks if not holds]


def get_catalogue_problems() -> list[str]:
    """What is wrong with the catalogues (empty if nothing)."""
    problems: list[str] = []
    if len(CERTIFICATE_TYPES) != len(TYPES):
        problems.append("a certificate type id is listed twice")
    codes = [t.type_code for t in TYPES if t.type_code]
    if len(set(codes)) != len(codes):
        problems.append("a certificate type code is listed twice")
    for cert_type in TYPES:
        problems += get_certificate_type_problems(cert_type)
    if len(RECORD_CATEGORIES) != len(CATEGORIES):
        problems.append("a record category id is listed twice")
    for category in CATEGORIES:
        if _ID_RE.fullmatch(category.id) is None:
            problems.append(f"record category {category.id}: its id is not a catalogue id")
        if not category.subject_kinds:
            problems.append(f"record category {category.id}: it belongs in no kind of file")
    return problems


def check_catalogue() -> None:
    """Raise :class:`CatalogueError` naming every problem of the catalogues."""
    problems = get_catalogue_problems()
    if problems:
        raise CatalogueError("; ".join(problems))


check_catalogue()
