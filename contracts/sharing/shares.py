"""The share itself and its rating (see :mod:`contracts.sharing`): the owner executes an
approved application inside its period, under the holder's consent when the data is
personal, recording the hash of what it sent; the applicant rates the share once."""

from __future__ import annotations

import dataclasses

from contracts.consent.records import PURPOSE_CODES, REQUESTS, ConsentRequest, is_in_force
from contracts.framework import arguments, limits
from contracts.framework.errors import (
    already_exists,
    failed_precondition,
    permission_denied,
)
from contracts.framework.interface import CallContext, CallResult, StateReader, make_result
from contracts.framework.signature import (
    Signature,
    Values,
    free_text,
    integer,
    text,
    transaction,
)
from contracts.membership.organisations import principal_of
from contracts.sharing.applications import APPLICATION_ID, get_owned, make_share_event
from contracts.sharing.events import ShareEvent
from contracts.sharing.records import (
    APPLICATIONS,
    RATED,
    STATUS_APPROVED,
    STATUS_SHARED,
    ShareApplication,
)

CONTENT_HASH = text("content_hash", arguments.DOC_HASH)
CONSENT_REQUEST_ID = text("consent_request_id", arguments.REQUEST_ID)
RATING = integer("rating", limits.SHARE_RATING_MIN, limits.SHARE_RATING_MAX)
COMMENT = free_text("comment", limits.SHARE_COMMENT_LENGTH_MAX)


def check_in_period(application: ShareApplication, ctx: CallContext) -> None:
    """``failed_precondition`` unless the block time lies in the approved period."""
    if ctx.time_ms < application.approved_start_ms:
        raise failed_precondition(
            f"share application {application.application_id}: the approved period begins at"
            f" {application.approved_start_ms} ms"
        )
    if ctx.time_ms > application.approved_end_ms:
        raise failed_precondition(
            f"share application {application.application_id}: the approved period ended at"
            f" {application.approved_end_ms} ms"
        )


def get_consent(
    state: StateReader, ctx: CallContext, application: ShareApplication, consent_id: str | None
) -> ConsentRequest | None:
    """The holder's grant a personal share is made under (None for data about no holder):
    the applicant's consent request to that holder, in force now, for the same purpose
    code when the request named one."""
    if not application.holder:
        if consent_id is not None:
            raise arguments.invalid("consent_request_id is for personal data only")
        return None
    if consent_id is None:
        raise failed_precondition(
            f"share application {application.application_id} names a holder: the holder's"
            " consent is required (consent_request_id)"
        )
    consent = REQUESTS.get_existing(state, consent_id)
    if consent.agency != application.applicant or consent.holder != application.holder:
        raise permission_denied(
            f"consent request {consent_id} is not the holder's consent to {application.applicant}"
        )
    if not is_in_force(consent, ctx.time_ms):
        raise permission_denied(f"consent request {consent_id} is not in force")
    consent_purpose = PURPOSE_CODES.get(state, consent_id)
    if consent_purpose is not None and consent_purpose != application.purpose_code:
        raise permission_denied(
            f"consent request {consent_id} was granted for purpose {consent_purpose},"
            f" not {application.purpose_code}"
        )
    return consent


@transaction(Signature(APPLICATION_ID, CONTENT_HASH, CONSENT_REQUEST_ID.maybe()))
def process_execute(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``execute(application_id, content_hash, consent_request_id?)`` by the owner: the
    approved data was sent; ``content_hash`` is the SHA-256 of what was sent."""
    # The application exists and the sender owns the data.
    application = get_owned(state, ctx, args[APPLICATION_ID])

    # It is approved (and not shared yet), and the block time is in the approved period.
    if application.status != STATUS_APPROVED:
        raise failed_precondition(
            f"share application {application.application_id} is {application.status}, not approved"
        )
    check_in_period(application, ctx)

    # Personal data: the holder's consent to the applicant is in force.
    consent = get_consent(state, ctx, application, args.get(CONSENT_REQUEST_ID, None))

    # Effect: record the share (and use the consent grant once).
    shared = dataclasses.replace(
        application,
        status=STATUS_SHARED,
        content_hash=args[CONTENT_HASH],
        shared_height=ctx.height,
        consent_request_id="" if consent is None else consent.request_id,
    )
    writes: dict[bytes, bytes | None] = {APPLICATIONS.key(shared.application_id): shared.encode()}
    if consent is not None:
        used = dataclasses.replace(
            consent, uses_left=consent.uses_left - 1, last_access_height=ctx.height
        )
        writes[REQUESTS.key(consent.request_id)] = used.encode()
    event = make_share_event(
        ShareEvent.SHARED,
        shared,
        {
            "content_hash": shared.content_hash,
            "fields": ",".join(shared.approved_fields),
            "purpose_code": shared.purpose_code,
        },
    )
    return make_result(writes, [event])


@transaction(Signature(APPLICATION_ID, RATING, COMMENT))
def process_rate(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``rate(application_id, rating, comment)`` by the applicant, once, after the share."""
    # The application exists and the sender is its applicant.
    application = APPLICATIONS.get_existing(state, args[APPLICATION_ID])
    sender = principal_of(state, ctx.sender_key)
    if sender is None or sender.id != application.applicant:
        raise permission_denied(
            f"only the applicant {application.applicant} may rate share"
            f" {application.application_id}"
        )

    # It was shared and not rated yet.
    if application.status != STATUS_SHARED:
        raise failed_precondition(
            f"share application {application.application_id} is {application.status}, not shared"
        )
    if application.rated_height:
        raise already_exists(
            f"share {application.application_id} was rated at height {application.rated_height}"
        )

    # Effect: record the rating, and list it among the owner's.
    rated = dataclasses.replace(
        application, rating=args[RATING], comment=args[COMMENT], rated_height=ctx.height
    )
    event = make_share_event(
        ShareEvent.RATED, rated, {"comment": rated.comment, "rating": rated.rating}
    )
    writes: dict[bytes, bytes | None] = {APPLICATIONS.key(rated.application_id): rated.encode()}
    writes |= RATED.write(rated.owner, rated.application_id)
    return make_result(writes, [event])
