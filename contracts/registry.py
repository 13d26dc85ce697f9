"""The registry of contract implementations shipped in this code, by name and version.

Which version runs is state (:mod:`contracts.versions`); this module only says what each
version is. A new version of a contract is added here and in ``SHIPPED_VERSIONS``, then
activated on-chain by a governance proposal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from contracts import archives, certificates, consent, delegation, governance, membership
from contracts.interface import QueryHandler, TransactionHandler
from contracts.versions import SHIPPED_VERSIONS


@dataclass(frozen=True, slots=True)
class SystemContract:
    """A contract as the runtime sees it: its methods, by name."""

    name: str
    """Name used in transactions, e.g. ``"certificates"``; also its state key prefix."""

    transactions: Mapping[str, TransactionHandler]
    """Methods that change state."""

    queries: Mapping[str, QueryHandler]
    """Read-only methods."""

    version: int = 1
    """Which implementation of the contract this is."""


def _contract(
    name: str,
    version: int,
    transactions: Mapping[str, TransactionHandler],
    queries: Mapping[str, QueryHandler],
) -> SystemContract:
    return SystemContract(
        name=name,
        transactions=MappingProxyType(dict(transactions)),
        queries=MappingProxyType(dict(queries)),
        version=version,
    )


_MEMBERSHIP_QUERIES: Final = {**membership.QUERIES, **governance.QUERIES}

REGISTRY: Final[Mapping[str, Mapping[int, SystemContract]]] = MappingProxyType(
    {
        membership.CONTRACT: MappingProxyType(
            {1: _contract(membership.CONTRACT, 1, governance.TRANSACTIONS, _MEMBERSHIP_QUERIES)}
        ),
        certificates.CONTRACT: MappingProxyType(
            {
                1: _contract(
                    certificates.CONTRACT, 1, certificates.TRANSACTIONS, certificates.QUERIES
                )
            }
        ),
        archives.CONTRACT: MappingProxyType(
            {1: _contract(archives.CONTRACT, 1, archives.TRANSACTIONS, archives.QUERIES)}
        ),
        consent.CONTRACT: MappingProxyType(
            {
                1: _contract(consent.CONTRACT, 1, consent.TRANSACTIONS, consent.QUERIES),
                2: _contract(consent.CONTRACT, 2, consent.TRANSACTIONS_V2, consent.QUERIES),
            }
        ),
        delegation.CONTRACT: MappingProxyType(
            {1: _contract(delegation.CONTRACT, 1, delegation.TRANSACTIONS, delegation.QUERIES)}
        ),
    }
)
"""Every shipped implementation: contract name -> version -> contract."""

LATEST: Final[Mapping[str, SystemContract]] = MappingProxyType(
    {name: by_version[max(by_version)] for name, by_version in REGISTRY.items()}
)
"""The newest shipped version of each contract."""

# The registry and the versions governance may activate are the same (constants, not input).
assert {name: tuple(sorted(v)) for name, v in REGISTRY.items()} == dict(SHIPPED_VERSIONS)
