"""System contract ``certificates``: the lifecycle of electronic certificates (电子证照).

The issuing agency builds a certificate's document off-chain from the fields its type lists
in the catalogue, salts it and commits to it (:mod:`contracts.commitments`); only the
document hash, optionally the per-field commitments (for selective disclosure), the holder's
pseudonymous id, the validity and the status go on-chain.

Lifecycle, each step an event, each made by the issuing organisation:

- ``issue``: a new certificate, status ``valid``;
- ``renew``: a later end of validity;
- ``amend``: a new document commitment (registration or permit items changed), version + 1;
  earlier versions stay queryable (``history``);
- ``suspend`` (with a reason) and ``reinstate``;
- ``revoke`` (with a reason): final;
- ``reissue``: a new certificate id replacing this one (lost, damaged, expired…); the old
  one becomes ``superseded`` and points to its successor.

Expiry is not a transaction: a valid certificate whose ``valid_until_ms`` has passed is
reported ``expired`` by queries and treated so by other contracts.

Issue, renew, amend, reinstate and reissue need the issuer to still hold the issuer role for
the type; suspend and revoke need only that it is the issuing member, so withdrawing an
agency's right to issue never leaves its certificates impossible to revoke.

A verifier's check of a certificate can be recorded (``record_verification``, 验证记录), so
the holder and auditors see who verified what and when.

State:

- ``certificates/cert/<cert id>`` -> the certificate record (:class:`Certificate`)
- ``certificates/by_holder/<holder id>/<cert id>`` -> the cert id as a JSON string (index)
- ``certificates/version/<cert id>/<version, 10 digits>`` -> a replaced document version
  (:class:`DocVersion`); the current one is in the record
- ``certificates/verification/<verification id>`` -> a verification record
- ``certificates/verification_by_cert/<cert id>/<verification id>`` -> id (index)
- ``certificates/verification_by_holder/<holder id>/<verification id>`` -> id (index)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

from contracts import arguments, limits
from contracts.arguments import invalid
from contracts.catalogue import CERTIFICATE_TYPES, CertificateType
from contracts.codec import (
    canonical_json,
    canonical_json_int,
    canonical_json_str,
    canonical_json_text,
    load_json,
)
from contracts.commitments import (
    compute_document_hash,
    compute_document_hash_from_commitments,
    compute_field_commitments,
    derive_field_salt,
    encode_field_hashes,
    is_complete_commitments,
    verify_disclosure,
)
from contracts.errors import (
    ALREADY_EXISTS,
    FAILED_PRECONDITION,
    NOT_FOUND,
    PERMISSION_DENIED,
    ContractError,
)
from contracts.interface import (
    ArgValue,
    AttrValue,
    CallContext,
    CallResult,
    QueryHandler,
    StateReader,
    TransactionHandler,
    make_event,
    make_result,
)
from contracts.membership import ROLE_ISSUER, ROLE_VERIFIER, Organisation, principal_of
from contracts.subjects import collect_subjects

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
    "compute_field_commitments",
    "derive_field_salt",
    "encode_field_hashes",
    "get_certificate",
    "process_issue",
    "process_revoke",
    "subjects_of",
    "verify_disclosure",
]

CONTRACT: Final = "certificates"

CERT_PREFIX: Final = b"certificates/cert/"
BY_HOLDER_PREFIX: Final = b"certificates/by_holder/"
VERSION_PREFIX: Final = b"certificates/version/"
VERIFICATION_PREFIX: Final = b"certificates/verification/"
VERIFICATION_BY_CERT_PREFIX: Final = b"certificates/verification_by_cert/"
VERIFICATION_BY_HOLDER_PREFIX: Final = b"certificates/verification_by_holder/"

STATUS_VALID: Final = "valid"
STATUS_SUSPENDED: Final = "suspended"
STATUS_REVOKED: Final = "revoked"
STATUS_SUPERSEDED: Final = "superseded"
STORED_STATUSES: Final = (STATUS_VALID, STATUS_SUSPENDED, STATUS_REVOKED, STATUS_SUPERSEDED)
STATUS_EXPIRED: Final = "expired"
"""Never stored: computed by queries when a valid certificate's validity has passed."""

