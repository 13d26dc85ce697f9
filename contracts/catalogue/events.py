"""Names of the events catalogue changes emit (under the ``membership`` contract, whose
governance approves them)."""

from __future__ import annotations

from contracts.framework.interface import EventName, EventNames


class CatalogueEvent(EventNames, prefix="membership"):
    """Each is ``"membership.<its name in lower case>"``."""

    CATALOGUE_REGISTERED: EventName
    CATALOGUE_RETIRED: EventName
