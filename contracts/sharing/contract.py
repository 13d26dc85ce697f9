"""The ``sharing`` contract as the registry lists it: version 1."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from contracts.framework import formats
from contracts.framework.contract import SystemContract, make_contract
from contracts.framework.interface import ArgValue
from contracts.framework.signature import DeclaredTransaction
from contracts.framework.subjects import collect_subjects
from contracts.sharing.applications import (
    process_apply,
    process_approve,
    process_narrow,
    process_refuse,
)
from contracts.sharing.queries import QUERIES
from contracts.sharing.records import CONTRACT, get_related
from contracts.sharing.shares import process_execute, process_rate

TRANSACTIONS: Final[Mapping[str, DeclaredTransaction]] = MappingProxyType(
    {
        "apply": process_apply,
        "approve": process_approve,
        "narrow": process_narrow,
        "refuse": process_refuse,
        "execute": process_execute,
        "rate": process_rate,
    }
)

ID_ARGS: Final = ("owner", "application_id", "consent_request_id")
"""The arguments naming ids that the shared table of subject arguments does not list."""


def _is_subject(name: str, value: ArgValue) -> bool:
    if not isinstance(value, str):
        return False
    if name == "owner":
        return formats.is_org_id(value)
    return formats.is_object_id(value) and not formats.contains_personal_identifier(value)


def subjects_of(method: str, args: Mapping[str, ArgValue]) -> tuple[str, ...]:
    """Ids a sharing call is about, judged from its arguments alone: the holder (if named),
    the owner, the application and the consent grant."""
    subjects = collect_subjects(args)
    for name in ID_ARGS:
        value = args.get(name)
        if value is not None and _is_subject(name, value) and value not in subjects:
            subjects.append(str(value))
    return tuple(subjects)


VERSIONS: Final[tuple[SystemContract, ...]] = (
    make_contract(
        CONTRACT, 1, TRANSACTIONS, QUERIES, subjects_of=subjects_of, get_related=get_related
    ),
)
