"""A subject's trace gathered from one node with everything that proves it (`audit trace`,
`audit export-evidence`).

The node's audit index says which events name the subject (`Ledger/AuditTrace`); that
list is only where to look. For each entry this fetches its block (`Ledger/GetBlock`),
and for each validator set decided since genesis the block that decided it, and packs
headers, certificates, transactions, results and Merkle paths into an evidence `Package`
(node/sdk/evidence.py), which `check_package` then checks like any package from anywhere.
What the node says and the proofs do not bear out is reported as unproven, never printed
as a fact. The index cannot prove that it left nothing out: docs/evidence.md says what
does (`audit verify-chain`, traces from several validators).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from node.chain.events import get_scheduling_events
from node.chain.tx import tx_hash
from node.genesis import Genesis
from node.sdk.evidence import (
    BlockProof,
    Bound,
    EventProof,
    Package,
    Unproven,
    ValidatorChange,
    is_in_range,
)
from node.sdk.inclusion import MerkleTree
from proto import ledger_pb2, node_pb2

VALIDATOR_DECISIONS_MAX: Final = 4096
"""At most this many validator sets followed (the schedule a node reports is bounded far
below: consensus/limits.py VALIDATOR_SETS_KEPT_MAX)."""


class TraceSource(Protocol):
    """Where the trace and its blocks come from (a `LedgerClient` is one); nothing it says
    is believed until checked."""

    def audit_trace(self, subject: str, limit: int = 0) -> node_pb2.AuditTraceResponse:
        """The node's index entries for `subject`."""
        ...

    def get_block(self, height: int = 0) -> node_pb2.GetBlockResponse:
        """A block with its commit certificate and results."""
        ...

    def query(self, contract: str, method: str, **args: Any) -> Any:
        """A contract query at the node's tip (or at `height`)."""
        ...


@dataclass
class Gathered:
    """What was fetched: the package of everything that could be packed, the entries that
    could not (with why), and whether the node cut its trace short."""

    package: Package
    unproven: list[Unproven] = field(default_factory=list)
    truncated: bool = False
    listed: int = 0
    """Entries the node listed in the range."""


def get_validator_decisions(source: TraceSource) -> list[tuple[int, int]]:
    """(activation height, decided height) of every validator set after genesis, as the
    node lists them (checked later: each must be proven in its block)."""
    listed = source.query("membership", "validators")["schedule"]
    out: list[tuple[int, int]] = []
    for entry in list(listed)[:VALIDATOR_DECISIONS_MAX]:
        activation = int(entry["activation_height"])
        if activation == 0:
            continue  # the genesis set
        decided = int(source.query("membership", "validators", height=activation)["decided_height"])
        out.append((activation, decided))
    return out


def _find_scheduling(results: ledger_pb2.BlockResults, activation: int) -> int | None:
    for i, attrs in get_scheduling_events(results):
        if attrs.get("activation_height") == activation:
            return i
    return None


def _event_index(result: ledger_pb2.TxResult, entry: node_pb2.AuditEntry) -> int | None:
    """Where the node's event is in the result (-1: a refused transaction), or None."""
    if not entry.HasField("event"):
        return -1
    wanted = entry.event.SerializeToString(deterministic=True)
    for i, event in enumerate(result.events):
        if event.SerializeToString(deterministic=True) == wanted:
            return i
    return None


def gather(
    source: TraceSource,
    genesis: Genesis,
    subject: str,
    *,
    since: Bound | None = None,
    until: Bound | None = None,
    limit: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> Gathered:
    """Fetch the subject's entries in [since, until] and their proofs from `source`.
    `progress(done, total)` after each block fetched."""
    suite = genesis.suite
    resp = source.audit_trace(subject, limit)
    entries = [e for e in resp.entries if is_in_range(e.height, e.time_ms, since, until)]
    decisions = get_validator_decisions(source)
    heights = sorted({e.height for e in entries} | {d for _, d in decisions})
    fetched: dict[int, node_pb2.GetBlockResponse] = {}
    for n, height in enumerate(heights, 1):
        fetched[height] = source.get_block(height)
        if progress is not None:
            progress(n, len(heights))
    activations = sorted([0, *(a for a, _ in decisions)])

    def set_from(height: int) -> int:
        return max(a for a in activations if a <= height)

    blocks = []
    for height in heights:
        block = fetched[height].block
        blocks.append(
            BlockProof(
                header=block.header,
                commit=block.commit,
                tx_count=len(block.txs),
                validator_set_from=set_from(height),
            )
        )
    trees: dict[int, tuple[MerkleTree, MerkleTree]] = {}

    def trees_of(height: int) -> tuple[MerkleTree, MerkleTree]:
        """The block's transaction and results trees, built once for all its events."""
        if height not in trees:
            resp = fetched[height]
            trees[height] = (
                MerkleTree([tx_hash(t, suite) for t in resp.block.txs], suite),
                MerkleTree(
                    [r.SerializeToString(deterministic=True) for r in resp.results.results],
                    suite,
                ),
            )
        return trees[height]

    changes = []
    for activation, decided in decisions:
        results = fetched[decided].results
        # Not found: packed pointing at the first result, and the check names the failure.
        index = _find_scheduling(results, activation) or 0
        has_results = len(results.results) > 0
        changes.append(
            ValidatorChange(
                activation_height=activation,
                decided_height=decided,
                tx_index=index,
                result=results.results[index] if has_results else ledger_pb2.TxResult(),
                path=tuple(trees_of(decided)[1].path(index)) if has_results else (),
            )
        )
    events: list[EventProof] = []
    unproven: list[Unproven] = []
    seen: set[tuple[int, int, int]] = set()
    for entry in entries:
        resp_block = fetched[entry.height]
        txs = list(resp_block.block.txs)
        tx_results = list(resp_block.results.results)
        i = entry.tx_index
        if not (i < len(txs) and i < len(tx_results)):
            unproven.append(Unproven(entry.height, i, "the block has no such transaction"))
            continue
        if tx_hash(txs[i], suite) != bytes(entry.tx_hash):
            unproven.append(Unproven(entry.height, i, "the block holds another transaction there"))
            continue
        found = _event_index(tx_results[i], entry)
        if found is None:
            unproven.append(Unproven(entry.height, i, "the event is not in the block's results"))
            continue
        if (entry.height, i, found) in seen:
            continue
        seen.add((entry.height, i, found))
        events.append(
            EventProof(
                height=entry.height,
                tx_index=i,
                event_index=found,
                actor_claimed=entry.actor,
                transaction=txs[i],
                tx_path=tuple(trees_of(entry.height)[0].path(i)),
                result=tx_results[i],
                result_path=tuple(trees_of(entry.height)[1].path(i)),
            )
        )
    events.sort(key=lambda e: (e.height, e.tx_index, e.event_index))
    package = Package(
        subject=subject,
        since=since.text if since is not None else None,
        until=until.text if until is not None else None,
        genesis=genesis,
        validator_changes=tuple(changes),
        blocks=tuple(blocks),
        events=tuple(events),
    )
    return Gathered(package, unproven, _is_cut(resp, until), len(entries))


def _is_cut(resp: node_pb2.AuditTraceResponse, until: Bound | None) -> bool:
    """Whether the node's limit cut entries of the range off. Its list is oldest first, so
    a range that ends before the last block it listed lost nothing."""
    if not resp.truncated or not resp.entries or until is None:
        return bool(resp.truncated)
    last = resp.entries[-1]
    return not (
        (until.height is not None and until.height < last.height)
        or (until.time_ms is not None and until.time_ms < last.time_ms)
    )
