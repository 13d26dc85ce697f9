"""Block headers, hashes and roots.

A header's hash is the chain's suite's hash (SHA-256 or SM3, `suite.hash_name`) over a
documented byte layout (docs/proofs.md), not over
protobuf's serialisation: protobuf promises no byte-identical encoding across languages or
versions, and an agency's verifier in Java, Go or Node must compute the same hash from the
header's fields. The layout is the one the consensus votes use (consensus/signing.py):
big-endian integers of fixed width, text and bytes with a 2-byte length.
"""

from __future__ import annotations

import struct
from typing import Final

from node.chain.merkle import merkle_root
from proto import ledger_pb2
from suites import Suite

HEADER_DOMAIN: Final = b"trustledger/header/v2\x00"
"""v2: the documented layout (v1 hashed protobuf's deterministic serialisation)."""

FIELD_BYTES_MAX: Final = 0xFFFF


def _sized(value: bytes) -> bytes:
    if len(value) > FIELD_BYTES_MAX:
        raise ValueError("a header field is longer than 65535 bytes")
    return struct.pack(">H", len(value)) + value


def header_bytes(header: ledger_pb2.BlockHeader) -> bytes:
    """The bytes a header's hash is taken over, in the order of docs/proofs.md."""
    return b"".join(
        (
            HEADER_DOMAIN,
            _sized(header.chain_id.encode("utf-8")),
            struct.pack(">Q", header.height),
            _sized(header.prev_hash),
            _sized(header.tx_root),
            _sized(header.state_root),
            _sized(header.results_root),
            _sized(header.proposer.encode("utf-8")),
            struct.pack(">Q", header.view),
            struct.pack(">q", header.time_ms),
        )
    )


def header_hash(header: ledger_pb2.BlockHeader, suite: Suite) -> bytes:
    """The block hash: `suite.hash` of `header_bytes` (the chain's suite, from genesis)."""
    return suite.hash(header_bytes(header))


def tx_root(tx_hashes: list[bytes], suite: Suite) -> bytes:
    return merkle_root(tx_hashes, suite)


def results_root(results: list[ledger_pb2.TxResult], suite: Suite) -> bytes:
    return merkle_root([r.SerializeToString(deterministic=True) for r in results], suite)
