"""Whether a holder id names a person or an enterprise, as far as the chain knows.

Holder ids are pseudonyms and say nothing by themselves. A holder's archive file records
its kind when the first record is appended (一人一档 for a person, 一企一档 for an
enterprise); delegations and archives use it to refuse mixing the two (a guardian for an
enterprise, a legal representative for a person).

State (written by :mod:`contracts.archives.transactions`):

- ``archives/file/<holder id>`` -> the holder's file summary (:class:`ArchiveFile`)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from contracts.framework.interface import StateReader
from contracts.framework.records import Record
from contracts.framework.store import Table

KIND_PERSON: Final = "person"
KIND_ENTERPRISE: Final = "enterprise"
KINDS: Final = (KIND_PERSON, KIND_ENTERPRISE)


@dataclass(frozen=True, slots=True)
class ArchiveFile(Record):
    """The summary of one holder's file."""

    subject: str
    """The holder id."""

    kind: str
    """One of :data:`KINDS`."""

    created_height: int
    """Height of the block that appended its first record."""

    record_count: int
    """Records appended to it."""


FILES: Final = Table(ArchiveFile, b"archives/file/", "archive file")
"""Keyed by holder id; a holder has none until something is appended to its file."""


def get_kind(state: StateReader, subject: str) -> str | None:
    """``"person"``, ``"enterprise"``, or None if the chain does not know."""
    found = FILES.get(state, subject)
    return None if found is None else found.kind
