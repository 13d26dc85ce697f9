"""System contract ``certificates``: issuing and revoking electronic certificates (电子证照).

The issuing agency builds the certificate's document off-chain from the fields its type
lists in the catalogue, salts it and hashes it (:func:`compute_document_hash`); only that
hash, the holder's pseudonymous id and the certificate's status go on-chain.

State:

- ``certificates/cert/<cert id>`` -> the certificate record (:class:`Certificate`)
- ``certificates/by_holder/<holder id>/<cert id>`` -> the cert id as a JSON string (index)
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

from contracts import arguments, formats, limits
from contracts.arguments import invalid
from contracts.catalogue import CERTIFICATE_TYPES, CertificateType
from contracts.codec import canonical_json, load_json
from contracts.errors import (
    ALREADY_EXISTS,
    FAILED_PRECONDITION,
    NOT_FOUND,
    PERMISSION_DENIED,
    ContractError,
)
from contracts.identity import is_holder_id
from contracts.interface import (
    ArgValue,
    CallContext,
    CallResult,
    QueryHandler,
    StateReader,
    TransactionHandler,
    make_event,
    make_result,
)
from contracts.membership import ROLE_ISSUER, principal_of

__all__ = [
    "BY_HOLDER_PREFIX",
    "CERTIFICATE_TYPES",
    "CERT_PREFIX",
    "CONTRACT",
    "QUERIES",
    "TRANSACTIONS",
    "Certificate",
    "CertificateType",
    "compute_certificate_status",
    "compute_document_hash",
    "get_certificate",
    "process_issue",
    "process_revoke",
    "subjects_of",
]

CONTRACT: Final = "certificates"

CERT_PREFIX: Final = b"certificates/cert/"
BY_HOLDER_PREFIX: Final = b"certificates/by_holder/"

STATUS_VALID: Final = "valid"
STATUS_REVOKED: Final = "revoked"
STATUS_EXPIRED: Final = "expired"
"""Never stored: computed by queries when a valid certificate's validity has passed."""

DOCUMENT_DOMAIN: Final = b"trustledger/document\x00"
"""Domain separator of document hashes."""


@dataclass(frozen=True, slots=True)
class Certificate:
    """The on-chain record of one certificate: ids, a hash and a status, nothing personal."""

    cert_id: str
    """Chosen by the issuer, ``[A-Za-z0-9._:-]{8,64}``, unique on the chain."""

    cert_type: str
    """Catalogue id of its type."""

    issuer: str
    """Id of the issuing organisation."""

    holder: str
    """Holder id (pseudonym) of the person or enterprise it was issued to."""

    doc_hash: str
    """SHA-256 (lowercase hex) of the salted canonical document, kept off-chain."""

    valid_until_ms: int
    """End of validity (ms since the epoch); 0 means it does not expire."""

    status: str
    """Stored status: ``"valid"`` or ``"revoked"``."""

    issued_height: int
    """Height of the block that issued it."""

    issued_tx: str
    """Hash (lowercase hex) of the transaction that issued it."""

    status_height: int
    """Height of the block that last set its status."""

    reason: str
    """Why it was revoked; empty while valid."""

    def to_json(self) -> dict[str, Any]:
        """The record as a JSON object."""
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}

    @staticmethod
    def from_json(record: Mapping[str, Any]) -> Certificate:
        """Rebuild a record from its JSON object."""
        return Certificate(
            **{field.name: record[field.name] for field in dataclasses.fields(Certificate)}
        )


# --- Keys, accessors and pure helpers ------------------------------------------------------


def get_cert_key(cert_id: str) -> bytes:
    """State key of a certificate record."""
    return CERT_PREFIX + cert_id.encode("ascii")


def get_by_holder_prefix(holder: str) -> bytes:
    """Prefix of a holder's entries in the by-holder index."""
    return BY_HOLDER_PREFIX + holder.encode("ascii") + b"/"


def get_by_holder_key(holder: str, cert_id: str) -> bytes:
    """Key of one by-holder index entry."""
    return get_by_holder_prefix(holder) + cert_id.encode("ascii")


def get_certificate(state: StateReader, cert_id: str) -> Certificate | None:
    """The certificate with id ``cert_id``, or None."""
    value = state.get(get_cert_key(cert_id))
    return None if value is None else Certificate.from_json(load_json(value))


