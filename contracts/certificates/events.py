"""Names of the events the ``certificates`` contract emits."""

from __future__ import annotations

from typing import Final

from contracts.framework.interface import EventName

ISSUED: Final = EventName("certificate.issued")
RENEWED: Final = EventName("certificate.renewed")
AMENDED: Final = EventName("certificate.amended")
SUSPENDED: Final = EventName("certificate.suspended")
REINSTATED: Final = EventName("certificate.reinstated")
REVOKED: Final = EventName("certificate.revoked")
REISSUED: Final = EventName("certificate.reissued")
VERIFIED: Final = EventName("certificate.verified")
