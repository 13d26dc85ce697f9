"""The registry of contract implementations shipped in this code, by name and version.

Which version runs is state (:mod:`contracts.governance.versions`); this module only says
what each version is. Adding a contract is adding its package and one line to
:data:`SHIPPED`; a new version of a contract is added to its package's ``VERSIONS`` and
activated on-chain by a governance proposal.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from contracts.anchoring import contract as anchoring
from contracts.archives import contract as archives
from contracts.attest import contract as attest
from contracts.certificates import contract as certificates
from contracts.consent import contract as consent
from contracts.delegation import contract as delegation
from contracts.framework.contract import SystemContract
from contracts.membership import contract as membership
from contracts.sharing import contract as sharing

SHIPPED: Final[tuple[tuple[SystemContract, ...], ...]] = (
    membership.VERSIONS,
    certificates.VERSIONS,
    archives.VERSIONS,
    consent.VERSIONS,
    delegation.VERSIONS,
    sharing.VERSIONS,
    attest.VERSIONS,
    anchoring.VERSIONS,
)
"""Every contract: the versions of it this build can run (one line per contract)."""

SCHEDULED_AT_GENESIS: Final = frozenset(
    {"membership", "certificates", "archives", "consent", "delegation"}
)
"""The contracts whose version schedule genesis writes. A contract shipped later (``attest``,
``anchoring``) has no entry until governance schedules a version: an absent schedule is version 1
(:func:`contracts.governance.versions.get_schedule`), so adding one leaves the genesis state,
and every existing chain's state roots, as they were."""

REGISTRY: Final[Mapping[str, Mapping[int, SystemContract]]] = MappingProxyType(
    {
        versions[0].name: MappingProxyType({system.version: system for system in versions})
        for versions in SHIPPED
    }
)
"""Every shipped implementation: contract name -> version -> contract."""

LATEST: Final[Mapping[str, SystemContract]] = MappingProxyType(
    {name: by_version[max(by_version)] for name, by_version in REGISTRY.items()}
)
"""The newest shipped version of each contract."""

SHIPPED_VERSIONS: Final[Mapping[str, tuple[int, ...]]] = MappingProxyType(
    {name: tuple(sorted(by_version)) for name, by_version in REGISTRY.items()}
)
"""Every contract and the versions of it governance may activate."""


class RegistryError(RuntimeError):
    """The registry lists a contract twice or a version under the wrong name: a build that
    must not run."""


def check_registry() -> None:
    """Raise :class:`RegistryError` unless every contract and version appears once."""
    for versions in SHIPPED:
        names = {system.name for system in versions}
        numbers = [system.version for system in versions]
        if len(names) != 1 or len(set(numbers)) != len(numbers) or min(numbers) != 1:
            raise RegistryError(f"contract versions {sorted(names)} {numbers} are inconsistent")
    if len(REGISTRY) != len(SHIPPED):
        raise RegistryError("a contract is listed twice")


check_registry()
