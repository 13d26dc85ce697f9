"""The records of the ``attest`` contract, their keys, and an attestation's status at a time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from contracts.framework.interface import StateReader
from contracts.framework.records import Record
from contracts.framework.store import Index, Table

CONTRACT: Final = "attest"

STATUS_AWAITING_SOURCES: Final = "awaiting_sources"
STATUS_AWAITING_OWNER: Final = "awaiting_owner"
STATUS_ISSUED: Final = "issued"
STATUS_REFUSED: Final = "refused"
STATUS_TIMED_OUT: Final = "timed_out"
STATUSES: Final = (
    STATUS_AWAITING_SOURCES,
    STATUS_AWAITING_OWNER,
    STATUS_ISSUED,
    STATUS_REFUSED,
    STATUS_TIMED_OUT,
)
OPEN_STATUSES: Final = (STATUS_AWAITING_SOURCES, STATUS_AWAITING_OWNER)
"""The statuses in which an attestation still waits for an answer."""

ANSWER_PENDING: Final = ""
ANSWER_CONFIRMED: Final = "confirmed"
ANSWER_REFUSED: Final = "refused"
ANSWER_MISMATCH: Final = "mismatch"
"""A source's answer: none yet, its record hashes the same, it refused, its record differs."""

REASON_MISMATCH: Final = "the source's record does not match"
"""The reason an attestation is refused with when a source's record hashes differently."""


@dataclass(frozen=True, slots=True)
class AttestationType(Record):
    """A kind of attestation and the organisations that must confirm one (defined on chain
    by the organisation that issues it)."""

    type_id: str
    """Catalogue-style id, ``[a-z][a-z0-9_]{0,47}``, e.g. ``property_attestation``."""

    name_zh: str
    """Display name, e.g. ``不动产权属证明``."""

    name_en: str
    """Display name, e.g. ``Property attestation``."""

    issuer: str
    """The organisation that defined the type: the only one that may propose one of it."""

    sources: tuple[str, ...]
    """Organisation ids that must each confirm their record, sorted."""

    other_party: bool
    """Whether an attestation of this type names another party, told of it too."""

    defined_height: int
    """Height of the block that defined it."""


@dataclass(frozen=True, slots=True)
class SourceAnswer(Record):
    """One source organisation's part in one attestation."""

    org: str
    """The source organisation."""

    record_hash: str
    """The salted hash of the record the issuer expects it to hold (hex)."""

    answer: str
    """``""`` until it answers, then ``confirmed``, ``refused`` or ``mismatch``."""

    height: int
    """Height of its answer; 0 until it answers."""


@dataclass(frozen=True, slots=True)
class Attestation(Record):
    """One proposed attestation and every answer to it."""

    attestation_id: str
    """Chosen by the issuer, ``[A-Za-z0-9._:-]{8,64}``, unique on the chain."""

    type_id: str
    """Its :class:`AttestationType`."""

    issuer: str
    """The proposing organisation."""

    holder: str
    """Holder id of the owner, who confirms it last."""

    other_party: str
    """Holder id of the other party named in it; empty when its type names none."""

    doc_hash: str
    """The salted hash of the attestation document (kept off chain by the holder)."""

    sources: tuple[SourceAnswer, ...]
    """Each source and its answer, in organisation id order."""

    deadline_ms: int
    """Block time after which nobody may answer and it times out unissued."""

    status: str
    """One of :data:`STATUSES`."""

    reason: str
    """Why it was refused or timed out; empty otherwise."""

    decided_by: str
    """Who refused it (an organisation id or the holder id), or the holder once issued."""

    proposed_height: int
    """Height of the proposal."""

    decided_height: int
    """Height of the final outcome (issued, refused, timed out); 0 while open."""


TYPES: Final = Table(AttestationType, b"attest/type/", "attestation type")
ATTESTATIONS: Final = Table(Attestation, b"attest/attestation/", "attestation")
BY_PARTY: Final = Index(b"attest/by_party/")
"""Under the holder and under the other party."""
BY_ORG: Final = Index(b"attest/by_org/")
"""Under the issuer and under each source."""


def is_open(attestation: Attestation) -> bool:
    """Whether the attestation still waits for an answer (as recorded)."""
    return attestation.status in OPEN_STATUSES


def is_past_deadline(attestation: Attestation, now_ms: int) -> bool:
    """Whether ``now_ms`` is after the attestation's deadline."""
    return now_ms > attestation.deadline_ms


def compute_status(attestation: Attestation, now_ms: int) -> str:
    """The status at ``now_ms``: an open attestation past its deadline has timed out even
    before anyone records it."""
    if is_open(attestation) and is_past_deadline(attestation, now_ms):
        return STATUS_TIMED_OUT
    return attestation.status


def get_waiting_for(attestation: Attestation) -> list[str]:
    """Who must answer next: the sources that have not, or the holder once they all have."""
    if attestation.status == STATUS_AWAITING_OWNER:
        return [attestation.holder]
    if attestation.status != STATUS_AWAITING_SOURCES:
        return []
    return [source.org for source in attestation.sources if source.answer == ANSWER_PENDING]


def get_attestation_json(attestation: Attestation, now_ms: int) -> dict[str, Any]:
    """The record as a query returns it, with its status and who it waits for at ``now_ms``."""
    record = attestation.to_json()
    status = compute_status(attestation, now_ms)
    record["recorded_status"] = attestation.status
    record["status"] = status
    record["waiting_for"] = get_waiting_for(attestation) if status in OPEN_STATUSES else []
    return record


def get_parties(attestation: Attestation) -> tuple[str, ...]:
    """The holder, and the other party if any: both are told of every step (双告知)."""
    if attestation.other_party:
        return (attestation.holder, attestation.other_party)
    return (attestation.holder,)


def get_subjects(attestation: Attestation) -> tuple[str, ...]:
    """What an event about ``attestation`` is indexed under: its parties, the attestation,
    its issuer and its sources."""
    return (
        *get_parties(attestation),
        attestation.attestation_id,
        attestation.issuer,
        *(source.org for source in attestation.sources),
    )


def get_related(state: StateReader, subject: str) -> list[str]:
    """Ids the attestation named ``subject`` is about (for the audit index)."""
    attestation = ATTESTATIONS.get(state, subject)
    if attestation is None:
        return []
    return [found for found in get_subjects(attestation) if found != subject]
