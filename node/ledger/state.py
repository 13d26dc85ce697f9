"""State views for the contract runtime: the committed store, and an overlay of a
block's pending writes on top of it (so transaction k sees the writes of 0..k-1)."""

from __future__ import annotations

from node.ledger.store import Store


class StoreState:
    """The committed world state."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, key: bytes) -> bytes | None:
        return self._store.state_get(key)

    def scan(self, prefix: bytes, limit: int) -> list[tuple[bytes, bytes]]:
        return self._store.state_scan(prefix, limit)


class Overlay:
    """Pending writes over a base view; `writes()` is the block's sorted write set.

    The base must not change while the overlay is in use (a block executes on one
    committed state): its answers to `get` are kept, so the keys every transaction reads
    (the sender's organisation, contract versions) cost one database read per block.
    """

    def __init__(self, base: StoreState | Overlay) -> None:
        self._base = base
        self._pending: dict[bytes, bytes | None] = {}
        self._read: dict[bytes, bytes | None] = {}

    def get(self, key: bytes) -> bytes | None:
        pending = self._pending
        if key in pending:
            return pending[key]
        read = self._read
        if key in read:
            return read[key]
        value = read[key] = self._base.get(key)
        return value

    def scan(self, prefix: bytes, limit: int) -> list[tuple[bytes, bytes]]:
        mine = {k: v for k, v in self._pending.items() if k.startswith(prefix)}
        # Ask the base for enough rows that deletions here cannot starve the answer.
        merged = dict(self._base.scan(prefix, limit + len(mine)))
        for key, value in mine.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        return sorted(merged.items())[:limit]

    def apply(self, writes: tuple[tuple[bytes, bytes | None], ...]) -> None:
        for key, value in writes:
            self._pending[key] = value

    def writes(self) -> list[tuple[bytes, bytes | None]]:
        return sorted(self._pending.items())
