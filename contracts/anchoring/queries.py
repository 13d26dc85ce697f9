"""The ``anchoring`` contract's queries: one anchor, or an organisation's anchors."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from contracts.anchoring.records import ANCHORS, BY_ORG, is_anchor_id
from contracts.framework import arguments
from contracts.framework.interface import QueryHandler, StateReader
from contracts.framework.signature import LIMIT, Signature, Values, query, text
from contracts.framework.store import scan_index

ANCHOR_ID_FORMAT: Final = arguments.TextFormat(
    lambda value: None if is_anchor_id(value) else "must be 'an' followed by 64 hex digits",
    "anchor id: an[0-9a-f]{64}",
    66,
    random_hex=True,
)
ANCHOR_ID = text("anchor_id", ANCHOR_ID_FORMAT)
ORG_ID = text("org_id", arguments.ORG_ID)


@query(Signature(ANCHOR_ID))
def query_get(state: StateReader, args: Values, now_ms: int) -> Any:
    """``get(anchor_id)``: the anchor record; ``not_found`` if the root was never anchored."""
    return ANCHORS.get_existing(state, args[ANCHOR_ID]).to_json()


@query(Signature(ORG_ID, LIMIT))
def query_list_by_org(state: StateReader, args: Values, now_ms: int) -> Any:
    """``list_by_org(org_id, limit?)``: the organisation's anchors, in anchor id order."""
    prefix = BY_ORG.prefix_of(args[ORG_ID])
    return [a.to_json() for a in scan_index(state, prefix, args.get_limit(), ANCHORS.get)]


QUERIES: Final[Mapping[str, QueryHandler]] = MappingProxyType(
    {"get": query_get, "list_by_org": query_list_by_org}
)
