"""The ``delegation`` contract as the registry lists it."""

from __future__ import annotations

from typing import Final

from contracts.delegation.queries import QUERIES
from contracts.delegation.records import CONTRACT, get_related
from contracts.delegation.transactions import TRANSACTIONS
from contracts.framework.contract import SystemContract, make_contract

VERSIONS: Final[tuple[SystemContract, ...]] = (
    make_contract(CONTRACT, 1, TRANSACTIONS, QUERIES, get_related=get_related),
)
