"""Pending transactions, in arrival order, bounded in total, per lane and per submitter.

A lane is where a transaction came from: this node's own clients (`CLIENTS`), or one peer
validator (the copies it forwarded). Each lane has a quota, and the client lane's quota
plus every peer lane's share fit in the total together, so a full lane refuses only its
own newcomers: a peer forwarding 10,000 transactions fills its lane, not the clients'.
At this node's door one submitter (a signing key) may have at most `submitter_txs_max`
pending, counted over all lanes, so one organisation or key cannot take the client lane
from the others who send through this node. Forwarded copies are not held to it here: a
submitter met that quota at the door of the validator it called (whose lane is what its
copies fill here), and refusing copies of an honest submitter's transactions would leave
the next primary without them while their own node sees no stall to relay.

A full mempool refuses; it never evicts. Every transaction held was acknowledged PENDING
to a client (here, or at the validator that forwarded it); evicting one would turn that
acknowledgement into a silent loss, while a refused newcomer's sender learns at once
(RESOURCE_EXHAUSTED, "busy") and retries. Fairness comes from the quotas, not from
choosing a victim, and the proof that no source starves another is the arithmetic checked
in node/limits.py.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, TypeVar

from node import limits
from node.chain.tx import CheckedTx

CLIENTS: Final = ""
"""The lane of this node's own clients (a validator id, which names a peer's lane, is
never empty)."""


K = TypeVar("K")


class MempoolFull(Exception):
    """The transaction's lane, its submitter or the mempool is at its limit; the sender
    should retry later."""


@dataclass(frozen=True, slots=True)
class Quota:
    """What one lane may hold."""

    txs_max: int
    """Transactions at most."""
    bytes_max: int
    """Their encoded bytes at most."""


class Mempool:
    def __init__(
        self,
        txs_max: int = limits.MEMPOOL_TXS_MAX,
        bytes_max: int = limits.MEMPOOL_BYTES_MAX,
        *,
        client_txs_max: int = limits.MEMPOOL_CLIENT_TXS_MAX,
        peer_txs_max: int = limits.MEMPOOL_PEER_TXS_MAX,
        lane_bytes_max: int = limits.MEMPOOL_LANE_BYTES_MAX,
        submitter_txs_max: int = limits.MEMPOOL_SUBMITTER_TXS_MAX,
        peer_count: Callable[[], int] = lambda: limits.PEERS_MAX,
    ) -> None:
        """`peer_count` is how many peers the node has now: the total left beside the
        client lane is shared among them (the most there can be, if not told)."""
        self._txs: OrderedDict[bytes, CheckedTx] = OrderedDict()
        self._by_signature: dict[bytes, CheckedTx] = {}
        self._lane_of: dict[bytes, str] = {}
        self._lane_txs: Counter[str] = Counter()
        self._lane_bytes: Counter[str] = Counter()
        self._submitter_txs: Counter[bytes] = Counter()
        self._bytes = 0
        self._txs_max = txs_max
        self._bytes_max = bytes_max
        self._client = Quota(client_txs_max, lane_bytes_max)
        self._peer = Quota(peer_txs_max, lane_bytes_max)
        self._submitter_txs_max = submitter_txs_max
        self._peer_count = peer_count

    def __len__(self) -> int:
        return len(self._txs)

    def __contains__(self, tx_hash: bytes) -> bool:
        return tx_hash in self._txs

    @property
    def by_signature(self) -> dict[bytes, CheckedTx]:
        return self._by_signature

    def get_quota(self, lane: str) -> Quota:
        """The client lane's fixed quota, or a peer lane's: its own limit, or an equal share
        of what the client lane leaves of the total, whichever is smaller."""
        if lane == CLIENTS:
            return self._client
        peer_lanes = {name for name in self._lane_txs if name != CLIENTS} | {lane}
        sharers = max(1, self._peer_count(), len(peer_lanes))
        return Quota(
            min(self._peer.txs_max, max(0, self._txs_max - self._client.txs_max) // sharers),
            min(self._peer.bytes_max, max(0, self._bytes_max - self._client.bytes_max) // sharers),
        )

    def get_lane_room(self, lane: str) -> int:
        """How many more transactions `lane` may add now (bytes aside)."""
        quota = self.get_quota(lane)
        return max(0, min(quota.txs_max - self._lane_txs[lane], self._txs_max - len(self._txs)))

    def get_submitter_room(self, submitter: bytes) -> int:
        """How many more transactions `submitter` may add now through this node's door."""
        return max(0, self._submitter_txs_max - self._submitter_txs[submitter])

    def get_refusal(self, lane: str, submitter: bytes, size: int = 0) -> str | None:
        """Why a new transaction of `size` bytes from `submitter` in `lane` would be refused
        now, or None if it would be added."""
        quota = self.get_quota(lane)
        who = "this node's clients" if lane == CLIENTS else f"peer {lane}"
        if self._lane_txs[lane] >= quota.txs_max or self._lane_bytes[lane] + size > quota.bytes_max:
            return (
                f"{who} have {self._lane_txs[lane]} transactions pending here, their quota"
                f" ({quota.txs_max} transactions, {quota.bytes_max} bytes)"
            )
        if lane == CLIENTS and self._submitter_txs[submitter] >= self._submitter_txs_max:
            return (
                f"submitter {submitter.hex()[:16]} has {self._submitter_txs[submitter]}"
                " transactions pending, its quota"
            )
        if len(self._txs) >= self._txs_max or self._bytes + size > self._bytes_max:
            return f"mempool is full ({len(self._txs)} transactions)"
        return None

    def add(self, checked: CheckedTx, lane: str = CLIENTS) -> bool:
        """False if already present; raises MempoolFull if `get_refusal` gives a reason."""
        if checked.hash in self._txs:
            return False
        submitter = bytes(checked.tx.body.submitter)
        reason = self.get_refusal(lane, submitter, checked.size)
        if reason is not None:
            raise MempoolFull(reason)
        self._txs[checked.hash] = checked
        self._by_signature[bytes(checked.tx.signature)] = checked
        self._lane_of[checked.hash] = lane
        self._lane_txs[lane] += 1
        self._lane_bytes[lane] += checked.size
        self._submitter_txs[submitter] += 1
        self._bytes += checked.size
        return True

    def take(self, txs_max: int, bytes_max: int) -> list[CheckedTx]:
        """The oldest transactions that fit, without removing them (removed on commit).
        Arrival order across lanes: since each lane holds at most its quota, a transaction
        waits behind at most the quotas of the lanes, never behind one source's backlog."""
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
            if checked is None:
                continue
            self._by_signature.pop(bytes(checked.tx.signature), None)
            self._bytes -= checked.size
            lane = self._lane_of.pop(h)
            _decrement(self._lane_txs, lane, 1)
            _decrement(self._lane_bytes, lane, checked.size)
            _decrement(self._submitter_txs, bytes(checked.tx.body.submitter), 1)


def _decrement(counter: Counter[K], key: K, by: int) -> None:
    """Lower a count, dropping the key at zero (so that idle lanes and submitters cost
    nothing and do not count as sharers)."""
    counter[key] -= by
    if counter[key] <= 0:
        del counter[key]
