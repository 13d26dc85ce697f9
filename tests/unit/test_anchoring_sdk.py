"""Anchoring off-chain (node/sdk/anchoring.py): facts salted and hashed under one batch
root, a receipt per fact, and the offline check of fact + receipt + proof against a small
certified chain (tests/unit/evidence_support.py) whose block 1 anchors the batch. Every
link is refused when broken, naming the file that broke it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import pytest

from contracts.framework import limits
from node.chain.headers import header_hash, results_root, tx_root
from node.chain.merkle import merkle_root
from node.chain.tx import build_tx, tx_hash
from node.sdk import anchoring
from node.sdk.anchoring import (
    Anchored,
    AnchorError,
    check_anchor,
    check_kind,
    compute_fact_hash,
    decode_receipt,
    encode_receipt,
    make_batch,
    make_receipt,
)
from node.sdk.evidence import encode_package
from node.sdk.trace import gather
from proto import ledger_pb2, node_pb2
from suites import SM2_SM3
from tests.unit.consensus_support import CHAIN
from tests.unit.evidence_support import (
    BLOCK_MS,
    EDU,
    GENESIS_TIME_MS,
    SUITE,
    ChainSource,
    certify,
    event,
    genesis,
)

FACTS = [b"fact zero", b'{"decision": 1}', b"", b"\x00\xff" * 40, b"fact four"]
CASE_REF = "(2026)甘0102执123号"


def counter_bytes() -> Callable[[int], bytes]:
    """Deterministic 'random' salts: 0x00.., 0x01.., ..."""
    state = {"n": 0}

    def draw(n: int) -> bytes:
        state["n"] += 1
        return bytes([state["n"]]) * n

    return draw


class OneAnchorSource(ChainSource):
    """A node whose chain has one validator set (genesis's) and block 1 holding the anchor."""

    def query(self, contract: str, method: str, **args: Any) -> Any:
        assert (contract, method) == ("membership", "validators")
        return {"schedule": [{"activation_height": 0}]}


def anchor_chain(
    root: str, count: int, *, ok: bool = True, attrs: dict[str, str | int] | None = None
) -> list[node_pb2.GetBlockResponse]:
    """Block 1: a filler transaction, then the anchoring transaction (accepted or refused)."""
    anchor_id = "an" + root
    details: dict[str, str | int] = {
        "case_ref": CASE_REF,
        "count": count,
        "kind": "decision",
        "org": "edu",
        "root": root,
        **(attrs or {}),
    }
    txs, results = [], []
    for nonce, (contract, events) in enumerate(
        [
            ("certificates", [event("certificate.issued", ["cert-x", "edu"], cert_id="x")]),
            ("anchoring", [event("anchoring.anchored", [anchor_id, "edu"], **details)]),
        ],
        1,
    ):
        tx = build_tx(CHAIN, EDU, contract, "m", {"n": nonce}, nonce=nonce.to_bytes(16, "big"))
        txs.append(tx)
        result = ledger_pb2.TxResult(
            tx_hash=tx_hash(tx, SUITE),
            ok=ok or contract != "anchoring",
            contract=contract,
            method="m",
            submitter=EDU.public_key,
            events=events if ok or contract != "anchoring" else [],
        )
        if not result.ok:
            result.error_code, result.error_message = "already_exists", "anchored before"
            result.subjects.append(anchor_id)
        results.append(result)
    header = ledger_pb2.BlockHeader(
        chain_id=CHAIN,
        height=1,
        prev_hash=genesis().hash,
        tx_root=tx_root([tx_hash(t, SUITE) for t in txs], SUITE),
        state_root=hashlib.sha256(b"state").digest(),
        results_root=results_root(results, SUITE),
        proposer="v0",
        time_ms=GENESIS_TIME_MS + BLOCK_MS,
    )
    block = ledger_pb2.Block(header=header, txs=txs, commit=certify(header, ("v0", "v1", "v2")))
    assert header_hash(header, SUITE)
    return [
        node_pb2.GetBlockResponse(block=block, results=ledger_pb2.BlockResults(results=results))
    ]


def proof_of(root: str, blocks: list[node_pb2.GetBlockResponse]) -> bytes:
    return encode_package(gather(OneAnchorSource(blocks), genesis(), "an" + root).package)


class Setup:
    """A batch of FACTS, its anchor in block 1, the receipts and the proof."""

    def __init__(self, attrs: dict[str, str | int] | None = None) -> None:
        self.batch = make_batch(FACTS, SUITE, counter_bytes())
        self.root = self.batch.root.hex()
        self.blocks = anchor_chain(self.root, len(FACTS), attrs=attrs)
        anchor_tx = tx_hash(self.blocks[0].block.txs[1], SUITE)
        self.anchored = Anchored("decision", CASE_REF, "edu", 1, anchor_tx)
        self.proof = proof_of(self.root, self.blocks)

    def receipt(self, index: int, /, **changes: Any) -> bytes:
        doc = make_receipt(self.batch, index, self.anchored, SUITE, f"facts.jsonl:{index + 1}")
        doc.update(changes)
        return encode_receipt(doc)


@pytest.fixture(scope="module")
def setup() -> Setup:
    return Setup()


def refused(fact: bytes, receipt: bytes, proof: bytes, pin: bytes | None = None) -> AnchorError:
    with pytest.raises(AnchorError) as caught:
        check_anchor(fact, receipt, proof, pin)
    return caught.value


# ---------------------------------------------------------------- hashing and batches


def test_a_fact_hash_is_the_suites_hash_of_domain_salt_and_fact() -> None:
    salt = bytes(range(32))
    assert compute_fact_hash(b"f", salt, SUITE) == (
        hashlib.sha256(b"trustledger-fact/1\x00" + salt + b"f").digest()
    )
    assert compute_fact_hash(b"f", salt, SM2_SM3) == SM2_SM3.hash(
        b"trustledger-fact/1\x00" + salt + b"f"
    )


def test_a_batch_root_is_the_chains_merkle_root_of_its_fact_hashes() -> None:
    batch = make_batch(FACTS, SUITE, counter_bytes())
    assert batch.salts == tuple(bytes([i]) * 32 for i in range(1, len(FACTS) + 1))
    assert batch.fact_hashes == tuple(
        compute_fact_hash(f, s, SUITE) for f, s in zip(FACTS, batch.salts, strict=True)
    )
    assert batch.root == merkle_root(list(batch.fact_hashes), SUITE)
    assert len(batch) == len(FACTS)
    random_salts = make_batch([b"a", b"a"], SUITE).salts
    assert len(set(random_salts)) == 2 and all(len(s) == 32 for s in random_salts)


def test_a_batch_holds_one_to_the_bounded_number_of_facts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ValueError, match="not 0"):
        make_batch([], SUITE)
    with pytest.raises(ValueError, match=f"1 to {limits.ANCHOR_FACTS_MAX} facts"):
        make_batch([b""] * (limits.ANCHOR_FACTS_MAX + 1), SUITE, lambda n: bytes(n))
    assert len(make_batch([b"x"], SUITE)) == 1
    monkeypatch.setattr(limits, "ANCHOR_FACTS_MAX", 3)  # the bound itself, cheaply
    assert len(make_batch([b"a", b"b", b"c"], SUITE)) == 3
    with pytest.raises(ValueError, match="1 to 3 facts, not 4"):
        make_batch([b"a", b"b", b"c", b"d"], SUITE)


