"""The ``membership`` contract's queries on organisations and validators."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from contracts.framework.interface import QueryHandler, StateReader
from contracts.framework.signature import LIMIT, Signature, Values, integer, query
from contracts.membership import validator_set
from contracts.membership.org_actions import ORG_ID
from contracts.membership.organisations import ORGANISATIONS, decode_organisation


@query(Signature(ORG_ID))
def query_get(state: StateReader, args: Values, now_ms: int) -> Any:
    """``get(org_id)``: one organisation; ``not_found`` if there is none."""
    return ORGANISATIONS.get_existing(state, args[ORG_ID]).to_json()


@query(Signature(LIMIT))
def query_list(state: StateReader, args: Values, now_ms: int) -> Any:
    """``list(limit?)``: organisations in id order."""
    return [
        decode_organisation(value).to_json()
        for _, value in state.scan(ORGANISATIONS.prefix, args.get_limit())
    ]


HEIGHT = integer("height", 0).maybe()


@query(Signature(HEIGHT))
def query_validators(state: StateReader, args: Values, now_ms: int) -> Any:
    """``validators(height?)``: the set deciding ``height`` (default: the last scheduled),
    each validator with its endpoint as decided now (empty if none was decided), and the
    whole schedule of sets (activation heights) for the node and clients."""
    found = validator_set.get_set_at(state, args.get(HEIGHT, None))
    members = []
    for validator in found.validators:
        endpoint = validator_set.ENDPOINTS.get(state, validator.id)
        members.append({**validator.to_json(), "endpoint": endpoint.endpoint if endpoint else ""})
    return {
        **found.to_json(),
        "validators": members,
        "schedule": [
            {"activation_height": s.activation_height, "proposal_id": s.proposal_id}
            for s in validator_set.list_sets(state)
        ],
    }


QUERIES: Final[Mapping[str, QueryHandler]] = MappingProxyType(
    {"get": query_get, "list": query_list, "validators": query_validators}
)
