"""The ``delegation`` contract's queries."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from contracts.delegation.records import (
    BY_DELEGATE,
    BY_PRINCIPAL,
    DELEGATIONS,
    get_delegation_json,
)
from contracts.delegation.transactions import DELEGATION_ID
from contracts.framework import arguments, limits
from contracts.framework.interface import QueryHandler, StateReader
from contracts.framework.signature import LIMIT, Signature, Values, choice, flag, query, text
from contracts.framework.store import scan_index

HOLDER = text("holder", arguments.HOLDER_ID)
SIDE = choice("side", ("principal", "delegate")).maybe()
IN_FORCE = flag("in_force")


@query(Signature(DELEGATION_ID))
def query_get(state: StateReader, args: Values, now_ms: int) -> Any:
    """``get(delegation_id)``: the record with ``in_force`` at ``now_ms``."""
    return get_delegation_json(state, DELEGATIONS.get_existing(state, args[DELEGATION_ID]), now_ms)


@query(Signature(HOLDER, SIDE, IN_FORCE, LIMIT))
def query_list_by_holder(state: StateReader, args: Values, now_ms: int) -> Any:
    """``list_by_holder(holder, side?, in_force?, limit?)``: delegations where the holder is
    the principal (``side="principal"``), the delegate (``side="delegate"``) or either (the
    default, principal's first); with ``in_force=true`` only those in force at ``now_ms``."""
    holder, side = args[HOLDER], args.get(SIDE, "")
    in_force_only, limit = args.get(IN_FORCE, False), args.get_limit()
    prefixes = []
    if side in ("", "principal"):
        prefixes.append(BY_PRINCIPAL.prefix_of(holder))
    if side in ("", "delegate"):
        prefixes.append(BY_DELEGATE.prefix_of(holder))
    records: list[dict[str, Any]] = []
    for prefix in prefixes:
        for delegation in scan_index(state, prefix, limits.SCAN_LIMIT_MAX, DELEGATIONS.get):
            record = get_delegation_json(state, delegation, now_ms)
            if in_force_only and not record["in_force"]:
                continue
            records.append(record)
            if len(records) == limit:
                return records
    return records


QUERIES: Final[Mapping[str, QueryHandler]] = MappingProxyType(
    {"get": query_get, "list_by_holder": query_list_by_holder}
)