def compute_certificate_status(cert: Certificate, now_ms: int) -> str:
    """``"revoked"``, ``"expired"`` (validity passed) or ``"valid"``, as seen at ``now_ms``."""
    if cert.status == STATUS_REVOKED:
        return STATUS_REVOKED
    if cert.valid_until_ms != 0 and now_ms > cert.valid_until_ms:
        return STATUS_EXPIRED
    return STATUS_VALID


def get_status_json(cert: Certificate, now_ms: int) -> dict[str, Any]:
    """The record as a query returns it, with ``status`` computed at ``now_ms``."""
    record = cert.to_json()
    record["status"] = compute_certificate_status(cert, now_ms)
    return record


def compute_document_hash(cert_type: str, fields: Mapping[str, str], salt: bytes) -> str:
    """Hash (lowercase hex SHA-256) of a certificate's salted canonical document.

    Computed off-chain by the issuer and the holder's wallet; ``fields`` must hold exactly
    the field names of ``cert_type`` in the catalogue, each a string, and ``salt`` at least
    ``DOCUMENT_SALT_LENGTH_MIN`` random bytes so the hash reveals nothing about the fields.
    """
    catalogue_entry = CERTIFICATE_TYPES.get(cert_type)
    if catalogue_entry is None:
        raise invalid("cert_type is not in the certificate catalogue")
    if set(fields) != set(catalogue_entry.fields):
        raise invalid(f"a {cert_type} document has exactly the fields of its catalogue entry")
    if not all(isinstance(value, str) for value in fields.values()):
        raise invalid("document field values must be strings")
    if not isinstance(salt, bytes) or len(salt) < limits.DOCUMENT_SALT_LENGTH_MIN:
        raise invalid(f"salt must be at least {limits.DOCUMENT_SALT_LENGTH_MIN} bytes")
    document = {"cert_type": cert_type, "fields": dict(fields), "salt": salt.hex()}
    return hashlib.sha256(DOCUMENT_DOMAIN + canonical_json(document)).hexdigest()


# --- Transactions --------------------------------------------------------------------------


def process_issue(state: StateReader, ctx: CallContext, args: Mapping[str, ArgValue]) -> CallResult:
    """``issue(cert_id, cert_type, holder, doc_hash, valid_until_ms)`` by an issuer."""
    # The arguments are well-formed.
    arguments.check_arg_names(
        args, required=("cert_id", "cert_type", "holder", "doc_hash", "valid_until_ms")
    )
    cert_id = arguments.get_cert_id(args, "cert_id")
    cert_type = arguments.get_str(args, "cert_type")
    if cert_type not in CERTIFICATE_TYPES:
        raise invalid("cert_type is not in the certificate catalogue")
    holder = arguments.get_holder_id(args, "holder")
    doc_hash = arguments.get_doc_hash(args, "doc_hash")
    valid_until_ms = arguments.get_int(args, "valid_until_ms", minimum=0)

    # The sender is an organisation with the issuer role...
    issuer = principal_of(state, ctx.sender_key)
    if issuer is None or not issuer.has_role(ROLE_ISSUER):
        raise ContractError(PERMISSION_DENIED, "only an issuing organisation may issue")
    # ...authorised to issue certificates of this type.
    if cert_type not in issuer.cert_types:
        raise ContractError(
            PERMISSION_DENIED, f"organisation {issuer.id} may not issue {cert_type} certificates"
        )

    # The certificate id is new.
    if state.get(get_cert_key(cert_id)) is not None:
        raise ContractError(ALREADY_EXISTS, f"certificate {cert_id} already exists")

    # Effect: store the record and index it under its holder.
    cert = Certificate(
        cert_id=cert_id,
        cert_type=cert_type,
        issuer=issuer.id,
        holder=holder,
        doc_hash=doc_hash,
        valid_until_ms=valid_until_ms,
        status=STATUS_VALID,
        issued_height=ctx.height,
        issued_tx=ctx.tx_hash.hex(),
        status_height=ctx.height,
        reason="",
    )
    event = make_event(
        "certificate.issued",
        (holder, cert_id, issuer.id),
        {
            "cert_type": cert_type,
            "doc_hash": doc_hash,
            "issuer": issuer.id,
            "valid_until_ms": valid_until_ms,
        },
    )
    return make_result(
        {
            get_cert_key(cert_id): canonical_json(cert.to_json()),
            get_by_holder_key(holder, cert_id): canonical_json(cert_id),
        },
        [event],
    )


