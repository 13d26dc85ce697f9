"""The bytes every signature covers, written out field by field, and the edges of each
field's range: found by mutation testing of consensus/signing.py (issue 19,
docs/mutation.md).

Signing and verifying both call the same function, so a change to the layout would go
unnoticed by any test that only signs and verifies: a replica of the new code would still
agree with itself, but no longer with replicas (or light clients) of the old one. The layout
is the interface, so each test spells it out with `struct` as the module docstring describes
it: ASCII tag ending in NUL, u16 length of the UTF-8 chain id, the chain id, big-endian u64
fields, the 32-byte digest; ViewChange and NewView evidence as the SHA-256 of a length- and
presence-prefixed encoding.
"""

from __future__ import annotations

import hashlib
import struct

import pytest

from consensus import limits
from consensus.messages import (
    CommitCertificate,
    PreparedCertificate,
    PrePrepare,
    ViewChange,
    Vote,
)
from consensus.signing import (
    checkpoint_sign_bytes,
    commit_sign_bytes,
    compute_new_view_digest,
    compute_view_change_digest,
    new_view_sign_bytes,
    normal_sign_bytes,
    prepare_sign_bytes,
    preprepare_request_sign_bytes,
    preprepare_sign_bytes,
    suspicion_sign_bytes,
    view_change_sign_bytes,
)
from suites import ED25519_SHA256

CHAIN = "链-test"  # not ASCII: its length prefix counts UTF-8 bytes
DIGEST = hashlib.sha256(b"block").digest()
U64_MAX = limits.U64_MAX


def u16(n: int) -> bytes:
    return struct.pack(">H", n)


def u64(n: int) -> bytes:
    return struct.pack(">Q", n)


def chain(chain_id: str = CHAIN) -> bytes:
    raw = chain_id.encode("utf-8")
    return u16(len(raw)) + raw


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def votes_encoding(votes: tuple[Vote, ...]) -> bytes:
    out = u16(len(votes))
    for vote in votes:
        vid = vote.validator.encode("utf-8")
        out += u16(len(vid)) + vid + u16(len(vote.signature)) + vote.signature
    return out


VOTES = (Vote("v0", b"\xa0" * 64), Vote("vé", b"\xa1" * 3))
COMMITTED = CommitCertificate(height=9, digest=DIGEST, votes=VOTES, view=4)
PREPARED = PreparedCertificate(
    view=5, height=10, digest=bytes(range(32)), preprepare_signature=b"\xb0" * 5, prepares=VOTES
)
COMMITTED_ENCODING = b"\x01" + u64(4) + u64(9) + DIGEST + votes_encoding(VOTES)
PREPARED_ENCODING = (
    b"\x01" + u64(5) + u64(10) + bytes(range(32)) + u16(5) + b"\xb0" * 5 + votes_encoding(VOTES)
)


# ----------------------------------------------------------------- fixed layouts


def test_normal_case_sign_bytes_layout() -> None:
    slot = u64(3) + u64(7) + DIGEST
    for kind, sign_bytes in (
        ("preprepare", preprepare_sign_bytes),
        ("prepare", prepare_sign_bytes),
        ("commit", commit_sign_bytes),
    ):
        expected = b"trustledger/v1/" + kind.encode() + b"\x00" + chain() + slot
        assert sign_bytes(CHAIN, 3, 7, DIGEST) == expected
        assert normal_sign_bytes(CHAIN, kind, 3, 7, DIGEST) == expected  # type: ignore[arg-type]


def test_checkpoint_sign_bytes_layout() -> None:
    assert checkpoint_sign_bytes(CHAIN, 16, DIGEST) == (
        b"trustledger/v1/checkpoint\x00" + chain() + u64(16) + DIGEST
    )


def test_suspicion_sign_bytes_layout() -> None:
    assert suspicion_sign_bytes(CHAIN, 2, 11) == (
        b"trustledger/v1/suspicion\x00" + chain() + u64(2) + u64(11)
    )


