"""The records of the ``anchoring`` contract, their state keys and the anchor id."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from contracts.framework.records import Record
from contracts.framework.store import Index, Table

CONTRACT: Final = "anchoring"

KINDS: Final = ("decision", "document", "inspection", "notice", "payment", "record")
"""What an anchored fact is (one type per anchor, documented in docs/anchoring.md):
``decision`` (an administrative or court decision), ``document`` (a contract, an agreement,
a filing), ``inspection`` (an inspection or enforcement report), ``notice`` (a notice served
or published), ``payment`` (a fee, fine or payment voucher), ``record`` (any other business
record of the subsystem)."""

ANCHOR_ID_PREFIX: Final = "an"
"""An anchor id is this followed by its root in lowercase hex (66 characters)."""

_ANCHOR_ID_RE: Final = re.compile(r"an[0-9a-f]{64}")


def anchor_id_of(root: str) -> str:
    """The id of the anchor of ``root`` (lowercase hex): the root itself, recognisable."""
    return ANCHOR_ID_PREFIX + root


def is_anchor_id(value: str) -> bool:
    """Whether ``value`` is an anchor id (random hex after ``an``: never personal)."""
    return _ANCHOR_ID_RE.fullmatch(value) is not None


@dataclass(frozen=True, slots=True)
class Anchor(Record):
    """One anchored root: who anchored it, when, and what it covers."""

    anchor_id: str
    """``an`` + :attr:`root`."""

    root: str
    """Merkle root (lowercase hex, the chain suite's hash) over the batch's fact hashes."""

    count: int
    """How many fact hashes the root covers (1 for a single fact)."""

    kind: str
    """One of :data:`KINDS`."""

    case_ref: str
    """The case reference the facts belong to (screened free text)."""

    org: str
    """Id of the member organisation that anchored it."""

    height: int
    """Height of the block that anchored it."""

    time_ms: int
    """That block's time (ms since the Unix epoch): when the facts are proven to exist."""

    tx: str
    """Hash (lowercase hex) of the anchoring transaction."""


ANCHORS: Final = Table(Anchor, b"anchoring/anchor/", "anchor")
BY_ORG: Final = Index(b"anchoring/by_org/")
