"""The ``membership`` contract: organisations, validators and governance, in one.

Its transactions are governance's ``propose`` and ``approve`` (what a proposal may change is
the union of the organisation, validator set and governance actions) and an organisation's
own ``set_ca`` and ``revoke_certificate`` (:mod:`contracts.membership.trust_transactions`).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from contracts.catalogue import actions as catalogue_actions
from contracts.framework.contract import SystemContract, make_contract
from contracts.governance import actions as governance_actions
from contracts.governance import proposals
from contracts.governance.plans import Action
from contracts.governance.queries import QUERIES as GOVERNANCE_QUERIES
from contracts.membership import org_actions, trust_transactions, validator_actions
from contracts.membership.organisations import CONTRACT
from contracts.membership.queries import QUERIES

ACTIONS: Final[Mapping[str, Action]] = MappingProxyType(
    {
        **org_actions.ACTIONS,
        **validator_actions.ACTIONS,
        **governance_actions.ACTIONS,
        **catalogue_actions.ACTIONS,
    }
)
"""Every governance action, by name."""

VERSIONS: Final[tuple[SystemContract, ...]] = (
    make_contract(
        CONTRACT,
        1,
        {**proposals.make_transactions(ACTIONS), **trust_transactions.TRANSACTIONS},
        {**QUERIES, **GOVERNANCE_QUERIES},
        get_related=proposals.get_related,
    ),
)
