"""Names of the events the ``archives`` contract emits."""

from __future__ import annotations

from contracts.framework.interface import EventName, EventNames


class ArchiveEvent(EventNames, prefix="archive"):
    """Each is ``"archive.<its name in lower case>"``."""

    APPENDED: EventName
    AMENDED: EventName
    CLAIMED: EventName
    CORRECTION_REQUESTED: EventName
    CORRECTED: EventName
    CORRECTION_REFUSED: EventName
