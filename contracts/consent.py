"""System contract ``consent``: an agency asks, the holder decides, every use is recorded.

A verifying agency requests access to a holder's data for a stated purpose, a number of uses
and until an expiry time. What it asks for is a scope (:mod:`contracts.scope`): whole
certificates, single fields of certificates, certificates of a type, or archive record
categories; the original form, ``cert_id``, is a scope of one whole certificate. The holder
(signing with the wallet key their holder id derives from), or a delegate in force for
``consent`` (a guardian, an enterprise's legal representative or authorised agent), grants
it — all of it, or narrowed to part of the scope, fewer uses or an earlier expiry —
refuses it, later narrows the grant further or revokes it.

The agency may read data only while the grant is in force (granted, not expired, uses left),
within the granted scope, and each read is an ``access`` transaction naming what it reads
(a certificate, some of its fields, or an archive record): the holder sees every use
(使用知情). An access outside these rules is rejected with ``permission_denied``; the node
records rejected attempts for auditors.

Request lifecycle: ``pending`` -> ``granted`` | ``refused``; ``granted`` -> ``revoked``.

Versions: v1; v2 also refuses requests valid for more than ``CONSENT_VALIDITY_MS_MAX_V2``
(minimal sufficiency) and is active only after governance approves it.

State:

- ``consent/request/<request id>`` -> the request record (:class:`ConsentRequest`)
- ``consent/by_holder/<holder id>/<request id>`` -> the request id as a JSON string (index)
- ``consent/by_agency/<org id>/<request id>`` -> the request id as a JSON string (index)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

from contracts import arguments, formats, limits, scope
from contracts.archives import get_record
from contracts.authority import Actor, resolve_actor
from contracts.catalogue import CERTIFICATE_TYPES
from contracts.certificates import Certificate, compute_certificate_status, get_certificate
from contracts.codec import canonical_json, load_json
from contracts.delegation import ACTION_CONSENT
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
from contracts.membership import ROLE_VERIFIER, principal_of
from contracts.subjects import collect_subjects

CONTRACT: Final = "consent"

REQUEST_PREFIX: Final = b"consent/request/"
BY_HOLDER_PREFIX: Final = b"consent/by_holder/"
BY_AGENCY_PREFIX: Final = b"consent/by_agency/"

STATUS_PENDING: Final = "pending"
STATUS_GRANTED: Final = "granted"
STATUS_REFUSED: Final = "refused"
STATUS_REVOKED: Final = "revoked"
STATUSES: Final = (STATUS_PENDING, STATUS_GRANTED, STATUS_REFUSED, STATUS_REVOKED)

TARGET_CERTIFICATE: Final = "certificate"
TARGET_RECORD: Final = "record"
ALL_FIELDS: Final = "*"
"""The ``fields`` attribute of an access that read a whole document."""


@dataclass(frozen=True, slots=True)
class ConsentRequest:
    """The on-chain record of one consent request and the holder's decision on it."""

    request_id: str
    """Chosen by the agency, ``[A-Za-z0-9._:-]{8,64}``, unique on the chain."""

    agency: str
    """Id of the requesting (verifying) organisation."""

    holder: str
    """Holder id of the person or enterprise asked."""

    cert_id: str
    """The certificate asked for, when the scope is one certificate; empty otherwise."""

    cert_type: str
    """The type asked for, when the scope names one certificate or one type; empty otherwise."""

    purpose: str
    """Why the agency wants the data, as the agency stated it (free text, no personal data)."""

    max_uses: int
    """Uses the agency asked for."""

    granted_uses: int
    """Uses granted (at most ``max_uses``, fewer if narrowed); 0 until granted."""

    uses_left: int
    """Accesses still allowed; 0 unless granted."""

    expires_at_ms: int
    """After this time (ms since the epoch) the request can no longer be granted or used
    (the granted expiry, if the holder chose an earlier one)."""

    status: str
    """One of :data:`STATUSES`."""

    requested_height: int
    """Height of the block that carried the request."""

    decided_height: int
    """Height of the holder's latest decision (grant, narrowing, refusal, revocation)."""

    scope: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    """What the agency asked for (normalised scope items)."""

    granted_scope: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    """What was granted (within ``scope``); empty until granted."""

    requested_expires_at_ms: int = 0
    """The expiry the agency asked for."""

    decided_by: str = ""
    """Holder id of who made the latest decision (the holder or a delegate)."""

    delegation_id: str = ""
    """The delegation the latest decision was made under; empty if the holder decided."""

    last_access_height: int = 0
    """Height of the latest access; 0 if none."""

    def to_json(self) -> dict[str, Any]:
        """The record as a JSON object."""
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}

    @staticmethod
    def from_json(record: Mapping[str, Any]) -> ConsentRequest:
        """Rebuild a record from its JSON object (fields added later take their default)."""
        return ConsentRequest(
            **{
                field.name: record[field.name]
                for field in dataclasses.fields(ConsentRequest)
                if field.name in record
            }
        )


