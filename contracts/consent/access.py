"""An agency's access under a consent grant: one use, naming what it reads (使用知情)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Final

from contracts.archives.records import RECORDS
from contracts.catalogue import get_fields_admission_problem, lookup
from contracts.certificates.records import CERTIFICATES, compute_certificate_status
from contracts.consent import scope
from contracts.consent.events import ConsentEvent
from contracts.consent.records import PURPOSE_CODES, REQUESTS, STATUS_GRANTED, ConsentRequest
from contracts.consent.transactions import CERT_ID, REQUEST_ID
from contracts.framework import arguments
from contracts.framework.errors import permission_denied
from contracts.framework.interface import (
    AttrValue,
    CallContext,
    CallResult,
    StateReader,
    make_event,
    make_result,
)
from contracts.framework.signature import Arg, Signature, Values, json_kind, text, transaction
from contracts.membership.organisations import principal_of

TARGET_CERTIFICATE: Final = "certificate"
TARGET_RECORD: Final = "record"
ALL_FIELDS: Final = "*"
"""The ``fields`` attribute of an access that read a whole document."""


FIELDS = Arg(
    "fields",
    scope.get_fields,
    json_kind("JSON array of the field names read", get_fields_admission_problem),
)
RECORD_ID = text("record_id", arguments.OBJECT_ID)


@dataclass(frozen=True, slots=True)
class _Target:
    """What an access reads."""

    kind: str
    target_id: str
    fields: tuple[str, ...] | None
    """Fields of a certificate read; None for a whole document (or a record)."""


def _get_target(args: Values, request: ConsentRequest) -> _Target:
    """The access's ``cert_id`` / ``record_id`` / ``fields``; without them, the granted
    scope's only certificate (the original one-certificate form)."""
    if CERT_ID in args and RECORD_ID in args:
        raise arguments.invalid("an access reads a certificate or a record, not both")
    fields: tuple[str, ...] | None = None
    if FIELDS in args:
        if RECORD_ID in args:
            raise arguments.invalid("fields are read from certificates, not records")
        fields = args[FIELDS]
    if RECORD_ID in args:
        return _Target(TARGET_RECORD, args[RECORD_ID], None)
    if CERT_ID in args:
        return _Target(TARGET_CERTIFICATE, args[CERT_ID], fields)
    granted = request.granted_scope
    if len(granted) == 1 and scope.CERT_ID in granted[0]:
        item = granted[0]
        if fields is None and scope.FIELDS in item:
            fields = tuple(item[scope.FIELDS])
        return _Target(TARGET_CERTIFICATE, item[scope.CERT_ID], fields)
    raise arguments.invalid(
        "name what the access reads: cert_id (and fields) or record_id, within the grant"
    )


@transaction(Signature(REQUEST_ID, *(arg.maybe().later() for arg in (CERT_ID, FIELDS, RECORD_ID))))
def process_access(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``access(request_id, cert_id?, fields?, record_id?)`` by the requesting agency: one use
    of an in-force grant, reading what it names (a certificate, some of its fields, or an
    archive record), which must lie within the granted scope."""
    # The arguments are well-formed.
    request_id = args[REQUEST_ID]

    # The request exists and the sender is the agency that made it.
    request = REQUESTS.get_existing(state, request_id)
    agency = principal_of(state, ctx.sender_key)
    if agency is None or agency.id != request.agency:
        raise permission_denied(
            f"only the requesting agency {request.agency} may access under {request_id}"
        )

    # The grant is in force: granted, not expired, uses left.
    if request.status != STATUS_GRANTED:
        raise permission_denied(
            f"no grant in force: consent request {request_id} is {request.status}"
        )
    if ctx.time_ms > request.expires_at_ms:
        raise permission_denied(f"grant expired: consent request {request_id}")
    if request.uses_left <= 0:
        raise permission_denied(f"no uses left: consent request {request_id}")

    # What it reads exists, is the holder's, and lies within the granted scope.
    target = _get_target(args, request)
    attrs: dict[str, AttrValue]
    if target.kind == TARGET_CERTIFICATE:
        cert = CERTIFICATES.get_existing(state, target.target_id)
        if target.fields is not None and not set(target.fields) <= set(
            lookup.get_certificate_type(state, cert.cert_type).fields
        ):
            raise arguments.invalid("fields must be field names of the certificate's type")
        if cert.holder != request.holder or not scope.covers_certificate(
            request.granted_scope, cert.cert_id, cert.cert_type, target.fields
        ):
            raise permission_denied(
                f"not in scope: consent request {request_id} does not grant"
                f" {'those fields of ' if target.fields else ''}certificate {cert.cert_id}"
            )
        attrs = {
            "cert_status": compute_certificate_status(cert, ctx.time_ms),
            "cert_type": cert.cert_type,
            "doc_version": cert.version,
            "fields": ALL_FIELDS if target.fields is None else ",".join(target.fields),
        }
    else:
        record = RECORDS.get_existing(state, target.target_id)
        if record.subject != request.holder or not scope.covers_record(
            request.granted_scope, record.category
        ):
            raise permission_denied(
                f"not in scope: consent request {request_id} does not grant"
                f" archive record {record.record_id}"
            )
        attrs = {
            "category": record.category,
            "cert_type": request.cert_type,
            "content_hash": record.content_hash,
            "record_version": record.version,
            "source": record.source,
        }

    # Effect: use it once, naming what was read.
    used = dataclasses.replace(
        request, uses_left=request.uses_left - 1, last_access_height=ctx.height
    )
    purpose_code = PURPOSE_CODES.get(state, request_id)
    event = make_event(
        ConsentEvent.ACCESSED,
        (request.holder, target.target_id, request.agency, request_id),
        {
            **attrs,
            "agency": request.agency,
            "purpose": request.purpose,
            **({} if purpose_code is None else {"purpose_code": purpose_code}),
            "target": target.kind,
            "uses_left": used.uses_left,
        },
    )
    return make_result({REQUESTS.key(request_id): used.encode()}, [event])
