"""Reading records and index entries from state, the same way in every contract.

Indexes map ``<prefix>/<id>`` to the id as a JSON string; a list query scans the prefix and
loads each record the entries name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

from contracts.framework.codec import canonical_json, load_json
from contracts.framework.errors import NOT_FOUND, ContractError
from contracts.framework.interface import StateReader

T = TypeVar("T")


def encode_index_entry(record_id: str) -> bytes:
    """The value of an index entry: the record's id as a JSON string."""
    return canonical_json(record_id)


def scan_index(
    state: StateReader, prefix: bytes, limit: int, get: Callable[[StateReader, str], T | None]
) -> Iterator[T]:
    """The records an index names under ``prefix`` (at most ``limit`` entries), in key order.

    An entry naming a missing record is a broken invariant of the contract, not bad input.
    """
    for key, value in state.scan(prefix, limit):
        found = get(state, load_json(value))
        if found is None:
            raise RuntimeError(f"index entry {key!r} names a missing record")
        yield found


def get_existing(found: T | None, what: str) -> T:
    """``found``, or ``not_found`` "no <what>" if it is None."""
    if found is None:
        raise ContractError(NOT_FOUND, f"no {what}")
    return found
