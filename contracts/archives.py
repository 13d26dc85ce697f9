"""System contract ``archives``: one file per person and per enterprise (一人一档 / 一企一档).

A file is keyed by the holder's pseudonymous id, never by an ID number or credit code. Source
agencies (organisations with the ``archive_source`` role for a category) append records to
it, returning government data to its subject (数据返还): the chain holds each record's
category, source, source department and the hash of its (encrypted, off-chain) content,
with a version number. The holder, or a delegate in force for ``archives`` (a guardian; the
legal representative or an authorised agent of an enterprise), claims records (数据申领)
and asks for corrections (数据纠错). A correction goes to the record's source, which
resolves it with a new version of the record or refuses it with a reason. Nothing is ever
deleted: every replaced version stays queryable (``history``).

State:

- ``archives/file/<subject>`` -> the file summary (kind, record count)
- ``archives/record/<record id>`` -> the current record (:class:`ArchiveRecord`)
- ``archives/by_subject/<subject>/<category>/<record id>`` -> record id (index)
- ``archives/version/<record id>/<version, 10 digits>`` -> a replaced version
- ``archives/correction/<correction id>`` -> the correction (:class:`Correction`)
- ``archives/correction_by_source/<org id>/<correction id>`` -> id (index)
- ``archives/correction_by_subject/<subject>/<correction id>`` -> id (index)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

from contracts import arguments, holder_kinds, limits
from contracts.authority import Actor, resolve_actor
from contracts.catalogue import RECORD_CATEGORIES
from contracts.codec import canonical_json, load_json
from contracts.delegation import ACTION_ARCHIVES
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
from contracts.membership import Organisation, principal_of

CONTRACT: Final = "archives"

RECORD_PREFIX: Final = b"archives/record/"
BY_SUBJECT_PREFIX: Final = b"archives/by_subject/"
VERSION_PREFIX: Final = b"archives/version/"
CORRECTION_PREFIX: Final = b"archives/correction/"
CORRECTION_BY_SOURCE_PREFIX: Final = b"archives/correction_by_source/"
CORRECTION_BY_SUBJECT_PREFIX: Final = b"archives/correction_by_subject/"

CORRECTION_PENDING: Final = "pending"
CORRECTION_CORRECTED: Final = "corrected"
CORRECTION_REFUSED: Final = "refused"
CORRECTION_STATUSES: Final = (CORRECTION_PENDING, CORRECTION_CORRECTED, CORRECTION_REFUSED)
OUTCOMES: Final = (CORRECTION_CORRECTED, CORRECTION_REFUSED)

VERSION_DIGITS: Final = 10


@dataclass(frozen=True, slots=True)
class ArchiveRecord:
    """The on-chain part of one archive record: where it came from and a hash of it."""

    record_id: str
    """Chosen by the source, ``[A-Za-z0-9._:-]{8,64}``, unique on the chain."""

    subject: str
    """Holder id of the person or enterprise whose file holds it."""

    subject_kind: str
    """``person`` or ``enterprise``."""

    category: str
    """Catalogue id of its category."""

    source: str
    """Id of the organisation that appended it (the one corrections go to)."""

    source_department: str
    """The department within the source, as the source names it (free text)."""

    content_hash: str
    """SHA-256 (lowercase hex) of the current version's off-chain content."""

    version: int
    """1 when appended, + 1 per amendment or correction."""

    claimed: bool
    """Whether the holder (or a delegate) has claimed it (数据申领)."""

    claimed_height: int
    """Height of the claim; 0 if unclaimed."""

    claimed_by: str
    """Holder id of who claimed it (the subject or a delegate); empty if unclaimed."""

    appended_height: int
    """Height of the block that appended it."""

    appended_tx: str
    """Hash (lowercase hex) of the transaction that appended it."""

    version_height: int
    """Height from which the current version holds."""

    pending_correction: str
    """Id of the correction awaiting the source's answer; empty if none."""

    def to_json(self) -> dict[str, Any]:
        """The record as a JSON object."""
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}

    @staticmethod
    def from_json(record: Mapping[str, Any]) -> ArchiveRecord:
        """Rebuild a record from its JSON object."""
        return ArchiveRecord(
            **{field.name: record[field.name] for field in dataclasses.fields(ArchiveRecord)}
        )