def test_a_receipt_holds_exactly_its_fields_in_canonical_bytes(setup: Setup) -> None:
    raw = setup.receipt(2)
    doc = json.loads(raw)
    assert sorted(doc) == sorted(anchoring.RECEIPT_FIELDS)
    assert doc["format"] == "trustledger-anchor-receipt/1"
    assert (doc["index"], doc["count"], doc["suite"]) == (2, 5, "ed25519-sha256")
    assert doc["fact_hash"] == setup.batch.fact_hashes[2].hex()
    assert doc["salt"] == setup.batch.salts[2].hex()
    assert doc["anchor_id"] == "an" + setup.root
    assert doc["path"] == [h.hex() for h in setup.batch.tree.path(2)]
    assert raw.endswith(b"}\n") and b" " not in raw.replace(CASE_REF.encode(), b"")
    assert decode_receipt(raw).doc == doc


def test_only_the_documented_kinds_are_taken() -> None:
    assert check_kind("notice") == "notice"
    with pytest.raises(ValueError, match="kind must be one of decision, document"):
        check_kind("gossip")


# ---------------------------------------------------------------- the offline check


def test_every_fact_of_the_batch_checks_against_one_proof(setup: Setup) -> None:
    for index, fact in enumerate(FACTS):
        verdict = check_anchor(fact, setup.receipt(index), setup.proof, genesis().hash)
        assert verdict.to_json() == {
            "anchor_id": "an" + setup.root,
            "root": setup.root,
            "fact_hash": setup.batch.fact_hashes[index].hex(),
            "index": index,
            "count": 5,
            "kind": "decision",
            "case_ref": CASE_REF,
            "org": "edu",
            "actor": "edu",
            "height": 1,
            "time_ms": GENESIS_TIME_MS + BLOCK_MS,
            "tx_hash": setup.anchored.tx_hash.hex(),
            "chain_id": CHAIN,
            "genesis_hash": genesis().hash.hex(),
        }


