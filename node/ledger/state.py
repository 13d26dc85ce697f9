"""State views for the contract runtime: the committed store; the overlay of a block's
pending writes on top of it lives in node/chain/execution.py (pure, shared with auditors)."""

from __future__ import annotations

from node.chain.execution import Overlay
from node.ledger.store import Store

__all__ = ["Overlay", "StoreState"]


class StoreState:
    """The committed world state."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, key: bytes) -> bytes | None:
        return self._store.state_get(key)

    def scan(self, prefix: bytes, limit: int) -> list[tuple[bytes, bytes]]:
        return self._store.state_scan(prefix, limit)
