"""The ``consent`` contract as the registry lists it: version 1, and version 2 whose
requests are valid for at most ``CONSENT_VALIDITY_MS_MAX_V2`` (minimal sufficiency)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from contracts.consent import erasure, scope
from contracts.consent.access import process_access
from contracts.consent.queries import QUERIES
from contracts.consent.records import CONTRACT
from contracts.consent.records import get_related as get_request_related
from contracts.consent.transactions import (
    process_grant,
    process_narrow,
    process_refuse,
    process_request,
    process_request_v2,
    process_revoke,
)
from contracts.framework import formats
from contracts.framework.contract import SystemContract, make_contract
from contracts.framework.errors import ContractError
from contracts.framework.interface import ArgValue, QueryHandler, StateReader
from contracts.framework.signature import DeclaredTransaction
from contracts.framework.subjects import collect_subjects

TRANSACTIONS: Final[Mapping[str, DeclaredTransaction]] = MappingProxyType(
    {
        "request": process_request,
        "grant": process_grant,
        "narrow": process_narrow,
        "refuse": process_refuse,
        "revoke": process_revoke,
        "access": process_access,
        "erase": erasure.process_erase,
        "acknowledge_erasure": erasure.process_acknowledge_erasure,
    }
)
"""Version 1 (erasure, added later, is new methods and new state apart)."""

TRANSACTIONS_V2: Final[Mapping[str, DeclaredTransaction]] = MappingProxyType(
    {**TRANSACTIONS, "request": process_request_v2}
)
"""Version 2: requests are valid for at most ``CONSENT_VALIDITY_MS_MAX_V2``."""

ALL_QUERIES: Final[Mapping[str, QueryHandler]] = MappingProxyType({**QUERIES, **erasure.QUERIES})


def get_scope_cert_ids(args: Mapping[str, ArgValue]) -> list[str]:
    """Certificate ids named in a ``scope`` argument, if it parses; never raises."""
    text = args.get("scope")
    if not isinstance(text, str):
        return []
    try:
        items = scope.get_scope(args, "scope")
    except ContractError:
        return []
    return [
        cert_id
        for cert_id in scope.get_cert_ids(items)
        if formats.is_cert_id(cert_id) and not formats.contains_personal_identifier(cert_id)
    ]


def subjects_of(method: str, args: Mapping[str, ArgValue]) -> tuple[str, ...]:
    """Ids a consent call is about, judged from its arguments alone."""
    subjects = collect_subjects(args)
    for cert_id in get_scope_cert_ids(args):
        if cert_id not in subjects:
            subjects.append(cert_id)
    return tuple(subjects)


def get_related(state: StateReader, subject: str) -> list[str]:
    """Ids the consent request or erasure request named ``subject`` is about."""
    return get_request_related(state, subject) or erasure.get_erasure_related(state, subject)


VERSIONS: Final[tuple[SystemContract, ...]] = (
    make_contract(
        CONTRACT, 1, TRANSACTIONS, ALL_QUERIES, subjects_of=subjects_of, get_related=get_related
    ),
    make_contract(
        CONTRACT, 2, TRANSACTIONS_V2, ALL_QUERIES, subjects_of=subjects_of, get_related=get_related
    ),
)