# --- Keys, accessors and predicates --------------------------------------------------------


def get_request_key(request_id: str) -> bytes:
    """State key of a consent request record."""
    return REQUEST_PREFIX + request_id.encode("ascii")


def get_by_holder_prefix(holder: str) -> bytes:
    """Prefix of a holder's entries in the by-holder index."""
    return BY_HOLDER_PREFIX + holder.encode("ascii") + b"/"


def get_by_holder_key(holder: str, request_id: str) -> bytes:
    """Key of one by-holder index entry."""
    return get_by_holder_prefix(holder) + request_id.encode("ascii")


def get_by_agency_prefix(agency: str) -> bytes:
    """Prefix of an agency's entries in the by-agency index."""
    return BY_AGENCY_PREFIX + agency.encode("ascii") + b"/"


def get_request(state: StateReader, request_id: str) -> ConsentRequest | None:
    """The consent request with id ``request_id``, or None."""
    value = state.get(get_request_key(request_id))
    return None if value is None else ConsentRequest.from_json(load_json(value))


def is_in_force(request: ConsentRequest, now_ms: int) -> bool:
    """Whether the agency may access the data at ``now_ms`` under this request."""
    return (
        request.status == STATUS_GRANTED
        and now_ms <= request.expires_at_ms
        and request.uses_left > 0
    )


def get_request_json(request: ConsentRequest, now_ms: int) -> dict[str, Any]:
    """The record as a query returns it, with ``in_force`` computed at ``now_ms``."""
    record = request.to_json()
    record["in_force"] = is_in_force(request, now_ms)
    return record


def _get_existing_request(state: StateReader, request_id: str) -> ConsentRequest:
    request = get_request(state, request_id)
    if request is None:
        raise ContractError(NOT_FOUND, f"no consent request {request_id}")
    return request


def _get_scope_kinds(
    state: StateReader, items: Sequence[scope.Item]
) -> tuple[list[str], list[str]]:
    """The certificate types and record categories a scope touches (for delegations)."""
    cert_types: set[str] = set()
    for item in items:
        if scope.CERT_TYPE in item:
            cert_types.add(item[scope.CERT_TYPE])
        elif scope.CERT_ID in item:
            cert = get_certificate(state, item[scope.CERT_ID])
            if cert is not None:
                cert_types.add(cert.cert_type)
    return sorted(cert_types), scope.get_categories(items)


def _resolve_actor(
    state: StateReader,
    ctx: CallContext,
    request: ConsentRequest,
    items: Sequence[scope.Item],
    action: str,
) -> Actor:
    cert_types, categories = _get_scope_kinds(state, items)
    return resolve_actor(
        state,
        ctx,
        request.holder,
        ACTION_CONSENT,
        f"{action} consent request {request.request_id}",
        cert_types=cert_types,
        record_categories=categories,
    )


