"""Names of the events the ``attest`` contract emits."""

from __future__ import annotations

from contracts.framework.interface import EventName, EventNames


class AttestEvent(EventNames, prefix="attest"):
    """Each is ``"attest.<its name in lower case>"``."""

    TYPE_DEFINED: EventName
    PROPOSED: EventName
    SOURCE_CONFIRMED: EventName
    ISSUED: EventName
    REFUSED: EventName
    TIMED_OUT: EventName