VERIFICATION_RESULTS: Final = ("passed", "failed")
"""What a verifier may record: the certificate (and the disclosed fields) checked out, or not."""

VERSION_DIGITS: Final = 10


@dataclass(frozen=True, slots=True)
class Certificate:
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

    def to_json(self) -> dict[str, Any]:
        """The record as a JSON object."""
        return {name: getattr(self, name) for name in _CERTIFICATE_FIELDS}

    @staticmethod
    def from_json(record: Mapping[str, Any]) -> Certificate:
        """Rebuild a record from its JSON object (fields added later take their default)."""
        return Certificate(**{name: record[name] for name in _CERTIFICATE_FIELDS if name in record})


_CERTIFICATE_FIELDS: Final = tuple(field.name for field in dataclasses.fields(Certificate))


@dataclass(frozen=True, slots=True)
class DocVersion:
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

    def to_json(self) -> dict[str, Any]:
        """The record as a JSON object."""
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}


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


def get_version_prefix(cert_id: str) -> bytes:
    """Prefix of a certificate's replaced document versions."""
    return VERSION_PREFIX + cert_id.encode("ascii") + b"/"


def get_version_key(cert_id: str, version: int) -> bytes:
    """Key of one replaced document version."""
    return get_version_prefix(cert_id) + str(version).zfill(VERSION_DIGITS).encode("ascii")


def get_verification_key(verification_id: str) -> bytes:
    """State key of a verification record."""
    return VERIFICATION_PREFIX + verification_id.encode("ascii")


def get_certificate(state: StateReader, cert_id: str) -> Certificate | None:
    """The certificate with id ``cert_id``, or None."""
    value = state.get(get_cert_key(cert_id))
    return None if value is None else Certificate.from_json(load_json(value))


def get_verification(state: StateReader, verification_id: str) -> dict[str, Any] | None:
    """The verification record with this id, or None."""
    value = state.get(get_verification_key(verification_id))
    if value is None:
        return None
    record: dict[str, Any] = load_json(value)
    return record


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


def _encode(cert: Certificate) -> bytes:
    """The stored bytes of a record: ``canonical_json(cert.to_json())``.

    Every issue and every lifecycle step writes one, so the record is written out key by key
    in sorted order (the generic encoder's dict, sort and dispatch were most of an issue's
    encoding cost). A value of another type than its field declares (never made by this
    contract) takes the generic path, so the bytes are the canonical ones either way; unit
    tests compare the two over generated records.
    """
    try:
        return _encode_written_out(cert)
    except TypeError:
        return canonical_json(cert.to_json())


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
    if _encode_written_out(sample) != canonical_json(sample.to_json()):
        raise RuntimeError("certificates._encode_written_out does not match canonical_json")


_check_written_out_encoding()


def _get_existing_certificate(state: StateReader, cert_id: str) -> Certificate:
    cert = get_certificate(state, cert_id)
    if cert is None:
        raise ContractError(NOT_FOUND, f"no certificate {cert_id}")
    return cert


def _get_cert_type_arg(args: Mapping[str, ArgValue]) -> CertificateType:
    cert_type = arguments.get_str(args, "cert_type")
    entry = CERTIFICATE_TYPES.get(cert_type)
    if entry is None:
        raise invalid("cert_type is not in the certificate catalogue")
    return entry


def _get_new_cert_id(args: Mapping[str, ArgValue], name: str) -> str:
    cert_id = arguments.get_cert_id(args, name)
    arguments.reject_personal_identifier(name, cert_id)
    return cert_id


