"""The block hash, commit certificates and state proofs are checkable without our Python: Node.js
scripts with no package (tests/vectors/header_commit.mjs, state_proof.mjs) rebuild
docs/proofs.md's vectors of both suites from the documented layouts and verify the votes (SM2
through OpenSSL's command line, with the signer id) and the proofs;
tests/unit/test_vectors_checkers.py runs them on the real page and on altered copies of each
suite's blocks where they must fail. Here our Python must produce exactly the documented
bytes, hashes and proofs (and signatures where deterministic: Ed25519's; the SM block's
randomised SM2 votes must verify), so the page cannot drift from the code. The SM blocks are
checked in tests/unit/test_vectors_proofs_sm.py."""

from __future__ import annotations

import base64

from consensus.crypto import Ed25519Signer
from consensus.signing import commit_sign_bytes
from node.chain.headers import header_bytes, header_hash
from proto import ledger_pb2
from suites import ED25519_SHA256
from tests.unit import header_vector, state_proof_vector
from tests.unit.vectors_support import ROOT, vector_block, vector_fields

DOC = ROOT / "docs" / "proofs.md"


def test_our_python_makes_exactly_the_documented_bytes() -> None:
    v = vector_fields(DOC, "header-vector")
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
    base = header_vector.HEADER
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


def test_our_python_makes_exactly_the_documented_state_proofs() -> None:
    assert vector_block(DOC, "state-proof-vector") == state_proof_vector.vector_text()
