"""The catalogue as chain state: one shelf per kind of entry (certificate types, archive
record categories, purposes of use), each entry versioned and retirable.

State of a shelf ``<kind>`` (``certificate_type``, ``record_category``, ``purpose``):

- ``catalogue/<kind>/<id>`` -> the entry's current version: canonical JSON
  ``{"definition": {...}, "from_height": h, "retired_height": r, "version": v}``;
- ``catalogue/<kind>_version/<id>/<version, 6 digits>`` -> every version ever approved, the
  same JSON, so the version in force at any height can be read back;
- ``catalogue/genesis`` -> ``true`` if the chain's genesis registered a catalogue.

Chains made before the catalogue moved onto the chain have no ``catalogue/genesis``: for
them the entries of :mod:`contracts.catalogue.legacy` stand as if registered at genesis
(so their state roots are unchanged), and an entry in state takes precedence over one of the
same id there. A chain whose genesis registers a catalogue sees only what its state holds.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar

from contracts.catalogue.definitions import Definition
from contracts.catalogue.entries import CatalogueEntry, Standing
from contracts.framework import limits
from contracts.framework.arguments import invalid
from contracts.framework.codec import canonical_json, load_json
from contracts.framework.errors import failed_precondition
from contracts.framework.interface import StateReader

E = TypeVar("E", bound=CatalogueEntry)
Writes = dict[bytes, bytes | None]

GENESIS_KEY: Final = b"catalogue/genesis"
ENTRIES_MAX: Final = 5_000
"""Most entries one shelf may hold: the largest provincial catalogue the seeds name has
1,333 certificate types; a listing reads at most this many."""
_VERSION_DIGITS: Final = 6


@dataclass(frozen=True, slots=True)
class Listed(Generic[E]):
    """A catalogue entry and where it stands."""

    entry: E
    standing: Standing

    def to_json(self, encode: Callable[[E], Definition]) -> dict[str, Any]:
        """As stored (and as queries show it)."""
        return {
            "definition": encode(self.entry),
            "from_height": self.standing.from_height,
            "retired_height": self.standing.retired_height,
            "version": self.standing.version,
        }


@dataclass(frozen=True, slots=True, eq=False)
class Shelf(Generic[E]):
    """One kind of catalogue entry in state (one object per kind, compared by identity: the
    key of its decoded entries)."""

    kind: str
    """The key part, e.g. ``certificate_type``."""

    what: str
    """What an entry is called in refusals, e.g. ``certificate type``."""

    parse: Callable[[object], E]
    encode: Callable[[E], Definition]
    legacy: Mapping[str, E]
    """The entries chains without a genesis catalogue started with."""

    def key(self, entry_id: str) -> bytes:
        """State key of an entry's current version."""
        return b"catalogue/" + self.kind.encode("ascii") + b"/" + entry_id.encode("utf-8")

    def version_key(self, entry_id: str, version: int) -> bytes:
        """State key of one version of an entry."""
        return (
            b"catalogue/"
            + self.kind.encode("ascii")
            + b"_version/"
            + entry_id.encode("utf-8")
            + b"/"
            + str(version).zfill(_VERSION_DIGITS).encode("ascii")
        )

    def _decode(self, raw: bytes) -> Listed[E]:
        return _decode_listed(self, raw)

    def get(self, state: StateReader, entry_id: str) -> Listed[E] | None:
        """The entry's current version (perhaps not in force yet, perhaps retired), or None."""
        raw = state.get(self.key(entry_id))
        if raw is not None:
            return self._decode(raw)
        legacy = self.legacy.get(entry_id)
        if legacy is None or state.get(GENESIS_KEY) is not None:
            return None
        return Listed(legacy, Standing(1, 0))

    def get_at(self, state: StateReader, entry_id: str, height: int) -> Listed[E]:
        """The version of the entry in force in the block at ``height``, retired or not
        (what certificates already issued under it are checked against).

        Raises ``invalid_argument`` if the catalogue has no such entry (or none in force yet).
        """
        listed = self.get(state, entry_id)
        if listed is not None and listed.standing.from_height > height:
            # Approved in this block: the previous version is in force until the next one.
            earlier = listed.standing.version - 1
            raw = state.get(self.version_key(entry_id, earlier)) if earlier else None
            listed = None if raw is None else self._decode(raw)
        if listed is None:
            raise invalid(f"{self.what} {entry_id} is not in the catalogue")
        return listed

    def get_in_force(self, state: StateReader, entry_id: str, height: int) -> E:
        """The version of the entry in force in the block at ``height``, to use anew.

        Raises ``invalid_argument`` if the catalogue has no such entry (or none in force yet)
        and ``failed_precondition`` if it is retired.
        """
        listed = self.get_at(state, entry_id, height)
        if listed.standing.is_retired(height):
            raise failed_precondition(
                f"{self.what} {entry_id} was retired at height {listed.standing.retired_height}"
            )
        return listed.entry

    def get_all(self, state: StateReader) -> list[Listed[E]]:
        """Every entry's current version, by id."""
        found: dict[str, Listed[E]] = {}
        if state.get(GENESIS_KEY) is None:
            found = {
                entry_id: Listed(entry, Standing(1, 0)) for entry_id, entry in self.legacy.items()
            }
        prefix = b"catalogue/" + self.kind.encode("ascii") + b"/"
        for _, raw in state.scan(prefix, ENTRIES_MAX):
            listed = self._decode(raw)
            found[listed.entry.id] = listed
        return [found[entry_id] for entry_id in sorted(found)]

    def get_versions(self, state: StateReader, entry_id: str) -> list[Listed[E]]:
        """Every version of the entry, oldest first (the legacy one alone if it has no other)."""
        prefix = self.version_key(entry_id, 0)[:-_VERSION_DIGITS]
        found = [self._decode(raw) for _, raw in state.scan(prefix, ENTRIES_MAX)]
        if not found:
            current = self.get(state, entry_id)
            return [] if current is None else [current]
        return found

    def _writes(self, listed: Listed[E]) -> dict[bytes, bytes]:
        value = canonical_json(listed.to_json(self.encode))
        return {
            self.key(listed.entry.id): value,
            self.version_key(listed.entry.id, listed.standing.version): value,
        }

    def get_registration(
        self, state: StateReader, entry: E, from_height: int, keeps: Callable[[E, E], str | None]
    ) -> tuple[Listed[E], Writes]:
        """Register ``entry`` from ``from_height``: its first version, or the next one.

        ``keeps(old, new)`` says why ``new`` may not replace ``old`` (or None). Raises
        ``failed_precondition`` for a retired entry, an unchanged one, or one ``keeps``
        refuses; ``invalid_argument`` for a shelf already full.
        """
        current = self.get(state, entry.id)
        if current is None:
            if len(self.get_all(state)) >= ENTRIES_MAX:
                raise invalid(f"the catalogue already holds {ENTRIES_MAX} {self.what}s")
            listed = Listed(entry, Standing(1, from_height))
            return listed, {**self._writes(listed)}
        if current.standing.retired_height:
            raise failed_precondition(f"{self.what} {entry.id} is retired")
        if current.standing.from_height >= from_height:
            raise failed_precondition(f"{self.what} {entry.id} changed in this block already")
        if self.encode(current.entry) == self.encode(entry):
            raise failed_precondition(f"{self.what} {entry.id} already has this definition")
        problem = keeps(current.entry, entry)
        if problem is not None:
            raise failed_precondition(f"{self.what} {entry.id}: {problem}")
        writes: Writes = {}
        if current.standing.version == 1 and state.get(self.key(entry.id)) is None:
            writes = {**self._writes(current)}  # a legacy entry: keep version 1 readable
        listed = Listed(entry, Standing(current.standing.version + 1, from_height))
        return listed, {**writes, **self._writes(listed)}

    def get_retirement(
        self, state: StateReader, entry_id: str, retired_height: int
    ) -> tuple[Listed[E], Writes]:
        """Retire the entry from ``retired_height`` (``failed_precondition`` if it is already,
        ``invalid_argument`` if there is none)."""
        current = self.get(state, entry_id)
        if current is None:
            raise invalid(f"{self.what} {entry_id} is not in the catalogue")
        if current.standing.retired_height:
            raise failed_precondition(f"{self.what} {entry_id} is retired already")
        standing = Standing(current.standing.version, current.standing.from_height, retired_height)
        listed = Listed(current.entry, standing)
        return listed, {**self._writes(listed)}

    def genesis_writes(self, entries: Iterable[E]) -> dict[bytes, bytes]:
        """The entries a genesis catalogue registers, version 1 in force from height 0."""
        writes: dict[bytes, bytes] = {}
        for entry in entries:
            writes.update(self._writes(Listed(entry, Standing(1, 0))))
        return writes


@functools.lru_cache(maxsize=limits.DECODED_RECORDS_CACHED_MAX)
def _decode_listed(shelf: Shelf[Any], raw: bytes) -> Listed[Any]:
    """An entry from its stored bytes, memoised on the shelf and the bytes (the result is
    immutable and depends on them alone): every certificate issued reads its type's entry,
    whose JSON decoding and parsing was an eighth of a validator's CPU under `make bench`."""
    value = load_json(raw)
    standing = Standing(value["version"], value["from_height"], value["retired_height"])
    return Listed(shelf.parse(value["definition"]), standing)
