"""The ``certificates`` contract's transactions: each lifecycle step, made by the issuer, and
verification records made by verifiers (see :mod:`contracts.certificates`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from contracts.catalogue import CertificateType, get_fields_admission_problem, lookup
from contracts.certificates import national
from contracts.certificates.commitments import (
    compute_document_hash_from_commitments,
    is_complete_commitments,
)
from contracts.certificates.events import CertificateEvent
from contracts.certificates.records import (
    BY_HOLDER,
    CERTIFICATES,
    STATUS_REVOKED,
    STATUS_SUPERSEDED,
    STATUS_SUSPENDED,
    STATUS_VALID,
    VERIFICATION_PURPOSE_CODES,
    VERIFICATION_RESULTS,
    VERIFICATIONS,
    VERIFICATIONS_BY_CERT,
    VERIFICATIONS_BY_HOLDER,
    Certificate,
    DocVersion,
    Verification,
    compute_certificate_status,
    get_version_key,
)
from contracts.framework import arguments, formats, limits
from contracts.framework.arguments import Args, invalid
from contracts.framework.checks import check_new
from contracts.framework.errors import (
    ContractError,
    failed_precondition,
    permission_denied,
)
from contracts.framework.interface import (
    AttrValue,
    CallContext,
    CallResult,
    StateReader,
    make_event,
    make_result,
)
from contracts.framework.signature import (
    Arg,
    DeclaredTransaction,
    Signature,
    Values,
    choice,
    free_text,
    integer,
    json_kind,
    text,
    transaction,
)
from contracts.membership.organisations import (
    ROLE_ISSUER,
    ROLE_VERIFIER,
    Organisation,
    get_member_with_role,
    principal_of,
)


def _read_json(args: Args, name: str) -> Any:
    return arguments.get_json(args, name)


CERT_ID = text("cert_id", arguments.CERT_ID)
NEW_CERT_ID = text("cert_id", arguments.CERT_ID.creating())
CERT_TYPE = text("cert_type", arguments.CATALOGUE_ID)
"""Looked up in the chain's catalogue by the handler (:mod:`contracts.catalogue.lookup`)."""
HOLDER = text("holder", arguments.HOLDER_ID)
DOC_HASH = text("doc_hash", arguments.DOC_HASH)
VALID_UNTIL_MS = integer("valid_until_ms", 0)
REASON = free_text("reason", limits.REASON_LENGTH_MAX)
NEW_CERT_ID_REPLACING = text("new_cert_id", arguments.CERT_ID.creating())


def _get_field_hashes_admission_problem(text: str) -> str | None:
    """Admission's check of ``field_hashes`` before the type is known: catalogue field
    names to SHA-256 lowercase hex, so no free text hides in it."""
    try:
        value = arguments.parse_json_text(text, "field_hashes")
    except ContractError:
        return None  # the reader reports malformed JSON first
    if isinstance(value, dict) and all(
        formats.is_catalogue_id(name)
        and isinstance(commitment, str)
        and formats.is_doc_hash(commitment)
        for name, commitment in value.items()
    ):
        return None
    return "must map field names of the certificate catalogue to SHA-256 lowercase hex"


FIELD_HASHES = Arg(
    "field_hashes",
    _read_json,
    json_kind(
        "JSON object: each field of the certificate type to its SHA-256 commitment",
        _get_field_hashes_admission_problem,
    ),
    optional=True,
    deferred=True,
)
"""Read once the certificate's type and document hash are known (see :func:`_get_field_hashes`)."""


def _get_field_hashes(
    args: Values, entry: CertificateType, doc_hash: str, ctx: CallContext
) -> dict[str, str]:
    """The optional ``field_hashes`` argument: JSON text of {field name: commitment} naming
    exactly the type's fields and hashing to ``doc_hash``; {} if absent."""
    if FIELD_HASHES not in args:
        return {}
    commitments = args[FIELD_HASHES]
    if not is_complete_commitments(entry, commitments):
        raise invalid(
            f"field_hashes must map exactly the fields of {entry.id} to digests in lowercase hex"
        )
    if compute_document_hash_from_commitments(entry.id, commitments, suite=ctx.suite) != doc_hash:
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
    issuer = get_member_with_role(state, ctx, ROLE_ISSUER, "issue")
    if cert_type not in issuer.cert_types:
        raise permission_denied(f"organisation {issuer.id} may not issue {cert_type} certificates")
    return issuer


