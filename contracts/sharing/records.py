"""The record of the ``sharing`` contract, its keys, and the state an application is in at a
given time (an unanswered application expires, an approval lapses after its period)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from contracts.framework.interface import StateReader
from contracts.framework.records import Record
from contracts.framework.store import Index, Table

CONTRACT: Final = "sharing"

STATUS_PENDING: Final = "pending"
STATUS_APPROVED: Final = "approved"
STATUS_REFUSED: Final = "refused"
STATUS_SHARED: Final = "shared"
STATUSES: Final = (STATUS_PENDING, STATUS_APPROVED, STATUS_REFUSED, STATUS_SHARED)

STATE_EXPIRED: Final = "expired"
"""What a query shows for a pending application past its answer deadline."""

STATE_LAPSED: Final = "lapsed"
"""What a query shows for an approval whose period ended before the share was executed."""


@dataclass(frozen=True, slots=True)
class ShareApplication(Record):
    """One agency's application for another agency's data, the owner's answer, the share
    and its rating."""

    application_id: str
    """Chosen by the applicant, ``[A-Za-z0-9._:-]{8,64}``, unique on the chain."""

    applicant: str
    """Id of the applying organisation (A)."""

    owner: str
    """Id of the organisation that owns the data (B)."""

    data_item: str
    """The data asked for: a catalogue id naming the owner's data item (a register, a
    certificate type, a record category)."""

    fields: tuple[str, ...]
    """The fields of the item asked for, sorted; empty for the whole item."""

    purpose_code: str
    """The purpose of use (申请事由), a code of the chain's catalogue."""

    legal_basis: str
    """The law or regulation the application rests on, as the applicant stated it."""

    period_start_ms: int
    """From when the applicant needs the data (ms since the epoch)."""

    period_end_ms: int
    """Until when."""

    answer_by_ms: int
    """The owner's deadline: block time of the application plus ``SHARE_ANSWER_MS``."""

    holder: str
    """The holder the data is about when it is personal; empty otherwise."""

    status: str
    """One of :data:`STATUSES`."""

    applied_height: int
    """Height of the block that carried the application."""

    decided_height: int = 0
    """Height of the owner's answer; 0 until answered."""

    approved_fields: tuple[str, ...] = ()
    """The fields approved (empty: the whole item, or nothing if not approved)."""

    approved_start_ms: int = 0
    approved_end_ms: int = 0
    """The approved period (within the asked one); 0 unless approved."""

    narrowed: bool = False
    """Whether the owner approved less than was asked."""

    reason: str = ""
    """Why the owner refused; empty otherwise."""

    consent_request_id: str = ""
    """The holder's consent grant the share was made under (personal data only)."""

    content_hash: str = ""
    """SHA-256 (hex) of what was shared, as the owner stated it; never the data."""

    shared_height: int = 0
    """Height of the share; 0 until executed."""

    rating: int = 0
    """The applicant's rating of the share, ``SHARE_RATING_MIN..SHARE_RATING_MAX``; 0 until
    rated."""

    comment: str = ""
    """The applicant's comment with its rating."""

    rated_height: int = 0
    """Height of the rating; 0 until rated."""


APPLICATIONS: Final = Table(ShareApplication, b"sharing/application/", "share application")
BY_APPLICANT: Final = Index(b"sharing/by_applicant/")
BY_OWNER: Final = Index(b"sharing/by_owner/")
RATED: Final = Index(b"sharing/rated/")
"""The rated shares of each owner, so its ratings are read without its other applications."""

get_application_key: Final = APPLICATIONS.key
"""State key of an application (what the CLI asks the proof of)."""


def compute_state(application: ShareApplication, now_ms: int) -> str:
    """The stored status, or :data:`STATE_EXPIRED` / :data:`STATE_LAPSED` when time has
    run out on it at ``now_ms``."""
    if application.status == STATUS_PENDING and now_ms > application.answer_by_ms:
        return STATE_EXPIRED
    if application.status == STATUS_APPROVED and now_ms > application.approved_end_ms:
        return STATE_LAPSED
    return application.status


def get_application_json(application: ShareApplication, now_ms: int) -> dict[str, Any]:
    """The record as a query returns it, with ``state`` computed at ``now_ms``."""
    return {**application.to_json(), "state": compute_state(application, now_ms)}


def get_subjects(application: ShareApplication) -> tuple[str, ...]:
    """What every event of an application is about: the holder (if personal), both agencies,
    the application, and the consent grant the share used (once there is one)."""
    found = (
        application.holder,
        application.applicant,
        application.owner,
        application.application_id,
        application.consent_request_id,
    )
    return tuple(subject for subject in found if subject)


def get_related(state: StateReader, subject: str) -> list[str]:
    """Ids the application named ``subject`` is about."""
    application = APPLICATIONS.get(state, subject)
    return [] if application is None else list(get_subjects(application))