def _get_field_hashes(
    args: Mapping[str, ArgValue], cert_type: str, doc_hash: str
) -> dict[str, str]:
    """The optional ``field_hashes`` argument: JSON text of {field name: commitment} naming
    exactly the type's fields and hashing to ``doc_hash``; {} if absent."""
    if "field_hashes" not in args:
        return {}
    commitments = arguments.get_json(args, "field_hashes")
    if not is_complete_commitments(cert_type, commitments):
        raise invalid(
            f"field_hashes must map exactly the fields of {cert_type} to SHA-256 lowercase hex"
        )
    if compute_document_hash_from_commitments(cert_type, commitments) != doc_hash:
        raise invalid("field_hashes do not hash to doc_hash")
    return {name: commitments[name] for name in sorted(commitments)}


def _check_validity(entry: CertificateType, valid_until_ms: int, ctx: CallContext) -> None:
    """The type's validity rules: an end of validity if required, within its maximum."""
    if valid_until_ms == 0:
        if entry.validity_required:
            raise invalid(f"a {entry.id} certificate must have an end of validity")
        return
    if entry.validity_ms_max and not (
        ctx.time_ms < valid_until_ms <= ctx.time_ms + entry.validity_ms_max
    ):
        raise invalid(
            f"a {entry.id} certificate is valid for at most {entry.validity_ms_max} ms"
            " from the block time"
        )


def _check_may_issue(state: StateReader, ctx: CallContext, cert_type: str) -> Organisation:
    issuer = principal_of(state, ctx.sender_key)
    if issuer is None or not issuer.has_role(ROLE_ISSUER):
        raise ContractError(PERMISSION_DENIED, "only an issuing organisation may issue")
    if cert_type not in issuer.cert_types:
        raise ContractError(
            PERMISSION_DENIED, f"organisation {issuer.id} may not issue {cert_type} certificates"
        )
    return issuer


def _check_is_issuer(
    state: StateReader, ctx: CallContext, cert: Certificate, action: str, *, need_role: bool
) -> Organisation:
    """The sender is the organisation that issued ``cert`` (and, if ``need_role``, may still
    issue its type)."""
    sender = principal_of(state, ctx.sender_key)
    if sender is None or sender.id != cert.issuer:
        raise ContractError(
            PERMISSION_DENIED,
            f"only the issuer {cert.issuer} may {action} certificate {cert.cert_id}",
        )
    if need_role and not sender.may_issue(cert.cert_type):
        raise ContractError(
            PERMISSION_DENIED,
            f"organisation {sender.id} no longer issues {cert.cert_type} certificates",
        )
    return sender


def _check_status(cert: Certificate, allowed: tuple[str, ...], action: str) -> None:
    if cert.status in allowed:
        return
    if cert.status == STATUS_REVOKED and action == "revoke":
        raise ContractError(FAILED_PRECONDITION, f"certificate {cert.cert_id} is already revoked")
    raise ContractError(
        FAILED_PRECONDITION,
        f"certificate {cert.cert_id} is {cert.status}: {action} needs a"
        f" {' or '.join(allowed)} certificate",
    )


def _subjects(cert: Certificate) -> tuple[str, str, str]:
    return (cert.holder, cert.cert_id, cert.issuer)


def _attrs(cert: Certificate, **more: AttrValue) -> dict[str, AttrValue]:
    return {"cert_type": cert.cert_type, "issuer": cert.issuer, **more}


# --- Transactions --------------------------------------------------------------------------


