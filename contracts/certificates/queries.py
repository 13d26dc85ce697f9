"""The ``certificates`` contract's queries."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from contracts.catalogue import CertificateType, lookup
from contracts.catalogue.shelves import Listed
from contracts.certificates import metadata, national
from contracts.certificates.records import (
    BY_HOLDER,
    CERTIFICATES,
    VERIFICATION_PURPOSE_CODES,
    VERIFICATIONS,
    VERIFICATIONS_BY_CERT,
    VERIFICATIONS_BY_HOLDER,
    VERSIONS,
    DocVersion,
    Verification,
    compute_certificate_status,
    get_status_json,
)
from contracts.certificates.transactions import CERT_ID, HOLDER
from contracts.framework import arguments, identifiers, limits
from contracts.framework.arguments import invalid
from contracts.framework.codec import load_json
from contracts.framework.errors import not_found
from contracts.framework.interface import QueryHandler, StateReader
from contracts.framework.signature import LIMIT, Signature, Values, query, text
from contracts.framework.store import scan_index
from contracts.membership import credit_codes
from contracts.membership.organisations import ORGANISATIONS


@query(Signature(CERT_ID))
def query_status(state: StateReader, args: Values, now_ms: int) -> Any:
    """``status(cert_id)``: the record with its status at ``now_ms``; ``not_found`` if none.
    ``cert_id`` may be any version of a national identifier; the answer then says the
    current one (``identifier``)."""
    cert = CERTIFICATES.get_existing(state, national.resolve(state, args[CERT_ID]))
    answer = get_status_json(cert, now_ms)
    if identifiers.is_identifier_like(cert.cert_id):
        answer["identifier"] = national.get_current_identifier(state, cert.cert_id)
    return answer


@query(Signature(HOLDER, LIMIT))
def query_list_by_holder(state: StateReader, args: Values, now_ms: int) -> Any:
    """``list_by_holder(holder, limit?)``: the holder's certificates in cert id order."""
    prefix = BY_HOLDER.prefix_of(args[HOLDER])
    return [
        get_status_json(cert, now_ms)
        for cert in scan_index(state, prefix, args.get_limit(), CERTIFICATES.get)
    ]


@query(Signature(CERT_ID))
def query_history(state: StateReader, args: Values, now_ms: int) -> Any:
    """``history(cert_id)``: every document version, oldest first, the current one last;
    with the certificates it supersedes / is superseded by."""
    cert_id = national.resolve(state, args[CERT_ID])
    cert = CERTIFICATES.get_existing(state, cert_id)
    versions = [
        load_json(value)
        for _, value in state.scan(VERSIONS.prefix_of(cert_id), limits.VERSIONS_MAX)
    ]
    current = DocVersion(cert.version, cert.doc_hash, cert.field_hashes, cert.version_height, 0, "")
    versions.append(current.to_json())
    return {
        "cert_id": cert_id,
        "status": compute_certificate_status(cert, now_ms),
        "supersedes": cert.supersedes,
        "superseded_by": cert.superseded_by,
        "versions": versions,
    }


@query(Signature(CERT_ID.maybe().later(), HOLDER.maybe().later(), LIMIT))
def query_verifications(state: StateReader, args: Values, now_ms: int) -> Any:
    """``verifications(cert_id? | holder?, limit?)``: verification records of a certificate
    or of a holder (exactly one of the two), in verification id order, each with its
    ``purpose_code`` when its call gave one."""
    limit = args.get_limit()
    if (CERT_ID in args) == (HOLDER in args):
        raise invalid("give exactly one of cert_id and holder")
    if CERT_ID in args:
        prefix = VERIFICATIONS_BY_CERT.prefix_of(args[CERT_ID])
    else:
        prefix = VERIFICATIONS_BY_HOLDER.prefix_of(args[HOLDER])
    found = scan_index(state, prefix, limit, VERIFICATIONS.get)
    return [_get_verification_json(state, record) for record in found]


def _get_verification_json(state: StateReader, record: Verification) -> dict[str, Any]:
    code = VERIFICATION_PURPOSE_CODES.get(state, record.verification_id)
    return record.to_json() if code is None else {**record.to_json(), "purpose_code": code}


def _type_json(listed: Listed[CertificateType]) -> dict[str, Any]:
    cert_type, standing = listed.entry, listed.standing
    return {
        **cert_type.get_names_json(),
        "holder_kinds": list(cert_type.holder_kinds),
        "fields": list(cert_type.fields),
        "field_lengths_max": {f: cert_type.get_field_length_max(f) for f in cert_type.fields},
        "field_kinds": {f: cert_type.get_field_kind(f) for f in cert_type.fields},
        "field_disclosures": {f: cert_type.get_field_disclosure(f) for f in cert_type.fields},
        "metadata_fields": dict(cert_type.metadata_fields),
        "validity_required": cert_type.validity_required,
        "validity_ms_max": cert_type.validity_ms_max,
        "type_code": cert_type.type_code,
        "version": standing.version,
        "from_height": standing.from_height,
        "retired_height": standing.retired_height,
    }


@query(Signature())
def query_types(state: StateReader, args: Values, now_ms: int) -> Any:
    """``types()``: the certificate catalogue (current versions, retired ones included), with
    each type's fields, their kinds and disclosure classes, and its validity rules."""
    return [_type_json(listed) for listed in lookup.TYPES.get_all(state)]


@query(Signature(CERT_ID))
def query_metadata(state: StateReader, args: Values, now_ms: int) -> Any:
    """``metadata(cert_id)``: the certificate's GB/T 36903 metadata the chain holds, and which
    document fields hold the rest (:mod:`contracts.certificates.metadata`)."""
    cert = CERTIFICATES.get_existing(state, national.resolve(state, args[CERT_ID]))
    issuer = ORGANISATIONS.get(state, cert.issuer)
    return metadata.get_metadata(
        cert,
        national.get_current_identifier(state, cert.cert_id),
        lookup.get_certificate_type(state, cert.cert_type),
        "" if issuer is None else issuer.name,
        credit_codes.get_credit_code(state, cert.issuer) or "",
        now_ms,
    )


TYPE_ID = text("type_id", arguments.CATALOGUE_ID)


@query(Signature(TYPE_ID))
def query_type(state: StateReader, args: Values, now_ms: int) -> Any:
    """``type(type_id)``: one certificate type, every version of it, oldest first."""
    versions = lookup.TYPES.get_versions(state, args[TYPE_ID])
    if not versions:
        raise not_found(f"certificate type {args[TYPE_ID]} is not in the catalogue")
    return {**_type_json(versions[-1]), "versions": [_type_json(v) for v in versions]}


@query(Signature())
def query_purposes(state: StateReader, args: Values, now_ms: int) -> Any:
    """``purposes()``: the purposes of use (申请事由) a verification or request may give."""
    return [
        {**listed.entry.get_names_json(), "retired_height": listed.standing.retired_height}
        for listed in lookup.PURPOSE_CODES.get_all(state)
    ]


QUERIES: Final[Mapping[str, QueryHandler]] = MappingProxyType(
    {
        "status": query_status,
        "list_by_holder": query_list_by_holder,
        "history": query_history,
        "verifications": query_verifications,
        "types": query_types,
        "metadata": query_metadata,
        "type": query_type,
        "purposes": query_purposes,
    }
)
