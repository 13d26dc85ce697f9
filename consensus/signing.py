"""The bytes each signature covers — one canonicalising function per signed thing.

Layout: ASCII domain tag ending in NUL, u16 big-endian length of the UTF-8 chain id, the chain
id, big-endian u64 fields, the 32-byte digest. The domain tag stops a signature for one kind of
message being replayed as another; the chain id stops replay across chains; fixed-width fields
make the encoding injective without a parser.

ViewChange and NewView carry variable-length evidence; their signed bytes end in the hash, by
the chain's suite (SHA-256 for `ed25519-sha256`, SM3 for `sm2-sm3`; both 32 bytes), of an
injective encoding of it (every variable-length field is length-prefixed, every optional one
is preceded by a presence byte), so signatures stay over short, fixed-layout strings. The
hash function is a parameter (the replica passes `config.suite.hash`): no default, so an SM
chain never falls back to SHA-256.
"""

import struct
from collections.abc import Callable, Sequence

from consensus.limits import CHAIN_ID_BYTES_MAX, DIGEST_BYTES, U64_MAX
from consensus.messages import (
    CommitCertificate,
    Kind,
    PreparedCertificate,
    PrePrepare,
    ViewChange,
    Vote,
)

PREPREPARE_TAG = b"trustledger/v1/preprepare\x00"
PREPARE_TAG = b"trustledger/v1/prepare\x00"
COMMIT_TAG = b"trustledger/v1/commit\x00"
CHECKPOINT_TAG = b"trustledger/v1/checkpoint\x00"
SUSPICION_TAG = b"trustledger/v1/suspicion\x00"
PREPREPARE_REQUEST_TAG = b"trustledger/v1/preprepare-request\x00"
VIEW_CHANGE_TAG = b"trustledger/v1/view-change\x00"
NEW_VIEW_TAG = b"trustledger/v1/new-view\x00"

HashFunction = Callable[[bytes], bytes]
"""The chain's suite's hash (`suites.base.Suite.hash`): bytes -> 32 bytes."""


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


def _encode_bytes(value: bytes) -> bytes:
    """u16 length prefix plus the bytes (ids and signatures are far below 64 KiB)."""
    if len(value) > 0xFFFF:
        raise ValueError("field longer than 65535 bytes")
    return struct.pack(">H", len(value)) + value


def _encode_slot(view: int, height: int, digest: bytes) -> bytes:
    """(view, height, digest): the fixed-width part of every vote and certificate."""
    return _encode_u64("view", view) + _encode_u64("height", height) + _check_digest(digest)


def _encode_votes(votes: Sequence[Vote]) -> bytes:
    out = [struct.pack(">H", len(votes))]
    for vote in votes:
        out.append(_encode_bytes(vote.validator.encode("utf-8")))
        out.append(_encode_bytes(vote.signature))
    return b"".join(out)


_NORMAL_TAGS = {"preprepare": PREPREPARE_TAG, "prepare": PREPARE_TAG, "commit": COMMIT_TAG}


def normal_sign_bytes(chain_id: str, kind: Kind, view: int, height: int, digest: bytes) -> bytes:
    """Bytes signed by a normal-case message of `kind` for `digest` at (view, height); the
    three kinds differ only in their domain tag."""
    return _NORMAL_TAGS[kind] + _encode_chain_id(chain_id) + _encode_slot(view, height, digest)


def preprepare_sign_bytes(chain_id: str, view: int, height: int, digest: bytes) -> bytes:
    """Bytes the primary signs to propose `digest` at (view, height)."""
    return normal_sign_bytes(chain_id, "preprepare", view, height, digest)


def prepare_sign_bytes(chain_id: str, view: int, height: int, digest: bytes) -> bytes:
    """Bytes a backup signs to prepare `digest` at (view, height)."""
    return normal_sign_bytes(chain_id, "prepare", view, height, digest)


def commit_sign_bytes(chain_id: str, view: int, height: int, digest: bytes) -> bytes:
    """Bytes a replica signs to commit `digest` at (view, height).

    The view is signed so that a certificate is a quorum of one view: commits from different
    views could otherwise be combined into a "certificate" for a block that no view's quorum
    was ever prepared for (PBFT section 4.4). Certificates stay checkable by anyone holding the
    validator set: the certificate carries its view.
    """
    return normal_sign_bytes(chain_id, "commit", view, height, digest)