def process_issue(state: StateReader, ctx: CallContext, args: Mapping[str, ArgValue]) -> CallResult:
    """``issue(cert_id, cert_type, holder, doc_hash, valid_until_ms, field_hashes?)`` by an
    issuer of that type."""
    # The arguments are well-formed and fit the type's rules.
    arguments.check_arg_names(
        args,
        required=("cert_id", "cert_type", "holder", "doc_hash", "valid_until_ms"),
        optional=("field_hashes",),
    )
    cert_id = _get_new_cert_id(args, "cert_id")
    entry = _get_cert_type_arg(args)
    holder = arguments.get_holder_id(args, "holder")
    doc_hash = arguments.get_doc_hash(args, "doc_hash")
    valid_until_ms = arguments.get_int(args, "valid_until_ms", minimum=0)
    field_hashes = _get_field_hashes(args, entry.id, doc_hash)

    # The sender is an organisation with the issuer role for this type.
    issuer = _check_may_issue(state, ctx, entry.id)

    # The certificate id is new.
    if state.get(get_cert_key(cert_id)) is not None:
        raise ContractError(ALREADY_EXISTS, f"certificate {cert_id} already exists")

    # The validity fits the type's rules.
    _check_validity(entry, valid_until_ms, ctx)

    # Effect: store the record and index it under its holder.
    cert = Certificate(
        cert_id=cert_id,
        cert_type=entry.id,
        issuer=issuer.id,
        holder=holder,
        doc_hash=doc_hash,
        valid_until_ms=valid_until_ms,
        status=STATUS_VALID,
        issued_height=ctx.height,
        issued_tx=ctx.tx_hash.hex(),
        status_height=ctx.height,
        reason="",
        field_hashes=field_hashes,
        version_height=ctx.height,
        updated_height=ctx.height,
    )
    event = make_event(
        "certificate.issued",
        _subjects(cert),
        _attrs(cert, doc_hash=doc_hash, valid_until_ms=valid_until_ms),
    )
    return make_result(
        {
            get_cert_key(cert_id): _encode(cert),
            get_by_holder_key(holder, cert_id): canonical_json(cert_id),
        },
        [event],
    )


def process_renew(state: StateReader, ctx: CallContext, args: Mapping[str, ArgValue]) -> CallResult:
    """``renew(cert_id, valid_until_ms)`` by the issuer: a later end of validity (延续)."""
    # The arguments are well-formed.
    arguments.check_arg_names(args, required=("cert_id", "valid_until_ms"))
    cert_id = arguments.get_cert_id(args, "cert_id")
    valid_until_ms = arguments.get_int(args, "valid_until_ms", minimum=0)

    # The certificate exists and the sender issued it and still issues its type.
    cert = _get_existing_certificate(state, cert_id)
    _check_is_issuer(state, ctx, cert, "renew", need_role=True)

    # It is valid (perhaps expired), and it has an end of validity to extend.
    _check_status(cert, (STATUS_VALID,), "renew")
    if cert.valid_until_ms == 0:
        raise ContractError(FAILED_PRECONDITION, f"certificate {cert_id} does not expire")

    # The new end of validity is later than the old one and the block time, within the rules.
    if valid_until_ms != 0 and valid_until_ms <= max(cert.valid_until_ms, ctx.time_ms):
        raise invalid("valid_until_ms must be later than the current end of validity and now")
    _check_validity(CERTIFICATE_TYPES[cert.cert_type], valid_until_ms, ctx)

    # Effect: extend it.
    renewed = dataclasses.replace(cert, valid_until_ms=valid_until_ms, updated_height=ctx.height)
    event = make_event(
        "certificate.renewed",
        _subjects(cert),
        _attrs(cert, old_valid_until_ms=cert.valid_until_ms, valid_until_ms=valid_until_ms),
    )
    return make_result({get_cert_key(cert_id): _encode(renewed)}, [event])


