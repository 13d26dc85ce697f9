"""Evidence anchoring off-chain: salting and hashing facts, batching them under one Merkle
root, the receipt each fact gets, and the offline check of fact + receipt + proof
(`trustledger evidence`; docs/anchoring.md gives every byte).

The chain holds only the batch root (contracts/anchoring). What proves a fact is three
files, none of which needs a node to check:

- the fact itself, kept by the organisation that anchored it;
- its receipt: the salt, the fact's salted hash, its index in the batch and its Merkle path
  to the batch root (RFC 6962's tree with the chain's suite, node/chain/merkle.py);
- the proof: an evidence package (node/sdk/evidence.py, `trustledger-evidence/1`) of the
  anchor, whose `anchoring.anchored` event is proven under a block a quorum certified.

The path is checked with node/sdk/inclusion.py and the package with `check_file`: there is
no second proof checker here, only the links between the three files.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from contracts.anchoring.records import KINDS, anchor_id_of
from contracts.framework import limits
from contracts.framework.codec import canonical_json
from node.sdk.evidence import Checked, EvidenceError, Fact, Package, check_file
from node.sdk.inclusion import MerkleTree, root_from_path
from suites import SUITES, Suite

FACT_DOMAIN: Final = b"trustledger-fact/1\x00"
"""Prefixed to every salted fact before it is hashed, so a fact hash is never the hash of
some other protocol's message."""

SALT_BYTES: Final = 32
"""Random bytes salting each fact: the fact hash reveals nothing of a guessable fact."""

RECEIPT_FORMAT: Final = "trustledger-anchor-receipt/1"

RECEIPT_BYTES_MAX: Final = 64 * 1024
"""A receipt is a few hundred bytes and at most 20 path hashes: anything larger is refused
unread."""

FACT_BYTES_MAX: Final = 256 * 1024 * 1024
"""The largest fact file hashed (a scanned decision runs to megabytes, not gigabytes)."""

ANCHORED_EVENT: Final = "anchoring.anchored"

RECEIPT_FIELDS: Final = (
    "anchor_id",
    "case_ref",
    "count",
    "fact_hash",
    "format",
    "height",
    "index",
    "kind",
    "org",
    "path",
    "root",
    "salt",
    "source",
    "suite",
    "tx_hash",
)
"""Every key of a receipt: no more, no fewer."""


class AnchorError(Exception):
    """A fact, receipt or proof refused: `part` is "fact", "receipt" or "proof", `detail`
    what failed."""

    def __init__(self, part: str, detail: str) -> None:
        super().__init__(f"{part}: {detail}")
        self.part = part
        self.detail = detail


def compute_fact_hash(fact: bytes, salt: bytes, suite: Suite) -> bytes:
    """H(FACT_DOMAIN || salt || fact) with the chain's hash."""
    return suite.hash(FACT_DOMAIN + salt + fact)


@dataclass(frozen=True, slots=True)
class Batch:
    """Facts salted, hashed and put under one root (what is anchored)."""

    salts: tuple[bytes, ...]
    fact_hashes: tuple[bytes, ...]
    tree: MerkleTree

    @property
    def root(self) -> bytes:
        return self.tree.root

    def __len__(self) -> int:
        return len(self.fact_hashes)


def make_batch(
    facts: Sequence[bytes], suite: Suite, random_bytes: Callable[[int], bytes] = os.urandom
) -> Batch:
    """Salt each fact with fresh random bytes, hash it, and build the batch's tree."""
    if not 1 <= len(facts) <= limits.ANCHOR_FACTS_MAX:
        raise ValueError(f"a batch holds 1 to {limits.ANCHOR_FACTS_MAX} facts, not {len(facts)}")
    salts = tuple(random_bytes(SALT_BYTES) for _ in facts)
    hashes = tuple(compute_fact_hash(fact, salts[i], suite) for i, fact in enumerate(facts))
    return Batch(salts, hashes, MerkleTree(list(hashes), suite))


@dataclass(frozen=True, slots=True)
class Anchored:
    """What the chain answered to the anchoring transaction, and what was anchored."""

    kind: str
    case_ref: str
    org: str
    height: int
    tx_hash: bytes


