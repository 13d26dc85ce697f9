"""Names of the events membership changes emit."""

from __future__ import annotations

from contracts.framework.interface import EventName, EventNames


class MembershipEvent(EventNames, prefix="membership"):
    """Each is ``"membership.<its name in lower case>"``."""

    ORG_ADDED: EventName
    ORG_REMOVED: EventName
    ROLES_SET: EventName
    ORG_KEY_ROTATED: EventName
    VALIDATORS_SCHEDULED: EventName
    VALIDATOR_ENDPOINT_SET: EventName
    CREDIT_CODE_SET: EventName
    CA_SET: EventName
    CA_REMOVED: EventName
    CERTIFICATE_REVOKED: EventName
