"""Names of the events the ``archives`` contract emits."""

from __future__ import annotations

from typing import Final

from contracts.framework.interface import EventName

APPENDED: Final = EventName("archive.appended")
AMENDED: Final = EventName("archive.amended")
CLAIMED: Final = EventName("archive.claimed")
CORRECTION_REQUESTED: Final = EventName("archive.correction_requested")
CORRECTED: Final = EventName("archive.corrected")
CORRECTION_REFUSED: Final = EventName("archive.correction_refused")