def process_revoke(
    state: StateReader, ctx: CallContext, args: Mapping[str, ArgValue]
) -> CallResult:
    """``revoke(cert_id, reason)`` by the issuing organisation."""
    # The arguments are well-formed.
    arguments.check_arg_names(args, required=("cert_id", "reason"))
    cert_id = arguments.get_cert_id(args, "cert_id")
    reason = arguments.get_free_text(args, "reason", length_max=limits.REASON_LENGTH_MAX)

    # The certificate exists.
    cert = get_certificate(state, cert_id)
    if cert is None:
        raise ContractError(NOT_FOUND, f"no certificate {cert_id}")

    # The sender is the organisation that issued it.
    sender = principal_of(state, ctx.sender_key)
    if sender is None or sender.id != cert.issuer:
        raise ContractError(
            PERMISSION_DENIED, f"only the issuer {cert.issuer} may revoke certificate {cert_id}"
        )

    # It is not revoked already.
    if cert.status != STATUS_VALID:
        raise ContractError(FAILED_PRECONDITION, f"certificate {cert_id} is already {cert.status}")

    # Effect: mark it revoked.
    revoked = dataclasses.replace(
        cert, status=STATUS_REVOKED, status_height=ctx.height, reason=reason
    )
    event = make_event(
        "certificate.revoked",
        (cert.holder, cert_id, cert.issuer),
        {"cert_type": cert.cert_type, "issuer": cert.issuer, "reason": reason},
    )
    return make_result({get_cert_key(cert_id): canonical_json(revoked.to_json())}, [event])


# --- Queries -------------------------------------------------------------------------------


def query_status(state: StateReader, args: Mapping[str, ArgValue], now_ms: int) -> Any:
    """``status(cert_id)``: the record with its status at ``now_ms``; ``not_found`` if none."""
    arguments.check_arg_names(args, required=("cert_id",))
    cert_id = arguments.get_cert_id(args, "cert_id")
    cert = get_certificate(state, cert_id)
    if cert is None:
        raise ContractError(NOT_FOUND, f"no certificate {cert_id}")
    return get_status_json(cert, now_ms)


def query_list_by_holder(state: StateReader, args: Mapping[str, ArgValue], now_ms: int) -> Any:
    """``list_by_holder(holder, limit?)``: the holder's certificates in cert id order."""
    arguments.check_arg_names(args, required=("holder",), optional=("limit",))
    holder = arguments.get_holder_id(args, "holder")
    limit = arguments.get_list_limit(args)
    records = []
    for _, value in state.scan(get_by_holder_prefix(holder), limit):
        cert = get_certificate(state, load_json(value))
        if cert is None:
            raise RuntimeError("certificates by-holder index names a missing certificate")
        records.append(get_status_json(cert, now_ms))
    return records


def query_types(state: StateReader, args: Mapping[str, ArgValue], now_ms: int) -> Any:
    """``types()``: the certificate catalogue, with each type's field names."""
    arguments.check_arg_names(args, required=())
    return [
        {
            "id": cert_type.id,
            "name_zh": cert_type.name_zh,
            "name_en": cert_type.name_en,
            "holder_kinds": list(cert_type.holder_kinds),
            "fields": list(cert_type.fields),
        }
        for cert_type in CERTIFICATE_TYPES.values()
    ]


TRANSACTIONS: Final[Mapping[str, TransactionHandler]] = MappingProxyType(
    {"issue": process_issue, "revoke": process_revoke}
)
QUERIES: Final[Mapping[str, QueryHandler]] = MappingProxyType(
    {"status": query_status, "list_by_holder": query_list_by_holder, "types": query_types}
)


def subjects_of(method: str, args: Mapping[str, ArgValue]) -> tuple[str, ...]:
    """Ids a certificates call is about, judged from its arguments alone."""
    subjects: list[str] = []
    holder = args.get("holder")
    if isinstance(holder, str) and is_holder_id(holder):
        subjects.append(holder)
    cert_id = args.get("cert_id")
    if isinstance(cert_id, str) and formats.is_cert_id(cert_id):
        subjects.append(cert_id)
    return tuple(subjects)
