"""The ids a call is about, judged from its arguments alone (for the node's audit index).

Every contract names its records with the same argument names, so one table says which
arguments carry ids and how to recognise a well-formed one. Only well-formed ids are
returned, and never one that looks like an ID number or credit code: garbage arguments add
no subjects and nothing personal reaches the index.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

from contracts.framework import formats
from contracts.framework.identity import is_holder_id
from contracts.framework.interface import ArgValue


def _is_safe_object_id(s: str) -> bool:
    return formats.is_object_id(s) and not formats.contains_personal_identifier(s)


def _is_safe_cert_id(s: str) -> bool:
    return formats.is_cert_id(s) and not formats.contains_personal_identifier(s)


def _is_safe_validator_id(s: str) -> bool:
    return formats.is_validator_id(s) and not formats.contains_personal_identifier(s)


SUBJECT_ARGS: Final[tuple[tuple[str, Callable[[str], bool]], ...]] = (
    ("holder", is_holder_id),
    ("subject", is_holder_id),
    ("principal", is_holder_id),
    ("delegate", is_holder_id),
    ("cert_id", _is_safe_cert_id),
    ("new_cert_id", _is_safe_cert_id),
    ("record_id", _is_safe_object_id),
    ("request_id", _is_safe_object_id),
    ("correction_id", _is_safe_object_id),
    ("delegation_id", _is_safe_object_id),
    ("verification_id", _is_safe_object_id),
    ("proposal_id", _is_safe_object_id),
    ("org_id", formats.is_org_id),
    ("operator", formats.is_org_id),
    ("validator_id", _is_safe_validator_id),
)
"""Arguments that name a subject, in the order subjects are listed, with their format."""


def collect_subjects(args: Mapping[str, ArgValue]) -> list[str]:
    """The well-formed ids among ``args``, in :data:`SUBJECT_ARGS` order, without repeats."""
    subjects: list[str] = []
    for name, is_well_formed in SUBJECT_ARGS:
        value = args.get(name)
        if isinstance(value, str) and is_well_formed(value) and value not in subjects:
            subjects.append(value)
    return subjects
