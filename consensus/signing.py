"""The bytes each signature covers — one canonicalising function per signed thing.

Layout: ASCII domain tag ending in NUL, u16 big-endian length of the UTF-8 chain id, the chain
id, big-endian u64 fields, the 32-byte digest. The domain tag stops a signature for one kind of
message being replayed as another; the chain id stops replay across chains; fixed-width fields
make the encoding injective without a parser.
"""

import struct

from consensus.limits import CHAIN_ID_BYTES_MAX, DIGEST_BYTES, U64_MAX

PREPREPARE_TAG = b"trustledger/v1/preprepare\x00"
PREPARE_TAG = b"trustledger/v1/prepare\x00"
COMMIT_TAG = b"trustledger/v1/commit\x00"


def _encode_chain_id(chain_id: str) -> bytes:
    """u16 length prefix plus UTF-8 bytes; a bad chain id is a configuration error."""
    raw = chain_id.encode("utf-8")
    if not raw:
        raise ValueError("chain id must not be empty")
    if len(raw) > CHAIN_ID_BYTES_MAX:
        raise ValueError(f"chain id is {len(raw)} bytes, limit {CHAIN_ID_BYTES_MAX}")
    return struct.pack(">H", len(raw)) + raw


def _encode_u64(name: str, value: int) -> bytes:
    if not 0 <= value <= U64_MAX:
        raise ValueError(f"{name} {value} does not fit in u64")
    return struct.pack(">Q", value)


def _check_digest(digest: bytes) -> bytes:
    if len(digest) != DIGEST_BYTES:
        raise ValueError(f"digest must be {DIGEST_BYTES} bytes, got {len(digest)}")
    return bytes(digest)


def preprepare_sign_bytes(chain_id: str, view: int, height: int, digest: bytes) -> bytes:
    """Bytes the primary signs to propose `digest` at (view, height)."""
    return (
        PREPREPARE_TAG
        + _encode_chain_id(chain_id)
        + _encode_u64("view", view)
        + _encode_u64("height", height)
        + _check_digest(digest)
    )


def prepare_sign_bytes(chain_id: str, view: int, height: int, digest: bytes) -> bytes:
    """Bytes a backup signs to prepare `digest` at (view, height)."""
    return (
        PREPARE_TAG
        + _encode_chain_id(chain_id)
        + _encode_u64("view", view)
        + _encode_u64("height", height)
        + _check_digest(digest)
    )


def commit_sign_bytes(chain_id: str, height: int, digest: bytes) -> bytes:
    """Bytes a replica signs to commit `digest` at `height`.

    No view: a commit certificate must be checkable by anyone holding the validator set
    (light clients, state transfer), without knowing the view it was produced in.
    """
    return (
        COMMIT_TAG
        + _encode_chain_id(chain_id)
        + _encode_u64("height", height)
        + _check_digest(digest)
    )
