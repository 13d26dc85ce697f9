"""The block hash, commit certificates and state proofs are checkable without our Python: Node.js
scripts with no package (tests/vectors/header_commit.mjs, state_proof.mjs) rebuild
docs/proofs.md's vectors of both suites from the documented layouts and verify the votes (SM2
through OpenSSL's command line, with the signer id) and the proofs. Here they run on the real
page and on altered copies of each suite's blocks where they must fail; and our Python must
produce exactly the documented bytes, hashes and proofs (and signatures where deterministic:
Ed25519's; the SM block's randomised SM2 votes must verify), so the page cannot drift from the
code. The SM blocks are checked in tests/unit/test_vectors_proofs_sm.py."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

from consensus.crypto import Ed25519Signer
from consensus.signing import commit_sign_bytes
from node.chain.headers import header_bytes, header_hash
from proto import ledger_pb2
from suites import ED25519_SHA256
from tests.unit import state_proof_vector
from tests.unit.vectors_support import (
    ROOT,
    fails_on_altered,
    needs_node,
    passes_on,
    vector_block,
)

SCRIPT = "header_commit.mjs"
DOC = ROOT / "docs" / "proofs.md"


@needs_node
def test_node_js_checks_the_documented_vector() -> None:
    printed = passes_on(SCRIPT, DOC)
    assert "ed25519-sha256 block 42 934b" in printed
    assert printed.count("3 of 4 votes verified") == 2


@needs_node
@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("time_ms: 1767225600000", "time_ms: 1767225600001", "other header bytes"),
        ("proposer: val-1", "proposer: val-2", "other header bytes"),
        ("block_hash: 934b", "block_hash: 934c", "another hash"),
        ("commit_view: 1", "commit_view: 2", "other commit sign bytes"),
        ("vote: val-2 xng+", "vote: val-2 xnh+", "bad vote from val-2"),
        ("vote: val-2", "vote: val-9", "not in the validator set"),
    ],
)
def test_an_altered_vector_fails(tmp_path: Path, old: str, new: str, says: str) -> None:
    assert says in fails_on_altered(SCRIPT, DOC, tmp_path, old, new).stdout


@needs_node
def test_two_votes_of_four_are_not_a_quorum(tmp_path: Path) -> None:
    vote = re.search(r"vote: val-2 .*\n", DOC.read_text(encoding="utf-8"))
    assert vote is not None
    result = fails_on_altered(SCRIPT, DOC, tmp_path, vote.group(), "")
    assert "2 valid votes, quorum 3" in result.stdout


def _vector() -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for line in vector_block(DOC, "header-vector").strip().splitlines():
        name, value = line.split(": ", 1)
        fields.setdefault(name, []).append(value)
    return fields


def test_our_python_makes_exactly_the_documented_bytes() -> None:
    v = _vector()
    header = ledger_pb2.BlockHeader(
        chain_id=v["chain_id"][0],
        height=int(v["height"][0]),
        prev_hash=bytes.fromhex(v["prev_hash"][0]),
        tx_root=bytes.fromhex(v["tx_root"][0]),
        state_root=bytes.fromhex(v["state_root"][0]),
        results_root=bytes.fromhex(v["results_root"][0]),
        proposer=v["proposer"][0],
        view=int(v["view"][0]),
        time_ms=int(v["time_ms"][0]),
    )
    assert header_bytes(header).hex() == v["header_bytes"][0]
    assert header_hash(header, ED25519_SHA256).hex() == v["block_hash"][0]
    signed = commit_sign_bytes(
        header.chain_id,
        int(v["commit_view"][0]),
        header.height,
        header_hash(header, ED25519_SHA256),
    )
    assert signed.hex() == v["commit_sign_bytes"][0]
    signers = {f"val-{i}": Ed25519Signer(f"val-{i}", bytes([i + 1]) * 32) for i in range(4)}
    assert [line.split() for line in v["validator"]] == [
        [vid, signer.public_key.hex()] for vid, signer in signers.items()
    ]
    for line in v["vote"]:
        vid, signature = line.split()
        assert base64.b64decode(signature) == signers[vid].sign(signed)


def test_every_header_field_changes_the_hash() -> None:
    base = ledger_pb2.BlockHeader(
        chain_id="c",
        height=1,
        prev_hash=b"\x01" * 32,
        tx_root=b"\x02" * 32,
        state_root=b"\x03" * 32,
        results_root=b"\x04" * 32,
        proposer="v0",
        view=0,
        time_ms=5,
    )
    changed = {
        "chain_id": "d",
        "height": 2,
        "prev_hash": b"\x09" * 32,
        "tx_root": b"\x09" * 32,
        "state_root": b"\x09" * 32,
        "results_root": b"\x09" * 32,
        "proposer": "v1",
        "view": 1,
        "time_ms": -5,
    }
    hashes = {header_hash(base, ED25519_SHA256)}
    for name, value in changed.items():
        header = ledger_pb2.BlockHeader()
        header.CopyFrom(base)
        setattr(header, name, value)
        hashes.add(header_hash(header, ED25519_SHA256))
    assert len(hashes) == 1 + len(changed)


# ---------------------------------------------------------------- state proofs


STATE_SCRIPT = "state_proof.mjs"


def test_our_python_makes_exactly_the_documented_state_proofs() -> None:
    assert vector_block(DOC, "state-proof-vector") == state_proof_vector.vector_text()


@needs_node
def test_node_js_checks_the_documented_state_proofs() -> None:
    assert "inclusion and exclusion verified, single and batched" in passes_on(STATE_SCRIPT, DOC)


@needs_node
@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        (
            '"status":"valid","valid_until_ms":0}\n',
            '"status":"revoked","valid_until_ms":0}\n',
            "the value does not match the proof",
        ),
        (
            "key: certificates/cert/cert-vector-0003",
            "key: certificates/cert/cert-vector-0004",
            "the value does not match the proof",
        ),
        ("state_root: 2e", "state_root: 2f", "the proof does not lead to the state root"),
        (
            "inclusion_proof: 010174",
            "inclusion_proof: 010175",
            "the value does not match the proof",
        ),
        ("inclusion_proof: 0101", "inclusion_proof: 0201", "unknown proof format"),
        (
            "absent_key: certificates/cert/cert-vector-0099",
            "absent_key: certificates/cert/cert-vector-0003",
            "the other leaf is off the key's path",
        ),
        (
            "exclusion_proof: 0102",
            "exclusion_proof: 0101",
            "proof length does not match its siblings",
        ),
        (
            "batch_inclusion: 0101000300000000",
            "batch_inclusion: 0101000300000009",
            "sibling 2304 is not in the table",
        ),
        ("batch_node: cc4c", "batch_node: cc4d", "the proof does not lead to the state root"),
        (
            "batch_exclusion: 0102048a",
            "batch_exclusion: 0102048b",
            "the proof does not lead to the state root",
        ),
    ],
)
def test_an_altered_state_proof_fails(tmp_path: Path, old: str, new: str, says: str) -> None:
    assert says in fails_on_altered(STATE_SCRIPT, DOC, tmp_path, old, new).stdout
