"""The catalogue of certificate types (电子证照目录) the chain knows.

Each type names the fields of its document. Documents are built and kept off-chain by the
issuing agency and the holder's wallet; the chain stores only the hash of the salted,
canonical document (see :func:`contracts.certificates.compute_document_hash`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal

HolderKind = Literal["person", "enterprise"]


@dataclass(frozen=True, slots=True)
class CertificateType:
    """One kind of certificate, e.g. a diploma."""

    id: str
    """Catalogue key, e.g. ``"diploma"``."""

    name_zh: str
    """Display name in Chinese, e.g. ``"高校学历"``."""

    name_en: str
    """Display name in English."""

    holder_kinds: tuple[HolderKind, ...]
    """Who may hold it: a person, an enterprise, or either."""

    fields: tuple[str, ...]
    """Names of the document's fields, in display order. All are personal or business data
    and stay off-chain."""


_FIELD_NAME_RE: Final = re.compile("[a-z][a-z0-9_]{0,47}")

_TYPES: Final = (
    CertificateType(
        id="resident_id_card",
        name_zh="居民身份证",
        name_en="Resident identity card",
        holder_kinds=("person",),
        fields=(
            "holder_name",
            "sex",
            "ethnicity",
            "birth_date",
            "address",
            "id_number",
            "issuing_authority",
            "valid_from",
            "valid_until",
        ),
    ),
    CertificateType(
        id="business_licence",
        name_zh="营业执照",
        name_en="Business licence",
        holder_kinds=("enterprise",),
        fields=(
            "unified_social_credit_code",
            "company_name",
            "company_type",
            "legal_representative",
            "registered_capital",
            "establishment_date",
            "business_term",
            "business_scope",
            "domicile",
            "registration_authority",
        ),
    ),
    CertificateType(
        id="diploma",
        name_zh="高校学历",
        name_en="Higher education diploma",
        holder_kinds=("person",),
        fields=(
            "holder_name",
            "id_number",
            "university",
            "degree",
            "major",
            "graduation_date",
        ),
    ),
    CertificateType(
        id="driving_licence",
        name_zh="驾驶证",
        name_en="Driving licence",
        holder_kinds=("person",),
        fields=(
            "holder_name",
            "id_number",
            "sex",
            "nationality",
            "address",
            "birth_date",
            "first_issue_date",
            "permitted_vehicle_class",
            "valid_from",
            "valid_until",
            "issuing_authority",
        ),
    ),
    CertificateType(
        id="food_business_permit",
        name_zh="食品经营许可证",
        name_en="Food business permit",
        holder_kinds=("enterprise",),
        fields=(
            "permit_number",
            "operator_name",
            "unified_social_credit_code",
            "legal_representative",
            "business_premises",
            "main_business_format",
            "business_items",
            "issuing_authority",
            "valid_until",
        ),
    ),
    CertificateType(
        id="disability_certificate",
        name_zh="残疾人证",
        name_en="Disability certificate",
        holder_kinds=("person",),
        fields=(
            "certificate_number",
            "holder_name",
            "id_number",
            "sex",
            "birth_date",
            "address",
            "disability_category",
            "disability_grade",
            "guardian_name",
            "issuing_authority",
            "issue_date",
        ),
    ),
    CertificateType(
        id="marriage_certificate",
        name_zh="结婚证",
        name_en="Marriage certificate",
        holder_kinds=("person",),
        fields=(
            "certificate_number",
            "holder_name",
            "holder_id_number",
            "spouse_name",
            "spouse_id_number",
            "registration_date",
            "registration_authority",
        ),
    ),
    CertificateType(
        id="real_estate_certificate",
        name_zh="不动产权证书",
        name_en="Real estate title certificate",
        holder_kinds=("person", "enterprise"),
        fields=(
            "certificate_number",
            "right_holder",
            "co_ownership",
            "location",
            "unit_number",
            "right_type",
            "right_nature",
            "usage",
            "area_m2",
            "term_of_use",
            "registration_authority",
        ),
    ),
)

CERTIFICATE_TYPES: Final[Mapping[str, CertificateType]] = MappingProxyType(
    {cert_type.id: cert_type for cert_type in _TYPES}
)
"""Every certificate type, by id."""

# Internal invariants of the catalogue above (constants, not caller input).
assert len(CERTIFICATE_TYPES) == len(_TYPES), "duplicate certificate type id"
for _cert_type in _TYPES:
    assert _FIELD_NAME_RE.fullmatch(_cert_type.id), _cert_type.id
    assert len(set(_cert_type.fields)) == len(_cert_type.fields), _cert_type.id
    assert all(_FIELD_NAME_RE.fullmatch(f) for f in _cert_type.fields), _cert_type.id
