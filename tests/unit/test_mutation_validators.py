"""Validator sets, schedules and certificate checks at their edges, found by mutation testing
(issue 19, docs/mutation.md). Verdicts only (problem or not, raised or not), never texts.
"""

from __future__ import annotations

import hashlib

import pytest

from consensus.errors import InvalidCertificate
from consensus.limits import U64_MAX, VALIDATOR_ID_BYTES_MAX, VALIDATORS_MAX
from consensus.messages import Commit, CommitCertificate, PreparedCertificate, Vote
from consensus.signing import commit_sign_bytes, prepare_sign_bytes, preprepare_sign_bytes
from consensus.validators import (
    Validator,
    ValidatorSchedule,
    ValidatorSet,
    commits_of,
    get_commit_certificate_problem,
    get_prepared_certificate_problem,
    verify_commit_certificate,
)
from suites import ED25519_SHA256
from tests.unit import consensus_support as support

CHAIN = support.CHAIN
DIGEST = support.make_block(1)[1]


class ShortSignatures:
    """Signer and verifier whose signatures are 1 byte long (the shortest a vote may carry)."""

    def sign(self, public_key: bytes, msg: bytes) -> bytes:
        return hashlib.sha256(public_key + msg).digest()[:1]

    def verify(self, public_key: bytes, msg: bytes, signature: bytes) -> bool:
        return signature == self.sign(public_key, msg)


SHORT = ShortSignatures()
FAKE_SET = ValidatorSet(tuple(Validator(v, bytes([i + 1]) * 32) for i, v in enumerate(support.IDS)))


def _key(vid: str) -> bytes:
    member = FAKE_SET.get(vid)
    assert member is not None
    return member.public_key


# ----------------------------------------------------------------- commit certificates


@pytest.mark.parametrize(("height", "view"), [(0, 0), (U64_MAX, U64_MAX), (7, U64_MAX)])
def test_commit_certificates_at_the_ends_of_the_u64_range_are_valid(height: int, view: int) -> None:
    cert = support.make_certificate(height, DIGEST, view=view)
    assert get_commit_certificate_problem(CHAIN, support.VALIDATORS, cert, support.VERIFIER) is None
    verify_commit_certificate(CHAIN, support.VALIDATORS, cert, ED25519_SHA256)  # does not raise
    verify_commit_certificate(
        CHAIN, ValidatorSchedule.starting_with(support.VALIDATORS), cert, ED25519_SHA256
    )


@pytest.mark.parametrize(
    ("height", "view", "digest"),
    [
        (U64_MAX + 1, 0, DIGEST),
        (-1, 0, DIGEST),
        (1, U64_MAX + 1, DIGEST),
        (1, -1, DIGEST),
        (1, 0, DIGEST[:31]),
    ],
)
def test_commit_certificates_out_of_range_are_a_problem_not_a_crash(
    height: int, view: int, digest: bytes
) -> None:
    good = support.make_certificate(1, DIGEST)
    cert = CommitCertificate(height=height, digest=digest, votes=good.votes, view=view)
    assert (
        get_commit_certificate_problem(CHAIN, support.VALIDATORS, cert, support.VERIFIER)
        is not None
    )
    with pytest.raises(InvalidCertificate):
        verify_commit_certificate(CHAIN, support.VALIDATORS, cert, ED25519_SHA256)


def test_a_caller_supplied_verifier_is_the_one_used() -> None:
    msg = commit_sign_bytes(CHAIN, 0, 3, DIGEST)
    votes = tuple(Vote(v, SHORT.sign(_key(v), msg)) for v in ("v0", "v1", "v2"))
    cert = CommitCertificate(height=3, digest=DIGEST, votes=votes, view=0)
    verify_commit_certificate(CHAIN, FAKE_SET, cert, SHORT)  # does not raise
    with pytest.raises(InvalidCertificate):
        verify_commit_certificate(CHAIN, FAKE_SET, cert, ED25519_SHA256)


def test_one_byte_vote_signatures_are_checked_not_refused_by_length() -> None:
    msg = commit_sign_bytes(CHAIN, 0, 3, DIGEST)
    votes = tuple(Vote(v, SHORT.sign(_key(v), msg)) for v in ("v1", "v2", "v3"))
    cert = CommitCertificate(height=3, digest=DIGEST, votes=votes, view=0)
    assert get_commit_certificate_problem(CHAIN, FAKE_SET, cert, SHORT) is None
    empty = CommitCertificate(3, DIGEST, (*votes[:2], Vote("v3", b"")), view=0)
    assert get_commit_certificate_problem(CHAIN, FAKE_SET, empty, SHORT) is not None


# ----------------------------------------------------------------- prepared certificates


