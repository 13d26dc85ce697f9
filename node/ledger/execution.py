"""Executing a block: the one place where transactions meet the contract runtime.

The result depends only on the block and the previous state, so every replica that
executes the same block gets the same writes, results and roots, and a backup can
check a proposal by executing it and comparing the header's roots with its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from contracts.framework.identity import holder_id_for
from contracts.membership.organisations import principal_of
from node.chain.execution import REJECTED, BlockInvalid, fill_event, run_txs
from node.chain.headers import results_root, tx_root
from node.chain.statetree import NodeReader, TreeUpdate, apply_writes
from node.chain.tx import CheckedTx, TxInvalid, TxScreen, body_bytes, check_tx
from node.ledger.state import Overlay, StoreState
from node.ledger.store import REJECTED_EVENT, IndexEntry
from node.screening import screen_call
from node.verifying import TxChecker
from proto import ledger_pb2
from suites import Suite

log = logging.getLogger("trustledger.execution")

__all__ = ["BlockInvalid", "Executed", "actor_of", "check_block_txs", "execute_block", "fill_event"]


@dataclass(frozen=True, slots=True)
class Executed:
    """What executing a block produced, ready to be written in one batch."""

    results: ledger_pb2.BlockResults
    writes: list[tuple[bytes, bytes | None]]
    index: list[IndexEntry]
    tx_hashes: list[bytes]
    tx_root: bytes
    results_root: bytes
    state_root: bytes
    """b"" if the tree was not updated (`execute_block` without `tree_nodes`)."""
    tree: TreeUpdate | None
    """The tip's state tree updated by the block (shapes only), committed with it."""


def actor_of(state: StoreState | Overlay, submitter: bytes, suite: Suite) -> str:
    """Organisation id for a member's key, otherwise the holder pseudonym of the key (the
    chain's suite's hash of it)."""
    org = principal_of(state, submitter)
    return org.id if org is not None else holder_id_for(submitter, suite)


def check_block_txs(
    txs: list[ledger_pb2.Transaction],
    chain_id: str,
    cache: dict[bytes, CheckedTx] | None = None,
    *,
    suite: Suite,
    certified: bool = False,
    screen: TxScreen = screen_call,
    checker: TxChecker | None = None,
) -> list[CheckedTx]:
    """Stateless checks of every transaction in a block.

    `cache` maps signature -> an already-verified transaction (the mempool): a hit is
    reused only if the body hashes to the same value, so a proposer cannot pair a known
    signature with another body. Signature verification is most of a replica's CPU.
    A transaction not in the cache passes the same screen as at admission (`screen`: the
    declared arguments and personal data, node/screening.py), so a faulty primary cannot
    put in a block what no honest validator would admit. With `checker` (the node's,
    node/verifying.py), the others are checked by it, their signatures verified together on
    every core unless it verified them before (its own screen then applies).
    """
    out: list[CheckedTx | None] = []
    todo: list[int] = []
    for i, tx in enumerate(txs):
        hit = None if cache is None else cache.get(bytes(tx.signature))
        if hit is not None and suite.hash(body_bytes(tx.body)) == hit.hash:
            out.append(hit)
        else:
            out.append(None)
            todo.append(i)
    if certified or checker is None:
        for i in todo:
            try:
                out[i] = check_tx(
                    txs[i], chain_id, suite=suite, verify_signature_=not certified, screen=screen
                )
            except TxInvalid as exc:
                raise BlockInvalid(f"transaction {i}: {exc.message}") from exc
    else:
        for i, outcome in zip(todo, checker.check_all([txs[i] for i in todo]), strict=True):
            if isinstance(outcome, TxInvalid):
                raise BlockInvalid(f"transaction {i}: {outcome.message}")
            out[i] = outcome
    return [checked for checked in out if checked is not None]


def execute_block(
    base: StoreState | Overlay,
    chain_id: str,
    height: int,
    time_ms: int,
    prev_state_root: bytes,
    txs: list[CheckedTx],
    *,
    is_committed: Callable[[bytes], bool],
    tree_nodes: NodeReader | None,
    suite: Suite,
) -> Executed:
    """Run every transaction in order on an overlay of `base`.

    `is_committed(tx_hash)` says whether a hash is already in the ledger: a block that
    repeats a committed (or an earlier in-block) transaction is invalid as a whole, which
    is how a replayed transaction can never execute twice. `base` may be the overlay of
    blocks executed before this one and not committed yet. Without `tree_nodes` the state
    tree is left to the caller (state transfer updates it once for a run of blocks).
    """
    run = run_txs(base, chain_id, height, time_ms, txs, is_committed=is_committed, suite=suite)
    results = run.results
    hashes = run.tx_hashes
    index = [
        IndexEntry(s, height, i, REJECTED_EVENT if e == REJECTED else e) for s, i, e in run.index
    ]
    writes = run.writes
    tree = (
        None
        if tree_nodes is None
        else apply_writes(tree_nodes, prev_state_root, writes, suite=suite, encode=False)
    )
    return Executed(
        results=results,
        writes=writes,
        index=index,
        tx_hashes=hashes,
        tx_root=tx_root(hashes, suite),
        results_root=results_root(list(results.results), suite),
        state_root=b"" if tree is None else tree.root,
        tree=tree,
    )