def _get_subjects(request: ConsentRequest, actor: Actor | None = None) -> tuple[str, ...]:
    """The holder, the certificates named, the agency and the request (and who acted)."""
    subjects = (
        request.holder,
        *scope.get_cert_ids(request.scope),
        request.agency,
        request.request_id,
    )
    return subjects if actor is None else (*subjects, *actor.get_subjects())


def _write(request: ConsentRequest) -> dict[bytes, bytes | None]:
    return {get_request_key(request.request_id): canonical_json(request.to_json())}


def _get_narrowing(
    args: Mapping[str, ArgValue],
) -> tuple[list[scope.Item] | None, int | None, int | None]:
    narrowed_scope = scope.get_scope(args, "scope") if "scope" in args else None
    narrowed_uses = arguments.get_optional_int(
        args, "max_uses", minimum=1, maximum=limits.MAX_USES_MAX
    )
    narrowed_expiry = arguments.get_optional_int(args, "expires_at_ms", minimum=0)
    return narrowed_scope, narrowed_uses, narrowed_expiry


# --- Transactions --------------------------------------------------------------------------


def _get_requested_scope(args: Mapping[str, ArgValue]) -> list[scope.Item]:
    if ("cert_id" in args) == ("scope" in args):
        raise arguments.invalid("give exactly one of cert_id and scope")
    if "cert_id" in args:
        return [{scope.CERT_ID: arguments.get_cert_id(args, "cert_id")}]
    return scope.get_scope(args, "scope")


def _check_certificates(
    state: StateReader, ctx: CallContext, holder: str, items: Sequence[scope.Item]
) -> dict[str, Certificate]:
    """The certificates a scope names exist, belong to the holder and are valid now."""
    found: dict[str, Certificate] = {}
    for item in items:
        if scope.CERT_ID not in item:
            continue
        cert_id = item[scope.CERT_ID]
        cert = get_certificate(state, cert_id)
        if cert is None:
            raise ContractError(NOT_FOUND, f"no certificate {cert_id}")
        if cert.holder != holder:
            raise ContractError(
                FAILED_PRECONDITION, f"certificate {cert_id} does not belong to holder {holder}"
            )
        cert_status = compute_certificate_status(cert, ctx.time_ms)
        if cert_status != "valid":
            raise ContractError(FAILED_PRECONDITION, f"certificate {cert_id} is {cert_status}")
        scope.check_item_fields(item, cert.cert_type, "scope")
        found[cert_id] = cert
    return found


