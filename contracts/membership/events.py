"""Names of the events membership changes emit."""

from __future__ import annotations

from typing import Final

from contracts.framework.interface import EventName

ORG_ADDED: Final = EventName("membership.org_added")
ORG_REMOVED: Final = EventName("membership.org_removed")
ROLES_SET: Final = EventName("membership.roles_set")
ORG_KEY_ROTATED: Final = EventName("membership.org_key_rotated")
VALIDATORS_SCHEDULED: Final = EventName("membership.validators_scheduled")
VALIDATOR_ENDPOINT_SET: Final = EventName("membership.validator_endpoint_set")