def test_another_fact_or_salt_is_refused_as_the_fact(setup: Setup) -> None:
    error = refused(b"fact zerO", setup.receipt(0), setup.proof)
    assert (error.part, error.detail) == (
        "fact",
        "its salted hash is not the receipt's fact_hash (the fact or the salt changed)",
    )
    assert refused(FACTS[1], setup.receipt(0), setup.proof).part == "fact"
    other_salt = setup.receipt(0, salt="ab" * 32)
    assert refused(FACTS[0], other_salt, setup.proof).part == "fact"


@pytest.mark.parametrize(
    ("changes", "detail"),
    [
        ({"index": 1}, "the fact's path does not lead to the receipt's root"),
        ({"path": []}, "the fact's path does not lead to the receipt's root"),
        ({"count": 6}, "count is 6; the chain's anchor has 5"),
        ({"anchor_id": "an" + "0" * 64}, "anchor_id is not the root's"),
        ({"kind": "notice"}, "kind is 'notice'; the chain's anchor has 'decision'"),
        ({"case_ref": "other"}, f"case_ref is 'other'; the chain's anchor has {CASE_REF!r}"),
        ({"org": "psb"}, "org is 'psb'; the chain's anchor has 'edu'"),
        ({"height": 2}, "height is 2; the anchor is proven at 1"),
        ({"tx_hash": "00" * 32}, "tx_hash is not the anchoring transaction's"),
        ({"suite": "sm2-sm3"}, "made for suite sm2-sm3; the chain's is ed25519-sha256"),
    ],
)
def test_a_receipt_that_says_otherwise_is_refused(
    setup: Setup, changes: dict[str, Any], detail: str
) -> None:
    error = refused(FACTS[0], setup.receipt(0, **changes), setup.proof)
    assert (error.part, error.detail) == ("receipt", detail)


def test_a_count_the_chain_did_not_record_is_refused() -> None:
    liar = Setup({"count": 6})  # the chain's event says 6 facts; the batch has 5
    error = refused(FACTS[0], liar.receipt(0), liar.proof)
    assert (error.part, error.detail) == ("receipt", "count is 5; the chain's anchor has 6")


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        (b"{", "not JSON"),
        (b" " * anchoring.RECEIPT_BYTES_MAX, "not JSON"),  # at the limit: read, then refused
        (b"[]", "must hold exactly the keys " + ", ".join(anchoring.RECEIPT_FIELDS)),
        (b" " * (anchoring.RECEIPT_BYTES_MAX + 1), "65537 bytes; the limit is 65536"),
    ],
)
def test_a_receipt_that_is_no_receipt_is_refused(setup: Setup, raw: bytes, detail: str) -> None:
    error = refused(FACTS[0], raw, setup.proof)
    assert (error.part, error.detail) == ("receipt", detail)


