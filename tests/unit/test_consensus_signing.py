"""Signed bytes, validator sets, Ed25519 and commit-certificate verification."""

import hashlib
import struct
from collections.abc import Callable

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from consensus import limits
from consensus.crypto import Ed25519Signer, Ed25519Verifier
from consensus.errors import InvalidCertificate
from consensus.messages import CommitCertificate, Vote
from consensus.signing import (
    checkpoint_sign_bytes,
    commit_sign_bytes,
    prepare_sign_bytes,
    preprepare_request_sign_bytes,
    preprepare_sign_bytes,
)
from consensus.validators import (
    Validator,
    ValidatorSet,
    get_commit_certificate_problem,
    verify_commit_certificate,
)
from suites import ED25519_SHA256

CHAIN = "trustledger-test"
DIGEST = hashlib.sha256(b"block").digest()
OTHER_DIGEST = hashlib.sha256(b"other block").digest()


def make_signer(validator_id: str) -> Ed25519Signer:
    return Ed25519Signer(validator_id, hashlib.sha256(b"seed:" + validator_id.encode()).digest())


SIGNERS = {vid: make_signer(vid) for vid in ("v0", "v1", "v2", "v3")}
VALIDATORS = ValidatorSet(
    tuple(Validator(id=vid, public_key=s.public_key) for vid, s in sorted(SIGNERS.items()))
)


def certificate(
    height: int = 5,
    digest: bytes = DIGEST,
    voters: tuple[str, ...] = ("v0", "v1", "v2"),
    view: int = 0,
) -> CommitCertificate:
    msg = commit_sign_bytes(CHAIN, view, height, digest)
    votes = tuple(Vote(validator=v, signature=SIGNERS[v].sign(msg)) for v in voters)
    return CommitCertificate(height=height, digest=digest, votes=votes, view=view)


# ------------------------------------------------------------------ signed bytes


@pytest.mark.parametrize(
    ("sign_bytes", "tag", "view"),
    [
        (commit_sign_bytes, b"trustledger/v1/commit\x00", 2),
        (prepare_sign_bytes, b"trustledger/v1/prepare\x00", 3),
    ],
    ids=["commit", "prepare"],
)
def test_vote_sign_bytes_exact_layout(
    sign_bytes: Callable[[str, int, int, bytes], bytes], tag: bytes, view: int
) -> None:
    expected = tag + struct.pack(">H", len(CHAIN)) + CHAIN.encode() + struct.pack(">QQ", view, 7)
    assert sign_bytes(CHAIN, view, 7, DIGEST) == expected + DIGEST


def test_preprepare_request_sign_bytes_exact_layout() -> None:
    """Tag, chain id, view, height, then the digest with a u16 length: 32 bytes, or none for
    a standing request (consensus/proposals.py)."""
    head = (
        b"trustledger/v1/preprepare-request\x00"
        + struct.pack(">H", len(CHAIN))
        + CHAIN.encode()
        + struct.pack(">QQ", 2, 7)
    )
    assert preprepare_request_sign_bytes(CHAIN, 2, 7, DIGEST) == head + b"\x00\x20" + DIGEST
    assert preprepare_request_sign_bytes(CHAIN, 2, 7, b"") == head + b"\x00\x00"
    with pytest.raises(ValueError):
        preprepare_request_sign_bytes(CHAIN, 2, 7, DIGEST[:31])


@given(
    chain=st.text(min_size=1, max_size=20),
    view=st.integers(0, limits.U64_MAX),
    height=st.integers(0, limits.U64_MAX),
    digest=st.binary(min_size=32, max_size=32),
)
def test_sign_bytes_deterministic_and_domain_separated(
    chain: str, view: int, height: int, digest: bytes
) -> None:
    pre = preprepare_sign_bytes(chain, view, height, digest)
    prep = prepare_sign_bytes(chain, view, height, digest)
    com = commit_sign_bytes(chain, view, height, digest)
    assert pre == preprepare_sign_bytes(chain, view, height, digest)
    assert prep == prepare_sign_bytes(chain, view, height, digest)
    assert com == commit_sign_bytes(chain, view, height, digest)
    assert len({pre, prep, com}) == 3
    # No kind is a prefix of another, so no signature can be reinterpreted as another kind.
    for a, b in [(pre, prep), (prep, pre), (pre, com), (com, pre), (prep, com), (com, prep)]:
        assert not a.startswith(b)


_fields = st.tuples(st.text(min_size=1, max_size=8), st.integers(0, 2**20), st.integers(0, 2**20))


