"""Names of the events the ``consent`` contract emits."""

from __future__ import annotations

from contracts.framework.interface import EventName, EventNames


class ConsentEvent(EventNames, prefix="consent"):
    """Each is ``"consent.<its name in lower case>"``."""

    REQUESTED: EventName
    GRANTED: EventName
    NARROWED: EventName
    REFUSED: EventName
    REVOKED: EventName
    ACCESSED: EventName
    ERASURE_REQUESTED: EventName
    ERASURE_ACKNOWLEDGED: EventName
