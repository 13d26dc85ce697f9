"""The ``archives`` contract's transactions: sources append and amend records, holders (or
their delegates) claim them and ask for corrections, sources answer (see
:mod:`contracts.archives`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from contracts.archives import files
from contracts.archives.events import ArchiveEvent
from contracts.archives.records import (
    BY_SUBJECT,
    CORRECTION_CORRECTED,
    CORRECTION_PENDING,
    CORRECTIONS,
    CORRECTIONS_BY_SOURCE,
    CORRECTIONS_BY_SUBJECT,
    OUTCOMES,
    RECORDS,
    ArchiveRecord,
    Correction,
    RecordVersion,
    get_version_key,
)
from contracts.catalogue import lookup
from contracts.delegation.authority import Actor, resolve_actor
from contracts.delegation.records import ACTION_ARCHIVES
from contracts.framework import arguments, limits
from contracts.framework.checks import check_new
from contracts.framework.errors import failed_precondition, permission_denied
from contracts.framework.interface import (
    AttrValue,
    CallContext,
    CallResult,
    StateReader,
    make_event,
    make_result,
)
from contracts.framework.signature import (
    DeclaredTransaction,
    Signature,
    Values,
    choice,
    free_text,
    text,
    transaction,
)
from contracts.membership.organisations import Organisation, principal_of

RECORD_ID = text("record_id", arguments.OBJECT_ID)
NEW_RECORD_ID = text("record_id", arguments.NEW_OBJECT_ID)
SUBJECT_KIND = choice("subject_kind", files.KINDS).maybe()
OUTCOME = choice("outcome", OUTCOMES)
SUBJECT = text("subject", arguments.HOLDER_ID)
CATEGORY = text("category", arguments.CATALOGUE_ID)
"""Looked up in the chain's catalogue by the handler (:mod:`contracts.catalogue.lookup`)."""
DEPARTMENT = free_text("source_department", limits.DEPARTMENT_LENGTH_MAX)
CONTENT_HASH = text("content_hash", arguments.DOC_HASH)
REASON = free_text("reason", limits.REASON_LENGTH_MAX)
CORRECTION_ID = text("correction_id", arguments.OBJECT_ID)
NEW_CORRECTION_ID = text("correction_id", arguments.NEW_OBJECT_ID)


def _record_subjects(record: ArchiveRecord, actor: Actor | None = None) -> tuple[str, ...]:
    base = (record.subject, record.record_id, record.source)
    return base if actor is None else (*base, *actor.get_subjects())


def _record_attrs(record: ArchiveRecord, **more: AttrValue) -> dict[str, AttrValue]:
    return {
        "category": record.category,
        "content_hash": record.content_hash,
        "source": record.source,
        "version": record.version,
        **more,
    }


def _new_version(
    record: ArchiveRecord,
    content_hash: str,
    ctx: CallContext,
    cause: str,
    correction_id: str,
    reason: str,
) -> tuple[ArchiveRecord, dict[bytes, bytes | None]]:
    """The record at its next version, and the write that keeps the replaced one."""
    if content_hash == record.content_hash:
        raise arguments.invalid("content_hash must differ from the current version's")
    if record.version >= limits.VERSIONS_MAX:
        raise failed_precondition(f"record {record.record_id} has {limits.VERSIONS_MAX} versions")
    replaced = RecordVersion(
        version=record.version,
        content_hash=record.content_hash,
        from_height=record.version_height,
        until_height=ctx.height,
        cause=cause,
        correction_id=correction_id,
        reason=reason,
    )
    updated = dataclasses.replace(
        record,
        content_hash=content_hash,
        version=record.version + 1,
        version_height=ctx.height,
        pending_correction="",
    )
    return updated, {get_version_key(record.record_id, record.version): replaced.encode()}


def _check_source(
    state: StateReader, ctx: CallContext, record: ArchiveRecord, doing: str
) -> Organisation:
    sender = principal_of(state, ctx.sender_key)
    if sender is None or sender.id != record.source:
        raise permission_denied(
            f"only the source {record.source} may {doing} archive record {record.record_id}"
        )
    return sender


def resolve_subject_actor(
    state: StateReader, ctx: CallContext, record: ArchiveRecord, doing: str
) -> Actor:
    """The sender as the record's subject or a delegate in force for archives of its
    category; ``permission_denied`` naming what it tried (``doing``) otherwise."""
    return resolve_actor(
        state,
        ctx,
        record.subject,
        ACTION_ARCHIVES,
        doing,
        record_categories=(record.category,),
    )


# --- Transactions --------------------------------------------------------------------------


