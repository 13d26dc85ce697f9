"""Names of the events the ``consent`` contract emits."""

from __future__ import annotations

from typing import Final

from contracts.framework.interface import EventName

REQUESTED: Final = EventName("consent.requested")
GRANTED: Final = EventName("consent.granted")
NARROWED: Final = EventName("consent.narrowed")
REFUSED: Final = EventName("consent.refused")
REVOKED: Final = EventName("consent.revoked")
ACCESSED: Final = EventName("consent.accessed")