def process_request(
    state: StateReader, ctx: CallContext, args: Mapping[str, ArgValue]
) -> CallResult:
    """``request(request_id, holder, purpose, max_uses, expires_at_ms, cert_id | scope)`` by a
    verifier: ``cert_id`` asks for one whole certificate, ``scope`` (JSON) for anything a
    scope can name."""
    # The arguments are well-formed.
    arguments.check_arg_names(
        args,
        required=("request_id", "holder", "purpose", "max_uses", "expires_at_ms"),
        optional=("cert_id", "scope"),
    )
    request_id = arguments.get_request_id(args, "request_id")
    arguments.reject_personal_identifier("request_id", request_id)
    holder = arguments.get_holder_id(args, "holder")
    items = _get_requested_scope(args)
    purpose = arguments.get_free_text(args, "purpose", length_max=limits.PURPOSE_LENGTH_MAX)
    max_uses = arguments.get_int(args, "max_uses", minimum=1, maximum=limits.MAX_USES_MAX)
    expires_at_ms = arguments.get_int(args, "expires_at_ms", minimum=0)
    # The request expires in the future.
    if expires_at_ms <= ctx.time_ms:
        raise arguments.invalid("expires_at_ms must be later than the block time")

    # The sender is an organisation with the verifier role.
    agency = principal_of(state, ctx.sender_key)
    if agency is None or not agency.has_role(ROLE_VERIFIER):
        raise ContractError(PERMISSION_DENIED, "only a verifying organisation may request consent")

    # The request id is new.
    if state.get(get_request_key(request_id)) is not None:
        raise ContractError(ALREADY_EXISTS, f"consent request {request_id} already exists")

    # The certificates named exist, belong to the holder and are valid.
    certs = _check_certificates(state, ctx, holder, items)

    # Effect: store the pending request and index it under its holder and its agency.
    single_cert = certs[items[0][scope.CERT_ID]] if len(items) == 1 and certs else None
    if single_cert is not None:
        cert_id, cert_type = single_cert.cert_id, single_cert.cert_type
    elif len(items) == 1 and scope.CERT_TYPE in items[0]:
        cert_id, cert_type = "", items[0][scope.CERT_TYPE]
    else:
        cert_id, cert_type = "", ""
    request = ConsentRequest(
        request_id=request_id,
        agency=agency.id,
        holder=holder,
        cert_id=cert_id,
        cert_type=cert_type,
        purpose=purpose,
        max_uses=max_uses,
        granted_uses=0,
        uses_left=0,
        expires_at_ms=expires_at_ms,
        status=STATUS_PENDING,
        requested_height=ctx.height,
        decided_height=0,
        scope=items,
        requested_expires_at_ms=expires_at_ms,
    )
    event = make_event(
        "consent.requested",
        _get_subjects(request),
        {
            "agency": agency.id,
            "cert_type": cert_type,
            "expires_at_ms": expires_at_ms,
            "max_uses": max_uses,
            "purpose": purpose,
            "scope": scope.encode_scope(items),
        },
    )
    writes = _write(request)
    writes[get_by_holder_key(holder, request_id)] = canonical_json(request_id)
    writes[get_by_agency_prefix(agency.id) + request_id.encode("ascii")] = canonical_json(
        request_id
    )
    return make_result(writes, [event])


def process_request_v2(
    state: StateReader, ctx: CallContext, args: Mapping[str, ArgValue]
) -> CallResult:
    """``request`` as in v1, but valid for at most ``CONSENT_VALIDITY_MS_MAX_V2`` (最小够用)."""
    expires_at_ms = args.get("expires_at_ms")
    if (
        isinstance(expires_at_ms, int)
        and not isinstance(expires_at_ms, bool)
        and expires_at_ms > ctx.time_ms + limits.CONSENT_VALIDITY_MS_MAX_V2
    ):
        raise arguments.invalid(
            f"a consent request may be valid for at most {limits.CONSENT_VALIDITY_MS_MAX_V2} ms"
        )
    return process_request(state, ctx, args)


def process_grant(state: StateReader, ctx: CallContext, args: Mapping[str, ArgValue]) -> CallResult:
    """``grant(request_id, max_uses?, scope?, expires_at_ms?)`` by the holder or a delegate,
    optionally narrowed: fewer uses, part of the scope, an earlier expiry."""
    # The arguments are well-formed.
    arguments.check_arg_names(
        args, required=("request_id",), optional=("max_uses", "scope", "expires_at_ms")
    )
    request_id = arguments.get_request_id(args, "request_id")
    narrowed_scope, narrowed_uses, narrowed_expiry = _get_narrowing(args)

    # The request exists and the sender acts for its holder, over what is granted.
    request = _get_existing_request(state, request_id)
    granted_scope = request.scope if narrowed_scope is None else narrowed_scope
    actor = _resolve_actor(state, ctx, request, granted_scope, "grant")

    # It is pending and has not expired.
    if request.status != STATUS_PENDING:
        raise ContractError(
            FAILED_PRECONDITION, f"consent request {request_id} is {request.status}, not pending"
        )
    if ctx.time_ms > request.expires_at_ms:
        raise ContractError(FAILED_PRECONDITION, f"consent request {request_id} has expired")

    # The narrowing asks for no more than the request.
    granted_uses = request.max_uses if narrowed_uses is None else narrowed_uses
    if granted_uses > request.max_uses:
        raise arguments.invalid(
            f"max_uses may narrow the request but not exceed the {request.max_uses} asked for"
        )
    if not scope.is_scope_within(granted_scope, request.scope):
        raise arguments.invalid("scope may narrow the request but not go beyond it")
    expires_at_ms = request.expires_at_ms if narrowed_expiry is None else narrowed_expiry
    if not ctx.time_ms < expires_at_ms <= request.expires_at_ms:
        raise arguments.invalid(
            "expires_at_ms may bring the expiry forward but must be later than the block time"
        )

    # Effect: grant it.
    granted = dataclasses.replace(
        request,
        status=STATUS_GRANTED,
        granted_uses=granted_uses,
        uses_left=granted_uses,
        expires_at_ms=expires_at_ms,
        granted_scope=list(granted_scope),
        decided_height=ctx.height,
        decided_by=actor.holder,
        delegation_id=actor.delegation_id,
    )
    event = make_event(
        "consent.granted",
        _get_subjects(request, actor),
        {
            "agency": request.agency,
            "cert_type": request.cert_type,
            "expires_at_ms": expires_at_ms,
            "granted_uses": granted_uses,
            "max_uses": request.max_uses,
            "narrowed": (
                granted_uses < request.max_uses
                or expires_at_ms < request.expires_at_ms
                or list(granted_scope) != request.scope
            ),
            "scope": scope.encode_scope(granted_scope),
            "uses_left": granted_uses,
            **actor.get_attrs(),
        },
    )
    return make_result(_write(granted), [event])


