"""The ``consent`` contract's requests and the holder's decisions on them (see
:mod:`contracts.consent`; accesses are in :mod:`contracts.consent.access`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from contracts.catalogue import lookup
from contracts.certificates.records import (
    CERTIFICATES,
    Certificate,
    compute_certificate_status,
)
from contracts.consent import scope
from contracts.consent.events import ConsentEvent
from contracts.consent.records import (
    BY_AGENCY,
    BY_HOLDER,
    PURPOSE_CODES,
    REQUESTS,
    STATUS_GRANTED,
    STATUS_PENDING,
    STATUS_REFUSED,
    STATUS_REVOKED,
    ConsentRequest,
    is_in_force,
)
from contracts.delegation.authority import Actor, resolve_actor
from contracts.delegation.records import ACTION_CONSENT
from contracts.framework import arguments, limits
from contracts.framework.arguments import Args
from contracts.framework.checks import check_new
from contracts.framework.errors import (
    failed_precondition,
    not_found,
)
from contracts.framework.interface import (
    AttrValue,
    CallContext,
    CallResult,
    Event,
    EventName,
    StateReader,
    make_event,
    make_result,
)
from contracts.framework.signature import (
    Arg,
    Signature,
    Values,
    declared,
    free_text,
    integer,
    json_kind,
    text,
    transaction,
)
from contracts.membership.organisations import ROLE_VERIFIER, get_member_with_role


def _read_scope(args: Args, name: str) -> list[scope.Item]:
    return scope.get_scope(args, name)


REQUEST_ID = text("request_id", arguments.REQUEST_ID)
HOLDER = text("holder", arguments.HOLDER_ID)
CERT_ID = text("cert_id", arguments.CERT_ID)
SCOPE = Arg(
    "scope",
    _read_scope,
    json_kind(
        "JSON array of scope items (cert_id, cert_type or record_category, with fields)",
        scope.get_scope_admission_problem,
    ),
)
PURPOSE = free_text("purpose", limits.PURPOSE_LENGTH_MAX)
PURPOSE_CODE = text("purpose_code", arguments.PURPOSE_CODE).required_by_node()
"""申请事由: optional to the contract (earlier blocks replay as they were), required of new
calls by the node."""
MAX_USES = integer("max_uses", 1, limits.MAX_USES_MAX)
EXPIRES_AT_MS = integer("expires_at_ms", 0)
NARROWED_SCOPE = SCOPE.maybe()
NARROWED_USES = MAX_USES.maybe()
NARROWED_EXPIRY = EXPIRES_AT_MS.maybe()
NARROWING = (NARROWED_SCOPE, NARROWED_USES, NARROWED_EXPIRY)
"""What a grant or a narrowing may restrict, in the order it is read."""


def _get_scope_kinds(
    state: StateReader, items: Sequence[scope.Item]
) -> tuple[list[str], list[str]]:
    """The certificate types and record categories a scope touches (for delegations)."""
    cert_types: set[str] = set()
    for item in items:
        if scope.CERT_TYPE in item:
            cert_types.add(item[scope.CERT_TYPE])
        elif scope.CERT_ID in item:
            cert = CERTIFICATES.get(state, item[scope.CERT_ID])
            if cert is not None:
                cert_types.add(cert.cert_type)
    return sorted(cert_types), scope.get_categories(items)


def resolve_request_actor(
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


def get_subjects(request: ConsentRequest, actor: Actor | None = None) -> tuple[str, ...]:
    """The holder, the certificates named, the agency and the request (and who acted)."""
    subjects = (
        request.holder,
        *scope.get_cert_ids(request.scope),
        request.agency,
        request.request_id,
    )
    return subjects if actor is None else (*subjects, *actor.get_subjects())


def check_status(request: ConsentRequest, status: str) -> None:
    """``failed_precondition`` unless ``request`` is in ``status``."""
    if request.status != status:
        raise failed_precondition(
            f"consent request {request.request_id} is {request.status}, not {status}"
        )


def _write(request: ConsentRequest) -> dict[bytes, bytes | None]:
    return {REQUESTS.key(request.request_id): request.encode()}


# --- Transactions --------------------------------------------------------------------------


def _get_requested_scope(args: Values) -> list[scope.Item]:
    if (CERT_ID in args) == (SCOPE in args):
        raise arguments.invalid("give exactly one of cert_id and scope")
    if CERT_ID in args:
        return [{scope.CERT_ID: args[CERT_ID]}]
    return args[SCOPE]


def _check_certificates(
    state: StateReader, ctx: CallContext, holder: str, items: Sequence[scope.Item]
) -> dict[str, Certificate]:
    """The certificates a scope names exist, belong to the holder and are valid now."""
    found: dict[str, Certificate] = {}
    for item in items:
        if scope.CERT_ID not in item:
            continue
        cert_id = item[scope.CERT_ID]
        cert = CERTIFICATES.get(state, cert_id)
        if cert is None:
            raise not_found(f"no certificate {cert_id}")
        if cert.holder != holder:
            raise failed_precondition(f"certificate {cert_id} does not belong to holder {holder}")
        cert_status = compute_certificate_status(cert, ctx.time_ms)
        if cert_status != "valid":
            raise failed_precondition(f"certificate {cert_id} is {cert_status}")
        scope.check_item_fields(state, item, cert.cert_type, "scope")
        found[cert_id] = cert
    return found


@transaction(
    Signature(
        text("request_id", arguments.REQUEST_ID.creating()),
        HOLDER,
        CERT_ID.maybe().later(),
        SCOPE.maybe().later(),
        PURPOSE.later(),
        PURPOSE_CODE.later(),
        MAX_USES.later(),
        EXPIRES_AT_MS.later(),
    )
)
def process_request(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``request(request_id, holder, purpose, purpose_code, max_uses, expires_at_ms, cert_id |
    scope)`` by a verifier: ``cert_id`` asks for one whole certificate, ``scope`` (JSON) for
    anything a scope can name."""
    # The arguments are well-formed.
    request_id, holder = args[REQUEST_ID], args[HOLDER]
    items = _get_requested_scope(args)
    purpose, purpose_code = args[PURPOSE], args.get(PURPOSE_CODE, None)
    max_uses, expires_at_ms = args[MAX_USES], args[EXPIRES_AT_MS]
    # The request expires in the future.
    if expires_at_ms <= ctx.time_ms:
        raise arguments.invalid("expires_at_ms must be later than the block time")

    # The sender is an organisation with the verifier role.
    agency = get_member_with_role(state, ctx, ROLE_VERIFIER, "request consent")

    # The purpose code, types and categories are the catalogue's, in force.
    if purpose_code is not None:
        lookup.check_purpose_code(state, purpose_code, ctx.height)
    scope.check_catalogue(state, items, ctx.height, "scope")

    # The request id is new.
    check_new(state, REQUESTS, request_id)

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
        ConsentEvent.REQUESTED,
        get_subjects(request),
        {
            "agency": agency.id,
            "cert_type": cert_type,
            "expires_at_ms": expires_at_ms,
            "max_uses": max_uses,
            "purpose": purpose,
            **({} if purpose_code is None else {"purpose_code": purpose_code}),
            "scope": scope.encode_scope(items),
        },
    )
    writes = _write(request)
    writes |= BY_HOLDER.write(holder, request_id)
    writes |= BY_AGENCY.write(agency.id, request_id)
    if purpose_code is not None:
        writes |= PURPOSE_CODES.write(request_id, purpose_code)
    return make_result(writes, [event])


