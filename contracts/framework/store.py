"""Reading records and index entries from state, the same way in every contract.

A :class:`Table` is one record type stored at ``<prefix><id>``: its key, its lookup, its
``not_found`` error and the ids a record is about are declared once with it instead of a
function each per record type.
An :class:`Index` maps ``<prefix><owner>/<id>`` to the id as a JSON string; a list query
scans an owner's prefix and loads each record the entries name.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Final, Generic, TypeVar

from contracts.framework import limits
from contracts.framework.codec import canonical_json, load_json
from contracts.framework.errors import not_found
from contracts.framework.interface import StateReader
from contracts.framework.records import Record

T = TypeVar("T")
R = TypeVar("R", bound=Record)

NUMBER_DIGITS: Final = 10
"""Width of the number ending a numbered index key (a record's version): zero-padded to it,
the numbers of one owner scan in numeric order up to 9,999,999,999."""


@dataclass(frozen=True, slots=True)
class Table(Generic[R]):
    """The records of one type, each stored at ``prefix`` + its id."""

    record_type: type[R]
    prefix: bytes
    """Ends with ``/``; no other table's prefix starts with it."""

    what: str
    """What a ``not_found`` error calls one record: ``no <what> <id>``."""

    decode: Callable[[bytes], R] | None = None
    """Replaces ``record_type.decode`` (e.g. a memoised one for records read on every call)."""

    id_encoding: str = "ascii"
    """How an id becomes key bytes (kept per table: the keys already on chain depend on it)."""

    related: tuple[str, ...] = ()
    """The fields of a record that hold the ids it is about (its holder, organisations, other
    records): the audit index files a call that names the record under these ids too."""

    def __post_init__(self) -> None:
        # A misspelt name would fail only inside the audit index, which swallows errors:
        # refuse it when the table is declared instead.
        fields = {field.name for field in dataclasses.fields(self.record_type)}  # type: ignore[arg-type]
        unknown = [name for name in self.related if name not in fields]
        if unknown:
            raise TypeError(f"{self.what} records have no field {', '.join(unknown)}")

    def key(self, record_id: str) -> bytes:
        """State key of the record ``record_id``."""
        return self.prefix + record_id.encode(self.id_encoding)

    def get(self, state: StateReader, record_id: str) -> R | None:
        """The record ``record_id``, or None."""
        value = state.get(self.key(record_id))
        if value is None:
            return None
        return self.record_type.decode(value) if self.decode is None else self.decode(value)

    def get_existing(self, state: StateReader, record_id: str) -> R:
        """The record ``record_id``; ``not_found`` if there is none."""
        return get_existing(self.get(state, record_id), f"{self.what} {record_id}")

    def get_related(self, state: StateReader, record_id: str) -> list[str]:
        """The ids the record ``record_id`` is about (its :attr:`related` fields, in that
        order, empty ones included); none if there is no such record."""
        found = self.get(state, record_id)
        return [] if found is None else [getattr(found, name) for name in self.related]


@dataclass(frozen=True, slots=True)
class Texts:
    """Short ASCII values kept at ``<prefix><id>``, apart from the record of that id: added
    to a record type after chains were made, they leave its bytes (and those chains' state
    roots) as they were, and are written only when a call gives one."""

    prefix: bytes
    """Ends with ``/``; no other table's or index's prefix starts with it."""

    def key(self, record_id: str) -> bytes:
        """State key of the value for ``record_id``."""
        return self.prefix + record_id.encode("ascii")

    def get(self, state: StateReader, record_id: str) -> str | None:
        """The value for ``record_id``, or None."""
        value = state.get(self.key(record_id))
        return None if value is None else value.decode("ascii")

    def write(self, record_id: str, value: str) -> dict[bytes, bytes | None]:
        """The write setting the value for ``record_id``."""
        return {self.key(record_id): value.encode("ascii")}


@dataclass(frozen=True, slots=True)
class Index:
    """Entries ``<prefix><owner parts>/<id>``: one owner's records (a holder's certificates,
    a record's replaced versions...) in id order, found by scanning the owner's prefix."""

    prefix: bytes
    """Ends with ``/``; no other table's or index's prefix starts with it."""

    def prefix_of(self, *owner: str) -> bytes:
        """Prefix of the entries under ``owner`` (one or more parts, e.g. holder, category)."""
        return self.prefix + b"".join(part.encode("ascii") + b"/" for part in owner)

    def key(self, *path: str) -> bytes:
        """Key of one entry: the owner parts, then the entry's own id."""
        return self.prefix_of(*path[:-1]) + path[-1].encode("ascii")

    def numbered_key(self, owner: str, number: int) -> bytes:
        """Key of the entry numbered ``number`` under ``owner`` (one of a record's replaced
        versions), the number padded to :data:`NUMBER_DIGITS` so they scan in order."""
        return self.key(owner, str(number).zfill(NUMBER_DIGITS))

    def write(self, *path: str) -> dict[bytes, bytes | None]:
        """The write adding the entry at ``path``, naming the record whose id ends the path."""
        return {self.key(*path): encode_index_entry(path[-1])}


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


def scan_index_matching(
    state: StateReader,
    prefix: bytes,
    limit: int,
    get: Callable[[StateReader, str], T | None],
    keep: Callable[[T], bool] | None,
) -> list[T]:
    """The first ``limit`` records under ``prefix`` that ``keep`` accepts, in key order.

    A filter cannot know how many entries it will pass over, so with ``keep`` the scan reads
    up to ``SCAN_LIMIT_MAX`` entries (matches past them are not found); without it, only
    ``limit``.
    """
    if keep is None:
        return list(scan_index(state, prefix, limit, get))
    matching: list[T] = []
    for found in scan_index(state, prefix, limits.SCAN_LIMIT_MAX, get):
        if keep(found):
            matching.append(found)
            if len(matching) == limit:
                break
    return matching


def get_existing(found: T | None, what: str) -> T:
    """``found``, or ``not_found`` "no <what>" if it is None."""
    if found is None:
        raise not_found(f"no {what}")
    return found