def _check_is_issuer(
    state: StateReader, ctx: CallContext, cert: Certificate, action: str, *, need_role: bool
) -> Organisation:
    """The sender is the organisation that issued ``cert`` (and, if ``need_role``, may still
    issue its type)."""
    sender = principal_of(state, ctx.sender_key)
    if sender is None or sender.id != cert.issuer:
        raise permission_denied(
            f"only the issuer {cert.issuer} may {action} certificate {cert.cert_id}"
        )
    if need_role and not sender.may_issue(cert.cert_type):
        raise permission_denied(
            f"organisation {sender.id} no longer issues {cert.cert_type} certificates"
        )
    return sender


def _check_status(cert: Certificate, allowed: tuple[str, ...], action: str) -> None:
    if cert.status in allowed:
        return
    if cert.status == STATUS_REVOKED and action == "revoke":
        raise failed_precondition(f"certificate {cert.cert_id} is already revoked")
    raise failed_precondition(
        f"certificate {cert.cert_id} is {cert.status}: {action} needs a"
        f" {' or '.join(allowed)} certificate"
    )


def _get_issued_step(
    state: StateReader, ctx: CallContext, cert_id: str, action: str, allowed: tuple[str, ...]
) -> tuple[Certificate, Organisation]:
    """The checks every step after issue starts with: the certificate exists, the sender is
    its issuer (still issuing its type unless the step only ends validity), its status."""
    cert = CERTIFICATES.get_existing(state, cert_id)
    need_role = action not in ("suspend", "revoke")
    issuer = _check_is_issuer(state, ctx, cert, action, need_role=need_role)
    _check_status(cert, allowed, action)
    return cert, issuer


def _subjects(cert: Certificate) -> tuple[str, str, str]:
    return (cert.holder, cert.cert_id, cert.issuer)


def _attrs(cert: Certificate, **more: AttrValue) -> dict[str, AttrValue]:
    return {"cert_type": cert.cert_type, "issuer": cert.issuer, **more}


def _set_status(cert: Certificate, ctx: CallContext, status: str, reason: str) -> Certificate:
    return dataclasses.replace(
        cert, status=status, status_height=ctx.height, reason=reason, updated_height=ctx.height
    )


def _issue(
    ctx: CallContext,
    cert_id: str,
    cert_type: str,
    issuer: str,
    holder: str,
    doc_hash: str,
    valid_until_ms: int,
    field_hashes: dict[str, str],
    supersedes: str = "",
) -> Certificate:
    return Certificate(
        cert_id=cert_id,
        cert_type=cert_type,
        issuer=issuer,
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
        supersedes=supersedes,
        updated_height=ctx.height,
    )


# --- Transactions --------------------------------------------------------------------------


