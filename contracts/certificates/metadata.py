"""A certificate's metadata after GB/T 36903 (电子证照 元数据规范), as far as the chain holds it.

The standard's elements split in two. The non-personal ones are on the chain and answered
here: 证照名称 (the type's names), 证照类型代码 (the type code), 证照标识 (the national
identifier, for a certificate issued under one), 颁发机构 and 颁发机构代码 (the issuing
organisation and its credit code), 颁发日期 (the issuing block: its time is in the block's
header), 有效期截止 and the status. The personal ones (持证主体, 持证主体代码, and 证照编号,
printed on the document) are fields of the document, kept off-chain and committed like every
other field: the answer names which field of the type holds each (as its catalogue entry
declares them), and the 持证主体代码类型 (111 resident ID number, 001 unified social credit
code) that follows from who may hold it.
"""

from __future__ import annotations

from typing import Any, Final

from contracts.catalogue import CertificateType
from contracts.certificates.records import Certificate, compute_certificate_status
from contracts.framework import identifiers

CODE_TYPES: Final[dict[tuple[str, ...], str]] = {("person",): "111", ("enterprise",): "001"}
"""持证主体代码类型 by who may hold the type: a resident ID number or a credit code."""


def get_metadata(
    cert: Certificate,
    current_id: str,
    cert_type: CertificateType,
    issuer_name: str,
    issuer_code: str,
    now_ms: int,
) -> dict[str, Any]:
    """The GB/T 36903 metadata of ``cert`` (whose identifier is now ``current_id``) at
    ``now_ms`` (docs/conventions.md has the table)."""
    return {
        "cert_id": cert.cert_id,
        # The chain accepts a cert_id with the prefix only as a well-formed identifier;
        # renewals and amendments move it to later versions (current_id).
        "identifier": current_id if identifiers.is_identifier_like(cert.cert_id) else "",
        "name_zh": cert_type.name_zh,
        "name_en": cert_type.name_en,
        "type_code": cert_type.type_code,
        "issuer": cert.issuer,
        "issuer_name": issuer_name,
        "issuer_code": issuer_code,
        "issued_height": cert.issued_height,
        "valid_until_ms": cert.valid_until_ms,
        "status": compute_certificate_status(cert, now_ms),
        "holder_code_type": CODE_TYPES.get(cert_type.holder_kinds, ""),
        "off_chain_fields": dict(cert_type.metadata_fields),
    }
