"""Applications of the ``sharing`` contract and the owner's answers (see
:mod:`contracts.sharing`; the share and its rating are in :mod:`contracts.sharing.shares`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from contracts.catalogue import lookup
from contracts.consent import scope
from contracts.framework import arguments, limits
from contracts.framework.checks import check_new
from contracts.framework.errors import (
    failed_precondition,
    not_found,
    permission_denied,
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
    free_text,
    integer,
    json_kind,
    text,
    transaction,
)
from contracts.membership.organisations import (
    ORGANISATIONS,
    get_member,
    principal_of,
)
from contracts.sharing.events import ShareEvent
from contracts.sharing.records import (
    APPLICATIONS,
    BY_APPLICANT,
    BY_OWNER,
    STATUS_APPROVED,
    STATUS_PENDING,
    STATUS_REFUSED,
    ShareApplication,
    get_subjects,
)

APPLICATION_ID = text("application_id", arguments.OBJECT_ID)
OWNER = text("owner", arguments.ORG_ID)
DATA_ITEM = text("data_item", arguments.CATALOGUE_ID)
FIELDS = Arg("fields", scope.get_fields, json_kind("JSON array of field names of the data item"))
PURPOSE_CODE = text("purpose_code", arguments.PURPOSE_CODE)
LEGAL_BASIS = free_text("legal_basis", limits.LEGAL_BASIS_LENGTH_MAX)
PERIOD_START_MS = integer("period_start_ms", 0)
PERIOD_END_MS = integer("period_end_ms", 0)
HOLDER = text("holder", arguments.HOLDER_ID)
REASON = free_text("reason", limits.REASON_LENGTH_MAX)


def get_owned(state: StateReader, ctx: CallContext, application_id: str) -> ShareApplication:
    """The application, answered only by the organisation that owns the data."""
    application = APPLICATIONS.get_existing(state, application_id)
    sender = principal_of(state, ctx.sender_key)
    if sender is None or sender.id != application.owner:
        raise permission_denied(
            f"only the data owner {application.owner} may answer or execute"
            f" share application {application_id}"
        )
    return application


def check_answerable(application: ShareApplication, ctx: CallContext) -> None:
    """``failed_precondition`` unless the application is pending and within its deadline."""
    if application.status != STATUS_PENDING:
        raise failed_precondition(
            f"share application {application.application_id} is {application.status}, not pending"
        )
    if ctx.time_ms > application.answer_by_ms:
        raise failed_precondition(
            f"share application {application.application_id} expired: not answered by its"
            f" deadline ({application.answer_by_ms} ms)"
        )


def make_share_event(
    name: EventName, application: ShareApplication, attrs: Mapping[str, AttrValue]
) -> Event:
    """An event of ``application``, naming both agencies and the data item."""
    return make_event(
        name,
        get_subjects(application),
        {
            "applicant": application.applicant,
            "data_item": application.data_item,
            "owner": application.owner,
            **attrs,
        },
    )


def _write(application: ShareApplication) -> dict[bytes, bytes | None]:
    return {APPLICATIONS.key(application.application_id): application.encode()}


@transaction(
    Signature(
        text("application_id", arguments.NEW_OBJECT_ID),
        OWNER,
        DATA_ITEM,
        FIELDS.maybe(),
        PURPOSE_CODE,
        LEGAL_BASIS,
        PERIOD_START_MS,
        PERIOD_END_MS,
        HOLDER.maybe(),
    )
)
def process_apply(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``apply(application_id, owner, data_item, fields?, purpose_code, legal_basis,
    period_start_ms, period_end_ms, holder?)`` by a member organisation, for data the owner
    holds (about ``holder`` when the data is personal)."""
    # The arguments are well-formed; the period is not empty, not past, not too long.
    application_id, owner_id = args[APPLICATION_ID], args[OWNER]
    start_ms, end_ms = args[PERIOD_START_MS], args[PERIOD_END_MS]
    if end_ms <= start_ms:
        raise arguments.invalid("period_end_ms must be later than period_start_ms")
    if end_ms <= ctx.time_ms:
        raise arguments.invalid("period_end_ms must be later than the block time")
    if end_ms - start_ms > limits.SHARE_PERIOD_MS_MAX:
        raise arguments.invalid(f"a share period may last at most {limits.SHARE_PERIOD_MS_MAX} ms")

    # The sender is a member; the owner is another member.
    applicant = get_member(state, ctx, "apply for shared data")
    if ORGANISATIONS.get(state, owner_id) is None:
        raise not_found(f"no organisation {owner_id}")
    if owner_id == applicant.id:
        raise arguments.invalid("an agency does not apply to itself for its own data")

    # The purpose code is the catalogue's, in force.
    lookup.check_purpose_code(state, args[PURPOSE_CODE], ctx.height)

    # The application id is new.
    check_new(state, APPLICATIONS, application_id)

    # Effect: store the pending application and index it under both agencies.
    application = ShareApplication(
        application_id=application_id,
        applicant=applicant.id,
        owner=owner_id,
        data_item=args[DATA_ITEM],
        fields=args.get(FIELDS, ()),
        purpose_code=args[PURPOSE_CODE],
        legal_basis=args[LEGAL_BASIS],
        period_start_ms=start_ms,
        period_end_ms=end_ms,
        answer_by_ms=ctx.time_ms + limits.SHARE_ANSWER_MS,
        holder=args.get(HOLDER, ""),
        status=STATUS_PENDING,
        applied_height=ctx.height,
    )
    event = make_share_event(
        ShareEvent.APPLIED,
        application,
        {
            "answer_by_ms": application.answer_by_ms,
            "fields": ",".join(application.fields),
            "legal_basis": application.legal_basis,
            "period_end_ms": end_ms,
            "period_start_ms": start_ms,
            "personal": bool(application.holder),
            "purpose_code": application.purpose_code,
        },
    )
    writes = _write(application)
    writes |= BY_APPLICANT.write(applicant.id, application_id)
    writes |= BY_OWNER.write(owner_id, application_id)
    return make_result(writes, [event])