def process_amend(state: StateReader, ctx: CallContext, args: Mapping[str, ArgValue]) -> CallResult:
    """``amend(cert_id, doc_hash, reason, field_hashes?)`` by the issuer: a new document
    version (登记事项变更); the replaced version stays queryable."""
    # The arguments are well-formed.
    arguments.check_arg_names(
        args, required=("cert_id", "doc_hash", "reason"), optional=("field_hashes",)
    )
    cert_id = arguments.get_cert_id(args, "cert_id")
    doc_hash = arguments.get_doc_hash(args, "doc_hash")
    reason = arguments.get_free_text(args, "reason", length_max=limits.REASON_LENGTH_MAX)

    # The certificate exists and the sender issued it and still issues its type.
    cert = _get_existing_certificate(state, cert_id)
    _check_is_issuer(state, ctx, cert, "amend", need_role=True)
    field_hashes = _get_field_hashes(args, cert.cert_type, doc_hash)

    # It is valid or suspended, the document changes, and it has versions left.
    _check_status(cert, (STATUS_VALID, STATUS_SUSPENDED), "amend")
    if doc_hash == cert.doc_hash:
        raise invalid("doc_hash must differ from the current document's")
    if cert.version >= limits.VERSIONS_MAX:
        raise ContractError(
            FAILED_PRECONDITION, f"certificate {cert_id} has {limits.VERSIONS_MAX} versions"
        )

    # Effect: keep the old version, make the new one current.
    old = DocVersion(
        version=cert.version,
        doc_hash=cert.doc_hash,
        field_hashes=cert.field_hashes,
        from_height=cert.version_height,
        until_height=ctx.height,
        amend_reason=reason,
    )
    amended = dataclasses.replace(
        cert,
        doc_hash=doc_hash,
        field_hashes=field_hashes,
        version=cert.version + 1,
        version_height=ctx.height,
        updated_height=ctx.height,
    )
    event = make_event(
        "certificate.amended",
        _subjects(cert),
        _attrs(
            cert,
            doc_hash=doc_hash,
            old_doc_hash=cert.doc_hash,
            reason=reason,
            version=amended.version,
        ),
    )
    return make_result(
        {
            get_cert_key(cert_id): _encode(amended),
            get_version_key(cert_id, cert.version): canonical_json(old.to_json()),
        },
        [event],
    )


def process_suspend(
    state: StateReader, ctx: CallContext, args: Mapping[str, ArgValue]
) -> CallResult:
    """``suspend(cert_id, reason)`` by the issuer (暂扣, 中止): not valid until reinstated."""
    arguments.check_arg_names(args, required=("cert_id", "reason"))
    cert_id = arguments.get_cert_id(args, "cert_id")
    reason = arguments.get_free_text(args, "reason", length_max=limits.REASON_LENGTH_MAX)

    # The certificate exists, the sender issued it, and it is valid.
    cert = _get_existing_certificate(state, cert_id)
    _check_is_issuer(state, ctx, cert, "suspend", need_role=False)
    _check_status(cert, (STATUS_VALID,), "suspend")

    # Effect: suspend it.
    suspended = dataclasses.replace(
        cert,
        status=STATUS_SUSPENDED,
        status_height=ctx.height,
        reason=reason,
        updated_height=ctx.height,
    )
    event = make_event("certificate.suspended", _subjects(cert), _attrs(cert, reason=reason))
    return make_result({get_cert_key(cert_id): _encode(suspended)}, [event])


def process_reinstate(
    state: StateReader, ctx: CallContext, args: Mapping[str, ArgValue]
) -> CallResult:
    """``reinstate(cert_id, reason?)`` by the issuer: a suspended certificate is valid again."""
    arguments.check_arg_names(args, required=("cert_id",), optional=("reason",))
    cert_id = arguments.get_cert_id(args, "cert_id")
    reason = (
        arguments.get_free_text(args, "reason", length_max=limits.REASON_LENGTH_MAX)
        if "reason" in args
        else ""
    )

    # The certificate exists, the sender issued it and still issues its type, it is suspended.
    cert = _get_existing_certificate(state, cert_id)
    _check_is_issuer(state, ctx, cert, "reinstate", need_role=True)
    _check_status(cert, (STATUS_SUSPENDED,), "reinstate")

    # Effect: valid again.
    reinstated = dataclasses.replace(
        cert, status=STATUS_VALID, status_height=ctx.height, reason="", updated_height=ctx.height
    )
    event = make_event(
        "certificate.reinstated",
        _subjects(cert),
        _attrs(cert, reason=reason, suspension_reason=cert.reason),
    )
    return make_result({get_cert_key(cert_id): _encode(reinstated)}, [event])


