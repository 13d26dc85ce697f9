"""Names of the events the ``sharing`` contract emits."""

from __future__ import annotations

from contracts.framework.interface import EventName, EventNames


class ShareEvent(EventNames, prefix="sharing"):
    """Each is ``"sharing.<its name in lower case>"``."""

    APPLIED: EventName
    APPROVED: EventName
    REFUSED: EventName
    SHARED: EventName
    RATED: EventName
