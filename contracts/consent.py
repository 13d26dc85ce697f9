"""System contract ``consent``: an agency asks, the holder decides, every use is recorded.

A verifying agency requests access to one certificate of a holder for a stated purpose, a
number of uses and until an expiry time. The holder (signing with the wallet key their
holder id derives from) grants it, possibly for fewer uses, refuses it, or later revokes
the grant. The agency may then access the data only while the grant is in force, and each
access is a transaction that leaves a ``consent.accessed`` event.

Request lifecycle: ``pending`` -> ``granted`` | ``refused``; ``granted`` -> ``revoked``.

State:

- ``consent/request/<request id>`` -> the request record (:class:`ConsentRequest`)
- ``consent/by_holder/<holder id>/<request id>`` -> the request id as a JSON string (index)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

from contracts import arguments, formats, limits
from contracts.certificates import compute_certificate_status, get_certificate
from contracts.codec import canonical_json, load_json
from contracts.errors import (
    ALREADY_EXISTS,
    FAILED_PRECONDITION,
    NOT_FOUND,
    PERMISSION_DENIED,
    ContractError,
)
from contracts.identity import holder_id_for, is_holder_id
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
from contracts.membership import ROLE_VERIFIER, principal_of

CONTRACT: Final = "consent"

REQUEST_PREFIX: Final = b"consent/request/"
BY_HOLDER_PREFIX: Final = b"consent/by_holder/"

STATUS_PENDING: Final = "pending"
STATUS_GRANTED: Final = "granted"
STATUS_REFUSED: Final = "refused"
STATUS_REVOKED: Final = "revoked"
STATUSES: Final = (STATUS_PENDING, STATUS_GRANTED, STATUS_REFUSED, STATUS_REVOKED)


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
    """The certificate whose data is asked for."""

    cert_type: str
    """Its type, copied at request time for auditors."""

    purpose: str
    """Why the agency wants the data, as the agency stated it (free text, no personal data)."""

    max_uses: int
    """Uses the agency asked for."""

    granted_uses: int
    """Uses the holder granted (at most ``max_uses``); 0 until granted."""

    uses_left: int
    """Accesses still allowed; 0 unless granted."""

    expires_at_ms: int
    """After this time (ms since the epoch) the request can no longer be granted or used."""

    status: str
    """One of :data:`STATUSES`."""

    requested_height: int
    """Height of the block that carried the request."""

    decided_height: int
    """Height of the holder's latest decision (grant, refusal, revocation); 0 before."""

    def to_json(self) -> dict[str, Any]:
        """The record as a JSON object."""
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}

    @staticmethod
    def from_json(record: Mapping[str, Any]) -> ConsentRequest:
        """Rebuild a record from its JSON object."""
        return ConsentRequest(
            **{field.name: record[field.name] for field in dataclasses.fields(ConsentRequest)}
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


def _check_sender_is_holder(ctx: CallContext, request: ConsentRequest, action: str) -> None:
    if holder_id_for(ctx.sender_key) != request.holder:
        raise ContractError(
            PERMISSION_DENIED, f"only the holder may {action} consent request {request.request_id}"
        )


def _get_subjects(request: ConsentRequest) -> tuple[str, str, str, str]:
    return (request.holder, request.cert_id, request.agency, request.request_id)


def _write(request: ConsentRequest) -> dict[bytes, bytes | None]:
    return {get_request_key(request.request_id): canonical_json(request.to_json())}


# --- Transactions --------------------------------------------------------------------------


def process_request(
    state: StateReader, ctx: CallContext, args: Mapping[str, ArgValue]
) -> CallResult:
    """``request(request_id, holder, cert_id, purpose, max_uses, expires_at_ms)`` by a verifier."""
    # The arguments are well-formed.
    arguments.check_arg_names(
        args,
        required=("request_id", "holder", "cert_id", "purpose", "max_uses", "expires_at_ms"),
    )
    request_id = arguments.get_request_id(args, "request_id")
    holder = arguments.get_holder_id(args, "holder")
    cert_id = arguments.get_cert_id(args, "cert_id")
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

    # The certificate exists, belongs to the holder and is valid.
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

    # Effect: store the pending request and index it under its holder.
    request = ConsentRequest(
        request_id=request_id,
        agency=agency.id,
        holder=holder,
        cert_id=cert_id,
        cert_type=cert.cert_type,
        purpose=purpose,
        max_uses=max_uses,
        granted_uses=0,
        uses_left=0,
        expires_at_ms=expires_at_ms,
        status=STATUS_PENDING,
        requested_height=ctx.height,
        decided_height=0,
    )
    event = make_event(
        "consent.requested",
        _get_subjects(request),
        {
            "agency": agency.id,
            "cert_type": cert.cert_type,
            "expires_at_ms": expires_at_ms,
            "max_uses": max_uses,
            "purpose": purpose,
        },
    )
    writes = _write(request)
    writes[get_by_holder_key(holder, request_id)] = canonical_json(request_id)
    return make_result(writes, [event])


def process_grant(state: StateReader, ctx: CallContext, args: Mapping[str, ArgValue]) -> CallResult:
    """``grant(request_id, max_uses?)`` by the holder, optionally for fewer uses."""
    # The arguments are well-formed.
    arguments.check_arg_names(args, required=("request_id",), optional=("max_uses",))
    request_id = arguments.get_request_id(args, "request_id")
    narrowed_uses = arguments.get_optional_int(
        args, "max_uses", minimum=1, maximum=limits.MAX_USES_MAX
    )

    # The request exists and the sender is its holder.
    request = _get_existing_request(state, request_id)
    _check_sender_is_holder(ctx, request, "grant")

    # It is pending and has not expired.
    if request.status != STATUS_PENDING:
        raise ContractError(
            FAILED_PRECONDITION, f"consent request {request_id} is {request.status}, not pending"
        )
    if ctx.time_ms > request.expires_at_ms:
        raise ContractError(FAILED_PRECONDITION, f"consent request {request_id} has expired")

    # A narrowed number of uses is no more than was asked for.
    granted_uses = request.max_uses if narrowed_uses is None else narrowed_uses
    if granted_uses > request.max_uses:
        raise arguments.invalid(
            f"max_uses may narrow the request but not exceed the {request.max_uses} asked for"
        )

    # Effect: grant it.
    granted = dataclasses.replace(
        request,
        status=STATUS_GRANTED,
        granted_uses=granted_uses,
        uses_left=granted_uses,
        decided_height=ctx.height,
    )
    event = make_event(
        "consent.granted",
        _get_subjects(request),
        {
            "agency": request.agency,
            "cert_type": request.cert_type,
            "expires_at_ms": request.expires_at_ms,
            "granted_uses": granted_uses,
            "max_uses": request.max_uses,
            "uses_left": granted_uses,
        },
    )
    return make_result(_write(granted), [event])


def process_refuse(
    state: StateReader, ctx: CallContext, args: Mapping[str, ArgValue]
) -> CallResult:
    """``refuse(request_id)`` by the holder, while the request is pending."""
    # The arguments are well-formed.
    arguments.check_arg_names(args, required=("request_id",))
    request_id = arguments.get_request_id(args, "request_id")

    # The request exists and the sender is its holder.
    request = _get_existing_request(state, request_id)
    _check_sender_is_holder(ctx, request, "refuse")

    # It is pending.
    if request.status != STATUS_PENDING:
        raise ContractError(
            FAILED_PRECONDITION, f"consent request {request_id} is {request.status}, not pending"
        )

    # Effect: refuse it.
    refused = dataclasses.replace(request, status=STATUS_REFUSED, decided_height=ctx.height)
    event = make_event(
        "consent.refused",
        _get_subjects(request),
        {"agency": request.agency, "cert_type": request.cert_type},
    )
    return make_result(_write(refused), [event])


def process_revoke(
    state: StateReader, ctx: CallContext, args: Mapping[str, ArgValue]
) -> CallResult:
    """``revoke(request_id)`` by the holder, withdrawing a grant."""
    # The arguments are well-formed.
    arguments.check_arg_names(args, required=("request_id",))
    request_id = arguments.get_request_id(args, "request_id")

    # The request exists and the sender is its holder.
    request = _get_existing_request(state, request_id)
    _check_sender_is_holder(ctx, request, "revoke")

    # It is granted.
    if request.status != STATUS_GRANTED:
        raise ContractError(
            FAILED_PRECONDITION, f"consent request {request_id} is {request.status}, not granted"
        )

    # Effect: revoke the grant; no uses remain.
    revoked = dataclasses.replace(
        request, status=STATUS_REVOKED, uses_left=0, decided_height=ctx.height
    )
    event = make_event(
        "consent.revoked",
        _get_subjects(request),
        {
            "agency": request.agency,
            "cert_type": request.cert_type,
            "uses_unused": request.uses_left,
        },
    )
    return make_result(_write(revoked), [event])


def process_access(
    state: StateReader, ctx: CallContext, args: Mapping[str, ArgValue]
) -> CallResult:
    """``access(request_id)`` by the requesting agency: one use of an in-force grant."""
    # The arguments are well-formed.
    arguments.check_arg_names(args, required=("request_id",))
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

    # Effect: use it once. The certificate's status is recorded for auditors.
    cert = get_certificate(state, request.cert_id)
    if cert is None:
        raise RuntimeError("a consent request names a missing certificate")
    used = dataclasses.replace(request, uses_left=request.uses_left - 1)
    event = make_event(
        "consent.accessed",
        _get_subjects(request),
        {
            "agency": request.agency,
            "cert_status": compute_certificate_status(cert, ctx.time_ms),
            "cert_type": request.cert_type,
            "purpose": request.purpose,
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


def query_list_by_holder(state: StateReader, args: Mapping[str, ArgValue], now_ms: int) -> Any:
    """``list_by_holder(holder, status?, limit?)``: the holder's requests in request id order.

    With ``status``, only requests whose stored status is that one (among the first
    ``SCAN_LIMIT_MAX`` of the holder's requests).
    """
    arguments.check_arg_names(args, required=("holder",), optional=("status", "limit"))
    holder = arguments.get_holder_id(args, "holder")
    status = None
    if "status" in args:
        status = arguments.get_str(args, "status")
        if status not in STATUSES:
            raise arguments.invalid(f"status must be one of {', '.join(STATUSES)}")
    limit = arguments.get_list_limit(args)
    scan_limit = limit if status is None else limits.SCAN_LIMIT_MAX
    records = []
    for _, value in state.scan(get_by_holder_prefix(holder), scan_limit):
        request = get_request(state, load_json(value))
        if request is None:
            raise RuntimeError("consent by-holder index names a missing request")
        if status is None or request.status == status:
            records.append(get_request_json(request, now_ms))
            if len(records) == limit:
                break
    return records


TRANSACTIONS: Final[Mapping[str, TransactionHandler]] = MappingProxyType(
    {
        "request": process_request,
        "grant": process_grant,
        "refuse": process_refuse,
        "revoke": process_revoke,
        "access": process_access,
    }
)
QUERIES: Final[Mapping[str, QueryHandler]] = MappingProxyType(
    {"get": query_get, "list_by_holder": query_list_by_holder}
)


def subjects_of(method: str, args: Mapping[str, ArgValue]) -> tuple[str, ...]:
    """Ids a consent call is about, judged from its arguments alone."""
    subjects: list[str] = []
    holder = args.get("holder")
    if isinstance(holder, str) and is_holder_id(holder):
        subjects.append(holder)
    cert_id = args.get("cert_id")
    if isinstance(cert_id, str) and formats.is_cert_id(cert_id):
        subjects.append(cert_id)
    request_id = args.get("request_id")
    if isinstance(request_id, str) and formats.is_request_id(request_id):
        subjects.append(request_id)
    return tuple(subjects)
