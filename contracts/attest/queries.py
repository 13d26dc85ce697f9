"""The ``attest`` contract's queries."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from contracts.attest.records import (
    ATTESTATIONS,
    BY_ORG,
    BY_PARTY,
    OPEN_STATUSES,
    TYPES,
    Attestation,
    compute_status,
    get_attestation_json,
)
from contracts.attest.transactions import ATTESTATION_ID, HOLDER
from contracts.attest.types import TYPE_ID
from contracts.framework import arguments
from contracts.framework.interface import QueryHandler, StateReader
from contracts.framework.signature import LIMIT, Signature, Values, flag, query, text
from contracts.framework.store import scan_index_matching

OPEN = flag("open")
"""Only attestations still waiting for an answer, within their deadline."""
ORG = text("org", arguments.ORG_ID)


@query(Signature(ATTESTATION_ID))
def query_get(state: StateReader, args: Values, now_ms: int) -> Any:
    """``get(attestation_id)``: the record, with its status at ``now_ms`` and who it waits
    for; ``not_found`` if none."""
    return get_attestation_json(ATTESTATIONS.get_existing(state, args[ATTESTATION_ID]), now_ms)


@query(Signature(TYPE_ID))
def query_get_type(state: StateReader, args: Values, now_ms: int) -> Any:
    """``get_type(type_id)``: the attestation type; ``not_found`` if none."""
    return TYPES.get_existing(state, args[TYPE_ID]).to_json()


def _list(state: StateReader, prefix: bytes, now_ms: int, args: Values) -> list[dict[str, Any]]:
    def is_waiting(attestation: Attestation) -> bool:
        return compute_status(attestation, now_ms) in OPEN_STATUSES

    keep = is_waiting if args.get(OPEN, False) else None
    found = scan_index_matching(state, prefix, args.get_limit(), ATTESTATIONS.get, keep)
    return [get_attestation_json(attestation, now_ms) for attestation in found]


@query(Signature(HOLDER, OPEN, LIMIT))
def query_list_by_party(state: StateReader, args: Values, now_ms: int) -> Any:
    """``list_by_party(holder, open?, limit?)``: the attestations naming ``holder`` as their
    holder or their other party, in id order (with ``open=true``, only those still waiting
    for an answer within their deadline)."""
    return _list(state, BY_PARTY.prefix_of(args[HOLDER]), now_ms, args)


@query(Signature(ORG, OPEN, LIMIT))
def query_list_by_org(state: StateReader, args: Values, now_ms: int) -> Any:
    """``list_by_org(org, open?, limit?)``: the attestations ``org`` proposed or is a source
    of."""
    return _list(state, BY_ORG.prefix_of(args[ORG]), now_ms, args)


QUERIES: Final[Mapping[str, QueryHandler]] = MappingProxyType(
    {
        "get": query_get,
        "get_type": query_get_type,
        "list_by_party": query_list_by_party,
        "list_by_org": query_list_by_org,
    }
)
