"""Names of the events the ``anchoring`` contract emits."""

from __future__ import annotations

from contracts.framework.interface import EventName, EventNames


class AnchoringEvent(EventNames, prefix="anchoring"):
    """Each is ``"anchoring.<its name in lower case>"``."""

    ANCHORED: EventName
