"""The ``attest`` contract as the registry lists it: version 1."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from contracts.attest import transactions, types
from contracts.attest.queries import QUERIES
from contracts.attest.records import CONTRACT, get_related
from contracts.framework import formats
from contracts.framework.contract import SystemContract, make_contract
from contracts.framework.identity import is_holder_id
from contracts.framework.interface import ArgValue
from contracts.framework.signature import DeclaredTransaction
from contracts.framework.subjects import collect_subjects

TRANSACTIONS: Final[Mapping[str, DeclaredTransaction]] = MappingProxyType(
    {
        "define_type": types.process_define_type,
        "propose": transactions.process_propose,
        "confirm": transactions.process_confirm,
        "refuse": transactions.process_refuse,
        "owner_confirm": transactions.process_owner_confirm,
        "owner_refuse": transactions.process_owner_refuse,
        "expire": transactions.process_expire,
    }
)


def subjects_of(method: str, args: Mapping[str, ArgValue]) -> tuple[str, ...]:
    """Ids an attest call is about, judged from its arguments alone: the holder, the other
    party and the attestation (so a refused call shows in their traces too)."""
    subjects = collect_subjects(args)
    other_party, attestation_id = args.get("other_party"), args.get("attestation_id")
    if isinstance(other_party, str) and is_holder_id(other_party):
        subjects.append(other_party)
    if (
        isinstance(attestation_id, str)
        and formats.is_object_id(attestation_id)
        and not formats.contains_personal_identifier(attestation_id)
    ):
        subjects.append(attestation_id)
    return tuple(dict.fromkeys(subjects))


VERSIONS: Final[tuple[SystemContract, ...]] = (
    make_contract(
        CONTRACT, 1, TRANSACTIONS, QUERIES, subjects_of=subjects_of, get_related=get_related
    ),
)