@dataclass(frozen=True, slots=True)
class Correction:
    """A holder's request to correct a record (数据纠错) and the source's answer."""

    correction_id: str
    """Chosen by the requester, unique on the chain."""

    record_id: str
    """The record to correct."""

    subject: str
    """Holder id whose file holds the record."""

    source: str
    """Organisation that must answer."""

    category: str
    """The record's category."""

    requested_by: str
    """Holder id of who asked (the subject or a delegate)."""

    delegation_id: str
    """The delegation the requester acted under; empty if the subject asked."""

    reason: str
    """What is wrong, as the requester put it (free text, no personal data)."""

    status: str
    """One of :data:`CORRECTION_STATUSES`."""

    resolution: str
    """The source's explanation of its answer; empty while pending."""

    version_before: int
    """The record's version when the correction was asked for."""

    new_version: int
    """The version the correction produced; 0 unless corrected."""

    requested_height: int
    """Height of the request."""

    resolved_height: int
    """Height of the source's answer; 0 while pending."""

    def to_json(self) -> dict[str, Any]:
        """The record as a JSON object."""
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}

    @staticmethod
    def from_json(record: Mapping[str, Any]) -> Correction:
        """Rebuild a record from its JSON object."""
        return Correction(
            **{field.name: record[field.name] for field in dataclasses.fields(Correction)}
        )


# --- Keys and accessors --------------------------------------------------------------------


def get_record_key(record_id: str) -> bytes:
    """State key of an archive record."""
    return RECORD_PREFIX + record_id.encode("ascii")


def get_by_subject_prefix(subject: str, category: str | None = None) -> bytes:
    """Prefix of a subject's records (of one category, if given) in the by-subject index."""
    prefix = BY_SUBJECT_PREFIX + subject.encode("ascii") + b"/"
    return prefix if category is None else prefix + category.encode("ascii") + b"/"


def get_version_prefix(record_id: str) -> bytes:
    """Prefix of a record's replaced versions."""
    return VERSION_PREFIX + record_id.encode("ascii") + b"/"


def get_version_key(record_id: str, version: int) -> bytes:
    """Key of one replaced version."""
    return get_version_prefix(record_id) + str(version).zfill(VERSION_DIGITS).encode("ascii")


def get_correction_key(correction_id: str) -> bytes:
    """State key of a correction."""
    return CORRECTION_PREFIX + correction_id.encode("ascii")


def get_record(state: StateReader, record_id: str) -> ArchiveRecord | None:
    """The record with this id, or None."""
    value = state.get(get_record_key(record_id))
    return None if value is None else ArchiveRecord.from_json(load_json(value))


def get_correction(state: StateReader, correction_id: str) -> Correction | None:
    """The correction with this id, or None."""
    value = state.get(get_correction_key(correction_id))
    return None if value is None else Correction.from_json(load_json(value))


def _get_existing_record(state: StateReader, record_id: str) -> ArchiveRecord:
    record = get_record(state, record_id)
    if record is None:
        raise ContractError(NOT_FOUND, f"no archive record {record_id}")
    return record


def _encode(record: ArchiveRecord | Correction) -> bytes:
    return canonical_json(record.to_json())


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
        raise ContractError(
            FAILED_PRECONDITION, f"record {record.record_id} has {limits.VERSIONS_MAX} versions"
        )
    replaced = {
        "version": record.version,
        "content_hash": record.content_hash,
        "from_height": record.version_height,
        "until_height": ctx.height,
        "cause": cause,
        "correction_id": correction_id,
        "reason": reason,
    }
    updated = dataclasses.replace(
        record,
        content_hash=content_hash,
        version=record.version + 1,
        version_height=ctx.height,
        pending_correction="",
    )
    return updated, {get_version_key(record.record_id, record.version): canonical_json(replaced)}


