"""The certificate catalogue (电子证照目录): every type, the fields of its document, its
validity rules."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from contracts.catalogue.entries import CertificateType

DAY_MS: Final = 86_400_000

# The defining bodies of the types below (证照类型代码 = a body's unified social credit code and
# 3 digits, GB/T 36904). DEMONSTRATION codes: valid GB 32100 check characters, but not the
# real bodies' codes, which a deployment's genesis catalogue replaces (docs/conventions.md).
PUBLIC_SECURITY: Final = "11100000000000001M"
EDUCATION: Final = "11100000000000002Q"
MARKET_REGULATION: Final = "11100000000000003U"
HUMAN_RESOURCES: Final = "11100000000000004Y"
CIVIL_AFFAIRS: Final = "111000000000000052"
DISABLED_PERSONS: Final = "111000000000000065"
NATURAL_RESOURCES: Final = "111000000000000078"
HEALTH: Final = "11100000000000008B"

PERSON_CERTIFICATE_FIELDS: Final = ("certificate_number", "holder_name", "sex", "id_number")
"""The fields a certificate issued to a person opens with: the certificate and whose it is."""

PERMIT_HOLDER_FIELDS: Final = (
    "permit_number",
    "operator_name",
    "unified_social_credit_code",
    "legal_representative",
    "business_premises",
)
"""The fields every enterprise operating permit opens with: the permit and who holds it where."""

TYPES: Final = (
    CertificateType(
        id="resident_id_card",
        type_code=PUBLIC_SECURITY + "001",
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
        type_code=MARKET_REGULATION + "001",
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
        type_code=EDUCATION + "001",
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
        type_code=PUBLIC_SECURITY + "002",
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
        type_code=MARKET_REGULATION + "002",
        name_zh="食品经营许可证",
        name_en="Food business permit",
        holder_kinds=("enterprise",),
        fields=(
            *PERMIT_HOLDER_FIELDS,
            "main_business_format",
            "business_items",
            "issuing_authority",
            "valid_until",
        ),
    ),
    CertificateType(
        id="disability_certificate",
        type_code=DISABLED_PERSONS + "001",
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
        type_code=CIVIL_AFFAIRS + "001",
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
        type_code=NATURAL_RESOURCES + "001",
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
        type_code=HUMAN_RESOURCES + "001",
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
        type_code=HEALTH + "001",
        name_zh="医师执业证书",
        name_en="Medical practitioner licence",
        holder_kinds=("person",),
        fields=(
            *PERSON_CERTIFICATE_FIELDS,
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
        type_code=PUBLIC_SECURITY + "003",
        name_zh="无犯罪记录证明",
        name_en="Certificate of no criminal record",
        holder_kinds=("person",),
        fields=(
            *PERSON_CERTIFICATE_FIELDS,
            "purpose_of_use",
            "issuing_authority",
            "issue_date",
        ),
        validity_required=True,
        validity_ms_max=183 * DAY_MS,
    ),
    CertificateType(
        id="birth_medical_certificate",
        type_code=HEALTH + "002",
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
        type_code=EDUCATION + "002",
        name_zh="教师资格证",
        name_en="Teacher qualification certificate",
        holder_kinds=("person",),
        fields=(
            *PERSON_CERTIFICATE_FIELDS,
            "qualification_type",
            "teaching_subject",
            "issuing_authority",
            "issue_date",
        ),
    ),
    CertificateType(
        id="public_place_health_permit",
        type_code=HEALTH + "003",
        name_zh="公共场所卫生许可证",
        name_en="Public place health permit",
        holder_kinds=("enterprise",),
        fields=(
            *PERMIT_HOLDER_FIELDS,
            "permitted_items",
            "issuing_authority",
            "valid_until",
        ),
        validity_required=True,
        validity_ms_max=4 * 366 * DAY_MS,
    ),
)

CERTIFICATE_TYPES: Final[Mapping[str, CertificateType]] = MappingProxyType(
    {cert_type.id: cert_type for cert_type in TYPES}
)
"""Every certificate type, by id."""