@declared(process_request.declaration)
def process_request_v2(state: StateReader, ctx: CallContext, args: Args) -> CallResult:
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


@dataclass(frozen=True, slots=True)
class Narrowing:
    """What a ``grant`` or ``narrow`` call restricts; ``None`` leaves that part as it was."""

    scope: list[scope.Item] | None
    """The part of the scope kept."""

    uses: int | None
    """The uses granted (``grant``) or left from now on (``narrow``)."""

    expires_at_ms: int | None
    """An earlier expiry."""


def get_narrowing(args: Values) -> Narrowing:
    """The narrowing a ``grant`` or ``narrow`` call asks for."""
    return Narrowing(
        scope=args.get(NARROWED_SCOPE, None),
        uses=args.get(NARROWED_USES, None),
        expires_at_ms=args.get(NARROWED_EXPIRY, None),
    )


def compute_narrowed_expiry(ctx: CallContext, request: ConsentRequest, narrowing: Narrowing) -> int:
    """The expiry after ``narrowing``: it may come forward, but not past the block time."""
    expires_at_ms = (
        request.expires_at_ms if narrowing.expires_at_ms is None else narrowing.expires_at_ms
    )
    if not ctx.time_ms < expires_at_ms <= request.expires_at_ms:
        raise arguments.invalid(
            "expires_at_ms may bring the expiry forward but must be later than the block time"
        )
    return expires_at_ms


def _decided(
    request: ConsentRequest, ctx: CallContext, actor: Actor, **changes: Any
) -> ConsentRequest:
    """``request`` with ``changes``, recorded as decided now by ``actor``."""
    return dataclasses.replace(
        request,
        **changes,
        decided_height=ctx.height,
        decided_by=actor.holder,
        delegation_id=actor.delegation_id,
    )


def _decision_event(
    name: EventName, request: ConsentRequest, actor: Actor, attrs: Mapping[str, AttrValue]
) -> Event:
    """The event of the holder's (or a delegate's) decision on ``request``."""
    return make_event(
        name,
        get_subjects(request, actor),
        {"agency": request.agency, "cert_type": request.cert_type, **attrs, **actor.get_attrs()},
    )


