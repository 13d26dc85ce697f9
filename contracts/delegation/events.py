"""Names of the events the ``delegation`` contract emits."""

from __future__ import annotations

from typing import Final

from contracts.framework.interface import EventName

REGISTERED: Final = EventName("delegation.registered")
APPOINTED: Final = EventName("delegation.appointed")
ACCEPTED: Final = EventName("delegation.accepted")
DECLINED: Final = EventName("delegation.declined")
REVOKED: Final = EventName("delegation.revoked")
