"""Executing a block's transactions through the contracts: pure, shared by the validator
(node/ledger/execution.py, which adds the audit index and the state tree over LevelDB) and by
auditors who re-execute the chain with no node (`trustledger audit verify-chain`).

The result depends only on the transactions and the previous state, so every party that
executes the same block gets the same writes and results.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from contracts.framework.errors import ContractError
from contracts.framework.interface import StateReader
from contracts.runtime import CallContext, Event, execute, related_subjects
from node.chain.tx import CheckedTx
from proto import ledger_pb2
from suites import Suite

log = logging.getLogger("trustledger.execution")

REJECTED = -1
"""The event index of an index entry for a refused transaction's subject."""


class BlockInvalid(Exception):
    """A proposed or fetched block must not be committed."""


class Overlay:
    """Pending writes over a base view; `writes()` is the block's sorted write set.

    The base must not change while the overlay is in use (a block executes on one
    committed state): its answers to `get` are kept, so the keys every transaction reads
    (the sender's organisation, contract versions) cost one database read per block.
    """

    def __init__(self, base: StateReader) -> None:
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


@dataclass(frozen=True, slots=True)
class TxsRun:
    """What running a block's transactions produced (before any tree or index)."""

    results: ledger_pb2.BlockResults
    writes: list[tuple[bytes, bytes | None]]
    index: list[tuple[str, int, int]]
    """(subject, tx index, event index or REJECTED), in block order."""
    tx_hashes: list[bytes]


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


def run_txs(
    base: StateReader,
    chain_id: str,
    height: int,
    time_ms: int,
    txs: list[CheckedTx],
    *,
    is_committed: Callable[[bytes], bool],
    suite: Suite,
) -> TxsRun:
    """Run every transaction in order on an overlay of `base` (see
    node/ledger/execution.py's `execute_block`, whose core this is); `suite` is the chain's,
    handed to every contract call in its context."""
    overlay = Overlay(base)
    results = ledger_pb2.BlockResults(height=height)
    index: list[tuple[str, int, int]] = []
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
            suite=suite,
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
            index.extend((s, i, REJECTED) for s in subjects)
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
                    index.append((subject, i, e_index))
    return TxsRun(results=results, writes=overlay.writes(), index=index, tx_hashes=hashes)