@transaction(Signature(REQUEST_ID, *NARROWING))
def process_grant(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``grant(request_id, max_uses?, scope?, expires_at_ms?)`` by the holder or a delegate,
    optionally narrowed: fewer uses, part of the scope, an earlier expiry."""
    # The arguments are well-formed.
    request_id = args[REQUEST_ID]
    narrowing = get_narrowing(args)

    # The request exists and the sender acts for its holder, over what is granted.
    request = REQUESTS.get_existing(state, request_id)
    granted_scope = request.scope if narrowing.scope is None else narrowing.scope
    actor = resolve_request_actor(state, ctx, request, granted_scope, "grant")

    # It is pending and has not expired.
    check_status(request, STATUS_PENDING)
    if ctx.time_ms > request.expires_at_ms:
        raise failed_precondition(f"consent request {request_id} has expired")

    # The narrowing asks for no more than the request.
    granted_uses = request.max_uses if narrowing.uses is None else narrowing.uses
    if granted_uses > request.max_uses:
        raise arguments.invalid(
            f"max_uses may narrow the request but not exceed the {request.max_uses} asked for"
        )
    if not scope.is_scope_within(granted_scope, request.scope):
        raise arguments.invalid("scope may narrow the request but not go beyond it")
    expires_at_ms = compute_narrowed_expiry(ctx, request, narrowing)

    # Effect: grant it.
    granted = _decided(
        request,
        ctx,
        actor,
        status=STATUS_GRANTED,
        granted_uses=granted_uses,
        uses_left=granted_uses,
        expires_at_ms=expires_at_ms,
        granted_scope=list(granted_scope),
    )
    event = _decision_event(
        ConsentEvent.GRANTED,
        request,
        actor,
        {
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
        },
    )
    return make_result(_write(granted), [event])


@transaction(Signature(REQUEST_ID, *NARROWING))
def process_narrow(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``narrow(request_id, max_uses?, scope?, expires_at_ms?)`` by the holder or a delegate:
    restrict a grant further (``max_uses`` is the number of uses left from now on)."""
    # The arguments are well-formed and narrow something.
    request_id = args[REQUEST_ID]
    narrowing = get_narrowing(args)
    if narrowing == Narrowing(scope=None, uses=None, expires_at_ms=None):
        raise arguments.invalid("give at least one of max_uses, scope and expires_at_ms")

    # The request exists and the sender acts for its holder, over what stays granted.
    request = REQUESTS.get_existing(state, request_id)
    new_scope = request.granted_scope if narrowing.scope is None else narrowing.scope
    actor = resolve_request_actor(state, ctx, request, new_scope, "narrow")

    # It is granted and in force (an expired or used-up grant has nothing left to narrow).
    check_status(request, STATUS_GRANTED)
    if not is_in_force(request, ctx.time_ms):
        raise failed_precondition(f"the grant of consent request {request_id} is not in force")

    # Each change narrows the grant.
    uses_left = request.uses_left if narrowing.uses is None else narrowing.uses
    if uses_left > request.uses_left:
        raise arguments.invalid(f"max_uses must be at most the {request.uses_left} uses left")
    if not scope.is_scope_within(new_scope, request.granted_scope):
        raise arguments.invalid("scope must lie within the granted scope")
    expires_at_ms = compute_narrowed_expiry(ctx, request, narrowing)

    # Effect: the narrower grant.
    used = request.granted_uses - request.uses_left
    narrowed = _decided(
        request,
        ctx,
        actor,
        granted_uses=used + uses_left,
        uses_left=uses_left,
        expires_at_ms=expires_at_ms,
        granted_scope=list(new_scope),
    )
    event = _decision_event(
        ConsentEvent.NARROWED,
        request,
        actor,
        {
            "expires_at_ms": expires_at_ms,
            "scope": scope.encode_scope(new_scope),
            "uses_left": uses_left,
        },
    )
    return make_result(_write(narrowed), [event])


@transaction(Signature(REQUEST_ID))
def process_refuse(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``refuse(request_id)`` by the holder or a delegate, while the request is pending."""
    # The arguments are well-formed.
    request_id = args[REQUEST_ID]

    # The request exists and the sender acts for its holder.
    request = REQUESTS.get_existing(state, request_id)
    actor = resolve_request_actor(state, ctx, request, request.scope, "refuse")

    # It is pending.
    check_status(request, STATUS_PENDING)

    # Effect: refuse it.
    refused = _decided(request, ctx, actor, status=STATUS_REFUSED)
    event = _decision_event(ConsentEvent.REFUSED, request, actor, {})
    return make_result(_write(refused), [event])


@transaction(Signature(REQUEST_ID))
def process_revoke(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``revoke(request_id)`` by the holder or a delegate, withdrawing a grant."""
    # The arguments are well-formed.
    request_id = args[REQUEST_ID]

    # The request exists and the sender acts for its holder.
    request = REQUESTS.get_existing(state, request_id)
    actor = resolve_request_actor(
        state, ctx, request, request.granted_scope or request.scope, "revoke"
    )

    # It is granted.
    check_status(request, STATUS_GRANTED)

    # Effect: revoke the grant; no uses remain.
    revoked = _decided(request, ctx, actor, status=STATUS_REVOKED, uses_left=0)
    event = _decision_event(
        ConsentEvent.REVOKED, request, actor, {"uses_unused": request.uses_left}
    )
    return make_result(_write(revoked), [event])
