"""The records of the ``consent`` contract, their keys, and whether a grant is in force."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Final

from contracts.consent import scope
from contracts.framework.interface import StateReader
from contracts.framework.records import Record
from contracts.framework.store import Index, Table, Texts

CONTRACT: Final = "consent"

STATUS_PENDING: Final = "pending"
STATUS_GRANTED: Final = "granted"
STATUS_REFUSED: Final = "refused"
STATUS_REVOKED: Final = "revoked"
STATUSES: Final = (STATUS_PENDING, STATUS_GRANTED, STATUS_REFUSED, STATUS_REVOKED)


@dataclass(frozen=True, slots=True)
class ConsentRequest(Record):
    """The on-chain record of one consent request and the holder's decision on it."""

    request_id: str
    """Chosen by the agency, ``[A-Za-z0-9._:-]{8,64}``, unique on the chain."""

    agency: str
    """Id of the requesting (verifying) organisation."""

    holder: str
    """Holder id of the person or enterprise asked."""

    cert_id: str
    """The certificate asked for, when the scope is one certificate; empty otherwise."""

    cert_type: str
    """The type asked for, when the scope names one certificate or one type; empty otherwise."""

    purpose: str
    """Why the agency wants the data, as the agency stated it (free text, no personal data)."""

    max_uses: int
    """Uses the agency asked for."""

    granted_uses: int
    """Uses granted (at most ``max_uses``, fewer if narrowed); 0 until granted."""

    uses_left: int
    """Accesses still allowed; 0 unless granted."""

    expires_at_ms: int
    """After this time (ms since the epoch) the request can no longer be granted or used
    (the granted expiry, if the holder chose an earlier one)."""

    status: str
    """One of :data:`STATUSES`."""

    requested_height: int
    """Height of the block that carried the request."""

    decided_height: int
    """Height of the holder's latest decision (grant, narrowing, refusal, revocation)."""

    scope: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    """What the agency asked for (normalised scope items)."""

    granted_scope: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    """What was granted (within ``scope``); empty until granted."""

    requested_expires_at_ms: int = 0
    """The expiry the agency asked for."""

    decided_by: str = ""
    """Holder id of who made the latest decision (the holder or a delegate)."""

    delegation_id: str = ""
    """The delegation the latest decision was made under; empty if the holder decided."""

    last_access_height: int = 0
    """Height of the latest access; 0 if none."""


# --- Keys, accessors and predicates --------------------------------------------------------

REQUESTS: Final = Table(ConsentRequest, b"consent/request/", "consent request")
BY_HOLDER: Final = Index(b"consent/by_holder/")
BY_AGENCY: Final = Index(b"consent/by_agency/")
PURPOSE_CODES: Final = Texts(b"consent/purpose_code/")
"""A request's purpose code (``contracts.catalogue.purposes``), when its call gave one."""

get_request_key: Final = REQUESTS.key
"""State key of a consent request (what the CLI asks the proof of)."""


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


def get_related(state: StateReader, subject: str) -> list[str]:
    """Ids the consent request named ``subject`` is about."""
    request = REQUESTS.get(state, subject)
    if request is None:
        return []
    found = [request.holder, request.agency, *scope.get_cert_ids(request.scope)]
    return [*found, request.decided_by, request.delegation_id]
