"""The ``membership`` contract's queries on organisations and validators."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from contracts.framework.interface import QueryHandler, StateReader
from contracts.framework.signature import LIMIT, Signature, Values, integer, query
from contracts.membership import credit_codes, trust, validator_set
from contracts.membership.org_actions import ORG_ID
from contracts.membership.organisations import (
    ORGANISATIONS,
    decode_organisation,
    list_organisations,
)


@query(Signature(ORG_ID))
def query_get(state: StateReader, args: Values, now_ms: int) -> Any:
    """``get(org_id)``: one organisation, with its ``credit_code`` if it has one
    (:mod:`contracts.membership.credit_codes`); ``not_found`` if there is none."""
    org = ORGANISATIONS.get_existing(state, args[ORG_ID])
    code = credit_codes.get_credit_code(state, org.id)
    return org.to_json() if code is None else {**org.to_json(), "credit_code": code}


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


@query(Signature())
def query_trust(state: StateReader, args: Values, now_ms: int) -> Any:
    """``trust()``: every member organisation (in id order) with its CA certificate (PEM
    text, or null if it has none) and the serials it has revoked (canonical lowercase hex,
    in numeric order): what the node builds its transport trust snapshot from."""
    organisations = []
    for org in list_organisations(state):
        ca = trust.CAS.get(state, org.id)
        organisations.append(
            {
                "org_id": org.id,
                "ca_certificate": None if ca is None else ca.pem,
                "ca_set_height": None if ca is None else ca.set_height,
                "revoked_serials": trust.list_revoked_serials(state, org.id),
            }
        )
    return {"organisations": organisations}


QUERIES: Final[Mapping[str, QueryHandler]] = MappingProxyType(
    {"get": query_get, "list": query_list, "validators": query_validators, "trust": query_trust}
)
