"""Pending transactions, in arrival order, bounded in count and bytes."""

from __future__ import annotations

from collections import OrderedDict

from node import limits
from node.chain.tx import CheckedTx


class MempoolFull(Exception):
    """The mempool is at its limit; the client should retry later."""


class Mempool:
    def __init__(
        self, txs_max: int = limits.MEMPOOL_TXS_MAX, bytes_max: int = limits.MEMPOOL_BYTES_MAX
    ) -> None:
        self._txs: OrderedDict[bytes, CheckedTx] = OrderedDict()
        self._by_signature: dict[bytes, CheckedTx] = {}
        self._bytes = 0
        self._txs_max = txs_max
        self._bytes_max = bytes_max

    def __len__(self) -> int:
        return len(self._txs)

    def __contains__(self, tx_hash: bytes) -> bool:
        return tx_hash in self._txs

    @property
    def by_signature(self) -> dict[bytes, CheckedTx]:
        return self._by_signature

    def add(self, checked: CheckedTx) -> bool:
        """False if already present; raises MempoolFull at the limit."""
        if checked.hash in self._txs:
            return False
        if len(self._txs) >= self._txs_max or self._bytes + checked.size > self._bytes_max:
            raise MempoolFull(f"mempool is full ({len(self._txs)} transactions)")
        self._txs[checked.hash] = checked
        self._by_signature[bytes(checked.tx.signature)] = checked
        self._bytes += checked.size
        return True

    def take(self, txs_max: int, bytes_max: int) -> list[CheckedTx]:
        """The oldest transactions that fit, without removing them (removed on commit)."""
        out: list[CheckedTx] = []
        size = 0
        for checked in self._txs.values():
            if len(out) >= txs_max or size + checked.size > bytes_max:
                break
            out.append(checked)
            size += checked.size
        return out

    def remove(self, tx_hashes: list[bytes]) -> None:
        for h in tx_hashes:
            checked = self._txs.pop(h, None)
            if checked is not None:
                self._by_signature.pop(bytes(checked.tx.signature), None)
                self._bytes -= checked.size
