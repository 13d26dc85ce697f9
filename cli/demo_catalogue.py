"""The catalogue a devnet's genesis registers: the demonstration certificate types (those of
the catalogue of chains made before it moved onto the chain, and the other types the source
documents name: ../shared/SEEDS.md), archive record categories and purposes of use.

A deployment writes its own ``catalogue`` section in its genesis file (docs/conventions.md);
after genesis, entries change only through governance (``trustledger catalogue propose``).
The type codes are DEMONSTRATION codes (valid check characters, not the real bodies').
"""

from __future__ import annotations

import dataclasses
from typing import Final

from contracts.catalogue.certificate_types import (
    CIVIL_AFFAIRS,
    DAY_MS,
    HEALTH,
    PERMIT_HOLDER_FIELDS,
    PERSON_CERTIFICATE_FIELDS,
    PUBLIC_SECURITY,
    TYPES,
)
from contracts.catalogue.entries import CertificateType, Disclosure, FieldKind, MetadataRole
from contracts.catalogue.lookup import GenesisCatalogue
from contracts.catalogue.purposes import ENTRIES as PURPOSES
from contracts.catalogue.record_categories import CATEGORIES

KINDS: Final[dict[str, FieldKind]] = {
    "id_number": "resident_id",
    "unified_social_credit_code": "credit_code",
    "birth_date": "date",
    "valid_from": "date",
    "valid_until": "date",
    "establishment_date": "date",
    "issue_date": "date",
    "graduation_date": "date",
    "registration_date": "date",
    "first_issue_date": "date",
    "marriage_date": "date",
    "divorce_date": "date",
}
"""Field kinds by field name, where a field is not plain text."""

SENSITIVE: Final = frozenset(
    {"id_number", "address", "birth_date", "ethnicity", "disability_level", "disability_kind"}
)
"""Fields shown only when a request names them and the holder ticks them (敏感)."""

PUBLIC: Final = frozenset(
    {
        "certificate_number",
        "company_name",
        "unified_social_credit_code",
        "permit_number",
        "operator_name",
        "registration_authority",
        "issuing_authority",
        "licence_number",
    }
)
"""Fields any verifier the holder presents to may see (公开)."""


METADATA: Final[tuple[tuple[MetadataRole, tuple[str, ...]], ...]] = (
    ("holder", ("holder_name", "company_name", "operator_name", "owner_name", "newborn_name")),
    ("holder_code", ("id_number", "holder_id_number", "unified_social_credit_code")),
    ("certificate_number", ("certificate_number", "licence_number", "permit_number")),
)
"""GB/T 36903's personal elements: the first of these fields a type has holds each."""


def _classify(cert_type: CertificateType) -> CertificateType:
    kinds = tuple((f, KINDS[f]) for f in cert_type.fields if f in KINDS)
    roles = tuple(
        (role, next(f for f in names if f in cert_type.fields))
        for role, names in METADATA
        if any(f in cert_type.fields for f in names)
    )
    classes: list[tuple[str, Disclosure]] = []
    for name in cert_type.fields:
        if name in SENSITIVE:
            classes.append((name, "sensitive"))
        elif name in PUBLIC:
            classes.append((name, "public"))
    return dataclasses.replace(
        cert_type, field_kinds=kinds, field_disclosures=tuple(classes), metadata_fields=roles
    )


SEED_TYPES: Final = (
    CertificateType(
        id="vehicle_licence",
        type_code=PUBLIC_SECURITY + "004",
        name_zh="机动车行驶证",
        name_en="Vehicle licence",
        holder_kinds=("person", "enterprise"),
        fields=(
            "licence_number",
            "plate_number",
            "vehicle_type",
            "owner_name",
            "address",
            "use_character",
            "model",
            "vin",
            "engine_number",
            "registration_date",
            "issue_date",
        ),
    ),
    CertificateType(
        id="divorce_certificate",
        type_code=CIVIL_AFFAIRS + "002",
        name_zh="离婚证",
        name_en="Divorce certificate",
        holder_kinds=("person",),
        fields=(
            *PERSON_CERTIFICATE_FIELDS,
            "spouse_name",
            "spouse_id_number",
            "divorce_date",
            "registry_office",
        ),
    ),
    CertificateType(
        id="hotel_special_trade_permit",
        type_code=PUBLIC_SECURITY + "005",
        name_zh="特种行业许可证（旅馆业）",
        name_en="Special trade permit (hotels)",
        holder_kinds=("enterprise",),
        fields=(*PERMIT_HOLDER_FIELDS, "rooms", "issuing_authority", "issue_date"),
    ),
    CertificateType(
        id="senior_preferential_card",
        type_code=CIVIL_AFFAIRS + "003",
        name_zh="老年人优待证",
        name_en="Senior citizen's preferential card",
        holder_kinds=("person",),
        fields=(*PERSON_CERTIFICATE_FIELDS, "birth_date", "issuing_authority", "issue_date"),
    ),
    CertificateType(
        id="nurse_practising_registration",
        type_code=HEALTH + "004",
        name_zh="护士执业证书",
        name_en="Nurse practising registration",
        holder_kinds=("person",),
        fields=(
            *PERSON_CERTIFICATE_FIELDS,
            "practice_place",
            "registration_date",
            "issuing_authority",
        ),
        validity_required=True,
        validity_ms_max=5 * 366 * DAY_MS,
    ),
)
"""Certificate types the source documents name that the legacy catalogue lacks."""


def demo_catalogue() -> GenesisCatalogue:
    """The catalogue the devnet's genesis registers."""
    return GenesisCatalogue(
        types=tuple(_classify(t) for t in (*TYPES, *SEED_TYPES)),
        categories=CATEGORIES,
        purposes=PURPOSES,
    )
