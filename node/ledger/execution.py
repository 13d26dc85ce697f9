"""Executing a block: the one place where transactions meet the contract runtime.

The result depends only on the block and the previous state, so every replica that
executes the same block gets the same writes, results and roots, and a backup can
check a proposal by executing it and comparing the header's roots with its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from contracts.framework.errors import ContractError
from contracts.framework.identity import holder_id_for
from contracts.membership.organisations import principal_of
from contracts.runtime import CallContext, Event, execute, related_subjects
from node.chain.crypto import sha256
from node.chain.headers import results_root, tx_root
from node.chain.tx import CheckedTx, TxInvalid, TxScreen, body_bytes, check_tx
from node.ledger.state import Overlay, StoreState
from node.ledger.statetree import NodeReader, TreeUpdate, apply_writes
from node.ledger.store import REJECTED_EVENT, IndexEntry
from node.screening import screen_call
from proto import ledger_pb2

log = logging.getLogger("trustledger.execution")


class BlockInvalid(Exception):
    """A proposed or fetched block must not be committed."""


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


def fill_event(out: ledger_pb2.Event, event: Event) -> None:
    """Write `event` into a (new, empty) proto event, e.g. one added to a result in place."""
    out.name = event.name
    out.subjects.extend(event.subjects)
    add_attr = out.attrs.add
    for key, value in event.attrs:
        # One add with the value set in it: cheaper than adding, then setting the value.
        if isinstance(value, bool):
            add_attr(key=key, flag=value)
        elif isinstance(value, int):
            add_attr(key=key, integer=value)
        else:
            add_attr(key=key, text=value)


def actor_of(state: StoreState | Overlay, submitter: bytes) -> str:
    """Organisation id for a member's key, otherwise the holder pseudonym of the key."""
    org = principal_of(state, submitter)
    return org.id if org is not None else holder_id_for(submitter)


def check_block_txs(
    txs: list[ledger_pb2.Transaction],
    chain_id: str,
    cache: dict[bytes, CheckedTx] | None = None,
    *,
    certified: bool = False,
    screen: TxScreen = screen_call,
) -> list[CheckedTx]:
    """Stateless checks of every transaction in a block.

    `cache` maps signature -> an already-verified transaction (the mempool): a hit is
    reused only if the body hashes to the same value, so a proposer cannot pair a known
    signature with another body. Signature verification is most of a replica's CPU.
    A transaction not in the cache passes the same screen as at admission (`screen`: the
    declared arguments and personal data, node/screening.py), so a faulty primary cannot
    put in a block what no honest validator would admit.
    """
    out: list[CheckedTx] = []
    for i, tx in enumerate(txs):
        hit = None if cache is None else cache.get(bytes(tx.signature))
        if hit is not None and sha256(body_bytes(tx.body)) == hit.hash:
            out.append(hit)
            continue
        try:
            out.append(check_tx(tx, chain_id, verify_signature_=not certified, screen=screen))
        except TxInvalid as exc:
            raise BlockInvalid(f"transaction {i}: {exc.message}") from exc
    return out


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
) -> Executed:
    """Run every transaction in order on an overlay of `base`.

    `is_committed(tx_hash)` says whether a hash is already in the ledger: a block that
    repeats a committed (or an earlier in-block) transaction is invalid as a whole, which
    is how a replayed transaction can never execute twice. `base` may be the overlay of
    blocks executed before this one and not committed yet. Without `tree_nodes` the state
    tree is left to the caller (state transfer updates it once for a run of blocks).
    """
    overlay = Overlay(base)
    results = ledger_pb2.BlockResults(height=height)
    index: list[IndexEntry] = []
    hashes: list[bytes] = []
    seen: set[bytes] = set()
    for i, checked in enumerate(txs):
        tx_hash = checked.hash
        if tx_hash in seen or is_committed(tx_hash):
            raise BlockInvalid(f"transaction {i} ({tx_hash.hex()[:16]}) is a replay")
        seen.add(tx_hash)
        hashes.append(tx_hash)
        # Each read of a proto field builds a new Python object: read each once.
        body = checked.tx.body
        contract = body.contract
        method = body.method
        submitter = body.submitter
        ctx = CallContext(
            chain_id=chain_id,
            sender_key=submitter,
            height=height,
            time_ms=time_ms,
            tx_hash=tx_hash,
        )
        # Built in place in the block's results (appending a message would copy it).
        result = results.results.add(
            tx_hash=tx_hash,
            contract=contract,
            method=method,
            submitter=submitter,
        )
        try:
            call = execute(overlay, ctx, contract, method, checked.args)
        except ContractError as exc:
            result.ok = False
            result.error_code = exc.code
            result.error_message = exc.message
            subjects = list(related_subjects(overlay, contract, method, checked.args))
            result.subjects.extend(subjects)
            index.extend(IndexEntry(s, height, i, REJECTED_EVENT) for s in subjects)
        except Exception as exc:  # a contract bug: every replica fails the same way
            log.exception("contract raised unexpectedly on tx %s", tx_hash.hex())
            result.ok = False
            result.error_code = "internal"
            result.error_message = f"contract failed: {type(exc).__name__}"
        else:
            overlay.apply(call.writes)
            result.ok = True
            add_event = result.events.add
            for e_index, event in enumerate(call.events):
                fill_event(add_event(), event)
                for subject in sorted(set(event.subjects)):
                    index.append(IndexEntry(subject, height, i, e_index))
    writes = overlay.writes()
    tree = (
        None
        if tree_nodes is None
        else apply_writes(tree_nodes, prev_state_root, writes, encode=False)
    )
    return Executed(
        results=results,
        writes=writes,
        index=index,
        tx_hashes=hashes,
        tx_root=tx_root(hashes),
        results_root=results_root(list(results.results)),
        state_root=b"" if tree is None else tree.root,
        tree=tree,
    )
