"""The records of the ``certificates`` contract, their state keys and their statuses.

A certificate's record is written at every lifecycle step, so it is encoded key by key
(:func:`_encode_written_out`) rather than through the generic record encoder.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Final

from contracts.framework.codec import (
    canonical_json,
    canonical_json_int,
    canonical_json_str,
    canonical_json_text,
)
from contracts.framework.interface import StateReader
from contracts.framework.records import Record
from contracts.framework.store import Index, Table, Texts

CONTRACT: Final = "certificates"

STATUS_VALID: Final = "valid"
STATUS_SUSPENDED: Final = "suspended"
STATUS_REVOKED: Final = "revoked"
STATUS_SUPERSEDED: Final = "superseded"
STORED_STATUSES: Final = (STATUS_VALID, STATUS_SUSPENDED, STATUS_REVOKED, STATUS_SUPERSEDED)
STATUS_EXPIRED: Final = "expired"
"""Never stored: computed by queries when a valid certificate's validity has passed."""

VERIFICATION_RESULTS: Final = ("passed", "failed")
"""What a verifier may record: the certificate (and the disclosed fields) checked out, or not."""


@dataclass(frozen=True, slots=True)
class Certificate(Record):
    """The on-chain record of one certificate: ids, commitments and a status, nothing personal."""

    cert_id: str
    """Chosen by the issuer, ``[A-Za-z0-9._:-]{8,64}``, unique on the chain."""

    cert_type: str
    """Catalogue id of its type."""

    issuer: str
    """Id of the issuing organisation."""

    holder: str
    """Holder id (pseudonym) of the person or enterprise it was issued to."""

    doc_hash: str
    """SHA-256 (lowercase hex) of the current salted document, kept off-chain."""

    valid_until_ms: int
    """End of validity (ms since the epoch); 0 means it does not expire."""

    status: str
    """Stored status, one of :data:`STORED_STATUSES`."""

    issued_height: int
    """Height of the block that issued it."""

    issued_tx: str
    """Hash (lowercase hex) of the transaction that issued it."""

    status_height: int
    """Height of the block that last set its status."""

    reason: str
    """Why it was last suspended, revoked or superseded; empty while valid."""

    version: int = 1
    """Version of the document commitment: 1 at issue, + 1 per amendment."""

    field_hashes: dict[str, str] = dataclasses.field(default_factory=dict)
    """Per-field commitments of the current document, if the issuer published them (empty
    otherwise); they hash to ``doc_hash``."""

    version_height: int = 0
    """Height of the block that set the current document version."""

    supersedes: str = ""
    """The certificate this one was reissued in place of; empty if none."""

    superseded_by: str = ""
    """The certificate reissued in place of this one; empty if none."""

    updated_height: int = 0
    """Height of the block of its latest lifecycle step."""

    def encode(self) -> bytes:
        """The stored bytes, written out key by key (see :func:`_encode_written_out`)."""
        try:
            return _encode_written_out(self)
        except TypeError:
            return canonical_json(self.to_json())


@dataclass(frozen=True, slots=True)
class DocVersion(Record):
    """A document version that was replaced by an amendment (kept for older presentations)."""

    version: int
    doc_hash: str
    field_hashes: dict[str, str]
    from_height: int
    """Height from which it was the current version."""
    until_height: int
    """Height of the amendment that replaced it."""
    amend_reason: str
    """Why it was replaced."""


@dataclass(frozen=True, slots=True)
class Verification(Record):
    """A verifier's check of a certificate (验证记录), as the holder and auditors see it."""

    verification_id: str
    """Chosen by the verifier, unique on the chain."""

    cert_id: str
    cert_type: str
    holder: str
    verifier: str
    """Id of the verifying organisation."""

    result: str
    """One of :data:`VERIFICATION_RESULTS`."""

    purpose: str
    """Why it verified, as the verifier stated it (free text, no personal data)."""

    fields: list[str]
    """The fields it checked when the holder disclosed only some; empty for all."""

    cert_status: str
    """The certificate's status at the block time."""

    doc_version: int
    """The certificate's document version then."""

    height: int
    time_ms: int
    tx: str
    """Hash (lowercase hex) of the transaction that recorded it."""


# --- Keys and accessors -------------------------------------------------------------------

