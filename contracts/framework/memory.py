"""An in-memory world state: the reference implementation of :class:`StateReader`.

Used by tests (contracts' and the node's) and as the model a database-backed state must
match in differential tests.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from contracts.framework.interface import CallResult


class MemoryState:
    """A sorted key-value map with ``get``/``scan`` reads and whole-result writes."""

    __slots__ = ("_keys", "_values")

    def __init__(self, items: Iterable[tuple[bytes, bytes]] = ()) -> None:
        self._values: dict[bytes, bytes] = {}
        self._keys: list[bytes] = []
        self.apply_writes(items)

    def get(self, key: bytes) -> bytes | None:
        """Return the value stored at ``key``, or None."""
        return self._values.get(key)

    def scan(self, prefix: bytes, limit: int) -> list[tuple[bytes, bytes]]:
        """Return at most ``limit`` (key, value) pairs with keys starting with ``prefix``,
        in ascending key order."""
        found: list[tuple[bytes, bytes]] = []
        index = bisect.bisect_left(self._keys, prefix)
        while len(found) < limit and index < len(self._keys):
            key = self._keys[index]
            if not key.startswith(prefix):
                break
            found.append((key, self._values[key]))
            index += 1
        return found

    def apply_writes(self, writes: Iterable[tuple[bytes, bytes | None]]) -> None:
        """Set each key to its value, deleting keys whose value is None."""
        for key, value in writes:
            if value is None:
                if key in self._values:
                    del self._values[key]
                    del self._keys[bisect.bisect_left(self._keys, key)]
            else:
                if key not in self._values:
                    bisect.insort(self._keys, key)
                self._values[key] = value

    def apply(self, result: CallResult) -> None:
        """Apply the writes of a successful call."""
        self.apply_writes(result.writes)

    def items(self) -> tuple[tuple[bytes, bytes], ...]:
        """Every (key, value) pair in key order."""
        return tuple((key, self._values[key]) for key in self._keys)

    def copy(self) -> MemoryState:
        """An independent copy."""
        return MemoryState(self.items())

    def __len__(self) -> int:
        return len(self._keys)