@transaction(
    Signature(
        NEW_RECORD_ID,
        SUBJECT,
        CATEGORY,
        DEPARTMENT,
        CONTENT_HASH,
        SUBJECT_KIND,
    )
)
def process_append(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``append(record_id, subject, category, source_department, content_hash,
    subject_kind?)`` by an archive source for that category.

    ``subject_kind`` (``person`` / ``enterprise``) is needed only for the first record of a
    file in a category both kinds have (credit, real estate).
    """
    record_id, subject, category = args[NEW_RECORD_ID], args[SUBJECT], args[CATEGORY]
    department, content_hash = args[DEPARTMENT], args[CONTENT_HASH]
    stated_kind = args.get(SUBJECT_KIND, None)

    # The category is in the catalogue, in force.
    entry = lookup.get_category_in_force(state, category, ctx.height)

    # The sender is an archive source for this category.
    source = principal_of(state, ctx.sender_key)
    if source is None or not source.may_append(category):
        raise permission_denied(f"only an archive source for {category} may append such records")

    # The record id is new.
    check_new(state, RECORDS, record_id)

    # The file's kind (person or enterprise) fits the category and what was stated.
    file = files.FILES.get(state, subject)
    kinds = entry.subject_kinds
    candidates = [
        kind
        for kind in kinds
        if (file is None or file.kind == kind) and stated_kind in (None, kind)
    ]
    if not candidates:
        raise failed_precondition(
            f"{category} records belong in a {' or '.join(kinds)} file, and holder {subject}'s"
            " file is not one"
        )
    if len(candidates) > 1:
        raise arguments.invalid(
            f"subject_kind is needed: {category} records exist for persons and enterprises"
        )
    kind = candidates[0]

    # Effect: the record, its index entry and the file summary.
    record = ArchiveRecord(
        record_id=record_id,
        subject=subject,
        subject_kind=kind,
        category=category,
        source=source.id,
        source_department=department,
        content_hash=content_hash,
        version=1,
        claimed=False,
        claimed_height=0,
        claimed_by="",
        appended_height=ctx.height,
        appended_tx=ctx.tx_hash.hex(),
        version_height=ctx.height,
        pending_correction="",
    )
    summary = files.ArchiveFile(
        subject=subject,
        kind=kind,
        created_height=ctx.height if file is None else file.created_height,
        record_count=1 if file is None else file.record_count + 1,
    )
    event = make_event(
        ArchiveEvent.APPENDED,
        _record_subjects(record),
        _record_attrs(record, source_department=department, subject_kind=kind),
    )
    return make_result(
        {
            RECORDS.key(record_id): record.encode(),
            **BY_SUBJECT.write(subject, category, record_id),
            files.FILES.key(subject): summary.encode(),
        },
        [event],
    )


@transaction(Signature(RECORD_ID, CONTENT_HASH, REASON))
def process_amend(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``amend(record_id, content_hash, reason)`` by the source: a new version on its own
    initiative (the data changed at the source); the replaced version is kept."""
    record_id, content_hash, reason = args[RECORD_ID], args[CONTENT_HASH], args[REASON]

    # The record exists; the sender is its source and still a source for its category.
    record = RECORDS.get_existing(state, record_id)
    source = _check_source(state, ctx, record, "amend")
    if not source.may_append(record.category):
        raise permission_denied(f"organisation {source.id} is no longer a {record.category} source")

    # No correction is pending (the source answers it instead).
    if record.pending_correction:
        raise failed_precondition(
            f"correction {record.pending_correction} of record {record_id} is pending: resolve it"
        )

    # Effect: the next version.
    updated, writes = _new_version(record, content_hash, ctx, "amended", "", reason)
    writes[RECORDS.key(record_id)] = updated.encode()
    event = make_event(
        ArchiveEvent.AMENDED,
        _record_subjects(updated),
        _record_attrs(updated, old_content_hash=record.content_hash, reason=reason),
    )
    return make_result(writes, [event])


@transaction(Signature(RECORD_ID))
def process_claim(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``claim(record_id)`` by the subject or a delegate in force for archives (数据申领)."""
    record_id = args[RECORD_ID]

    # The record exists and the sender acts for its subject.
    record = RECORDS.get_existing(state, record_id)
    actor = resolve_subject_actor(state, ctx, record, f"claim archive record {record_id}")

    # It is not claimed yet.
    if record.claimed:
        raise failed_precondition(f"archive record {record_id} is already claimed")

    # Effect: claimed.
    claimed = dataclasses.replace(
        record, claimed=True, claimed_height=ctx.height, claimed_by=actor.holder
    )
    event = make_event(
        ArchiveEvent.CLAIMED,
        _record_subjects(record, actor),
        _record_attrs(record, **actor.get_attrs()),
    )
    return make_result({RECORDS.key(record_id): claimed.encode()}, [event])


@transaction(Signature(NEW_CORRECTION_ID, RECORD_ID, REASON))
def process_request_correction(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``request_correction(correction_id, record_id, reason)`` by the subject or a delegate
    in force for archives (数据纠错); the record's source must answer."""
    correction_id, record_id, reason = args[NEW_CORRECTION_ID], args[RECORD_ID], args[REASON]

    # The record exists and the sender acts for its subject.
    record = RECORDS.get_existing(state, record_id)
    actor = resolve_subject_actor(
        state, ctx, record, f"ask for a correction of archive record {record_id}"
    )

    # The id is new and no other correction of the record is pending.
    check_new(state, CORRECTIONS, correction_id)
    if record.pending_correction:
        raise failed_precondition(
            f"correction {record.pending_correction} of record {record_id} is still pending"
        )

    # Effect: the pending correction, indexed for the source and the subject.
    correction = Correction(
        correction_id=correction_id,
        record_id=record_id,
        subject=record.subject,
        source=record.source,
        category=record.category,
        requested_by=actor.holder,
        delegation_id=actor.delegation_id,
        reason=reason,
        status=CORRECTION_PENDING,
        resolution="",
        version_before=record.version,
        new_version=0,
        requested_height=ctx.height,
        resolved_height=0,
    )
    marked = dataclasses.replace(record, pending_correction=correction_id)
    event = make_event(
        ArchiveEvent.CORRECTION_REQUESTED,
        (*_record_subjects(record, actor), correction_id),
        _record_attrs(record, reason=reason, **actor.get_attrs()),
    )
    return make_result(
        {
            CORRECTIONS.key(correction_id): correction.encode(),
            RECORDS.key(record_id): marked.encode(),
            **CORRECTIONS_BY_SOURCE.write(record.source, correction_id),
            **CORRECTIONS_BY_SUBJECT.write(record.subject, correction_id),
        },
        [event],
    )


@transaction(Signature(CORRECTION_ID, OUTCOME, REASON, CONTENT_HASH.maybe()))
def process_resolve_correction(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``resolve_correction(correction_id, outcome, reason, content_hash?)`` by the record's
    source: ``corrected`` with the new version's ``content_hash``, or ``refused`` (with the
    reason the holder sees). The old version is kept either way."""
    correction_id, outcome = args[CORRECTION_ID], args[OUTCOME]
    reason, content_hash = args[REASON], args.get(CONTENT_HASH, "")
    if (outcome == CORRECTION_CORRECTED) != bool(content_hash):
        raise arguments.invalid("content_hash is given exactly when the outcome is corrected")

    # The correction exists, the sender is the record's source, and it is pending.
    correction = CORRECTIONS.get_existing(state, correction_id)
    record = RECORDS.get_existing(state, correction.record_id)
    _check_source(state, ctx, record, "resolve corrections of")
    if correction.status != CORRECTION_PENDING:
        raise failed_precondition(f"correction {correction_id} is already {correction.status}")

    # Effect: the new version (if corrected) and the answer.
    writes: dict[bytes, bytes | None]
    if outcome == CORRECTION_CORRECTED:
        updated, writes = _new_version(
            record, content_hash, ctx, "corrected", correction_id, reason
        )
    else:
        updated, writes = dataclasses.replace(record, pending_correction=""), {}
    resolved = dataclasses.replace(
        correction,
        status=outcome,
        resolution=reason,
        new_version=updated.version if outcome == CORRECTION_CORRECTED else 0,
        resolved_height=ctx.height,
    )
    writes[RECORDS.key(record.record_id)] = updated.encode()
    writes[CORRECTIONS.key(correction_id)] = resolved.encode()
    name = (
        ArchiveEvent.CORRECTED
        if outcome == CORRECTION_CORRECTED
        else ArchiveEvent.CORRECTION_REFUSED
    )
    subjects = (*_record_subjects(record), correction_id)
    if correction.requested_by != record.subject:
        subjects = (*subjects, correction.requested_by)
    event = make_event(
        name,
        subjects,
        _record_attrs(updated, old_content_hash=record.content_hash, reason=reason),
    )
    return make_result(writes, [event])


TRANSACTIONS: Final[Mapping[str, DeclaredTransaction]] = MappingProxyType(
    {
        "append": process_append,
        "amend": process_amend,
        "claim": process_claim,
        "request_correction": process_request_correction,
        "resolve_correction": process_resolve_correction,
    }
)
