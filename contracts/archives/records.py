"""The records of the ``archives`` contract and their state keys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from contracts.framework.interface import StateReader
from contracts.framework.records import Record
from contracts.framework.store import Index, Table

CONTRACT: Final = "archives"

CORRECTION_PENDING: Final = "pending"
CORRECTION_CORRECTED: Final = "corrected"
CORRECTION_REFUSED: Final = "refused"
CORRECTION_STATUSES: Final = (CORRECTION_PENDING, CORRECTION_CORRECTED, CORRECTION_REFUSED)
OUTCOMES: Final = (CORRECTION_CORRECTED, CORRECTION_REFUSED)


@dataclass(frozen=True, slots=True)
class ArchiveRecord(Record):
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


@dataclass(frozen=True, slots=True)
class Correction(Record):
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


@dataclass(frozen=True, slots=True)
class RecordVersion(Record):
    """A version of a record, kept when a newer one replaced it."""

    version: int
    content_hash: str
    from_height: int
    """Height from which it held."""

    until_height: int
    """Height of the change that replaced it; 0 for the current version."""

    cause: str
    """``amended``, ``corrected`` (or ``current`` for the current version)."""

    correction_id: str
    """The correction that replaced it, if one did."""

    reason: str
    """Why it was replaced."""


# --- Keys and accessors --------------------------------------------------------------------

RECORDS: Final = Table(
    ArchiveRecord, b"archives/record/", "archive record", related=("subject", "source")
)
CORRECTIONS: Final = Table(
    Correction,
    b"archives/correction/",
    "correction",
    related=("subject", "record_id", "source", "requested_by"),
)
BY_SUBJECT: Final = Index(b"archives/by_subject/")
"""A subject's records under its holder id, then the category."""
VERSIONS: Final = Index(b"archives/version/")
"""A record's replaced versions, under its id."""
CORRECTIONS_BY_SOURCE: Final = Index(b"archives/correction_by_source/")
CORRECTIONS_BY_SUBJECT: Final = Index(b"archives/correction_by_subject/")

get_version_key: Final = VERSIONS.numbered_key
"""Key of one replaced version of a record: its id, then the version."""


def get_related(state: StateReader, subject: str) -> list[str]:
    """Ids the record or correction named ``subject`` is about."""
    return RECORDS.get_related(state, subject) + CORRECTIONS.get_related(state, subject)