def process_revoke(
    state: StateReader, ctx: CallContext, args: Mapping[str, ArgValue]
) -> CallResult:
    """``revoke(cert_id, reason)`` by the issuing organisation (注销, 吊销): final."""
    # The arguments are well-formed.
    arguments.check_arg_names(args, required=("cert_id", "reason"))
    cert_id = arguments.get_cert_id(args, "cert_id")
    reason = arguments.get_free_text(args, "reason", length_max=limits.REASON_LENGTH_MAX)

    # The certificate exists and the sender is the organisation that issued it.
    cert = _get_existing_certificate(state, cert_id)
    _check_is_issuer(state, ctx, cert, "revoke", need_role=False)

    # It is valid or suspended (not revoked or superseded already).
    _check_status(cert, (STATUS_VALID, STATUS_SUSPENDED), "revoke")

    # Effect: mark it revoked.
    revoked = dataclasses.replace(
        cert,
        status=STATUS_REVOKED,
        status_height=ctx.height,
        reason=reason,
        updated_height=ctx.height,
    )
    event = make_event("certificate.revoked", _subjects(cert), _attrs(cert, reason=reason))
    return make_result({get_cert_key(cert_id): _encode(revoked)}, [event])


def process_reissue(
    state: StateReader, ctx: CallContext, args: Mapping[str, ArgValue]
) -> CallResult:
    """``reissue(cert_id, new_cert_id, doc_hash, valid_until_ms, reason, field_hashes?)`` by
    the issuer (补发, 换发): a new certificate for the same holder and type supersedes this one."""
    # The arguments are well-formed.
    arguments.check_arg_names(
        args,
        required=("cert_id", "new_cert_id", "doc_hash", "valid_until_ms", "reason"),
        optional=("field_hashes",),
    )
    cert_id = arguments.get_cert_id(args, "cert_id")
    new_cert_id = _get_new_cert_id(args, "new_cert_id")
    doc_hash = arguments.get_doc_hash(args, "doc_hash")
    valid_until_ms = arguments.get_int(args, "valid_until_ms", minimum=0)
    reason = arguments.get_free_text(args, "reason", length_max=limits.REASON_LENGTH_MAX)

    # The old certificate exists; the sender issued it and still issues its type.
    old = _get_existing_certificate(state, cert_id)
    issuer = _check_is_issuer(state, ctx, old, "reissue", need_role=True)
    field_hashes = _get_field_hashes(args, old.cert_type, doc_hash)

    # It is valid (perhaps expired) or suspended; the new id is free; the validity fits.
    _check_status(old, (STATUS_VALID, STATUS_SUSPENDED), "reissue")
    if state.get(get_cert_key(new_cert_id)) is not None:
        raise ContractError(ALREADY_EXISTS, f"certificate {new_cert_id} already exists")
    _check_validity(CERTIFICATE_TYPES[old.cert_type], valid_until_ms, ctx)

    # Effect: the new certificate, and the old one superseded by it.
    new = Certificate(
        cert_id=new_cert_id,
        cert_type=old.cert_type,
        issuer=issuer.id,
        holder=old.holder,
        doc_hash=doc_hash,
        valid_until_ms=valid_until_ms,
        status=STATUS_VALID,
        issued_height=ctx.height,
        issued_tx=ctx.tx_hash.hex(),
        status_height=ctx.height,
        reason="",
        field_hashes=field_hashes,
        version_height=ctx.height,
        supersedes=cert_id,
        updated_height=ctx.height,
    )
    superseded = dataclasses.replace(
        old,
        status=STATUS_SUPERSEDED,
        status_height=ctx.height,
        reason=reason,
        superseded_by=new_cert_id,
        updated_height=ctx.height,
    )
    event = make_event(
        "certificate.reissued",
        (old.holder, new_cert_id, cert_id, issuer.id),
        _attrs(
            old,
            doc_hash=doc_hash,
            reason=reason,
            supersedes=cert_id,
            valid_until_ms=valid_until_ms,
        ),
    )
    return make_result(
        {
            get_cert_key(new_cert_id): _encode(new),
            get_cert_key(cert_id): _encode(superseded),
            get_by_holder_key(old.holder, new_cert_id): canonical_json(new_cert_id),
        },
        [event],
    )