def checkpoint_sign_bytes(chain_id: str, height: int, digest: bytes) -> bytes:
    """Bytes a replica signs to state that the block at checkpoint `height` has `digest`."""
    return (
        CHECKPOINT_TAG
        + _encode_chain_id(chain_id)
        + _encode_u64("height", height)
        + _check_digest(digest)
    )


def suspicion_sign_bytes(chain_id: str, view: int, height: int) -> bytes:
    """Bytes a backup signs to say it suspects the primary of `view` at `height`."""
    return (
        SUSPICION_TAG
        + _encode_chain_id(chain_id)
        + _encode_u64("view", view)
        + _encode_u64("height", height)
    )


def preprepare_request_sign_bytes(chain_id: str, view: int, height: int, digest: bytes) -> bytes:
    """Bytes a backup signs to ask a peer for the primary's pre-prepare of `digest` at
    (view, height); an empty digest asks for whichever the peer accepts there (a standing
    request). The digest is length-prefixed (u16: 0 or 32)."""
    if digest:
        _check_digest(digest)
    return (
        PREPREPARE_REQUEST_TAG
        + _encode_chain_id(chain_id)
        + _encode_u64("view", view)
        + _encode_u64("height", height)
        + _encode_bytes(digest)
    )


def _encode_commit_certificate(cert: CommitCertificate | None) -> bytes:
    if cert is None:
        return b"\x00"
    return b"\x01" + _encode_slot(cert.view, cert.height, cert.digest) + _encode_votes(cert.votes)


def _encode_prepared_certificate(cert: PreparedCertificate | None) -> bytes:
    if cert is None:
        return b"\x00"
    return (
        b"\x01"
        + _encode_slot(cert.view, cert.height, cert.digest)
        + _encode_bytes(cert.preprepare_signature)
        + _encode_votes(cert.prepares)
    )


def compute_view_change_digest(
    committed: CommitCertificate | None,
    prepared: PreparedCertificate | None,
    hash_function: HashFunction,
) -> bytes:
    """The suite's hash over the evidence of a ViewChange (its payload excluded: the digest
    binds it)."""
    encoded = _encode_commit_certificate(committed) + _encode_prepared_certificate(prepared)
    return hash_function(encoded)


def view_change_sign_bytes(
    chain_id: str,
    new_view: int,
    committed: CommitCertificate | None,
    prepared: PreparedCertificate | None,
    hash_function: HashFunction,
) -> bytes:
    """Bytes a replica signs to ask for `new_view`, binding the evidence it reports."""
    return (
        VIEW_CHANGE_TAG
        + _encode_chain_id(chain_id)
        + _encode_u64("new view", new_view)
        + compute_view_change_digest(committed, prepared, hash_function)
    )


def compute_new_view_digest(
    view_changes: Sequence[ViewChange],
    preprepare: PrePrepare | None,
    hash_function: HashFunction,
) -> bytes:
    """The suite's hash over the ViewChanges (each: sender, evidence digest, signature) and
    the re-proposal's (view, height, digest, signature) of a NewView."""
    out = [struct.pack(">H", len(view_changes))]
    for vc in view_changes:
        out.append(_encode_bytes(vc.sender.encode("utf-8")))
        out.append(_encode_u64("new view", vc.new_view))
        out.append(compute_view_change_digest(vc.committed, vc.prepared, hash_function))
        out.append(_encode_bytes(vc.signature))
    if preprepare is None:
        out.append(b"\x00")
    else:
        out.append(b"\x01")
        out.append(_encode_slot(preprepare.view, preprepare.height, preprepare.digest))
        out.append(_encode_bytes(preprepare.signature))
    return hash_function(b"".join(out))


def new_view_sign_bytes(
    chain_id: str,
    view: int,
    view_changes: Sequence[ViewChange],
    preprepare: PrePrepare | None,
    hash_function: HashFunction,
) -> bytes:
    """Bytes the new primary signs to start `view`."""
    return (
        NEW_VIEW_TAG
        + _encode_chain_id(chain_id)
        + _encode_u64("view", view)
        + compute_new_view_digest(view_changes, preprepare, hash_function)
    )
