"""Checks that many contracts' ``process_*`` functions make alike, written once so every
contract refuses the same case with the same words.

The checks of one record store's lookups (``not_found``) are :meth:`Table.get_existing
<contracts.framework.store.Table.get_existing>`; the ones here are about a call that
creates a record.
"""

from __future__ import annotations

from typing import TypeVar

from contracts.framework.errors import already_exists
from contracts.framework.interface import StateReader
from contracts.framework.records import Record
from contracts.framework.store import Table

R = TypeVar("R", bound=Record)


def check_new(state: StateReader, table: Table[R], record_id: str) -> None:
    """A call that creates record ``record_id`` of ``table`` finds the id free;
    ``already_exists`` "<what> <id> already exists" otherwise (a record is never replaced
    by a second create: its id is what other records and events refer to)."""
    if state.get(table.key(record_id)) is not None:
        raise already_exists(f"{table.what} {record_id} already exists")