def process_narrow(
    state: StateReader, ctx: CallContext, args: Mapping[str, ArgValue]
) -> CallResult:
    """``narrow(request_id, max_uses?, scope?, expires_at_ms?)`` by the holder or a delegate:
    restrict a grant further (``max_uses`` is the number of uses left from now on)."""
    # The arguments are well-formed and narrow something.
    arguments.check_arg_names(
        args, required=("request_id",), optional=("max_uses", "scope", "expires_at_ms")
    )
    request_id = arguments.get_request_id(args, "request_id")
    narrowed_scope, narrowed_uses, narrowed_expiry = _get_narrowing(args)
    if narrowed_scope is None and narrowed_uses is None and narrowed_expiry is None:
        raise arguments.invalid("give at least one of max_uses, scope and expires_at_ms")

    # The request exists and the sender acts for its holder, over what stays granted.
    request = _get_existing_request(state, request_id)
    new_scope = request.granted_scope if narrowed_scope is None else narrowed_scope
    actor = _resolve_actor(state, ctx, request, new_scope, "narrow")

    # It is granted and in force (an expired or used-up grant has nothing left to narrow).
    if request.status != STATUS_GRANTED:
        raise ContractError(
            FAILED_PRECONDITION, f"consent request {request_id} is {request.status}, not granted"
        )
    if not is_in_force(request, ctx.time_ms):
        raise ContractError(
            FAILED_PRECONDITION, f"the grant of consent request {request_id} is not in force"
        )

    # Each change narrows the grant.
    uses_left = request.uses_left if narrowed_uses is None else narrowed_uses
    if uses_left > request.uses_left:
        raise arguments.invalid(f"max_uses must be at most the {request.uses_left} uses left")
    if not scope.is_scope_within(new_scope, request.granted_scope):
        raise arguments.invalid("scope must lie within the granted scope")
    expires_at_ms = request.expires_at_ms if narrowed_expiry is None else narrowed_expiry
    if not ctx.time_ms < expires_at_ms <= request.expires_at_ms:
        raise arguments.invalid(
            "expires_at_ms may bring the expiry forward but must be later than the block time"
        )

    # Effect: the narrower grant.
    used = request.granted_uses - request.uses_left
    narrowed = dataclasses.replace(
        request,
        granted_uses=used + uses_left,
        uses_left=uses_left,
        expires_at_ms=expires_at_ms,
        granted_scope=list(new_scope),
        decided_height=ctx.height,
        decided_by=actor.holder,
        delegation_id=actor.delegation_id,
    )
    event = make_event(
        "consent.narrowed",
        _get_subjects(request, actor),
        {
            "agency": request.agency,
            "cert_type": request.cert_type,
            "expires_at_ms": expires_at_ms,
            "scope": scope.encode_scope(new_scope),
            "uses_left": uses_left,
            **actor.get_attrs(),
        },
    )
    return make_result(_write(narrowed), [event])


