"""Names of the events governance emits (under the ``membership`` contract)."""

from __future__ import annotations

from typing import Final

from contracts.framework.interface import EventName

PROPOSED: Final = EventName("membership.proposed")
APPROVED: Final = EventName("membership.approved")
PROPOSAL_APPLIED: Final = EventName("membership.proposal_applied")
PROPOSAL_FAILED: Final = EventName("membership.proposal_failed")
CONTRACT_VERSION_SCHEDULED: Final = EventName("membership.contract_version_scheduled")
QUORUM_SET: Final = EventName("membership.quorum_set")