CERTIFICATES: Final = Table(
    Certificate,
    b"certificates/cert/",
    "certificate",
    related=("holder", "issuer", "supersedes", "superseded_by"),
)
VERIFICATIONS: Final = Table(
    Verification,
    b"certificates/verification/",
    "verification",
    related=("cert_id", "holder", "verifier"),
)
VERIFICATION_PURPOSE_CODES: Final = Texts(b"certificates/verification_purpose/")
"""A verification record's purpose code (``contracts.catalogue.purposes``), when given."""
CURRENT_IDENTIFIERS: Final = Texts(b"certificates/identifier_now/")
"""A certificate with a national identifier, renewed or amended: its identifier's current
version (by the id it was issued under; absent while that is still current)."""
IDENTIFIED_BY: Final = Texts(b"certificates/identifier_of/")
"""A later version's identifier -> the id of the certificate it names."""
BY_HOLDER: Final = Index(b"certificates/by_holder/")
VERSIONS: Final = Index(b"certificates/version/")
"""A certificate's replaced document versions, under its id."""
VERIFICATIONS_BY_CERT: Final = Index(b"certificates/verification_by_cert/")
VERIFICATIONS_BY_HOLDER: Final = Index(b"certificates/verification_by_holder/")

get_cert_key: Final = CERTIFICATES.key
"""State key of a certificate record (what agencies and the wallet ask the proofs of)."""

get_version_key: Final = VERSIONS.numbered_key
"""Key of one replaced document version: the certificate's id, then the version."""


def compute_certificate_status(cert: Certificate, now_ms: int) -> str:
    """The status at ``now_ms``: ``revoked``, ``superseded``, ``suspended``, ``expired``
    (valid, but its validity has passed) or ``valid``."""
    if cert.status != STATUS_VALID:
        return cert.status
    if cert.valid_until_ms != 0 and now_ms > cert.valid_until_ms:
        return STATUS_EXPIRED
    return STATUS_VALID


def get_status_json(cert: Certificate, now_ms: int) -> dict[str, Any]:
    """The record as a query returns it, with ``status`` computed at ``now_ms``."""
    record = cert.to_json()
    record["status"] = compute_certificate_status(cert, now_ms)
    return record


def _encode_written_out(cert: Certificate) -> bytes:
    s = canonical_json_str
    i = canonical_json_int
    field_hashes = cert.field_hashes
    field_hashes_json = (
        "{}"
        if type(field_hashes) is dict and not field_hashes
        else canonical_json_text(field_hashes)
    )
    # Keys in sorted order, as canonical_json sorts them (see test_certificate_encoding_*).
    text = (
        f'{{"cert_id":{s(cert.cert_id)},"cert_type":{s(cert.cert_type)},'
        f'"doc_hash":{s(cert.doc_hash)},"field_hashes":{field_hashes_json},'
        f'"holder":{s(cert.holder)},"issued_height":{i(cert.issued_height)},'
        f'"issued_tx":{s(cert.issued_tx)},"issuer":{s(cert.issuer)},"reason":{s(cert.reason)},'
        f'"status":{s(cert.status)},"status_height":{i(cert.status_height)},'
        f'"superseded_by":{s(cert.superseded_by)},"supersedes":{s(cert.supersedes)},'
        f'"updated_height":{i(cert.updated_height)},"valid_until_ms":{i(cert.valid_until_ms)},'
        f'"version":{i(cert.version)},"version_height":{i(cert.version_height)}}}'
    )
    return text.encode("utf-8")


def _check_written_out_encoding() -> None:
    """Stop at import if :func:`_encode_written_out` disagrees with the generic encoding of a
    record whose every field differs (e.g. a field was added to Certificate but not there)."""
    sample = Certificate(
        cert_id="cert-id",
        cert_type="type",
        issuer="issuer",
        holder="holder",
        doc_hash="doc-hash",
        valid_until_ms=1,
        status="status",
        issued_height=2,
        issued_tx="tx",
        status_height=3,
        reason='reason "quoted" 理由',
        version=4,
        field_hashes={"b": "2", "a": "1"},
        version_height=5,
        supersedes="supersedes",
        superseded_by="superseded-by",
        updated_height=6,
    )
    if _encode_written_out(sample) != Record.encode(sample):
        raise RuntimeError("certificates._encode_written_out does not match canonical_json")


_check_written_out_encoding()


def get_related(state: StateReader, subject: str) -> list[str]:
    """Ids the certificate or verification record named ``subject`` is about."""
    return CERTIFICATES.get_related(state, subject) + VERIFICATIONS.get_related(state, subject)