def process_refuse(
    state: StateReader, ctx: CallContext, args: Mapping[str, ArgValue]
) -> CallResult:
    """``refuse(request_id)`` by the holder or a delegate, while the request is pending."""
    # The arguments are well-formed.
    arguments.check_arg_names(args, required=("request_id",))
    request_id = arguments.get_request_id(args, "request_id")

    # The request exists and the sender acts for its holder.
    request = _get_existing_request(state, request_id)
    actor = _resolve_actor(state, ctx, request, request.scope, "refuse")

    # It is pending.
    if request.status != STATUS_PENDING:
        raise ContractError(
            FAILED_PRECONDITION, f"consent request {request_id} is {request.status}, not pending"
        )

    # Effect: refuse it.
    refused = dataclasses.replace(
        request,
        status=STATUS_REFUSED,
        decided_height=ctx.height,
        decided_by=actor.holder,
        delegation_id=actor.delegation_id,
    )
    event = make_event(
        "consent.refused",
        _get_subjects(request, actor),
        {"agency": request.agency, "cert_type": request.cert_type, **actor.get_attrs()},
    )
    return make_result(_write(refused), [event])


def process_revoke(
    state: StateReader, ctx: CallContext, args: Mapping[str, ArgValue]
) -> CallResult:
    """``revoke(request_id)`` by the holder or a delegate, withdrawing a grant."""
    # The arguments are well-formed.
    arguments.check_arg_names(args, required=("request_id",))
    request_id = arguments.get_request_id(args, "request_id")

    # The request exists and the sender acts for its holder.
    request = _get_existing_request(state, request_id)
    actor = _resolve_actor(state, ctx, request, request.granted_scope or request.scope, "revoke")

    # It is granted.
    if request.status != STATUS_GRANTED:
        raise ContractError(
            FAILED_PRECONDITION, f"consent request {request_id} is {request.status}, not granted"
        )

    # Effect: revoke the grant; no uses remain.
    revoked = dataclasses.replace(
        request,
        status=STATUS_REVOKED,
        uses_left=0,
        decided_height=ctx.height,
        decided_by=actor.holder,
        delegation_id=actor.delegation_id,
    )
    event = make_event(
        "consent.revoked",
        _get_subjects(request, actor),
        {
            "agency": request.agency,
            "cert_type": request.cert_type,
            "uses_unused": request.uses_left,
            **actor.get_attrs(),
        },
    )
    return make_result(_write(revoked), [event])


@dataclass(frozen=True, slots=True)
class _Target:
    """What an access reads."""

    kind: str
    target_id: str
    fields: tuple[str, ...] | None
    """Fields of a certificate read; None for a whole document (or a record)."""


def _get_target(args: Mapping[str, ArgValue], request: ConsentRequest) -> _Target:
    """The access's ``cert_id`` / ``record_id`` / ``fields``; without them, the granted
    scope's only certificate (the original one-certificate form)."""
    if "cert_id" in args and "record_id" in args:
        raise arguments.invalid("an access reads a certificate or a record, not both")
    fields: tuple[str, ...] | None = None
    if "fields" in args:
        if "record_id" in args:
            raise arguments.invalid("fields are read from certificates, not records")
        fields = tuple(scope.parse_fields(arguments.get_json(args, "fields"), "fields"))
    if "record_id" in args:
        return _Target(TARGET_RECORD, arguments.get_object_id(args, "record_id"), None)
    if "cert_id" in args:
        return _Target(TARGET_CERTIFICATE, arguments.get_cert_id(args, "cert_id"), fields)
    granted = request.granted_scope
    if len(granted) == 1 and scope.CERT_ID in granted[0]:
        item = granted[0]
        if fields is None and scope.FIELDS in item:
            fields = tuple(item[scope.FIELDS])
        return _Target(TARGET_CERTIFICATE, item[scope.CERT_ID], fields)
    raise arguments.invalid(
        "name what the access reads: cert_id (and fields) or record_id, within the grant"
    )


