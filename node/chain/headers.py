"""Block headers, hashes and roots."""

from __future__ import annotations

from node.chain.crypto import sha256
from node.chain.merkle import merkle_root
from proto import ledger_pb2

HEADER_DOMAIN = b"trustledger/v1/header\x00"


def header_hash(header: ledger_pb2.BlockHeader) -> bytes:
    return sha256(HEADER_DOMAIN + header.SerializeToString(deterministic=True))


def tx_root(tx_hashes: list[bytes]) -> bytes:
    return merkle_root(tx_hashes)


def results_root(results: list[ledger_pb2.TxResult]) -> bytes:
    return merkle_root([r.SerializeToString(deterministic=True) for r in results])