def make_receipt(
    batch: Batch, index: int, anchored: Anchored, suite: Suite, source: str
) -> dict[str, Any]:
    """The receipt of fact `index`: all a holder of the fact needs besides the proof."""
    root = batch.root.hex()
    return {
        "anchor_id": anchor_id_of(root),
        "case_ref": anchored.case_ref,
        "count": len(batch),
        "fact_hash": batch.fact_hashes[index].hex(),
        "format": RECEIPT_FORMAT,
        "height": anchored.height,
        "index": index,
        "kind": anchored.kind,
        "org": anchored.org,
        "path": [h.hex() for h in batch.tree.path(index)],
        "root": root,
        "salt": batch.salts[index].hex(),
        "source": source,
        "suite": suite.name,
        "tx_hash": anchored.tx_hash.hex(),
    }


def encode_receipt(receipt: dict[str, Any]) -> bytes:
    """A receipt's bytes: canonical JSON and a newline (any other byte is an alteration)."""
    return canonical_json(receipt) + b"\n"


@dataclass(frozen=True, slots=True)
class Receipt:
    """A receipt as read and type-checked."""

    doc: dict[str, Any]
    suite: Suite
    salt: bytes
    fact_hash: bytes
    root: bytes
    index: int
    count: int
    path: list[bytes]
    height: int


def _hex(value: object, name: str, length: int) -> bytes:
    """`value` read as `length` bytes in lowercase hex; refused naming the receipt's key."""
    problem = AnchorError("receipt", f"{name} must be {length} bytes in lowercase hex")
    if not isinstance(value, str) or value != value.lower():
        raise problem
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raise problem from None
    if len(raw) != length:
        raise problem
    return raw


def _count(doc: dict[str, Any], name: str, low: int, high: int) -> int:
    value = doc[name]
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise AnchorError("receipt", f"{name} must be an integer from {low} to {high}")
    return value


def decode_receipt(raw: bytes) -> Receipt:
    """Read a receipt, refusing anything that is not exactly what `encode_receipt` wrote."""
    if len(raw) > RECEIPT_BYTES_MAX:
        raise AnchorError("receipt", f"{len(raw)} bytes; the limit is {RECEIPT_BYTES_MAX}")
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError):
        raise AnchorError("receipt", "not JSON") from None
    if not isinstance(doc, dict) or sorted(doc) != sorted(RECEIPT_FIELDS):
        raise AnchorError("receipt", f"must hold exactly the keys {', '.join(RECEIPT_FIELDS)}")
    if doc["format"] != RECEIPT_FORMAT:
        raise AnchorError("receipt", f"format must be {RECEIPT_FORMAT}")
    suite = SUITES.get(doc["suite"]) if isinstance(doc["suite"], str) else None
    if suite is None:
        raise AnchorError("receipt", f"suite must be one of {', '.join(sorted(SUITES))}")
    if encode_receipt(doc) != raw:
        raise AnchorError("receipt", "not in its canonical form: its bytes were altered")
    count = _count(doc, "count", 1, limits.ANCHOR_FACTS_MAX)
    path = doc["path"]
    if not isinstance(path, list) or len(path) > limits.ANCHOR_PATH_LENGTH_MAX:
        raise AnchorError(
            "receipt", f"path must list at most {limits.ANCHOR_PATH_LENGTH_MAX} hashes"
        )
    hash_bytes = len(suite.hash(b""))
    return Receipt(
        doc=doc,
        suite=suite,
        salt=_hex(doc["salt"], "salt", SALT_BYTES),
        fact_hash=_hex(doc["fact_hash"], "fact_hash", hash_bytes),
        root=_hex(doc["root"], "root", hash_bytes),
        index=_count(doc, "index", 0, count - 1),
        count=count,
        path=[_hex(h, "path", hash_bytes) for h in path],
        height=_count(doc, "height", 1, limits.INT_ARG_MAX),
    )


@dataclass(frozen=True, slots=True)
class Verdict:
    """A fact proven anchored: where, when, by whom, and in which batch."""

    anchor_id: str
    root: str
    fact_hash: str
    index: int
    count: int
    kind: str
    case_ref: str
    org: str
    """The organisation the contract recorded as the signer of the anchoring transaction."""
    actor: str | None
    """That organisation as proven from the genesis's keys (None if it joined later)."""
    height: int
    time_ms: int
    tx_hash: str
    chain_id: str
    genesis_hash: str

    def to_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


