"""Names of the events the ``certificates`` contract emits."""

from __future__ import annotations

from contracts.framework.interface import EventName, EventNames


class CertificateEvent(EventNames, prefix="certificate"):
    """Each is ``"certificate.<its name in lower case>"``."""

    ISSUED: EventName
    RENEWED: EventName
    AMENDED: EventName
    SUSPENDED: EventName
    REINSTATED: EventName
    REVOKED: EventName
    REISSUED: EventName
    VERIFIED: EventName
