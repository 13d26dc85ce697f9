"""Block headers, hashes and roots."""

from __future__ import annotations

from node.crypto import sha256
from node.merkle import merkle_root
from proto import ledger_pb2

HEADER_DOMAIN = b"trustledger/v1/header\x00"
STATE_DOMAIN = b"trustledger/v1/state\x00"


def header_hash(header: ledger_pb2.BlockHeader) -> bytes:
    return sha256(HEADER_DOMAIN + header.SerializeToString(deterministic=True))


def tx_root(tx_hashes: list[bytes]) -> bytes:
    return merkle_root(tx_hashes)


def results_root(results: list[ledger_pb2.TxResult]) -> bytes:
    return merkle_root([r.SerializeToString(deterministic=True) for r in results])


def encode_writes(writes: list[tuple[bytes, bytes | None]]) -> bytes:
    """Length-prefixed canonical encoding of a sorted write set (None = delete)."""
    out = bytearray()
    for key, value in writes:
        out += len(key).to_bytes(4, "big") + key
        if value is None:
            out += b"\xff\xff\xff\xff"
        else:
            out += len(value).to_bytes(4, "big") + value
    return bytes(out)


def next_state_root(prev_root: bytes, writes: list[tuple[bytes, bytes | None]]) -> bytes:
    """The state commitment after applying `writes` (sorted by key) to state `prev_root`.

    A hash chain over write sets: every replica that applies the same blocks from the same
    genesis gets the same root, so a backup that executed differently refuses to vote. It
    is the skeleton's stand-in for the authenticated state tree (which adds O(log n)
    inclusion proofs); the header field and its place in the commit path stay the same.
    """
    if not writes:
        return prev_root  # same state, same commitment (a block of rejected calls changes nothing)
    return sha256(STATE_DOMAIN + prev_root + sha256(encode_writes(writes)))
