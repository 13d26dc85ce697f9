"""The SM chain's header and commit-certificate vector of docs/proofs.md
(```header-vector-sm2-sm3```), made by our Python from fixed fields: the header bytes
(`node.chain.headers.header_bytes`), the SM3 block hash (`header_hash`), the commit sign bytes
(`consensus.signing.commit_sign_bytes`), SM2 validator keys from fixed scalars and three votes
signed by the validators' own signer (`consensus.crypto.SuiteSigner`, the default signer id).
SM2 signatures are randomised, so each run gives other votes, equally valid: the page must
equal what this makes but for the ``vote`` lines, which must verify
(tests/unit/test_vectors_proofs.py). `python -m tests.unit.header_vector` prints a fresh
block to paste."""

from __future__ import annotations

import base64

from consensus.crypto import SuiteSigner
from consensus.signing import commit_sign_bytes
from node.chain.headers import header_bytes, header_hash
from proto import ledger_pb2
from suites import SM2_SM3, Sm2Sm3Suite

SUITE: Sm2Sm3Suite = SM2_SM3
HEADER = ledger_pb2.BlockHeader(
    chain_id="trustledger-vector-sm",
    height=43,
    prev_hash=b"\x55" * 32,
    tx_root=b"\x66" * 32,
    state_root=b"\x77" * 32,
    results_root=b"\x88" * 32,
    proposer="val-2",
    view=2,
    time_ms=1767225660000,
)
COMMIT_VIEW = 2
VOTERS = ("val-0", "val-1", "val-3")


def signers() -> dict[str, SuiteSigner]:
    """The four validators, SM2 scalars 01 × 32 … 04 × 32 (test keys: never use them)."""
    return {f"val-{i}": SuiteSigner(f"val-{i}", SUITE, bytes([i + 1]) * 32) for i in range(4)}


def sign_bytes() -> bytes:
    """What each vote signs: the commit sign bytes over the SM3 block hash."""
    return commit_sign_bytes(
        HEADER.chain_id, COMMIT_VIEW, HEADER.height, header_hash(HEADER, SUITE)
    )


def fixed_text() -> str:
    """Every line of the block but the votes (those are randomised)."""
    h = HEADER
    lines = [
        f"suite: {SUITE.name}",
        f"signer_id: {SUITE.signer_id.decode()}",
        f"chain_id: {h.chain_id}",
        f"height: {h.height}",
        *(
            f"{name}: {getattr(h, name).hex()}"
            for name in ("prev_hash", "tx_root", "state_root", "results_root")
        ),
        f"proposer: {h.proposer}",
        f"view: {h.view}",
        f"time_ms: {h.time_ms}",
        f"header_bytes: {header_bytes(h).hex()}",
        f"block_hash: {header_hash(h, SUITE).hex()}",
        *(f"validator: {vid} {s.public_key.hex()}" for vid, s in signers().items()),
        f"commit_view: {COMMIT_VIEW}",
        f"commit_sign_bytes: {sign_bytes().hex()}",
    ]
    return "".join(f"{line}\n" for line in lines)


def vector_text() -> str:
    """The whole block, with fresh votes of `VOTERS`."""
    keys, signed = signers(), sign_bytes()
    votes = "".join(
        f"vote: {vid} {base64.b64encode(keys[vid].sign(signed)).decode()}\n" for vid in VOTERS
    )
    return fixed_text() + votes


if __name__ == "__main__":
    print(vector_text(), end="")
