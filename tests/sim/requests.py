"""Client requests one validator forwards to another (the node's `Peer.ForwardTxs`), simulated.

Most simulated runs need no transactions: every node always has a request waiting, served by
the next block. The named Byzantine scenarios (tests/sim/scenarios.py) add a validator that
forwards junk: transactions that fail admission, and valid ones handed to a single backup
only, as in issue 16 item 1. An honest node then does what node/admission.py does: it refuses
the junk before its mempool, holds a valid one as its oldest waiting request (which the
replica times, `Replica.set_waiting_request`), relays it to every validator when the replica
asks (`Ready.relay`), and a primary puts what it holds into its next block.

A transaction is a key and a flag; a block lists the keys it orders inside its nonce, so the
payload format (tests/sim/blocks.py) and every run without forwarded transactions are unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

PENDING_MAX = 256
"""Transactions one simulated node holds; past it a forwarded one is refused (as a full
mempool lane refuses in node/mempool.py)."""

TXS_PER_BLOCK_MAX = 16
"""Transactions a simulated primary puts into one block."""

KEY_PREFIX = b"tx:"
"""Waiting-request keys of transactions, so they never collide with `block N` keys."""


@dataclass(frozen=True, slots=True)
class SimTx:
    """One forwarded transaction: `valid` is what admission decides (signature, declared
    arguments, personal-data screen), which the simulator does not re-enact."""

    key: str
    """Hex identifier; unique per transaction."""
    valid: bool


@dataclass(frozen=True, slots=True)
class ForwardTxs:
    """`Peer.ForwardTxs`: transactions from `sender`, delivered over the simulated network."""

    sender: str
    txs: tuple[SimTx, ...]


class Pending:
    """A node's admitted, uncommitted transactions, oldest first (its mempool, reduced)."""

    def __init__(self) -> None:
        self._keys: dict[str, None] = {}
        self.committed: set[str] = set()
        self.refused = 0
        """Forwarded transactions refused (junk, already committed, or no room)."""

    def admit(self, txs: tuple[SimTx, ...]) -> None:
        for tx in txs:
            if not tx.valid or tx.key in self.committed or len(self._keys) >= PENDING_MAX:
                self.refused += 1
            else:
                self._keys.setdefault(tx.key, None)

    def oldest(self) -> bytes | None:
        """The waiting-request key of the oldest pending transaction, or None."""
        for key in self._keys:
            return KEY_PREFIX + key.encode()
        return None

    def get(self, request: bytes) -> SimTx | None:
        """The pending transaction a waiting-request key names, if it still waits."""
        if not request.startswith(KEY_PREFIX):
            return None
        key = request[len(KEY_PREFIX) :].decode()
        return SimTx(key, True) if key in self._keys else None

    def take(self) -> list[str]:
        """Keys for the next block, oldest first (they stay pending until committed)."""
        return list(self._keys)[:TXS_PER_BLOCK_MAX]

    def remove_committed(self, keys: list[str]) -> None:
        for key in keys:
            self._keys.pop(key, None)
            self.committed.add(key)

    def __len__(self) -> int:
        return len(self._keys)


def encode_nonce(nonce: str, keys: list[str]) -> str:
    """A block nonce that also orders `keys` (just `nonce` when there are none)."""
    return f"{nonce}+{','.join(keys)}" if keys else nonce


def decode_keys(nonce: str) -> list[str]:
    """The transaction keys a block nonce orders."""
    _, _, keys = nonce.partition("+")
    return [key for key in keys.split(",") if key]