def _check_source(
    state: StateReader, ctx: CallContext, record: ArchiveRecord, doing: str
) -> Organisation:
    sender = principal_of(state, ctx.sender_key)
    if sender is None or sender.id != record.source:
        raise ContractError(
            PERMISSION_DENIED,
            f"only the source {record.source} may {doing} archive record {record.record_id}",
        )
    return sender


# --- Transactions --------------------------------------------------------------------------


def process_append(
    state: StateReader, ctx: CallContext, args: Mapping[str, ArgValue]
) -> CallResult:
    """``append(record_id, subject, category, source_department, content_hash,
    subject_kind?)`` by an archive source for that category.

    ``subject_kind`` (``person`` / ``enterprise``) is needed only for the first record of a
    file in a category both kinds have (credit, real estate).
    """
    # The arguments are well-formed.
    arguments.check_arg_names(
        args,
        required=("record_id", "subject", "category", "source_department", "content_hash"),
        optional=("subject_kind",),
    )
    record_id = arguments.get_new_object_id(args, "record_id")
    subject = arguments.get_holder_id(args, "subject")
    category = arguments.get_choice(args, "category", tuple(RECORD_CATEGORIES))
    department = arguments.get_free_text(
        args, "source_department", length_max=limits.DEPARTMENT_LENGTH_MAX
    )
    content_hash = arguments.get_doc_hash(args, "content_hash")
    stated_kind = (
        arguments.get_choice(args, "subject_kind", holder_kinds.KINDS)
        if "subject_kind" in args
        else None
    )

    # The sender is an archive source for this category.
    source = principal_of(state, ctx.sender_key)
    if source is None or not source.may_append(category):
        raise ContractError(
            PERMISSION_DENIED, f"only an archive source for {category} may append such records"
        )

    # The record id is new.
    if state.get(get_record_key(record_id)) is not None:
        raise ContractError(ALREADY_EXISTS, f"archive record {record_id} already exists")

    # The file's kind (person or enterprise) fits the category and what was stated.
    file = holder_kinds.get_file(state, subject)
    kinds = RECORD_CATEGORIES[category].subject_kinds
    candidates = [
        kind
        for kind in kinds
        if (file is None or file["kind"] == kind) and stated_kind in (None, kind)
    ]
    if not candidates:
        raise ContractError(
            FAILED_PRECONDITION,
            f"{category} records belong in a {' or '.join(kinds)} file, and holder {subject}'s"
            " file is not one",
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
    summary = {
        "subject": subject,
        "kind": kind,
        "created_height": ctx.height if file is None else file["created_height"],
        "record_count": 1 if file is None else file["record_count"] + 1,
    }
    event = make_event(
        "archive.appended",
        _record_subjects(record),
        _record_attrs(record, source_department=department, subject_kind=kind),
    )
    return make_result(
        {
            get_record_key(record_id): _encode(record),
            get_by_subject_prefix(subject, category) + record_id.encode("ascii"): canonical_json(
                record_id
            ),
            holder_kinds.get_file_key(subject): canonical_json(summary),
        },
        [event],
    )


def process_amend(state: StateReader, ctx: CallContext, args: Mapping[str, ArgValue]) -> CallResult:
    """``amend(record_id, content_hash, reason)`` by the source: a new version on its own
    initiative (the data changed at the source); the replaced version is kept."""
    arguments.check_arg_names(args, required=("record_id", "content_hash", "reason"))
    record_id = arguments.get_object_id(args, "record_id")
    content_hash = arguments.get_doc_hash(args, "content_hash")
    reason = arguments.get_free_text(args, "reason", length_max=limits.REASON_LENGTH_MAX)

    # The record exists; the sender is its source and still a source for its category.
    record = _get_existing_record(state, record_id)
    source = _check_source(state, ctx, record, "amend")
    if not source.may_append(record.category):
        raise ContractError(
            PERMISSION_DENIED, f"organisation {source.id} is no longer a {record.category} source"
        )

    # No correction is pending (the source answers it instead).
    if record.pending_correction:
        raise ContractError(
            FAILED_PRECONDITION,
            f"correction {record.pending_correction} of record {record_id} is pending: resolve it",
        )

    # Effect: the next version.
    updated, writes = _new_version(record, content_hash, ctx, "amended", "", reason)
    writes[get_record_key(record_id)] = _encode(updated)
    event = make_event(
        "archive.amended",
        _record_subjects(updated),
        _record_attrs(updated, old_content_hash=record.content_hash, reason=reason),
    )
    return make_result(writes, [event])


def process_claim(state: StateReader, ctx: CallContext, args: Mapping[str, ArgValue]) -> CallResult:
    """``claim(record_id)`` by the subject or a delegate in force for archives (数据申领)."""
    arguments.check_arg_names(args, required=("record_id",))
    record_id = arguments.get_object_id(args, "record_id")

    # The record exists and the sender acts for its subject.
    record = _get_existing_record(state, record_id)
    actor = resolve_actor(
        state,
        ctx,
        record.subject,
        ACTION_ARCHIVES,
        f"claim archive record {record_id}",
        record_categories=(record.category,),
    )

    # It is not claimed yet.
    if record.claimed:
        raise ContractError(FAILED_PRECONDITION, f"archive record {record_id} is already claimed")

    # Effect: claimed.
    claimed = dataclasses.replace(
        record, claimed=True, claimed_height=ctx.height, claimed_by=actor.holder
    )
    event = make_event(
        "archive.claimed",
        _record_subjects(record, actor),
        _record_attrs(record, **actor.get_attrs()),
    )
    return make_result({get_record_key(record_id): _encode(claimed)}, [event])


def process_request_correction(
    state: StateReader, ctx: CallContext, args: Mapping[str, ArgValue]
) -> CallResult:
    """``request_correction(correction_id, record_id, reason)`` by the subject or a delegate
    in force for archives (数据纠错); the record's source must answer."""
    arguments.check_arg_names(args, required=("correction_id", "record_id", "reason"))
    correction_id = arguments.get_new_object_id(args, "correction_id")
    record_id = arguments.get_object_id(args, "record_id")
    reason = arguments.get_free_text(args, "reason", length_max=limits.REASON_LENGTH_MAX)

    # The record exists and the sender acts for its subject.
    record = _get_existing_record(state, record_id)
    actor = resolve_actor(
        state,
        ctx,
        record.subject,
        ACTION_ARCHIVES,
        f"ask for a correction of archive record {record_id}",
        record_categories=(record.category,),
    )

    # The id is new and no other correction of the record is pending.
    if state.get(get_correction_key(correction_id)) is not None:
        raise ContractError(ALREADY_EXISTS, f"correction {correction_id} already exists")
    if record.pending_correction:
        raise ContractError(
            FAILED_PRECONDITION,
            f"correction {record.pending_correction} of record {record_id} is still pending",
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
    cid = correction_id.encode("ascii")
    entry = canonical_json(correction_id)
    event = make_event(
        "archive.correction_requested",
        (*_record_subjects(record, actor), correction_id),
        _record_attrs(record, reason=reason, **actor.get_attrs()),
    )
    return make_result(
        {
            get_correction_key(correction_id): _encode(correction),
            get_record_key(record_id): _encode(marked),
            CORRECTION_BY_SOURCE_PREFIX + record.source.encode("ascii") + b"/" + cid: entry,
            CORRECTION_BY_SUBJECT_PREFIX + record.subject.encode("ascii") + b"/" + cid: entry,
        },
        [event],
    )


def process_resolve_correction(
    state: StateReader, ctx: CallContext, args: Mapping[str, ArgValue]
) -> CallResult:
    """``resolve_correction(correction_id, outcome, reason, content_hash?)`` by the record's
    source: ``corrected`` with the new version's ``content_hash``, or ``refused`` (with the
    reason the holder sees). The old version is kept either way."""
    arguments.check_arg_names(
        args, required=("correction_id", "outcome", "reason"), optional=("content_hash",)
    )
    correction_id = arguments.get_object_id(args, "correction_id")
    outcome = arguments.get_choice(args, "outcome", OUTCOMES)
    reason = arguments.get_free_text(args, "reason", length_max=limits.REASON_LENGTH_MAX)
    content_hash = arguments.get_doc_hash(args, "content_hash") if "content_hash" in args else ""
    if (outcome == CORRECTION_CORRECTED) != bool(content_hash):
        raise arguments.invalid("content_hash is given exactly when the outcome is corrected")

    # The correction exists, the sender is the record's source, and it is pending.
    correction = get_correction(state, correction_id)
    if correction is None:
        raise ContractError(NOT_FOUND, f"no correction {correction_id}")
    record = _get_existing_record(state, correction.record_id)
    _check_source(state, ctx, record, "resolve corrections of")
    if correction.status != CORRECTION_PENDING:
        raise ContractError(
            FAILED_PRECONDITION, f"correction {correction_id} is already {correction.status}"
        )

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
    writes[get_record_key(record.record_id)] = _encode(updated)
    writes[get_correction_key(correction_id)] = _encode(resolved)
    name = "archive.corrected" if outcome == CORRECTION_CORRECTED else "archive.correction_refused"
    subjects = (*_record_subjects(record), correction_id)
    if correction.requested_by != record.subject:
        subjects = (*subjects, correction.requested_by)
    event = make_event(
        name,
        subjects,
        _record_attrs(updated, old_content_hash=record.content_hash, reason=reason),
    )
    return make_result(writes, [event])


# --- Queries -------------------------------------------------------------------------------


def _get_history(state: StateReader, record: ArchiveRecord) -> list[Any]:
    history = [
        load_json(value)
        for _, value in state.scan(get_version_prefix(record.record_id), limits.VERSIONS_MAX)
    ]
    history.append(
        {
            "version": record.version,
            "content_hash": record.content_hash,
            "from_height": record.version_height,
            "until_height": 0,
            "cause": "current",
            "correction_id": "",
            "reason": "",
        }
    )
    return history


def query_get(state: StateReader, args: Mapping[str, ArgValue], now_ms: int) -> Any:
    """``get(record_id)``: the current record; ``not_found`` if none."""
    arguments.check_arg_names(args, required=("record_id",))
    return _get_existing_record(state, arguments.get_object_id(args, "record_id")).to_json()


def query_history(state: StateReader, args: Mapping[str, ArgValue], now_ms: int) -> Any:
    """``history(record_id)``: every version, oldest first, the current one last."""
    arguments.check_arg_names(args, required=("record_id",))
    record = _get_existing_record(state, arguments.get_object_id(args, "record_id"))
    return {"record_id": record.record_id, "versions": _get_history(state, record)}


def query_list_by_subject(state: StateReader, args: Mapping[str, ArgValue], now_ms: int) -> Any:
    """``list_by_subject(subject, category?, with_history?, limit?)``: the holder's file, in
    category then record id order; with ``with_history=true`` each record lists its versions."""
    arguments.check_arg_names(
        args, required=("subject",), optional=("category", "with_history", "limit")
    )
    subject = arguments.get_holder_id(args, "subject")
    category = (
        arguments.get_choice(args, "category", tuple(RECORD_CATEGORIES))
        if "category" in args
        else None
    )
    with_history = arguments.get_bool(args, "with_history", default=False)
    limit = arguments.get_list_limit(args)
    records = []
    for _, value in state.scan(get_by_subject_prefix(subject, category), limit):
        record = get_record(state, load_json(value))
        if record is None:
            raise RuntimeError("archives by-subject index names a missing record")
        item = record.to_json()
        if with_history:
            item["versions"] = _get_history(state, record)
        records.append(item)
    return records


def query_file(state: StateReader, args: Mapping[str, ArgValue], now_ms: int) -> Any:
    """``file(subject)``: the file summary (kind, record count); ``not_found`` if empty."""
    arguments.check_arg_names(args, required=("subject",))
    subject = arguments.get_holder_id(args, "subject")
    file = holder_kinds.get_file(state, subject)
    if file is None:
        raise ContractError(NOT_FOUND, f"holder {subject} has no archive file")
    return file


def query_correction(state: StateReader, args: Mapping[str, ArgValue], now_ms: int) -> Any:
    """``correction(correction_id)``: one correction; ``not_found`` if none."""
    arguments.check_arg_names(args, required=("correction_id",))
    correction_id = arguments.get_object_id(args, "correction_id")
    correction = get_correction(state, correction_id)
    if correction is None:
        raise ContractError(NOT_FOUND, f"no correction {correction_id}")
    return correction.to_json()


def _list_corrections(
    state: StateReader, args: Mapping[str, ArgValue], prefix: bytes
) -> list[dict[str, Any]]:
    status = arguments.get_choice(args, "status", CORRECTION_STATUSES) if "status" in args else None
    limit = arguments.get_list_limit(args)
    records = []
    for _, value in state.scan(prefix, limits.SCAN_LIMIT_MAX if status else limit):
        correction = get_correction(state, load_json(value))
        if correction is None:
            raise RuntimeError("correction index names a missing correction")
        if status is None or correction.status == status:
            records.append(correction.to_json())
            if len(records) == limit:
                break
    return records


def query_corrections_by_source(
    state: StateReader, args: Mapping[str, ArgValue], now_ms: int
) -> Any:
    """``corrections_by_source(org_id, status?, limit?)``: corrections a source must answer
    (``status="pending"``) or has answered, in correction id order."""
    arguments.check_arg_names(args, required=("org_id",), optional=("status", "limit"))
    org_id = arguments.get_org_id(args, "org_id")
    return _list_corrections(
        state, args, CORRECTION_BY_SOURCE_PREFIX + org_id.encode("ascii") + b"/"
    )


def query_corrections_by_subject(
    state: StateReader, args: Mapping[str, ArgValue], now_ms: int
) -> Any:
    """``corrections_by_subject(subject, status?, limit?)``: a holder's corrections."""
    arguments.check_arg_names(args, required=("subject",), optional=("status", "limit"))
    subject = arguments.get_holder_id(args, "subject")
    return _list_corrections(
        state, args, CORRECTION_BY_SUBJECT_PREFIX + subject.encode("ascii") + b"/"
    )


def query_categories(state: StateReader, args: Mapping[str, ArgValue], now_ms: int) -> Any:
    """``categories()``: the record category catalogue."""
    arguments.check_arg_names(args, required=())
    return [
        {
            "id": category.id,
            "name_zh": category.name_zh,
            "name_en": category.name_en,
            "subject_kinds": list(category.subject_kinds),
        }
        for category in RECORD_CATEGORIES.values()
    ]


TRANSACTIONS: Final[Mapping[str, TransactionHandler]] = MappingProxyType(
    {
        "append": process_append,
        "amend": process_amend,
        "claim": process_claim,
        "request_correction": process_request_correction,
        "resolve_correction": process_resolve_correction,
    }
)
QUERIES: Final[Mapping[str, QueryHandler]] = MappingProxyType(
    {
        "get": query_get,
        "history": query_history,
        "list_by_subject": query_list_by_subject,
        "file": query_file,
        "correction": query_correction,
        "corrections_by_source": query_corrections_by_source,
        "corrections_by_subject": query_corrections_by_subject,
        "categories": query_categories,
    }
)