def test_preprepare_request_sign_bytes_layout() -> None:
    head = b"trustledger/v1/preprepare-request\x00" + chain() + u64(2) + u64(7)
    assert preprepare_request_sign_bytes(CHAIN, 2, 7, DIGEST) == head + u16(32) + DIGEST
    assert preprepare_request_sign_bytes(CHAIN, 2, 7, b"") == head + u16(0)


# ----------------------------------------------------------------- evidence digests


def test_view_change_digest_encodes_presence_and_every_field() -> None:
    assert compute_view_change_digest(None, None, ED25519_SHA256.hash) == sha(b"\x00\x00")
    assert compute_view_change_digest(COMMITTED, None, ED25519_SHA256.hash) == sha(
        COMMITTED_ENCODING + b"\x00"
    )
    assert compute_view_change_digest(None, PREPARED, ED25519_SHA256.hash) == sha(
        b"\x00" + PREPARED_ENCODING
    )
    assert compute_view_change_digest(COMMITTED, PREPARED, ED25519_SHA256.hash) == sha(
        COMMITTED_ENCODING + PREPARED_ENCODING
    )


def test_view_change_sign_bytes_layout() -> None:
    assert view_change_sign_bytes(CHAIN, 6, COMMITTED, PREPARED, ED25519_SHA256.hash) == (
        b"trustledger/v1/view-change\x00"
        + chain()
        + u64(6)
        + sha(COMMITTED_ENCODING + PREPARED_ENCODING)
    )


def view_change(
    sender: str, new_view: int, prepared: PreparedCertificate | None = None
) -> ViewChange:
    return ViewChange(new_view, COMMITTED, prepared, b"ignored", sender, b"\xc0" * 7)


def test_new_view_digest_and_sign_bytes_layout() -> None:
    vcs = (view_change("v1", 6), view_change("vé", 6, PREPARED))
    evidence = (COMMITTED_ENCODING + b"\x00", COMMITTED_ENCODING + PREPARED_ENCODING)
    pp = PrePrepare(6, 10, DIGEST, b"payload, not signed", "v2", b"\xd0" * 9)
    each = b"".join(
        u16(len(vc.sender.encode("utf-8")))
        + vc.sender.encode("utf-8")
        + u64(vc.new_view)
        + sha(encoded)
        + u16(7)
        + b"\xc0" * 7
        for vc, encoded in zip(vcs, evidence, strict=True)
    )
    with_pp = u16(2) + each + b"\x01" + u64(6) + u64(10) + DIGEST + u16(9) + b"\xd0" * 9
    assert compute_new_view_digest(vcs, pp, ED25519_SHA256.hash) == sha(with_pp)
    assert compute_new_view_digest(vcs, None, ED25519_SHA256.hash) == sha(u16(2) + each + b"\x00")
    assert compute_new_view_digest((), None, ED25519_SHA256.hash) == sha(u16(0) + b"\x00")
    assert new_view_sign_bytes(CHAIN, 6, vcs, pp, ED25519_SHA256.hash) == (
        b"trustledger/v1/new-view\x00" + chain() + u64(6) + sha(with_pp)
    )


# ----------------------------------------------------------------- the edges of each field


def test_every_u64_field_takes_its_whole_range_and_nothing_outside() -> None:
    calls = [
        lambda v: preprepare_sign_bytes(CHAIN, v, 1, DIGEST),
        lambda v: preprepare_sign_bytes(CHAIN, 1, v, DIGEST),
        lambda v: checkpoint_sign_bytes(CHAIN, v, DIGEST),
        lambda v: suspicion_sign_bytes(CHAIN, v, 1),
        lambda v: suspicion_sign_bytes(CHAIN, 1, v),
        lambda v: preprepare_request_sign_bytes(CHAIN, v, 1, DIGEST),
        lambda v: preprepare_request_sign_bytes(CHAIN, 1, v, DIGEST),
        lambda v: view_change_sign_bytes(CHAIN, v, None, None, ED25519_SHA256.hash),
        lambda v: compute_view_change_digest(
            CommitCertificate(v, DIGEST, VOTES, 1), None, ED25519_SHA256.hash
        ),
        lambda v: compute_view_change_digest(
            CommitCertificate(1, DIGEST, VOTES, v), None, ED25519_SHA256.hash
        ),
        lambda v: compute_new_view_digest((view_change("v1", v),), None, ED25519_SHA256.hash),
        lambda v: new_view_sign_bytes(CHAIN, v, (), None, ED25519_SHA256.hash),
    ]
    for call in calls:
        assert call(0) != call(U64_MAX)
        for bad in (-1, U64_MAX + 1):
            with pytest.raises(ValueError):
                call(bad)


