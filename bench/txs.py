"""The load both benchmarks put on the chain: signed issues of resident ID cards to random
holders, the commonest transaction of a certificate chain."""

from __future__ import annotations

import random

from node.chain.crypto import KeyPair
from node.chain.tx import build_tx
from proto import ledger_pb2


def issue_txs(
    chain_id: str,
    issuer: KeyPair,
    tag: str,
    count: int,
    rnd: random.Random,
    *,
    seeded_nonce: bool = False,
) -> list[ledger_pb2.Transaction]:
    """`count` certificate issues signed by `issuer`, ids ``cert-<tag>-<n>``, holders and
    document hashes drawn from `rnd`; with `seeded_nonce` the nonces too, so that a run can
    be repeated exactly (otherwise they are random, as a real issuer's)."""
    out = []
    for i in range(count):
        holder = "hd" + rnd.getrandbits(160).to_bytes(20, "big").hex()
        args = {
            "cert_id": f"cert-{tag}-{i:08d}",
            "cert_type": "resident_id_card",
            "holder": holder,
            "doc_hash": rnd.getrandbits(256).to_bytes(32, "big").hex(),
            "valid_until_ms": 0,
        }
        nonce = rnd.getrandbits(128).to_bytes(16, "big") if seeded_nonce else None
        out.append(build_tx(chain_id, issuer, "certificates", "issue", args, nonce=nonce))
    return out