def process_record_verification(
    state: StateReader, ctx: CallContext, args: Mapping[str, ArgValue]
) -> CallResult:
    """``record_verification(cert_id, verification_id, result, purpose, fields?)`` by a
    verifying organisation: a verification record (验证记录) the holder and auditors see.

    ``result`` is ``passed`` or ``failed``; ``fields`` (a JSON array) names the fields the
    verifier checked when the holder disclosed only some. The certificate's status at the
    block time is recorded beside the verifier's result.
    """
    # The arguments are well-formed.
    arguments.check_arg_names(
        args,
        required=("cert_id", "verification_id", "result", "purpose"),
        optional=("fields",),
    )
    cert_id = arguments.get_cert_id(args, "cert_id")
    verification_id = arguments.get_new_object_id(args, "verification_id")
    result = arguments.get_choice(args, "result", VERIFICATION_RESULTS)
    purpose = arguments.get_free_text(args, "purpose", length_max=limits.PURPOSE_LENGTH_MAX)

    # The sender is a verifying organisation.
    verifier = principal_of(state, ctx.sender_key)
    if verifier is None or not verifier.has_role(ROLE_VERIFIER):
        raise ContractError(
            PERMISSION_DENIED, "only a verifying organisation may record a verification"
        )

    # The certificate exists; the fields are among its type's; the id is new.
    cert = _get_existing_certificate(state, cert_id)
    fields: tuple[str, ...] = ()
    if "fields" in args:
        fields = arguments.get_name_list(
            args, "fields", allowed=CERTIFICATE_TYPES[cert.cert_type].fields, allow_empty=False
        )
    if state.get(get_verification_key(verification_id)) is not None:
        raise ContractError(ALREADY_EXISTS, f"verification {verification_id} already exists")

    # Effect: store the record and index it under the certificate and the holder.
    cert_status = compute_certificate_status(cert, ctx.time_ms)
    record = {
        "verification_id": verification_id,
        "cert_id": cert_id,
        "cert_type": cert.cert_type,
        "holder": cert.holder,
        "verifier": verifier.id,
        "result": result,
        "purpose": purpose,
        "fields": list(fields),
        "cert_status": cert_status,
        "doc_version": cert.version,
        "height": ctx.height,
        "time_ms": ctx.time_ms,
        "tx": ctx.tx_hash.hex(),
    }
    event = make_event(
        "certificate.verified",
        (cert.holder, cert_id, verifier.id, verification_id),
        {
            "cert_status": cert_status,
            "cert_type": cert.cert_type,
            "doc_version": cert.version,
            "fields": ",".join(fields),
            "purpose": purpose,
            "result": result,
            "verifier": verifier.id,
        },
    )
    vid = verification_id.encode("ascii")
    return make_result(
        {
            get_verification_key(verification_id): canonical_json(record),
            VERIFICATION_BY_CERT_PREFIX + cert_id.encode("ascii") + b"/" + vid: canonical_json(
                verification_id
            ),
            VERIFICATION_BY_HOLDER_PREFIX + cert.holder.encode("ascii") + b"/" + vid: (
                canonical_json(verification_id)
            ),
        },
        [event],
    )


# --- Queries -------------------------------------------------------------------------------