def test_u64_fields_are_unsigned_big_endian() -> None:
    assert suspicion_sign_bytes(CHAIN, U64_MAX, 0).endswith(b"\xff" * 8 + b"\x00" * 8)
    assert checkpoint_sign_bytes(CHAIN, 1 << 63, DIGEST).endswith(b"\x80" + b"\x00" * 7 + DIGEST)


def test_chain_id_from_one_to_its_limit_in_bytes() -> None:
    longest = "x" * limits.CHAIN_ID_BYTES_MAX
    assert commit_sign_bytes(longest, 0, 1, DIGEST).startswith(
        b"trustledger/v1/commit\x00" + u16(limits.CHAIN_ID_BYTES_MAX) + longest.encode()
    )
    assert suspicion_sign_bytes("x", 0, 1) == (
        b"trustledger/v1/suspicion\x00" + u16(1) + b"x" + u64(0) + u64(1)
    )
    for bad in ("", "x" * (limits.CHAIN_ID_BYTES_MAX + 1), "é" * 65):  # 130 bytes
        with pytest.raises(ValueError):
            suspicion_sign_bytes(bad, 0, 1)


def test_digests_are_exactly_32_bytes_everywhere() -> None:
    for bad in (b"", DIGEST[:31], DIGEST + b"\x00"):
        with pytest.raises(ValueError):
            checkpoint_sign_bytes(CHAIN, 1, bad)
        with pytest.raises(ValueError):
            compute_view_change_digest(CommitCertificate(1, bad, VOTES), None, ED25519_SHA256.hash)
    for bad in (DIGEST[:31], DIGEST + b"\x00"):
        with pytest.raises(ValueError):
            preprepare_request_sign_bytes(CHAIN, 0, 1, bad)


def test_length_prefixed_fields_up_to_65535_bytes() -> None:
    """Ids and signatures are far below it in any valid message, but the encoding must stay
    injective for whatever it is given: a longer field is refused, not truncated."""
    for size in (0x7FFF, 0x8000, 0xFFFF):
        long_vote = Vote("v0", b"\xee" * size)
        cert = CommitCertificate(1, DIGEST, (long_vote,), 0)
        expected = b"\x01" + u64(0) + u64(1) + DIGEST + u16(1) + u16(2) + b"v0"
        assert compute_view_change_digest(cert, None, ED25519_SHA256.hash) == sha(
            expected + u16(size) + b"\xee" * size + b"\x00"
        )
    too_long = CommitCertificate(1, DIGEST, (Vote("v0", b"\xee" * 0x10000),), 0)
    with pytest.raises(ValueError):
        compute_view_change_digest(too_long, None, ED25519_SHA256.hash)


def test_vote_counts_are_unsigned_u16() -> None:
    many = tuple(Vote("v", b"") for _ in range(0x8000))
    cert = CommitCertificate(1, DIGEST, many, 0)
    body = b"\x01" + u64(0) + u64(1) + DIGEST + u16(0x8000) + (u16(1) + b"v" + u16(0)) * 0x8000
    assert compute_view_change_digest(cert, None, ED25519_SHA256.hash) == sha(body + b"\x00")
    vcs = tuple(view_change("v1", 1) for _ in range(0x8000))
    assert compute_new_view_digest(vcs, None, ED25519_SHA256.hash) != compute_new_view_digest(
        vcs[:1], None, ED25519_SHA256.hash
    )
