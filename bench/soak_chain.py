"""What the soak (bench/soak.py) watches and checks on the chain.

`ChainWatch` polls every validator's status twice a second while the soak runs: the
highest height seen over time (for stalls and progress per minute) and the view a quorum
works in (for who the primary is). `back_voting_s` times a restarted validator until it
votes again; `converge` and `compare_ledgers` are the end checks.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from cli.devnet import OPS_ORG, Devnet, agreed_view
from node.chain.tx import tx_hash
from node.sdk.client import ClientError, LedgerClient
from tests.repeating import Repeating

STATUS_TIMEOUT_S = 2.0
POLL_S = 0.5


class StatusClients:
    """One long-lived client per validator (a handshake per poll would cost the nodes more
    than the load); a call that fails answers None."""

    def __init__(self, net: Devnet) -> None:
        self.net = net
        self.clients = {
            vid: LedgerClient(
                address, net.chain_id, net.tls(OPS_ORG), STATUS_TIMEOUT_S, suite=net.genesis.suite
            )
            for vid, address in net.addresses.items()
        }

    def status(self, vid: str) -> Any | None:
        try:
            return self.clients[vid].status()
        except ClientError:
            return None

    def rows(self) -> list[dict[str, Any]]:
        """Each validator's status as `devnet.node_status` gives it (for `agreed_view`)."""
        rows = []
        for vid in self.clients:
            st = self.status(vid)
            if st is None:
                rows.append({"validator": vid, "up": False})
            else:
                rows.append(
                    {
                        "validator": vid,
                        "up": True,
                        "height": st.height,
                        "view": st.view,
                        "view_changing": st.view_changing,
                        "primary": st.primary,
                        "last_block_hash": bytes(st.last_block_hash),
                    }
                )
        return rows

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


@dataclass
class ChainWatch:
    """The chain's progress over the soak, polled in a thread."""

    clients: StatusClients
    progress: list[tuple[float, int]] = field(default_factory=list)
    """(monotonic time, highest height any validator reported) at each poll."""
    primary: str | None = None
    """The primary a quorum of validators follows, at the last poll that found one."""
    _polls: Repeating | None = None

    def start(self) -> ChainWatch:
        self._polls = Repeating(self._poll, POLL_S, "soak-watch")
        self._polls.start()
        return self

    def stop(self) -> None:
        if self._polls is not None:
            self._polls.stop()

    def _poll(self) -> None:
        rows = self.clients.rows()
        heights = [int(r["height"]) for r in rows if r["up"]]
        if heights:
            self.progress.append((time.monotonic(), max(heights)))
        agreed = agreed_view(rows)
        if agreed is not None:
            self.primary = agreed[1]

    def longest_stall_s(self, start: float, end: float) -> float:
        """The longest time between two height increases within [start, end]."""
        last_change, last_height, longest = start, None, 0.0
        for t, height in self.progress:
            if t < start or t > end:
                continue
            if last_height is None:
                last_height = height
            elif height > last_height:
                longest = max(longest, t - last_change)
                last_change, last_height = t, height
        return round(max(longest, end - last_change), 1)

    def minutes_without_progress(self, start: float, end: float) -> list[int]:
        """Each whole minute of [start, end] (0 = the first) in which the height did not grow."""
        idle = []
        minute = 0
        while start + 60 * (minute + 1) <= end + 0.5:
            lo, hi = start + 60 * minute, start + 60 * (minute + 1)
            inside = [h for t, h in self.progress if lo <= t <= hi]
            before = [h for t, h in self.progress if t <= lo]
            first = before[-1] if before else (inside[0] if inside else 0)
            if not inside or max(inside) <= first:
                idle.append(minute)
            minute += 1
        return idle


def votes_in_own_tip(clients: StatusClients, vid: str) -> bool | None:
    """Whether the latest block `vid` holds carries `vid`'s own commit vote (it took part in
    deciding it, rather than fetching it); None if it does not answer."""
    try:
        block = clients.clients[vid].get_block(0).block
    except ClientError:
        return None
    return any(v.validator == vid for v in block.commit.votes)


def back_voting_s(clients: StatusClients, vid: str, since: float, timeout_s: float) -> float | None:
    """Seconds from `since` (its restart) until `vid` holds a newly decided block with its own
    vote in it; None if that did not happen within `timeout_s`."""
    deadline = since + timeout_s
    first = clients.status(vid)
    while first is None and time.monotonic() < deadline:
        time.sleep(POLL_S)
        first = clients.status(vid)
    start_height = first.height if first is not None else 0
    while time.monotonic() < deadline:
        st = clients.status(vid)
        if st is not None and st.height > start_height and votes_in_own_tip(clients, vid):
            return round(time.monotonic() - since, 1)
        time.sleep(POLL_S)
    return None


def converge(clients: StatusClients, timeout_s: float) -> tuple[bool, list[dict[str, Any]]]:
    """Wait until every validator answers at one height with one tip; (done, last rows)."""
    deadline = time.monotonic() + timeout_s
    while True:
        rows = clients.rows()
        if (
            all(r["up"] for r in rows)
            and len({(r["height"], r["last_block_hash"]) for r in rows}) == 1
        ):
            return True, rows
        if time.monotonic() > deadline:
            return False, rows
        time.sleep(POLL_S)


@dataclass
class Ledgers:
    """What `compare_ledgers` found."""

    tip: int
    divergent_heights: list[int]
    """Heights where some replica's block hash or state root differs from val-0's (or is
    missing)."""
    tx_heights: dict[bytes, int]
    """Every transaction on the chain (val-0's): hash -> height."""


def compare_ledgers(clients: StatusClients, tip: int) -> Ledgers:
    """Every replica's (block hash, state root) at every height 1..tip, against the first
    validator's; the first validator's transactions."""
    vids = list(clients.clients)
    reference: dict[int, tuple[bytes, bytes]] = {}
    tx_heights: dict[bytes, int] = {}
    divergent: set[int] = set()
    per_replica: dict[str, dict[int, tuple[bytes, bytes] | None]] = {}

    def walk(vid: str) -> None:
        seen: dict[int, tuple[bytes, bytes] | None] = {}
        client = clients.clients[vid]
        for height in range(1, tip + 1):
            try:
                block = client.get_block(height).block
            except ClientError:
                seen[height] = None
                continue
            seen[height] = (bytes(block.commit.block_hash), bytes(block.header.state_root))
            if vid == vids[0]:
                for tx in block.txs:
                    tx_heights[tx_hash(tx, client.suite)] = height
        per_replica[vid] = seen

    threads = [threading.Thread(target=walk, args=(vid,)) for vid in vids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for height in range(1, tip + 1):
        ref = per_replica[vids[0]].get(height)
        if ref is None:
            divergent.add(height)
            continue
        reference[height] = ref
        for vid in vids[1:]:
            if per_replica[vid].get(height) != ref:
                divergent.add(height)
    return Ledgers(tip, sorted(divergent), tx_heights)