def _find_anchor(checked: Checked, root: str) -> Fact:
    for fact in checked.facts:
        if fact.action == ANCHORED_EVENT and fact.ok and fact.details.get("root") == root:
            return fact
    raise AnchorError("proof", f"no proven {ANCHORED_EVENT} event of root {root}")


def _check_receipt_against(receipt: Receipt, fact: Fact) -> None:
    """Every claim of the receipt is what the chain recorded."""
    claims = {
        "count": receipt.count,
        "kind": receipt.doc["kind"],
        "case_ref": receipt.doc["case_ref"],
        "org": receipt.doc["org"],
    }
    for name, claimed in claims.items():
        if fact.details.get(name) != claimed:
            raise AnchorError(
                "receipt",
                f"{name} is {claimed!r}; the chain's anchor has {fact.details.get(name)!r}",
            )
    if fact.height != receipt.height:
        raise AnchorError(
            "receipt", f"height is {receipt.height}; the anchor is proven at {fact.height}"
        )
    if fact.tx_hash.hex() != receipt.doc["tx_hash"]:
        raise AnchorError("receipt", "tx_hash is not the anchoring transaction's")


def check_anchor(
    fact: bytes, receipt_raw: bytes, proof_raw: bytes, genesis_hash: bytes | None = None
) -> Verdict:
    """Check offline that `fact` is anchored: the proof package checks in full (optionally
    from the genesis of hash `genesis_hash`), the fact hashes to the receipt's fact hash
    with its salt, the receipt's path leads from it to the root, and the proof's anchor of
    that root is what the receipt says. The first failure raises AnchorError naming it."""
    receipt = decode_receipt(receipt_raw)
    package, checked = _check_proof(proof_raw)
    suite = package.genesis.suite
    if genesis_hash is not None and checked.genesis_hash != genesis_hash:
        raise AnchorError(
            "proof",
            f"it starts from genesis {checked.genesis_hash.hex()}, not {genesis_hash.hex()}",
        )
    if receipt.suite.name != suite.name:
        raise AnchorError(
            "receipt", f"made for suite {receipt.suite.name}; the chain's is {suite.name}"
        )
    if compute_fact_hash(fact, receipt.salt, suite) != receipt.fact_hash:
        raise AnchorError(
            "fact", "its salted hash is not the receipt's fact_hash (the fact or the salt changed)"
        )
    root = root_from_path(receipt.fact_hash, receipt.index, receipt.count, receipt.path, suite)
    if root != receipt.root:
        raise AnchorError("receipt", "the fact's path does not lead to the receipt's root")
    root_hex = receipt.root.hex()
    if receipt.doc["anchor_id"] != anchor_id_of(root_hex):
        raise AnchorError("receipt", "anchor_id is not the root's")
    if package.subject != anchor_id_of(root_hex):
        raise AnchorError("proof", f"it is about {package.subject}, not {anchor_id_of(root_hex)}")
    found = _find_anchor(checked, root_hex)
    _check_receipt_against(receipt, found)
    return Verdict(
        anchor_id=anchor_id_of(root_hex),
        root=root_hex,
        fact_hash=receipt.fact_hash.hex(),
        index=receipt.index,
        count=receipt.count,
        kind=str(found.details["kind"]),
        case_ref=str(found.details["case_ref"]),
        org=str(found.details["org"]),
        actor=found.actor,
        height=found.height,
        time_ms=found.time_ms,
        tx_hash=found.tx_hash.hex(),
        chain_id=checked.chain_id,
        genesis_hash=checked.genesis_hash.hex(),
    )


def _check_proof(proof_raw: bytes) -> tuple[Package, Checked]:
    try:
        return check_file(proof_raw)
    except EvidenceError as exc:
        raise AnchorError("proof", f"{exc.part}: {exc.detail}") from None


def check_kind(kind: str) -> str:
    """`kind` if it is one the contract takes (refused before anything is hashed or sent)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    return kind
