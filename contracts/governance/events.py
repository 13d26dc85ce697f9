"""Names of the events governance emits (under the ``membership`` contract)."""

from __future__ import annotations

from contracts.framework.interface import EventName, EventNames


class GovernanceEvent(EventNames, prefix="membership"):
    """Each is ``"membership.<its name in lower case>"``."""

    PROPOSED: EventName
    APPROVED: EventName
    PROPOSAL_APPLIED: EventName
    PROPOSAL_FAILED: EventName
    CONTRACT_VERSION_SCHEDULED: EventName
    QUORUM_SET: EventName
