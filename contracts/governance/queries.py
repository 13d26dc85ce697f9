"""The ``membership`` contract's governance queries: proposals, the quorum, contract versions."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from contracts.framework import limits
from contracts.framework.interface import QueryHandler, StateReader
from contracts.framework.signature import LIMIT, Signature, Values, choice, integer, query
from contracts.governance import versions
from contracts.governance.proposals import (
    PROPOSAL_ID,
    PROPOSALS,
    STATUSES,
    Proposal,
    get_proposal_json,
)
from contracts.governance.quorum import get_quorum
from contracts.membership.organisations import count_organisations, list_organisations

HEIGHT = integer("height", 0).maybe()
STATUS = choice("status", STATUSES).maybe()


@query(Signature(PROPOSAL_ID))
def query_proposal(state: StateReader, args: Values, now_ms: int) -> Any:
    """``proposal(proposal_id)``: one proposal; ``not_found`` if there is none."""
    proposal_id = args[PROPOSAL_ID]
    proposal = PROPOSALS.get_existing(state, proposal_id)
    return get_proposal_json(state, proposal, now_ms)


@query(Signature(STATUS, LIMIT))
def query_proposals(state: StateReader, args: Values, now_ms: int) -> Any:
    """``proposals(status?, limit?)``: proposals in id order, optionally of one status."""
    status = args.get(STATUS, None)
    limit = args.get_limit()
    records = []
    for _, value in state.scan(PROPOSALS.prefix, limits.SCAN_LIMIT_MAX):
        proposal = Proposal.decode(value)
        if status is None or proposal.status == status:
            records.append(get_proposal_json(state, proposal, now_ms))
            if len(records) == limit:
                break
    return records


@query(Signature())
def query_quorum(state: StateReader, args: Values, now_ms: int) -> Any:
    """``quorum()``: the rule, the number of members and the approvals a proposal needs."""
    rule = get_quorum(state)
    organisations = count_organisations(state)
    return {
        **rule.to_json(),
        "organisations": organisations,
        "approvals_needed": rule.get_approvals_needed(organisations),
        "members": [org.id for org in list_organisations(state)],
    }


@query(Signature(HEIGHT))
def query_contract_versions(state: StateReader, args: Values, now_ms: int) -> Any:
    """``contract_versions(height?)``: per contract, the version at ``height`` (default: the
    last scheduled), the versions shipped and the activation schedule."""
    height = args.get(HEIGHT, None)
    result = {}
    shipped = versions.get_shipped_versions()
    for contract in sorted(shipped):
        schedule = versions.get_schedule(state, contract)
        result[contract] = {
            "version": versions.get_version_at(schedule, height),
            "shipped": list(shipped[contract]),
            "schedule": [[h, v] for h, v in schedule],
        }
    return result


QUERIES: Final[Mapping[str, QueryHandler]] = MappingProxyType(
    {
        "proposal": query_proposal,
        "proposals": query_proposals,
        "quorum": query_quorum,
        "contract_versions": query_contract_versions,
    }
)