def test_prepared_certificate_edges() -> None:
    """The primary's pre-prepare plus quorum - 1 = 2 backups' prepares; the primary's own
    prepare does not count (it never prepares) and one backup is not enough."""
    good = support.prepared_certificate(0, 1, DIGEST)
    assert (
        get_prepared_certificate_problem(CHAIN, support.VALIDATORS, good, support.VERIFIER) is None
    )
    with_primary = support.prepared_certificate(0, 1, DIGEST, backups=("v0", "v1"))
    assert (
        get_prepared_certificate_problem(CHAIN, support.VALIDATORS, with_primary, support.VERIFIER)
        is not None
    )
    one_backup = support.prepared_certificate(0, 1, DIGEST, backups=("v1",))
    assert (
        get_prepared_certificate_problem(CHAIN, support.VALIDATORS, one_backup, support.VERIFIER)
        is not None
    )


@pytest.mark.parametrize(
    ("height", "view", "digest"),
    [(U64_MAX + 1, 0, DIGEST), (1, U64_MAX + 1, DIGEST), (1, -1, DIGEST), (1, 0, DIGEST[:31])],
)
def test_prepared_certificates_out_of_range_are_a_problem_not_a_crash(
    height: int, view: int, digest: bytes
) -> None:
    good = support.prepared_certificate(0, 1, DIGEST)
    cert = PreparedCertificate(view, height, digest, good.preprepare_signature, good.prepares)
    assert (
        get_prepared_certificate_problem(CHAIN, support.VALIDATORS, cert, support.VERIFIER)
        is not None
    )


def test_a_one_byte_preprepare_signature_is_checked_not_refused_by_length() -> None:
    pp = SHORT.sign(_key("v0"), preprepare_sign_bytes(CHAIN, 0, 1, DIGEST))
    msg = prepare_sign_bytes(CHAIN, 0, 1, DIGEST)
    prepares = tuple(Vote(v, SHORT.sign(_key(v), msg)) for v in ("v1", "v2"))
    cert = PreparedCertificate(0, 1, DIGEST, pp, prepares)
    assert get_prepared_certificate_problem(CHAIN, FAKE_SET, cert, SHORT) is None
    unsigned = PreparedCertificate(0, 1, DIGEST, b"", prepares)
    assert get_prepared_certificate_problem(CHAIN, FAKE_SET, unsigned, SHORT) is not None


# ----------------------------------------------------------------- sets and schedules


def test_validator_ids_must_be_1_to_max_bytes() -> None:
    def one(vid: str) -> ValidatorSet:
        return ValidatorSet((Validator(vid, b"\x01" * 32),))

    assert one("x" * VALIDATOR_ID_BYTES_MAX).n == 1
    for bad in ("", "x" * (VALIDATOR_ID_BYTES_MAX + 1)):
        with pytest.raises(ValueError):
            one(bad)


def test_a_set_may_have_exactly_validators_max_members() -> None:
    members = tuple(
        Validator(f"v{i:04d}", hashlib.sha256(str(i).encode()).digest())
        for i in range(VALIDATORS_MAX + 1)
    )
    assert ValidatorSet(members[:VALIDATORS_MAX]).n == VALIDATORS_MAX
    with pytest.raises(ValueError):
        ValidatorSet(members)


def test_an_activation_may_be_at_the_last_u64_height() -> None:
    schedule = ValidatorSchedule(((0, support.VALIDATORS), (U64_MAX, FAKE_SET)))
    assert schedule.at(U64_MAX) == FAKE_SET
    with pytest.raises(ValueError):
        ValidatorSchedule(((0, support.VALIDATORS), (U64_MAX + 1, FAKE_SET)))


def test_capping_a_schedule_within_its_cap_keeps_every_set() -> None:
    other = ValidatorSet((Validator("z", b"\x09" * 32),))
    schedule = ValidatorSchedule(((0, support.VALIDATORS), (10, FAKE_SET), (20, other)))
    assert schedule.capped(3, 30).entries == schedule.entries
    assert schedule.capped(5, 30).entries == schedule.entries
    assert schedule.capped(2, 30).entries == schedule.entries[1:]
    assert schedule.capped(1, 15).entries == schedule.entries[1:]  # never the set at 15


def test_a_certificate_gives_back_the_signed_commits_it_was_made_of() -> None:
    cert = support.make_certificate(5, DIGEST, view=3)
    commits = commits_of(cert)
    assert [(c.view, c.height, c.digest, c.sender, c.signature) for c in commits] == [
        (3, 5, DIGEST, v.validator, v.signature) for v in cert.votes
    ]
    assert all(isinstance(c, Commit) for c in commits)
    # Each is a commit its sender signed: it verifies with the sender's key.
    for commit in commits:
        member = support.VALIDATORS.get(commit.sender)
        assert member is not None
        msg = commit_sign_bytes(CHAIN, commit.view, commit.height, commit.digest)
        assert support.VERIFIER.verify(member.public_key, msg, commit.signature)
