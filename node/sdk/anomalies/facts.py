"""What the anomaly rules read: facts taken out of certified blocks, and the consensus
evidence validators count, in one plain form.

The rules (`rules.py`) are a pure function over these facts, so they are tested without a
node; the CLI does the reading (blocks from a node, counts from validators' metrics) and
turns each into facts here. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from contracts.framework.identity import holder_id_for
from node.chain.events import event_attrs
from node.chain.tx import TxInvalid, decode_args
from proto import ledger_pb2

AttrValue = str | int | bool
"""An event attribute's or a transaction argument's value (bytes arguments are shown hex)."""


@dataclass(frozen=True, slots=True)
class EventFact:
    """One event a contract emitted."""

    name: str
    """e.g. ``consent.revoked``."""
    subjects: tuple[str, ...]
    """In the contract's order (for ``certificate.verified``: holder, certificate, verifier,
    verification)."""
    attrs: Mapping[str, AttrValue]


@dataclass(frozen=True, slots=True)
class TxFact:
    """One transaction of a block with its outcome: a refused one stays in the block, with
    no events and the contract's error."""

    height: int
    time_ms: int
    """The block's time (the proposer's clock, within the chain's bounds)."""
    tx_hash: str
    """Hex."""
    actor: str
    """The organisation id of the submitter's key, otherwise the holder pseudonym of the key."""
    call: str
    """``contract.method``."""
    args: Mapping[str, AttrValue]
    ok: bool
    error_code: str
    error_message: str
    events: tuple[EventFact, ...]


@dataclass(frozen=True, slots=True)
class BlockFact:
    """A block's place in consensus, before its transactions' facts."""

    height: int
    time_ms: int
    view: int
    """The view of the block's commit certificate, as the node that served it holds it."""


@dataclass(frozen=True, slots=True)
class ConflictFact:
    """A validator's count of conflicting messages from another (its
    `trustledger_consensus_equivocations_total` metric): the nodes keep this evidence in
    memory only, so it counts since that validator's process started."""

    validator: str
    """Who signed the conflicting messages."""
    kind: str
    """Which message: PrePrepare, Prepare, Commit or Checkpoint."""
    count: int
    reported_by: str
    """The validator that received them and counted."""


Fact = BlockFact | TxFact | ConflictFact


class Actors:
    """Who signed a transaction: the organisation whose key it is (from the membership list
    the CLI read), else the holder pseudonym of the key, as the audit trace names actors."""

    def __init__(self, org_keys: Mapping[bytes, str]) -> None:
        self._org_keys = dict(org_keys)

    def __call__(self, key: bytes) -> str:
        return self._org_keys.get(key) or holder_id_for(key)

    @classmethod
    def from_membership(cls, orgs: list[dict[str, object]]) -> Actors:
        """From `membership.list`'s JSON (each with `id` and `public_key` in hex)."""
        keys: dict[bytes, str] = {}
        for org in orgs:
            try:
                keys[bytes.fromhex(str(org["public_key"]))] = str(org["id"])
            except (KeyError, ValueError):
                continue  # an entry without a readable key signs nothing we can name
        return cls(keys)


def _plain(value: object) -> AttrValue:
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, str | int | bool):
        return value
    return str(value)


def facts_of_block(
    block: ledger_pb2.Block, results: ledger_pb2.BlockResults, actor_of: Callable[[bytes], str]
) -> list[Fact]:
    """The block's fact, then one per transaction in block order. A transaction whose
    arguments do not decode (no certified block holds one) is shown without them."""
    header = block.header
    facts: list[Fact] = [BlockFact(header.height, header.time_ms, block.commit.view)]
    for tx, result in zip(block.txs, results.results, strict=False):
        try:
            args = {k: _plain(v) for k, v in decode_args(tx.body.args).items()}
        except TxInvalid:
            args = {}
        facts.append(
            TxFact(
                height=header.height,
                time_ms=header.time_ms,
                tx_hash=bytes(result.tx_hash).hex(),
                actor=actor_of(bytes(result.submitter)),
                call=f"{result.contract}.{result.method}",
                args=args,
                ok=result.ok,
                error_code=result.error_code,
                error_message=result.error_message,
                events=tuple(
                    EventFact(e.name, tuple(e.subjects), event_attrs(e)) for e in result.events
                ),
            )
        )
    return facts
