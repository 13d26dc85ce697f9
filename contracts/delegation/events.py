"""Names of the events the ``delegation`` contract emits."""

from __future__ import annotations

from contracts.framework.interface import EventName, EventNames


class DelegationEvent(EventNames, prefix="delegation"):
    """Each is ``"delegation.<its name in lower case>"``."""

    REGISTERED: EventName
    APPOINTED: EventName
    ACCEPTED: EventName
    DECLINED: EventName
    REVOKED: EventName