@pytest.mark.parametrize(
    ("changes", "detail"),
    [
        ({"format": "other/1"}, "format must be trustledger-anchor-receipt/1"),
        ({"suite": "rot13"}, "suite must be one of ed25519-sha256, sm2-sm3"),
        ({"suite": 7}, "suite must be one of"),
        ({"suite": ["sm2-sm3"]}, "suite must be one of"),
        ({"salt": "ab" * 31}, "salt must be 32 bytes in lowercase hex"),
        ({"salt": "AB" * 32}, "salt must be 32 bytes in lowercase hex"),
        ({"salt": "zz" * 32}, "salt must be 32 bytes in lowercase hex"),
        ({"salt": 5}, "salt must be 32 bytes in lowercase hex"),
        ({"fact_hash": "ab" * 33}, "fact_hash must be 32 bytes in lowercase hex"),
        ({"root": "ab"}, "root must be 32 bytes in lowercase hex"),
        ({"path": ["ab"]}, "path must be 32 bytes in lowercase hex"),
        ({"path": "ab"}, "path must list at most 20 hashes"),
        ({"path": ["ab" * 32] * 21}, "path must list at most 20 hashes"),
        ({"path": ["ab" * 32] * 20}, "the fact's path does not lead to the receipt's root"),
        ({"path": [7]}, "path must be 32 bytes in lowercase hex"),
        ({"index": 5}, "index must be an integer from 0 to 4"),
        ({"index": -1}, "index must be an integer from 0 to 4"),
        ({"index": True}, "index must be an integer from 0 to 4"),
        ({"count": 0}, f"count must be an integer from 1 to {limits.ANCHOR_FACTS_MAX}"),
        (
            {"count": limits.ANCHOR_FACTS_MAX + 1},
            f"count must be an integer from 1 to {limits.ANCHOR_FACTS_MAX}",
        ),
        ({"height": 0}, "height must be an integer from 1"),
        ({"height": "1"}, "height must be an integer from 1"),
    ],
)
def test_each_malformed_receipt_field_is_refused_by_name(
    setup: Setup, changes: dict[str, Any], detail: str
) -> None:
    error = refused(FACTS[0], setup.receipt(0, **changes), setup.proof)
    assert error.part == "receipt"
    assert error.detail.startswith(detail), error.detail


def test_a_receipt_with_a_key_more_or_less_is_refused(setup: Setup) -> None:
    doc = json.loads(setup.receipt(0))
    for changed in ({**doc, "note": "x"}, {k: v for k, v in doc.items() if k != "source"}):
        error = refused(FACTS[0], encode_receipt(changed), setup.proof)
        assert error.detail.startswith("must hold exactly the keys anchor_id, case_ref")


def test_a_receipt_whose_bytes_are_not_canonical_is_refused(setup: Setup) -> None:
    raw = setup.receipt(0)
    for altered in (raw[:-1], raw + b"\n", raw.replace(b'","', b'", "', 1), b" " + raw):
        error = refused(FACTS[0], altered, setup.proof)
        assert (error.part, error.detail) == (
            "receipt",
            "not in its canonical form: its bytes were altered",
        )


def test_an_altered_proof_is_refused_naming_its_part(setup: Setup) -> None:
    at = setup.proof.index(b'"events":[') + 300
    flipped = setup.proof[:at] + bytes([setup.proof[at] ^ 1]) + setup.proof[at + 1 :]
    error = refused(FACTS[0], setup.receipt(0), flipped)
    assert error.part == "proof" and error.detail.startswith("manifest: ")
    assert refused(FACTS[0], setup.receipt(0), b"{}").detail.startswith("file: ")


def test_a_proof_from_another_genesis_is_refused(setup: Setup) -> None:
    error = refused(FACTS[0], setup.receipt(0), setup.proof, bytes(32))
    assert (error.part, error.detail) == (
        "proof",
        f"it starts from genesis {genesis().hash.hex()}, not {'00' * 32}",
    )


def test_the_proof_of_another_anchor_is_refused(setup: Setup) -> None:
    other = Setup()  # same salts, other facts
    other.batch = make_batch([b"x", *FACTS[1:]], SUITE, counter_bytes())
    other.root = other.batch.root.hex()
    other_proof = proof_of(other.root, anchor_chain(other.root, len(FACTS)))
    error = refused(FACTS[0], setup.receipt(0), other_proof)
    assert (error.part, error.detail) == (
        "proof",
        f"it is about an{other.root}, not an{setup.root}",
    )


def test_a_refused_anchoring_proves_nothing() -> None:
    refused_setup = Setup()
    blocks = anchor_chain(refused_setup.root, len(FACTS), ok=False)
    error = refused(FACTS[0], refused_setup.receipt(0), proof_of(refused_setup.root, blocks))
    assert (error.part, error.detail) == (
        "proof",
        f"no proven anchoring.anchored event of root {refused_setup.root}",
    )


def test_an_anchor_of_another_root_in_the_proof_does_not_count() -> None:
    liar = Setup({"root": "cd" * 32})  # the event under the anchor's id names another root
    error = refused(FACTS[0], liar.receipt(0), liar.proof)
    assert error.detail == f"no proven anchoring.anchored event of root {liar.root}"


def test_errors_say_their_part() -> None:
    error = AnchorError("fact", "changed")
    assert (str(error), error.part, error.detail) == ("fact: changed", "fact", "changed")