def query_status(state: StateReader, args: Mapping[str, ArgValue], now_ms: int) -> Any:
    """``status(cert_id)``: the record with its status at ``now_ms``; ``not_found`` if none."""
    arguments.check_arg_names(args, required=("cert_id",))
    cert_id = arguments.get_cert_id(args, "cert_id")
    return get_status_json(_get_existing_certificate(state, cert_id), now_ms)


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


def query_history(state: StateReader, args: Mapping[str, ArgValue], now_ms: int) -> Any:
    """``history(cert_id)``: every document version, oldest first, the current one last;
    with the certificates it supersedes / is superseded by."""
    arguments.check_arg_names(args, required=("cert_id",))
    cert_id = arguments.get_cert_id(args, "cert_id")
    cert = _get_existing_certificate(state, cert_id)
    versions = [
        load_json(value)
        for _, value in state.scan(get_version_prefix(cert_id), limits.VERSIONS_MAX)
    ]
    versions.append(
        {
            "version": cert.version,
            "doc_hash": cert.doc_hash,
            "field_hashes": cert.field_hashes,
            "from_height": cert.version_height,
            "until_height": 0,
            "amend_reason": "",
        }
    )
    return {
        "cert_id": cert_id,
        "status": compute_certificate_status(cert, now_ms),
        "supersedes": cert.supersedes,
        "superseded_by": cert.superseded_by,
        "versions": versions,
    }


def query_verifications(state: StateReader, args: Mapping[str, ArgValue], now_ms: int) -> Any:
    """``verifications(cert_id? | holder?, limit?)``: verification records of a certificate
    or of a holder (exactly one of the two), in verification id order."""
    arguments.check_arg_names(args, required=(), optional=("cert_id", "holder", "limit"))
    limit = arguments.get_list_limit(args)
    if ("cert_id" in args) == ("holder" in args):
        raise invalid("give exactly one of cert_id and holder")
    if "cert_id" in args:
        prefix = VERIFICATION_BY_CERT_PREFIX + arguments.get_cert_id(args, "cert_id").encode()
    else:
        prefix = VERIFICATION_BY_HOLDER_PREFIX + arguments.get_holder_id(args, "holder").encode()
    records = []
    for _, value in state.scan(prefix + b"/", limit):
        record = get_verification(state, load_json(value))
        if record is None:
            raise RuntimeError("verification index names a missing record")
        records.append(record)
    return records


def query_types(state: StateReader, args: Mapping[str, ArgValue], now_ms: int) -> Any:
    """``types()``: the certificate catalogue, with each type's fields and validity rules."""
    arguments.check_arg_names(args, required=())
    return [
        {
            "id": cert_type.id,
            "name_zh": cert_type.name_zh,
            "name_en": cert_type.name_en,
            "holder_kinds": list(cert_type.holder_kinds),
            "fields": list(cert_type.fields),
            "field_lengths_max": {f: cert_type.get_field_length_max(f) for f in cert_type.fields},
            "validity_required": cert_type.validity_required,
            "validity_ms_max": cert_type.validity_ms_max,
        }
        for cert_type in CERTIFICATE_TYPES.values()
    ]


TRANSACTIONS: Final[Mapping[str, TransactionHandler]] = MappingProxyType(
    {
        "issue": process_issue,
        "renew": process_renew,
        "amend": process_amend,
        "suspend": process_suspend,
        "reinstate": process_reinstate,
        "revoke": process_revoke,
        "reissue": process_reissue,
        "record_verification": process_record_verification,
    }
)
QUERIES: Final[Mapping[str, QueryHandler]] = MappingProxyType(
    {
        "status": query_status,
        "list_by_holder": query_list_by_holder,
        "history": query_history,
        "verifications": query_verifications,
        "types": query_types,
    }
)


def subjects_of(method: str, args: Mapping[str, ArgValue]) -> tuple[str, ...]:
    """Ids a certificates call is about, judged from its arguments alone."""
    return tuple(collect_subjects(args))