@given(st.lists(_fields, min_size=2, max_size=2, unique=True))
def test_sign_bytes_injective(pair: list[tuple[str, int, int]]) -> None:
    """Two different (chain, view, height) triples by construction: drawn independently,
    a quarter of the pairs were equal and checked nothing."""
    a, b = pair
    event(f"same chain and height (checkpoint bytes may match): {(a[0], a[2]) == (b[0], b[2])}")
    assert prepare_sign_bytes(a[0], a[1], a[2], DIGEST) != prepare_sign_bytes(
        b[0], b[1], b[2], DIGEST
    )
    assert commit_sign_bytes(a[0], a[1], a[2], DIGEST) != commit_sign_bytes(
        b[0], b[1], b[2], DIGEST
    )
    assert checkpoint_sign_bytes(a[0], a[2], DIGEST) != checkpoint_sign_bytes(
        b[0], b[2], DIGEST
    ) or (a[0], a[2]) == (b[0], b[2])


def test_chain_id_and_digest_change_sign_bytes() -> None:
    assert commit_sign_bytes("a", 0, 1, DIGEST) != commit_sign_bytes("b", 0, 1, DIGEST)
    assert commit_sign_bytes(CHAIN, 0, 1, DIGEST) != commit_sign_bytes(CHAIN, 0, 1, OTHER_DIGEST)
    assert commit_sign_bytes(CHAIN, 0, 1, DIGEST) != commit_sign_bytes(CHAIN, 1, 1, DIGEST)
    assert prepare_sign_bytes(CHAIN, 0, 1, DIGEST) != prepare_sign_bytes(CHAIN, 1, 1, DIGEST)


@pytest.mark.parametrize("digest", [b"", b"\x00" * 31, b"\x00" * 33])
def test_sign_bytes_reject_bad_digest(digest: bytes) -> None:
    with pytest.raises(ValueError, match="digest"):
        commit_sign_bytes(CHAIN, 0, 1, digest)
    with pytest.raises(ValueError, match="digest"):
        prepare_sign_bytes(CHAIN, 0, 1, digest)
    with pytest.raises(ValueError, match="digest"):
        preprepare_sign_bytes(CHAIN, 0, 1, digest)


def test_sign_bytes_reject_out_of_range_fields() -> None:
    with pytest.raises(ValueError):
        commit_sign_bytes(CHAIN, 0, -1, DIGEST)
    with pytest.raises(ValueError):
        prepare_sign_bytes(CHAIN, limits.U64_MAX + 1, 1, DIGEST)
    with pytest.raises(ValueError):
        commit_sign_bytes("", 0, 1, DIGEST)
    with pytest.raises(ValueError):
        commit_sign_bytes("x" * (limits.CHAIN_ID_BYTES_MAX + 1), 0, 1, DIGEST)


# ------------------------------------------------------------------ validator set


def test_validator_set_sizes() -> None:
    assert (VALIDATORS.n, VALIDATORS.f, VALIDATORS.quorum) == (4, 1, 3)
    assert [VALIDATORS.primary(v) for v in range(6)] == ["v0", "v1", "v2", "v3", "v0", "v1"]
    assert VALIDATORS.get("v2") == Validator("v2", SIGNERS["v2"].public_key)
    assert VALIDATORS.get("nobody") is None


@pytest.mark.parametrize("n", range(1, 30))
def test_quorum_is_2f_plus_1_for_3f_plus_1_and_always_intersects_safely(n: int) -> None:
    validators = ValidatorSet(
        tuple(Validator(id=f"v{i:02d}", public_key=bytes([i]) * 32) for i in range(n))
    )
    f, q = validators.f, validators.quorum
    if n == 3 * f + 1:
        assert q == 2 * f + 1
    assert 2 * q - n >= f + 1, "two quorums must share an honest validator"
    assert q <= n - f, "a quorum must be reachable with f validators silent"


def test_validator_set_rejects_bad_sets() -> None:
    key = bytes(32)
    with pytest.raises(ValueError, match="must have 1"):
        ValidatorSet(())
    with pytest.raises(ValueError, match="sorted"):
        ValidatorSet((Validator("b", b"\x01" * 32), Validator("a", b"\x02" * 32)))
    with pytest.raises(ValueError, match="ids must be unique"):
        ValidatorSet((Validator("a", b"\x01" * 32), Validator("a", b"\x02" * 32)))
    with pytest.raises(ValueError, match="keys must be unique"):
        ValidatorSet((Validator("a", key), Validator("b", key)))
    with pytest.raises(ValueError, match="32 bytes"):
        ValidatorSet((Validator("a", b"\x01" * 31),))


# ------------------------------------------------------------------ Ed25519


def test_ed25519_sign_and_verify() -> None:
    verifier = Ed25519Verifier(VALIDATORS)
    key = {vid: s.public_key for vid, s in SIGNERS.items()}
    sig = SIGNERS["v1"].sign(b"hello")
    assert len(sig) == 64
    assert verifier.verify(key["v1"], b"hello", sig)
    assert not verifier.verify(key["v2"], b"hello", sig)
    assert not verifier.verify(key["v1"], b"hellO", sig)
    assert not verifier.verify(b"\x01" * 31, b"hello", sig)  # malformed key: False, no raise
    assert not verifier.verify(key["v1"], b"hello", sig[:-1])
    assert not verifier.verify(key["v1"], b"hello", b"\x00" * 64)
    # Keys outside the set given at construction (a rotated key) are parsed on first use.
    rotated = make_signer("v1-rotated")
    assert Ed25519Verifier().verify(rotated.public_key, b"hi", rotated.sign(b"hi"))