@transaction(Signature(NEW_CERT_ID, CERT_TYPE, HOLDER, DOC_HASH, VALID_UNTIL_MS, FIELD_HASHES))
def process_issue(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``issue(cert_id, cert_type, holder, doc_hash, valid_until_ms, field_hashes?)`` by an
    issuer of that type."""
    # The type is in the catalogue, in force; the arguments fit its rules.
    entry = lookup.get_type_for_issue(state, args[CERT_TYPE], ctx.height)
    cert_id, doc_hash, valid_until_ms = args[NEW_CERT_ID], args[DOC_HASH], args[VALID_UNTIL_MS]
    field_hashes = _get_field_hashes(args, entry, doc_hash, ctx)

    # The sender is an organisation with the issuer role for this type.
    issuer = _check_may_issue(state, ctx, entry.id)

    # The certificate id is new; a national identifier names this type and this issuer.
    check_new(state, CERTIFICATES, cert_id)
    national.check_new_identifier(state, cert_id, entry, issuer)

    # The validity fits the type's rules.
    _check_validity(entry, valid_until_ms, ctx)

    # Effect: store the record and index it under its holder.
    cert = _issue(
        ctx, cert_id, entry.id, issuer.id, args[HOLDER], doc_hash, valid_until_ms, field_hashes
    )
    event = make_event(
        CertificateEvent.ISSUED,
        _subjects(cert),
        _attrs(cert, doc_hash=doc_hash, valid_until_ms=valid_until_ms),
    )
    return make_result(
        {
            CERTIFICATES.key(cert_id): cert.encode(),
            **BY_HOLDER.write(cert.holder, cert_id),
        },
        [event],
    )


@transaction(Signature(CERT_ID, VALID_UNTIL_MS))
def process_renew(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``renew(cert_id, valid_until_ms)`` by the issuer: a later end of validity (延续)."""
    cert_id, valid_until_ms = args[CERT_ID], args[VALID_UNTIL_MS]

    # The sender issued it and still issues its type; it is valid (perhaps expired).
    cert, _ = _get_issued_step(state, ctx, cert_id, "renew", (STATUS_VALID,))

    # It has an end of validity to extend.
    if cert.valid_until_ms == 0:
        raise failed_precondition(f"certificate {cert_id} does not expire")

    # The new end of validity is later than the old one and the block time, within the rules.
    if valid_until_ms != 0 and valid_until_ms <= max(cert.valid_until_ms, ctx.time_ms):
        raise invalid("valid_until_ms must be later than the current end of validity and now")
    _check_validity(lookup.get_type_at(state, cert.cert_type, ctx.height), valid_until_ms, ctx)

    # A national identifier moves to its next version.
    identifier, identifier_writes = national.get_next_version_writes(state, cert_id)

    # Effect: extend it.
    renewed = dataclasses.replace(cert, valid_until_ms=valid_until_ms, updated_height=ctx.height)
    event = make_event(
        CertificateEvent.RENEWED,
        _subjects(cert),
        _attrs(
            cert,
            old_valid_until_ms=cert.valid_until_ms,
            valid_until_ms=valid_until_ms,
            **({"identifier": identifier} if identifier else {}),
        ),
    )
    return make_result({CERTIFICATES.key(cert_id): renewed.encode(), **identifier_writes}, [event])


@transaction(Signature(CERT_ID, DOC_HASH, REASON, FIELD_HASHES))
def process_amend(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``amend(cert_id, doc_hash, reason, field_hashes?)`` by the issuer: a new document
    version (登记事项变更); the replaced version stays queryable."""
    cert_id, doc_hash, reason = args[CERT_ID], args[DOC_HASH], args[REASON]

    # The certificate exists and the sender issued it and still issues its type.
    cert = CERTIFICATES.get_existing(state, cert_id)
    _check_is_issuer(state, ctx, cert, "amend", need_role=True)
    entry = lookup.get_type_at(state, cert.cert_type, ctx.height)
    field_hashes = _get_field_hashes(args, entry, doc_hash, ctx)

    # It is valid or suspended, the document changes, and it has versions left.
    _check_status(cert, (STATUS_VALID, STATUS_SUSPENDED), "amend")
    if doc_hash == cert.doc_hash:
        raise invalid("doc_hash must differ from the current document's")
    if cert.version >= limits.VERSIONS_MAX:
        raise failed_precondition(f"certificate {cert_id} has {limits.VERSIONS_MAX} versions")

    # A national identifier moves to its next version.
    identifier, identifier_writes = national.get_next_version_writes(state, cert_id)

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
        CertificateEvent.AMENDED,
        _subjects(cert),
        _attrs(
            cert,
            doc_hash=doc_hash,
            old_doc_hash=cert.doc_hash,
            reason=reason,
            version=amended.version,
            **({"identifier": identifier} if identifier else {}),
        ),
    )
    return make_result(
        {
            CERTIFICATES.key(cert_id): amended.encode(),
            get_version_key(cert_id, cert.version): old.encode(),
            **identifier_writes,
        },
        [event],
    )


@transaction(Signature(CERT_ID, REASON))
def process_suspend(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``suspend(cert_id, reason)`` by the issuer (暂扣, 中止): not valid until reinstated."""
    cert_id, reason = args[CERT_ID], args[REASON]

    # The certificate exists, the sender issued it, and it is valid.
    cert, _ = _get_issued_step(state, ctx, cert_id, "suspend", (STATUS_VALID,))

    # Effect: suspend it.
    suspended = _set_status(cert, ctx, STATUS_SUSPENDED, reason)
    event = make_event(CertificateEvent.SUSPENDED, _subjects(cert), _attrs(cert, reason=reason))
    return make_result({CERTIFICATES.key(cert_id): suspended.encode()}, [event])


@transaction(Signature(CERT_ID, REASON.maybe()))
def process_reinstate(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``reinstate(cert_id, reason?)`` by the issuer: a suspended certificate is valid again."""
    cert_id, reason = args[CERT_ID], args.get(REASON, "")

    # The certificate exists, the sender issued it and still issues its type, it is suspended.
    cert, _ = _get_issued_step(state, ctx, cert_id, "reinstate", (STATUS_SUSPENDED,))

    # Effect: valid again.
    reinstated = _set_status(cert, ctx, STATUS_VALID, "")
    event = make_event(
        CertificateEvent.REINSTATED,
        _subjects(cert),
        _attrs(cert, reason=reason, suspension_reason=cert.reason),
    )
    return make_result({CERTIFICATES.key(cert_id): reinstated.encode()}, [event])


@transaction(Signature(CERT_ID, REASON))
def process_revoke(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``revoke(cert_id, reason)`` by the issuing organisation (注销, 吊销): final."""
    cert_id, reason = args[CERT_ID], args[REASON]

    # The certificate exists, the sender issued it, and it is valid or suspended.
    cert, _ = _get_issued_step(state, ctx, cert_id, "revoke", (STATUS_VALID, STATUS_SUSPENDED))

    # Effect: mark it revoked.
    revoked = _set_status(cert, ctx, STATUS_REVOKED, reason)
    event = make_event(CertificateEvent.REVOKED, _subjects(cert), _attrs(cert, reason=reason))
    return make_result({CERTIFICATES.key(cert_id): revoked.encode()}, [event])


@transaction(
    Signature(
        CERT_ID,
        NEW_CERT_ID_REPLACING,
        DOC_HASH,
        VALID_UNTIL_MS,
        REASON,
        FIELD_HASHES,
    )
)
def process_reissue(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``reissue(cert_id, new_cert_id, doc_hash, valid_until_ms, reason, field_hashes?)`` by
    the issuer (补发, 换发): a new certificate for the same holder and type supersedes this one."""
    cert_id, new_cert_id = args[CERT_ID], args[NEW_CERT_ID_REPLACING]
    doc_hash, valid_until_ms, reason = args[DOC_HASH], args[VALID_UNTIL_MS], args[REASON]

    # The old certificate exists; the sender issued it and still issues its type.
    old = CERTIFICATES.get_existing(state, cert_id)
    issuer = _check_is_issuer(state, ctx, old, "reissue", need_role=True)
    # Its type is still in force (a retired type issues nothing new).
    entry = lookup.get_type_for_issue(state, old.cert_type, ctx.height)
    field_hashes = _get_field_hashes(args, entry, doc_hash, ctx)

    # It is valid (perhaps expired) or suspended; the new id is free (a national identifier's
    # next version); the validity fits.
    _check_status(old, (STATUS_VALID, STATUS_SUSPENDED), "reissue")
    check_new(state, CERTIFICATES, new_cert_id)
    national.check_reissued_identifier(state, cert_id, new_cert_id, entry, issuer)
    _check_validity(entry, valid_until_ms, ctx)

    # Effect: the new certificate, and the old one superseded by it.
    new = _issue(
        ctx,
        new_cert_id,
        old.cert_type,
        issuer.id,
        old.holder,
        doc_hash,
        valid_until_ms,
        field_hashes,
        supersedes=cert_id,
    )
    superseded = dataclasses.replace(
        _set_status(old, ctx, STATUS_SUPERSEDED, reason), superseded_by=new_cert_id
    )
    event = make_event(
        CertificateEvent.REISSUED,
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
            CERTIFICATES.key(new_cert_id): new.encode(),
            CERTIFICATES.key(cert_id): superseded.encode(),
            **BY_HOLDER.write(old.holder, new_cert_id),
        },
        [event],
    )


FIELDS = Arg(
    "fields",
    _read_json,
    json_kind(
        "JSON array of field names of the certificate's type",
        get_fields_admission_problem,
    ),
    optional=True,
    deferred=True,
)
"""Read once the certificate (and so the allowed field names) is known."""
VERIFICATION_ID = text("verification_id", arguments.NEW_OBJECT_ID)
RESULT = choice("result", VERIFICATION_RESULTS)
PURPOSE = free_text("purpose", limits.PURPOSE_LENGTH_MAX)
PURPOSE_CODE = text("purpose_code", arguments.PURPOSE_CODE).required_by_node()
"""申请事由: optional to the contract (earlier blocks replay as they were), required of new
calls by the node."""


@transaction(
    Signature(
        CERT_ID,
        VERIFICATION_ID,
        RESULT,
        PURPOSE,
        PURPOSE_CODE,
        FIELDS,
    )
)
def process_record_verification(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``record_verification(cert_id, verification_id, result, purpose, purpose_code,
    fields?)`` by a verifying organisation: a verification record (验证记录) the holder and
    auditors see.

    ``result`` is ``passed`` or ``failed``; ``fields`` (a JSON array) names the fields the
    verifier checked when the holder disclosed only some. The certificate's status at the
    block time is recorded beside the verifier's result.
    """
    cert_id, verification_id = args[CERT_ID], args[VERIFICATION_ID]
    purpose_code = args.get(PURPOSE_CODE, None)

    # The sender is a verifying organisation.
    verifier = get_member_with_role(state, ctx, ROLE_VERIFIER, "record a verification")

    # The purpose code, if given, is one of the catalogue's in force.
    if purpose_code is not None:
        lookup.check_purpose_code(state, purpose_code, ctx.height)

    # The certificate exists; the fields are among its type's; the id is new.
    cert = CERTIFICATES.get_existing(state, cert_id)
    fields: tuple[str, ...] = ()
    if FIELDS in args:
        fields = arguments.check_name_list(
            args[FIELDS],
            "fields",
            allowed=lookup.get_certificate_type(state, cert.cert_type).fields,
            allow_empty=False,
        )
    check_new(state, VERIFICATIONS, verification_id)

    # Effect: store the record and index it under the certificate and the holder.
    record = Verification(
        verification_id=verification_id,
        cert_id=cert_id,
        cert_type=cert.cert_type,
        holder=cert.holder,
        verifier=verifier.id,
        result=args[RESULT],
        purpose=args[PURPOSE],
        fields=list(fields),
        cert_status=compute_certificate_status(cert, ctx.time_ms),
        doc_version=cert.version,
        height=ctx.height,
        time_ms=ctx.time_ms,
        tx=ctx.tx_hash.hex(),
    )
    event = make_event(
        CertificateEvent.VERIFIED,
        (cert.holder, cert_id, verifier.id, verification_id),
        {
            "cert_status": record.cert_status,
            "cert_type": cert.cert_type,
            "doc_version": cert.version,
            "fields": ",".join(fields),
            "purpose": record.purpose,
            **({} if purpose_code is None else {"purpose_code": purpose_code}),
            "result": record.result,
            "verifier": verifier.id,
        },
    )
    return make_result(
        {
            **(
                {}
                if purpose_code is None
                else VERIFICATION_PURPOSE_CODES.write(verification_id, purpose_code)
            ),
            VERIFICATIONS.key(verification_id): record.encode(),
            **VERIFICATIONS_BY_CERT.write(cert_id, verification_id),
            **VERIFICATIONS_BY_HOLDER.write(cert.holder, verification_id),
        },
        [event],
    )


TRANSACTIONS: Final[Mapping[str, DeclaredTransaction]] = MappingProxyType(
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
