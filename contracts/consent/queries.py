"""The ``consent`` contract's queries."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from contracts.consent.records import (
    BY_AGENCY,
    BY_HOLDER,
    PURPOSE_CODES,
    REQUESTS,
    STATUSES,
    ConsentRequest,
    get_request_json,
    is_in_force,
)
from contracts.consent.transactions import HOLDER, REQUEST_ID
from contracts.framework import arguments
from contracts.framework.arguments import Args
from contracts.framework.interface import QueryHandler, StateReader
from contracts.framework.signature import (
    LIMIT,
    Arg,
    Signature,
    Values,
    choice_kind,
    flag,
    query,
    text,
)
from contracts.framework.store import scan_index_matching


def _read_status(args: Args, name: str) -> str:
    status = arguments.get_str(args, name)
    if status not in STATUSES:
        raise arguments.invalid(f"{name} must be one of {', '.join(STATUSES)}")
    return status


STATUS = Arg("status", _read_status, choice_kind(STATUSES), optional=True)
IN_FORCE = flag("in_force")
AGENCY = text("agency", arguments.ORG_ID)


@query(Signature(REQUEST_ID))
def query_get(state: StateReader, args: Values, now_ms: int) -> Any:
    """``get(request_id)``: the record, with ``in_force`` at ``now_ms`` (and ``purpose_code``
    when its call gave one); ``not_found`` if none."""
    return _get_json(state, REQUESTS.get_existing(state, args[REQUEST_ID]), now_ms)


def _get_json(state: StateReader, request: ConsentRequest, now_ms: int) -> dict[str, Any]:
    record = get_request_json(request, now_ms)
    code = PURPOSE_CODES.get(state, request.request_id)
    return record if code is None else {**record, "purpose_code": code}


def _list(state: StateReader, prefix: bytes, now_ms: int, args: Values) -> list[dict[str, Any]]:
    status, in_force_only = args.get(STATUS, None), args.get(IN_FORCE, False)

    def is_listed(request: ConsentRequest) -> bool:
        if status is not None and request.status != status:
            return False
        return not in_force_only or is_in_force(request, now_ms)

    keep = is_listed if status is not None or in_force_only else None
    found = scan_index_matching(state, prefix, args.get_limit(), REQUESTS.get, keep)
    return [_get_json(state, request, now_ms) for request in found]


@query(Signature(HOLDER, STATUS, IN_FORCE, LIMIT))
def query_list_by_holder(state: StateReader, args: Values, now_ms: int) -> Any:
    """``list_by_holder(holder, status?, in_force?, limit?)``: the holder's requests in
    request id order; with ``status``, only those whose stored status is that one; with
    ``in_force=true``, only grants in force at ``now_ms`` (filters read at most
    ``SCAN_LIMIT_MAX`` of the holder's requests)."""
    return _list(state, BY_HOLDER.prefix_of(args[HOLDER]), now_ms, args)


@query(Signature(AGENCY, STATUS, IN_FORCE, LIMIT))
def query_list_by_agency(state: StateReader, args: Values, now_ms: int) -> Any:
    """``list_by_agency(agency, status?, in_force?, limit?)``: an agency's requests."""
    return _list(state, BY_AGENCY.prefix_of(args[AGENCY]), now_ms, args)


QUERIES: Final[Mapping[str, QueryHandler]] = MappingProxyType(
    {
        "get": query_get,
        "list_by_holder": query_list_by_holder,
        "list_by_agency": query_list_by_agency,
    }
)
