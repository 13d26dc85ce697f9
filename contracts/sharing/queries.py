"""The ``sharing`` contract's queries: an application, an agency's applications (made or
received), and an owner's ratings."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from contracts.framework import arguments
from contracts.framework.interface import QueryHandler, StateReader
from contracts.framework.signature import LIMIT, Signature, Values, query, text
from contracts.framework.store import scan_index
from contracts.sharing.applications import APPLICATION_ID, OWNER
from contracts.sharing.records import (
    APPLICATIONS,
    BY_APPLICANT,
    BY_OWNER,
    RATED,
    get_application_json,
)

AGENCY = text("agency", arguments.ORG_ID)


@query(Signature(APPLICATION_ID))
def query_get(state: StateReader, args: Values, now_ms: int) -> Any:
    """``get(application_id)``: the application with its ``state`` at ``now_ms``
    (``expired``, ``lapsed`` or its stored status); ``not_found`` if none."""
    return get_application_json(APPLICATIONS.get_existing(state, args[APPLICATION_ID]), now_ms)


def _list(state: StateReader, prefix: bytes, args: Values, now_ms: int) -> list[dict[str, Any]]:
    found = scan_index(state, prefix, args.get_limit(), APPLICATIONS.get)
    return [get_application_json(application, now_ms) for application in found]


@query(Signature(AGENCY, LIMIT))
def query_list_by_applicant(state: StateReader, args: Values, now_ms: int) -> Any:
    """``list_by_applicant(agency, limit?)``: the applications an agency made, by id."""
    return _list(state, BY_APPLICANT.prefix_of(args[AGENCY]), args, now_ms)


@query(Signature(AGENCY, LIMIT))
def query_list_by_owner(state: StateReader, args: Values, now_ms: int) -> Any:
    """``list_by_owner(agency, limit?)``: the applications made to an agency, by id."""
    return _list(state, BY_OWNER.prefix_of(args[AGENCY]), args, now_ms)


@query(Signature(OWNER, LIMIT))
def query_ratings(state: StateReader, args: Values, now_ms: int) -> Any:
    """``ratings(owner, limit?)``: the ratings of an owner's shares, by application id, with
    their count and sum (the average is the reader's division: no floats in contracts)."""
    found = list(
        scan_index(state, RATED.prefix_of(args[OWNER]), args.get_limit(), APPLICATIONS.get)
    )
    ratings = [
        {
            "application_id": share.application_id,
            "applicant": share.applicant,
            "comment": share.comment,
            "data_item": share.data_item,
            "rated_height": share.rated_height,
            "rating": share.rating,
        }
        for share in found
    ]
    return {
        "count": len(ratings),
        "owner": args[OWNER],
        "ratings": ratings,
        "rating_sum": sum(share.rating for share in found),
    }


QUERIES: Final[Mapping[str, QueryHandler]] = MappingProxyType(
    {
        "get": query_get,
        "list_by_applicant": query_list_by_applicant,
        "list_by_owner": query_list_by_owner,
        "ratings": query_ratings,
    }
)