def process_access(
    state: StateReader, ctx: CallContext, args: Mapping[str, ArgValue]
) -> CallResult:
    """``access(request_id, cert_id?, fields?, record_id?)`` by the requesting agency: one use
    of an in-force grant, reading what it names (a certificate, some of its fields, or an
    archive record), which must lie within the granted scope."""
    # The arguments are well-formed.
    arguments.check_arg_names(
        args, required=("request_id",), optional=("cert_id", "fields", "record_id")
    )
    request_id = arguments.get_request_id(args, "request_id")

    # The request exists and the sender is the agency that made it.
    request = _get_existing_request(state, request_id)
    agency = principal_of(state, ctx.sender_key)
    if agency is None or agency.id != request.agency:
        raise ContractError(
            PERMISSION_DENIED,
            f"only the requesting agency {request.agency} may access under {request_id}",
        )

    # The grant is in force: granted, not expired, uses left.
    if request.status != STATUS_GRANTED:
        raise ContractError(
            PERMISSION_DENIED,
            f"no grant in force: consent request {request_id} is {request.status}",
        )
    if ctx.time_ms > request.expires_at_ms:
        raise ContractError(PERMISSION_DENIED, f"grant expired: consent request {request_id}")
    if request.uses_left <= 0:
        raise ContractError(PERMISSION_DENIED, f"no uses left: consent request {request_id}")

    # What it reads exists, is the holder's, and lies within the granted scope.
    target = _get_target(args, request)
    attrs: dict[str, AttrValue]
    if target.kind == TARGET_CERTIFICATE:
        cert = get_certificate(state, target.target_id)
        if cert is None:
            raise ContractError(NOT_FOUND, f"no certificate {target.target_id}")
        if target.fields is not None and not set(target.fields) <= set(
            CERTIFICATE_TYPES[cert.cert_type].fields
        ):
            raise arguments.invalid("fields must be field names of the certificate's type")
        if cert.holder != request.holder or not scope.covers_certificate(
            request.granted_scope, cert.cert_id, cert.cert_type, target.fields
        ):
            raise ContractError(
                PERMISSION_DENIED,
                f"not in scope: consent request {request_id} does not grant"
                f" {'those fields of ' if target.fields else ''}certificate {cert.cert_id}",
            )
        attrs = {
            "cert_status": compute_certificate_status(cert, ctx.time_ms),
            "cert_type": cert.cert_type,
            "doc_version": cert.version,
            "fields": ALL_FIELDS if target.fields is None else ",".join(target.fields),
        }
    else:
        record = get_record(state, target.target_id)
        if record is None:
            raise ContractError(NOT_FOUND, f"no archive record {target.target_id}")
        if record.subject != request.holder or not scope.covers_record(
            request.granted_scope, record.category
        ):
            raise ContractError(
                PERMISSION_DENIED,
                f"not in scope: consent request {request_id} does not grant"
                f" archive record {record.record_id}",
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
    event = make_event(
        "consent.accessed",
        (request.holder, target.target_id, request.agency, request_id),
        {
            **attrs,
            "agency": request.agency,
            "purpose": request.purpose,
            "target": target.kind,
            "uses_left": used.uses_left,
        },
    )
    return make_result(_write(used), [event])


# --- Queries -------------------------------------------------------------------------------


def query_get(state: StateReader, args: Mapping[str, ArgValue], now_ms: int) -> Any:
    """``get(request_id)``: the record, with ``in_force`` at ``now_ms``; ``not_found`` if none."""
    arguments.check_arg_names(args, required=("request_id",))
    request_id = arguments.get_request_id(args, "request_id")
    return get_request_json(_get_existing_request(state, request_id), now_ms)


def _list(
    state: StateReader,
    prefix: bytes,
    now_ms: int,
    limit: int,
    status: str | None,
    in_force_only: bool,
) -> list[dict[str, Any]]:
    filtered = status is not None or in_force_only
    records = []
    for _, value in state.scan(prefix, limits.SCAN_LIMIT_MAX if filtered else limit):
        request = get_request(state, load_json(value))
        if request is None:
            raise RuntimeError("consent index names a missing request")
        if status is not None and request.status != status:
            continue
        if in_force_only and not is_in_force(request, now_ms):
            continue
        records.append(get_request_json(request, now_ms))
        if len(records) == limit:
            break
    return records


def _get_status_filter(args: Mapping[str, ArgValue]) -> str | None:
    if "status" not in args:
        return None
    status = arguments.get_str(args, "status")
    if status not in STATUSES:
        raise arguments.invalid(f"status must be one of {', '.join(STATUSES)}")
    return status


def query_list_by_holder(state: StateReader, args: Mapping[str, ArgValue], now_ms: int) -> Any:
    """``list_by_holder(holder, status?, in_force?, limit?)``: the holder's requests in
    request id order; with ``status``, only those whose stored status is that one; with
    ``in_force=true``, only grants in force at ``now_ms`` (filters read at most
    ``SCAN_LIMIT_MAX`` of the holder's requests)."""
    arguments.check_arg_names(args, required=("holder",), optional=("status", "in_force", "limit"))
    holder = arguments.get_holder_id(args, "holder")
    status = _get_status_filter(args)
    in_force_only = arguments.get_bool(args, "in_force", default=False)
    limit = arguments.get_list_limit(args)
    return _list(state, get_by_holder_prefix(holder), now_ms, limit, status, in_force_only)


def query_list_by_agency(state: StateReader, args: Mapping[str, ArgValue], now_ms: int) -> Any:
    """``list_by_agency(agency, status?, in_force?, limit?)``: an agency's requests."""
    arguments.check_arg_names(args, required=("agency",), optional=("status", "in_force", "limit"))
    agency = arguments.get_org_id(args, "agency")
    status = _get_status_filter(args)
    in_force_only = arguments.get_bool(args, "in_force", default=False)
    limit = arguments.get_list_limit(args)
    return _list(state, get_by_agency_prefix(agency), now_ms, limit, status, in_force_only)


TRANSACTIONS: Final[Mapping[str, TransactionHandler]] = MappingProxyType(
    {
        "request": process_request,
        "grant": process_grant,
        "narrow": process_narrow,
        "refuse": process_refuse,
        "revoke": process_revoke,
        "access": process_access,
    }
)
"""Version 1."""

TRANSACTIONS_V2: Final[Mapping[str, TransactionHandler]] = MappingProxyType(
    {**TRANSACTIONS, "request": process_request_v2}
)
"""Version 2: requests are valid for at most ``CONSENT_VALIDITY_MS_MAX_V2``."""

QUERIES: Final[Mapping[str, QueryHandler]] = MappingProxyType(
    {
        "get": query_get,
        "list_by_holder": query_list_by_holder,
        "list_by_agency": query_list_by_agency,
    }
)


def get_scope_cert_ids(args: Mapping[str, ArgValue]) -> list[str]:
    """Certificate ids named in a ``scope`` argument, if it parses; never raises."""
    text = args.get("scope")
    if not isinstance(text, str):
        return []
    try:
        items = scope.get_scope(args, "scope")
    except ContractError:
        return []
    return [
        cert_id
        for cert_id in scope.get_cert_ids(items)
        if formats.is_cert_id(cert_id) and not formats.contains_personal_identifier(cert_id)
    ]


def subjects_of(method: str, args: Mapping[str, ArgValue]) -> tuple[str, ...]:
    """Ids a consent call is about, judged from its arguments alone."""
    subjects = collect_subjects(args)
    for cert_id in get_scope_cert_ids(args):
        if cert_id not in subjects:
            subjects.append(cert_id)
    return tuple(subjects)
