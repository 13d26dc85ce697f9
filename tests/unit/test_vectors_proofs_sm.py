"""docs/proofs.md's vectors of an ``sm2-sm3`` chain: the header with its SM3 block hash and a
commit certificate of SM2 votes (```header-vector-sm2-sm3```), and the SM3 state and batch
proofs (```state-proof-vector-sm2-sm3```). The Node.js checkers (tests/vectors/*.mjs, through
examples/node-verify/proofs.mjs: SM3 from Node's crypto, SM2 with the signer id from
OpenSSL's command line) accept the page and refuse every altered copy of
tests/vectors/checkers.toml (tests/unit/test_vectors_checkers.py) and those below, made from
the page's randomised votes; our Python must make exactly the page's deterministic lines (tests/unit/header_vector.py,
state_proof_vector.py), and the page's randomised SM2 votes must verify as the node checks a
certificate."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from consensus.messages import CommitCertificate, Vote
from consensus.validators import (
    InvalidCertificate,
    Validator,
    ValidatorSet,
    verify_commit_certificate,
)
from suites import ED25519_SHA256, SM2_SM3, Sm2Sm3Suite
from tests.unit import header_vector, state_proof_vector
from tests.unit.vectors_support import (
    ROOT,
    fails_on_altered,
    flipped,
    line_starting,
    needs_node,
    needs_openssl,
    vector_block,
    vector_fields,
)

DOC = ROOT / "docs" / "proofs.md"
HEADER_SCRIPT = "header_commit.mjs"
HEADER_BLOCK = "header-vector-sm2-sm3"
STATE_BLOCK = "state-proof-vector-sm2-sm3"


def sm_line(prefix: str) -> str:
    """The SM header block's whole line starting with ``prefix`` (votes are randomised, so
    altered copies are made from the page as it is)."""
    return line_starting(vector_block(DOC, HEADER_BLOCK), prefix)


# ---------------------------------------------------------------- our Python makes the page


def test_our_python_makes_every_deterministic_line_of_the_sm_header_vector() -> None:
    text = vector_block(DOC, HEADER_BLOCK)
    assert "".join(line for line in text.splitlines(True) if not line.startswith("vote: ")) == (
        header_vector.fixed_text()
    )
    assert [line.split()[1] for line in text.splitlines() if line.startswith("vote: ")] == list(
        header_vector.VOTERS
    )


def test_the_pages_sm2_votes_certify_the_block_as_the_node_checks_it() -> None:
    v = vector_fields(DOC, HEADER_BLOCK)
    members = ValidatorSet(
        tuple(Validator(vid, bytes.fromhex(key)) for vid, key in map(str.split, v["validator"]))
    )
    votes = tuple(
        Vote(vid, base64.b64decode(signature)) for vid, signature in map(str.split, v["vote"])
    )
    cert = CommitCertificate(
        int(v["height"][0]), bytes.fromhex(v["block_hash"][0]), votes, int(v["commit_view"][0])
    )
    assert {len(vote.signature) for vote in votes} == {64}
    verify_commit_certificate(v["chain_id"][0], members, cert, SM2_SM3)
    assert all(
        SM2_SM3.verify(
            members.get(vote.validator).public_key, header_vector.sign_bytes(), vote.signature
        )  # type: ignore[union-attr]
        for vote in votes
    )
    for other in (ED25519_SHA256, Sm2Sm3Suite(signer_id=b"8765432187654321")):
        with pytest.raises(InvalidCertificate):
            verify_commit_certificate(v["chain_id"][0], members, cert, other)


def test_our_python_makes_exactly_the_sm_state_proofs() -> None:
    assert vector_block(DOC, STATE_BLOCK) == state_proof_vector.vector_text(SM2_SM3)
    assert vector_block(DOC, STATE_BLOCK) != state_proof_vector.vector_text(ED25519_SHA256)


# ---------------------------------------------------------------- Node.js checks the page


@needs_node
@needs_openssl
@pytest.mark.parametrize(("voter", "says"), [("val-0", "bad vote"), ("val-3", "bad vote")])
def test_an_altered_sm2_vote_fails(tmp_path: Path, voter: str, says: str) -> None:
    line = sm_line(f"vote: {voter} ")
    failed = fails_on_altered(HEADER_SCRIPT, DOC, tmp_path, line, flipped(line, -12))  # in r || s
    assert f"{HEADER_BLOCK}: {says} from {voter}" in failed.stdout


@needs_node
@needs_openssl
def test_two_sm2_votes_of_four_are_not_a_quorum(tmp_path: Path) -> None:
    failed = fails_on_altered(HEADER_SCRIPT, DOC, tmp_path, sm_line("vote: val-3 ") + "\n", "")
    assert f"{HEADER_BLOCK}: 2 valid votes, quorum 3" in failed.stdout
