"""The ``anchoring`` contract as the registry lists it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from contracts.anchoring.queries import QUERIES
from contracts.anchoring.records import CONTRACT, anchor_id_of
from contracts.anchoring.transactions import TRANSACTIONS
from contracts.framework import formats
from contracts.framework.contract import SystemContract, make_contract
from contracts.framework.interface import ArgValue
from contracts.framework.subjects import collect_subjects


def subjects_of(method: str, args: Mapping[str, ArgValue]) -> tuple[str, ...]:
    """The anchor a call is about (from its root, if well formed), so a refused anchor (a
    second one of a root, a non-member's) shows in the anchor's trace."""
    subjects = collect_subjects(args)
    root = args.get("root")
    if isinstance(root, str) and formats.is_doc_hash(root):
        subjects.append(anchor_id_of(root))
    return tuple(subjects)


VERSIONS: Final[tuple[SystemContract, ...]] = (
    make_contract(CONTRACT, 1, TRANSACTIONS, QUERIES, subjects_of=subjects_of),
)
