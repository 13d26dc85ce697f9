"""The catalogues the chain knows: certificate types (电子证照目录) and archive record
categories (一人一档 / 一企一档 data items).

Each certificate type names the fields of its document and its validity rules. Documents are
built and kept off-chain by the issuing agency and the holder's wallet; the chain stores only
salted commitments (see :mod:`contracts.commitments`). Archive records are likewise kept
off-chain; the chain holds their category, source and content hash.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal

from contracts import limits

HolderKind = Literal["person", "enterprise"]

DAY_MS: Final = 86_400_000


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

    field_lengths_max: tuple[tuple[str, int], ...] = ()
    """Fields whose values may be longer (or must be shorter) than
    ``FIELD_VALUE_LENGTH_MAX_DEFAULT`` characters, with their own maximum."""

    validity_required: bool = False
    """Whether every certificate of this type must have an end of validity."""

    validity_ms_max: int = 0
    """If not 0, the longest validity (from the block that issues or renews it)."""

    def get_field_length_max(self, field_name: str) -> int:
        """Longest value allowed for ``field_name``, in characters."""
        for name, length_max in self.field_lengths_max:
            if name == field_name:
                return length_max
        return limits.FIELD_VALUE_LENGTH_MAX_DEFAULT


@dataclass(frozen=True, slots=True)
class RecordCategory:
    """One category of archive records, e.g. social-security contributions (社保)."""

    id: str
    """Catalogue key, e.g. ``"social_security"``."""

    name_zh: str
    """Display name in Chinese, e.g. ``"社保"``."""

    name_en: str
    """Display name in English."""

    subject_kinds: tuple[HolderKind, ...]
    """Whose files hold it: a person's (一人一档), an enterprise's (一企一档), or both."""


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
        field_lengths_max=(("business_scope", 2000),),
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
    CertificateType(
        id="social_security_card",
        name_zh="社会保障卡",
        name_en="Social security card",
        holder_kinds=("person",),
        fields=(
            "holder_name",
            "sex",
            "id_number",
            "social_security_number",
            "card_number",
            "issuing_place",
            "issue_date",
            "valid_until",
        ),
    ),
    CertificateType(
        id="medical_practitioner_licence",
        name_zh="医师执业证书",
        name_en="Medical practitioner licence",
        holder_kinds=("person",),
        fields=(
            "certificate_number",
            "holder_name",
            "sex",
            "id_number",
            "practice_category",
            "practice_scope",
            "practice_institution",
            "practice_location",
            "issuing_authority",
            "issue_date",
        ),
    ),
    CertificateType(
        id="no_criminal_record",
        name_zh="无犯罪记录证明",
        name_en="Certificate of no criminal record",
        holder_kinds=("person",),
        fields=(
            "certificate_number",
            "holder_name",
            "sex",
            "id_number",
            "purpose_of_use",
            "issuing_authority",
            "issue_date",
        ),
        validity_required=True,
        validity_ms_max=183 * DAY_MS,
    ),
    CertificateType(
        id="birth_medical_certificate",
        name_zh="出生医学证明",
        name_en="Birth medical certificate",
        holder_kinds=("person",),
        fields=(
            "certificate_number",
            "newborn_name",
            "sex",
            "birth_date",
            "birth_place",
            "mother_name",
            "mother_id_number",
            "father_name",
            "father_id_number",
            "issuing_institution",
            "issue_date",
        ),
    ),
    CertificateType(
        id="teacher_qualification",
        name_zh="教师资格证",
        name_en="Teacher qualification certificate",
        holder_kinds=("person",),
        fields=(
            "certificate_number",
            "holder_name",
            "sex",
            "id_number",
            "qualification_type",
            "teaching_subject",
            "issuing_authority",
            "issue_date",
        ),
    ),
    CertificateType(
        id="public_place_health_permit",
        name_zh="公共场所卫生许可证",
        name_en="Public place health permit",
        holder_kinds=("enterprise",),
        fields=(
            "permit_number",
            "operator_name",
            "unified_social_credit_code",
            "legal_representative",
            "business_premises",
            "permitted_items",
            "issuing_authority",
            "valid_until",
        ),
        validity_required=True,
        validity_ms_max=4 * 366 * DAY_MS,
    ),
)

CERTIFICATE_TYPES: Final[Mapping[str, CertificateType]] = MappingProxyType(
    {cert_type.id: cert_type for cert_type in _TYPES}
)
"""Every certificate type, by id."""

_CATEGORIES: Final = (
    # 一人一档: Weihai's personal archive (社保, 医疗, 征信, 家庭, 房产) and neighbours.
    RecordCategory("social_security", "社保", "Social security contributions", ("person",)),
    RecordCategory("medical", "医疗", "Medical and health insurance records", ("person",)),
    RecordCategory("credit", "征信", "Credit records", ("person", "enterprise")),
    RecordCategory("family", "家庭", "Family and civil status", ("person",)),
    RecordCategory("real_estate", "房产", "Real estate", ("person", "enterprise")),
    RecordCategory("housing_fund", "公积金", "Housing provident fund", ("person",)),
    RecordCategory("household_registration", "常住人口", "Household registration", ("person",)),
    # 一企一档: Weihai's enterprise archive.
    RecordCategory(
        "enterprise_registration", "企业登记", "Enterprise registration", ("enterprise",)
    ),
    RecordCategory(
        "serious_violation_list",
        "严重违法失信名单",
        "List of serious violations and dishonesty",
        ("enterprise",),
    ),
    RecordCategory("special_equipment", "特种设备", "Special equipment", ("enterprise",)),
    RecordCategory(
        "food_business_licence", "食品经营许可", "Food business licensing", ("enterprise",)
    ),
)

RECORD_CATEGORIES: Final[Mapping[str, RecordCategory]] = MappingProxyType(
    {category.id: category for category in _CATEGORIES}
)
"""Every archive record category, by id."""

# Internal invariants of the catalogues above (constants, not caller input).
assert len(CERTIFICATE_TYPES) == len(_TYPES), "duplicate certificate type id"
for _cert_type in _TYPES:
    assert _FIELD_NAME_RE.fullmatch(_cert_type.id), _cert_type.id
    assert len(set(_cert_type.fields)) == len(_cert_type.fields), _cert_type.id
    assert all(_FIELD_NAME_RE.fullmatch(f) for f in _cert_type.fields), _cert_type.id
    assert len(_cert_type.fields) <= limits.NAME_LIST_LENGTH_MAX, _cert_type.id
    assert all(name in _cert_type.fields for name, _ in _cert_type.field_lengths_max)
    assert _cert_type.validity_ms_max >= 0, _cert_type.id
assert len(RECORD_CATEGORIES) == len(_CATEGORIES), "duplicate record category id"
for _category in _CATEGORIES:
    assert _FIELD_NAME_RE.fullmatch(_category.id), _category.id
    assert _category.subject_kinds, _category.id
