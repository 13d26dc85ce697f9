"""Contract versions: which implementation of each contract runs at which height.

Implementations are shipped in code (:mod:`contracts.registry`, which also says which versions
of each contract this build has); which one runs is state.
Genesis activates version 1 of every contract at height 0. A later version becomes active
only through an approved ``activate_contract_version`` governance proposal, at
``decided_height + CONTRACT_ACTIVATION_DELAY``, so every validator switches at the same
height: the schedule is part of the replicated state, read by the runtime for each call.

State:

- ``membership/contract_version/<contract>`` -> JSON list of ``[activation_height, version]``
  pairs in ascending height order (the schedule of that contract)
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Final

from contracts.framework import limits
from contracts.framework.codec import canonical_json, load_json
from contracts.framework.interface import StateReader


def get_shipped_versions() -> Mapping[str, tuple[int, ...]]:
    """Every contract and the versions of it this build can run.

    Looked up in :mod:`contracts.registry` when asked, not at import: the registry imports
    every contract, and the membership contract's governance actions import this module.
    """
    from contracts.registry import SHIPPED_VERSIONS

    return SHIPPED_VERSIONS


GENESIS_VERSION: Final = 1
"""The version of every contract active from genesis."""

SCHEDULE_PREFIX: Final = b"membership/contract_version/"

Schedule = tuple[tuple[int, int], ...]
"""(activation height, version) pairs in ascending height order."""


def get_schedule_key(contract: str) -> bytes:
    """State key of a contract's version schedule."""
    return SCHEDULE_PREFIX + contract.encode("ascii")


def encode_schedule(schedule: Schedule) -> bytes:
    """The stored bytes of a schedule."""
    return canonical_json([[height, version] for height, version in schedule])


def get_schedule(state: StateReader, contract: str) -> Schedule:
    """The version schedule of ``contract`` (genesis version from height 0 if none stored)."""
    value = state.get(get_schedule_key(contract))
    if value is None:
        return ((0, GENESIS_VERSION),)
    return _decode_schedule(value)


@functools.lru_cache(maxsize=limits.DECODED_RECORDS_CACHED_MAX)
def _decode_schedule(value: bytes) -> Schedule:
    """Memoised on the bytes (immutable result): every transaction reads its contract's."""
    return tuple((int(height), int(version)) for height, version in load_json(value))


def get_version_at(schedule: Schedule, height: int | None) -> int:
    """The version active at ``height`` (None: the last scheduled, even if still pending)."""
    active = schedule[0][1]
    for activation_height, version in schedule:
        if height is None or activation_height <= height:
            active = version
    return active


def get_active_version(state: StateReader, contract: str, height: int | None) -> int:
    """The version of ``contract`` that runs a call in the block at ``height``."""
    return get_version_at(get_schedule(state, contract), height)


def genesis_writes() -> dict[bytes, bytes]:
    """Version 1 of every contract genesis schedules, active from height 0 (a contract
    shipped later runs version 1 from its absent schedule: ``registry.SCHEDULED_AT_GENESIS``)."""
    from contracts.registry import SCHEDULED_AT_GENESIS

    return {
        get_schedule_key(contract): encode_schedule(((0, GENESIS_VERSION),))
        for contract in sorted(get_shipped_versions())
        if contract in SCHEDULED_AT_GENESIS
    }