def test_ed25519_signer_needs_32_byte_seed() -> None:
    with pytest.raises(ValueError):
        Ed25519Signer("v0", b"short")


# ------------------------------------------------------------------ certificates


def test_certificate_with_quorum_verifies() -> None:
    for cert in (certificate(), certificate(voters=("v0", "v1", "v2", "v3"))):
        problem = get_commit_certificate_problem(CHAIN, VALIDATORS, cert, Ed25519Verifier())
        assert problem is None
        verify_commit_certificate(
            CHAIN, VALIDATORS, cert, ED25519_SHA256
        )  # and the raising form accepts it


def test_certificate_too_few_votes() -> None:
    with pytest.raises(InvalidCertificate, match="quorum is 3"):
        verify_commit_certificate(
            CHAIN, VALIDATORS, certificate(voters=("v0", "v1")), ED25519_SHA256
        )


def test_certificate_duplicate_voter() -> None:
    cert = certificate(voters=("v0", "v1", "v1"))
    with pytest.raises(InvalidCertificate, match="duplicate vote from validator 'v1'"):
        verify_commit_certificate(CHAIN, VALIDATORS, cert, ED25519_SHA256)


def test_certificate_unsorted_votes() -> None:
    cert = certificate(voters=("v1", "v0", "v2"))
    with pytest.raises(InvalidCertificate, match="sorted"):
        verify_commit_certificate(CHAIN, VALIDATORS, cert, ED25519_SHA256)


def test_certificate_unknown_validator() -> None:
    good = certificate()
    outsider = make_signer("v9")
    vote = Vote("v9", outsider.sign(commit_sign_bytes(CHAIN, 0, good.height, good.digest)))
    cert = CommitCertificate(good.height, good.digest, (*good.votes[:2], vote))
    with pytest.raises(InvalidCertificate, match="unknown validator 'v9'"):
        verify_commit_certificate(CHAIN, VALIDATORS, cert, ED25519_SHA256)


def test_certificate_wrong_digest_or_height_or_chain() -> None:
    good = certificate()
    with pytest.raises(InvalidCertificate, match="bad signature"):
        verify_commit_certificate(
            CHAIN,
            VALIDATORS,
            CommitCertificate(good.height, OTHER_DIGEST, good.votes),
            ED25519_SHA256,
        )
    with pytest.raises(InvalidCertificate, match="bad signature"):
        verify_commit_certificate(
            CHAIN,
            VALIDATORS,
            CommitCertificate(good.height + 1, good.digest, good.votes),
            ED25519_SHA256,
        )
    with pytest.raises(InvalidCertificate, match="bad signature"):
        verify_commit_certificate("another-chain", VALIDATORS, good, ED25519_SHA256)
    with pytest.raises(InvalidCertificate, match="digest"):
        verify_commit_certificate(
            CHAIN, VALIDATORS, CommitCertificate(5, b"x", good.votes), ED25519_SHA256
        )


def test_certificate_bad_signature() -> None:
    good = certificate()
    forged = Vote("v2", SIGNERS["v3"].sign(commit_sign_bytes(CHAIN, 0, 5, DIGEST)))
    cert = CommitCertificate(5, DIGEST, (*good.votes[:2], forged))
    with pytest.raises(InvalidCertificate, match="bad signature from validator 'v2'"):
        verify_commit_certificate(CHAIN, VALIDATORS, cert, ED25519_SHA256)
    truncated = Vote("v2", good.votes[2].signature[:10])
    with pytest.raises(InvalidCertificate, match="bad signature"):
        verify_commit_certificate(
            CHAIN,
            VALIDATORS,
            CommitCertificate(5, DIGEST, (*good.votes[:2], truncated)),
            ED25519_SHA256,
        )


def test_prepare_signature_is_not_a_commit_vote() -> None:
    """Domain separation end to end: a prepare signature cannot stand in for a commit vote."""
    good = certificate()
    prep_sig = SIGNERS["v2"].sign(prepare_sign_bytes(CHAIN, 0, 5, DIGEST))
    cert = CommitCertificate(5, DIGEST, (*good.votes[:2], Vote("v2", prep_sig)))
    with pytest.raises(InvalidCertificate):
        verify_commit_certificate(CHAIN, VALIDATORS, cert, ED25519_SHA256)


def test_limits_relations_hold() -> None:
    assert limits.BUFFERED_MESSAGES_PER_SENDER_MAX >= 2 * limits.WINDOW_HEIGHTS
    assert limits.CHAIN_ID_BYTES_MAX <= 0xFFFF
