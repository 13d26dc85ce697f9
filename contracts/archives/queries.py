"""The ``archives`` contract's queries."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from contracts.archives import files
from contracts.archives.records import (
    BY_SUBJECT,
    CORRECTION_STATUSES,
    CORRECTIONS,
    CORRECTIONS_BY_SOURCE,
    CORRECTIONS_BY_SUBJECT,
    RECORDS,
    VERSIONS,
    ArchiveRecord,
    RecordVersion,
)
from contracts.archives.transactions import (
    CATEGORY,
    CORRECTION_ID,
    RECORD_ID,
    SUBJECT,
)
from contracts.catalogue import lookup
from contracts.framework import arguments, limits
from contracts.framework.codec import load_json
from contracts.framework.errors import not_found
from contracts.framework.interface import QueryHandler, StateReader
from contracts.framework.signature import LIMIT, Signature, Values, choice, flag, query, text
from contracts.framework.store import scan_index, scan_index_matching

WITH_HISTORY = flag("with_history")
STATUS = choice("status", CORRECTION_STATUSES).maybe()


def _get_history(state: StateReader, record: ArchiveRecord) -> list[Any]:
    history = [
        load_json(value)
        for _, value in state.scan(VERSIONS.prefix_of(record.record_id), limits.VERSIONS_MAX)
    ]
    current = RecordVersion(
        record.version, record.content_hash, record.version_height, 0, "current", "", ""
    )
    history.append(current.to_json())
    return history


@query(Signature(RECORD_ID))
def query_get(state: StateReader, args: Values, now_ms: int) -> Any:
    """``get(record_id)``: the current record; ``not_found`` if none."""
    return RECORDS.get_existing(state, args[RECORD_ID]).to_json()


@query(Signature(RECORD_ID))
def query_history(state: StateReader, args: Values, now_ms: int) -> Any:
    """``history(record_id)``: every version, oldest first, the current one last."""
    record = RECORDS.get_existing(state, args[RECORD_ID])
    return {"record_id": record.record_id, "versions": _get_history(state, record)}


@query(Signature(SUBJECT, CATEGORY.maybe(), WITH_HISTORY, LIMIT))
def query_list_by_subject(state: StateReader, args: Values, now_ms: int) -> Any:
    """``list_by_subject(subject, category?, with_history?, limit?)``: the holder's file, in
    category then record id order; with ``with_history=true`` each record lists its versions."""
    category = args.get(CATEGORY, None)
    if category is not None and lookup.CATEGORIES.get(state, category) is None:
        raise arguments.invalid(f"record category {category} is not in the catalogue")
    owner = (args[SUBJECT],) if category is None else (args[SUBJECT], category)
    prefix = BY_SUBJECT.prefix_of(*owner)
    with_history = args.get(WITH_HISTORY, False)
    records = []
    for record in scan_index(state, prefix, args.get_limit(), RECORDS.get):
        item = record.to_json()
        if with_history:
            item["versions"] = _get_history(state, record)
        records.append(item)
    return records


@query(Signature(SUBJECT))
def query_file(state: StateReader, args: Values, now_ms: int) -> Any:
    """``file(subject)``: the file summary (kind, record count); ``not_found`` if empty."""
    subject = args[SUBJECT]
    found = files.FILES.get(state, subject)
    if found is None:
        raise not_found(f"holder {subject} has no archive file")
    return found.to_json()


@query(Signature(CORRECTION_ID))
def query_correction(state: StateReader, args: Values, now_ms: int) -> Any:
    """``correction(correction_id)``: one correction; ``not_found`` if none."""
    return CORRECTIONS.get_existing(state, args[CORRECTION_ID]).to_json()


def _list_corrections(state: StateReader, args: Values, prefix: bytes) -> list[dict[str, Any]]:
    status = args.get(STATUS, None)
    keep = None if status is None else (lambda correction: correction.status == status)
    found = scan_index_matching(state, prefix, args.get_limit(), CORRECTIONS.get, keep)
    return [correction.to_json() for correction in found]


ORG_ID = text("org_id", arguments.ORG_ID)


@query(Signature(ORG_ID, STATUS, LIMIT))
def query_corrections_by_source(state: StateReader, args: Values, now_ms: int) -> Any:
    """``corrections_by_source(org_id, status?, limit?)``: corrections a source must answer
    (``status="pending"``) or has answered, in correction id order."""
    prefix = CORRECTIONS_BY_SOURCE.prefix_of(args[ORG_ID])
    return _list_corrections(state, args, prefix)


@query(Signature(SUBJECT, STATUS, LIMIT))
def query_corrections_by_subject(state: StateReader, args: Values, now_ms: int) -> Any:
    """``corrections_by_subject(subject, status?, limit?)``: a holder's corrections."""
    prefix = CORRECTIONS_BY_SUBJECT.prefix_of(args[SUBJECT])
    return _list_corrections(state, args, prefix)


@query(Signature())
def query_categories(state: StateReader, args: Values, now_ms: int) -> Any:
    """``categories()``: the record category catalogue."""
    return [
        {
            **listed.entry.get_names_json(),
            "subject_kinds": list(listed.entry.subject_kinds),
            "version": listed.standing.version,
            "from_height": listed.standing.from_height,
            "retired_height": listed.standing.retired_height,
        }
        for listed in lookup.CATEGORIES.get_all(state)
    ]


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