def _approve(
    application: ShareApplication,
    ctx: CallContext,
    fields: tuple[str, ...],
    start_ms: int,
    end_ms: int,
) -> CallResult:
    """The effect of an approval (as asked, or narrowed)."""
    narrowed = (
        fields != application.fields
        or start_ms != application.period_start_ms
        or end_ms != application.period_end_ms
    )
    approved = dataclasses.replace(
        application,
        status=STATUS_APPROVED,
        decided_height=ctx.height,
        approved_fields=fields,
        approved_start_ms=start_ms,
        approved_end_ms=end_ms,
        narrowed=narrowed,
    )
    event = make_share_event(
        ShareEvent.APPROVED,
        approved,
        {
            "fields": ",".join(fields),
            "narrowed": narrowed,
            "period_end_ms": end_ms,
            "period_start_ms": start_ms,
        },
    )
    return make_result(_write(approved), [event])


@transaction(Signature(APPLICATION_ID))
def process_approve(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``approve(application_id)`` by the owner: the data and the period as asked."""
    # The application exists and the sender owns the data.
    application = get_owned(state, ctx, args[APPLICATION_ID])

    # It is pending and within its deadline.
    check_answerable(application, ctx)

    # Effect: approve it as asked.
    return _approve(
        application,
        ctx,
        application.fields,
        application.period_start_ms,
        application.period_end_ms,
    )


@transaction(
    Signature(APPLICATION_ID, FIELDS.maybe(), PERIOD_START_MS.maybe(), PERIOD_END_MS.maybe())
)
def process_narrow(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``narrow(application_id, fields?, period_start_ms?, period_end_ms?)`` by the owner:
    approve less than was asked, fewer fields or a shorter period."""
    # The arguments narrow something.
    if not any(arg in args for arg in (FIELDS, PERIOD_START_MS, PERIOD_END_MS)):
        raise arguments.invalid("give at least one of fields, period_start_ms and period_end_ms")

    # The application exists and the sender owns the data.
    application = get_owned(state, ctx, args[APPLICATION_ID])

    # It is pending and within its deadline.
    check_answerable(application, ctx)

    # The fields and the period lie within what was asked, and the period is not empty.
    fields = args.get(FIELDS, application.fields)
    if application.fields and not set(fields) <= set(application.fields):
        raise arguments.invalid("fields may narrow the application but not go beyond it")
    start_ms = args.get(PERIOD_START_MS, application.period_start_ms)
    end_ms = args.get(PERIOD_END_MS, application.period_end_ms)
    if not application.period_start_ms <= start_ms < end_ms <= application.period_end_ms:
        raise arguments.invalid(
            "the period may shrink within the one asked for, and must not be empty"
        )

    # Effect: approve it, narrowed.
    return _approve(application, ctx, fields, start_ms, end_ms)


@transaction(Signature(APPLICATION_ID, REASON))
def process_refuse(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``refuse(application_id, reason)`` by the owner, saying why."""
    # The application exists and the sender owns the data.
    application = get_owned(state, ctx, args[APPLICATION_ID])

    # It is pending and within its deadline.
    check_answerable(application, ctx)

    # Effect: refuse it, with the reason.
    refused = dataclasses.replace(
        application, status=STATUS_REFUSED, decided_height=ctx.height, reason=args[REASON]
    )
    event = make_share_event(ShareEvent.REFUSED, refused, {"reason": refused.reason})
    return make_result(_write(refused), [event])
