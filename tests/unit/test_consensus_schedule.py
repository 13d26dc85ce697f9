"""Validator-set changes at a defined height, key rotation, the signed bytes of the new
messages, and malformed input of the new kinds."""

from __future__ import annotations

import hashlib
import struct
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consensus import limits
from consensus.crypto import Ed25519Signer, Ed25519Verifier
from consensus.errors import ConsensusError, InvalidCertificate
from consensus.messages import (
    Checkpoint,
    Commit,
    CommitCertificate,
    NewView,
    Prepare,
    PreparedCertificate,
    ViewChange,
    Vote,
)
from consensus.replica import Replica
from consensus.signing import (
    CHECKPOINT_TAG,
    COMMIT_TAG,
    NEW_VIEW_TAG,
    PREPARE_TAG,
    PREPREPARE_TAG,
    VIEW_CHANGE_TAG,
    checkpoint_sign_bytes,
    commit_sign_bytes,
    compute_view_change_digest,
    prepare_sign_bytes,
    view_change_sign_bytes,
)
from consensus.validators import (
    Validator,
    ValidatorSchedule,
    ValidatorSet,
    verify_commit_certificate,
)
from consensus.viewchange import has_view_change_quorum
from suites import ED25519_SHA256
from tests.unit import consensus_support as support

KEYS = {v.id: v.public_key for v in support.VALIDATORS.validators}


def validator_set(members: dict[str, bytes]) -> ValidatorSet:
    return ValidatorSet(tuple(Validator(v, k) for v, k in sorted(members.items())))


# v3 leaves and v4 joins at height 5 (SET_5); v1 rotates its key at height 9.
SET_9 = validator_set(
    {
        **{v: support.SET_5.get(v).public_key for v in ("v0", "v2", "v4")},  # type: ignore[union-attr]
        "v1": support.ROTATED.public_key,
    }
)
SCHEDULE = (
    ValidatorSchedule.starting_with(support.VALIDATORS)
    .with_activation(5, support.SET_5)
    .with_activation(9, SET_9)
)


def test_schedule_answers_by_height() -> None:
    assert SCHEDULE.at(0) is support.VALIDATORS and SCHEDULE.at(4) is support.VALIDATORS
    assert (
        SCHEDULE.at(5) is support.SET_5
        and SCHEDULE.at(8) is support.SET_5
        and SCHEDULE.at(10**6) is SET_9
    )
    assert SCHEDULE.sets_from(6) == (support.SET_5, SET_9)
    assert SCHEDULE.member_from(2, "v4") == support.SET_5.get("v4")  # joins later: its first key
    assert SCHEDULE.member_from(6, "v3") is None  # left
    assert SCHEDULE.pruned(6).entries == ((5, support.SET_5), (9, SET_9))
    assert SCHEDULE.capped(2, keep_from=10).entries == ((5, support.SET_5), (9, SET_9))
    assert SCHEDULE.capped(2, keep_from=3) is SCHEDULE  # never the set still in force
    with pytest.raises(ValueError, match="after the last"):
        SCHEDULE.with_activation(9, support.VALIDATORS)
    with pytest.raises(ValueError, match="strictly increasing"):
        ValidatorSchedule(((0, support.VALIDATORS), (0, support.SET_5)))


def _certificate(height: int, signers: dict[str, Ed25519Signer]) -> CommitCertificate:
    _, digest = support.make_block(height)
    msg = commit_sign_bytes(support.CHAIN, 0, height, digest)
    votes = tuple(Vote(v, s.sign(msg)) for v, s in sorted(signers.items()))
    return CommitCertificate(height, digest, votes, view=0)


def test_certificates_are_checked_against_the_set_in_force_at_their_height() -> None:
    old = {v: support.SIGNERS[v] for v in ("v1", "v2", "v3")}
    new = {"v1": support.SIGNERS["v1"], "v2": support.SIGNERS["v2"], "v4": support.NEWCOMER}
    verify_commit_certificate(support.CHAIN, SCHEDULE, _certificate(4, old), ED25519_SHA256)
    with pytest.raises(InvalidCertificate, match="unknown validator 'v3'"):
        verify_commit_certificate(support.CHAIN, SCHEDULE, _certificate(5, old), ED25519_SHA256)
    verify_commit_certificate(support.CHAIN, SCHEDULE, _certificate(5, new), ED25519_SHA256)
    with pytest.raises(InvalidCertificate, match="bad signature from validator 'v1'"):
        verify_commit_certificate(
            support.CHAIN, SCHEDULE, _certificate(9, new), ED25519_SHA256
        )  # old key of v1
    rotated = {"v1": support.ROTATED, "v2": support.SIGNERS["v2"], "v4": support.NEWCOMER}
    verify_commit_certificate(support.CHAIN, SCHEDULE, _certificate(9, rotated), Ed25519Verifier())


def test_schedule_validators_only_for_future_heights_and_in_order() -> None:
    replica = support.make_replica("v1")  # entered height 1: may have voted there
    with pytest.raises(ConsensusError, match="earliest allowed 2"):
        replica.schedule_validators(1, support.SET_5)
    replica.schedule_validators(5, support.SET_5)
    replica.schedule_validators(5, support.SET_5)  # the node replays a decision: harmless
    with pytest.raises(ConsensusError, match="activation order"):
        replica.schedule_validators(4, SET_9)
    assert replica.schedule.at(5) is support.SET_5


def test_too_many_scheduled_sets_is_a_node_bug() -> None:
    replica = support.make_replica("v1")
    for i in range(limits.SCHEDULED_SETS_MAX):
        replica.schedule_validators(10 + i, support.VALIDATORS if i % 2 else support.SET_5)
    with pytest.raises(ConsensusError, match="scheduled"):
        replica.schedule_validators(100, SET_9)


def restarted(self_id: str, committed_height: int, signer: Ed25519Signer | None = None) -> Replica:
    """A replica restarted with the whole schedule known (as the node reads it from state)."""
    voters = ("v0", "v1", "v2")
    cert = _certificate(committed_height, {v: support.SIGNERS[v] for v in voters})
    if committed_height >= 9:
        cert = _certificate(
            committed_height,
            {"v0": support.SIGNERS["v0"], "v1": support.ROTATED, "v4": support.NEWCOMER},
        )
    elif committed_height >= 5:
        cert = _certificate(
            committed_height,
            {"v0": support.SIGNERS["v0"], "v1": support.SIGNERS["v1"], "v4": support.NEWCOMER},
        )
    return support.make_replica(
        self_id,
        committed_height,
        certificate=cert,
        signer=signer,
        verifier=Ed25519Verifier(),
        schedule=SCHEDULE,
    )


def test_a_removed_validator_stops_voting_but_follows_the_chain() -> None:
    """v3 is not in the set at height 5: it checks blocks and commits them on a quorum of
    commits, but signs nothing there."""
    replica = restarted("v3", 4)
    payload, digest = support.make_block(5)
    replica.step(support.signed_preprepare(5, payload, digest, sender="v0"))  # primary(0) of SET_5
    support.drain(replica)
    replica.validated(0, 5, digest, True)
    for sender in ("v2",):
        replica.step(support.signed_prepare(5, digest, sender))
    assert support.drain(replica).persist == ()
    replica.step(support.signed_commit(5, digest, "v0"))
    replica.step(support.signed_commit(5, digest, "v2"))
    new_commit = Commit(
        0, 5, digest, "v4", support.NEWCOMER.sign(commit_sign_bytes(support.CHAIN, 0, 5, digest))
    )
    replica.step(new_commit)
    ready = support.drain(replica)
    assert ready.persist == ()
    (block,) = ready.committed
    assert [v.validator for v in block.certificate.votes] == ["v0", "v2", "v4"]
    # And a leaver's votes at heights where it is no longer a member count for nothing.
    other = restarted("v2", 4)
    other.step(support.signed_prepare(5, digest, "v3"))
    assert "unknown sender 'v3'" in support.drain(other).rejected[0].reason


def test_a_new_validator_observes_until_its_set_is_in_force_then_votes() -> None:
    early = restarted("v4", 2, signer=support.NEWCOMER)
    early.step(support.signed_preprepare(3, *support.make_block(3), sender="v0"))
    support.drain(early)
    early.validated(0, 3, support.make_block(3)[1], True)
    assert support.drain(early).persist == ()  # height 3: not a member yet, observes
    replica = restarted("v4", 4, signer=support.NEWCOMER)
    assert not replica.is_primary and not replica.can_propose()
    payload, digest = support.make_block(5)
    replica.step(support.signed_preprepare(5, payload, digest, sender="v0"))
    support.drain(replica)
    replica.validated(0, 5, digest, True)
    (prepare,) = support.drain(replica).persist  # member from height 5: it prepares
    assert isinstance(prepare, Prepare) and prepare.sender == "v4"


def test_a_rotated_key_signs_from_its_activation_height() -> None:
    replica = restarted("v1", 8)
    payload, digest = support.make_block(9)
    replica.step(support.signed_preprepare(9, payload, digest, sender="v0"))
    support.drain(replica)
    replica.validated(0, 9, digest, True)
    assert support.drain(replica).persist == ()  # no key of the set at 9 yet: it cannot vote
    replica.add_signer(support.ROTATED)
    replica.step(support.signed_prepare(9, digest, "v2"))  # anything that makes it process again
    ready = support.drain(replica)
    prepares = [m for m in ready.persist if isinstance(m, Prepare)]
    assert prepares
    msg = prepare_sign_bytes(support.CHAIN, 0, 9, digest)
    assert Ed25519Verifier().verify(support.ROTATED.public_key, msg, prepares[0].signature)
    with pytest.raises(ValueError, match="signer is for"):
        replica.add_signer(support.SIGNERS["v2"])


def test_a_new_view_at_a_set_change_needs_a_quorum_of_both_sets() -> None:
    """First height 4, set change at 5: ViewChanges of v1, v2, v3 are a quorum of the old set
    but not of the new one (v3 left), so they cannot start the view; v0, v1, v2 can."""
    assert not has_view_change_quorum(SCHEDULE, 4, ["v1", "v2", "v3"])
    assert has_view_change_quorum(SCHEDULE, 4, ["v0", "v1", "v2"])
    assert has_view_change_quorum(SCHEDULE, 2, ["v1", "v2", "v3"])  # no change next to it


# ====================================================================== signed bytes


def test_checkpoint_sign_bytes_exact_layout() -> None:
    digest = hashlib.sha256(b"block").digest()
    expected = (
        b"trustledger/v1/checkpoint\x00"
        + struct.pack(">H", len(support.CHAIN))
        + support.CHAIN.encode()
        + struct.pack(">Q", 16)
        + digest
    )
    assert checkpoint_sign_bytes(support.CHAIN, 16, digest) == expected


def test_domain_tags_are_distinct_and_prefix_free() -> None:
    tags = [PREPREPARE_TAG, PREPARE_TAG, COMMIT_TAG, CHECKPOINT_TAG, VIEW_CHANGE_TAG, NEW_VIEW_TAG]
    assert len(set(tags)) == len(tags)
    for a in tags:
        for b in tags:
            assert a == b or not a.startswith(b)


def test_view_change_signature_binds_its_evidence() -> None:
    _, digest = support.make_block(3)
    cert = _certificate(3, {v: support.SIGNERS[v] for v in ("v0", "v1", "v2")})
    prepared = PreparedCertificate(0, 4, digest, b"s" * 64, (Vote("v2", b"p" * 64),))
    base = compute_view_change_digest(cert, prepared, ED25519_SHA256.hash)
    assert compute_view_change_digest(cert, None, ED25519_SHA256.hash) != base
    assert compute_view_change_digest(None, prepared, ED25519_SHA256.hash) != base
    assert compute_view_change_digest(replace(cert, view=1), prepared, ED25519_SHA256.hash) != base
    assert compute_view_change_digest(cert, replace(prepared, view=1), ED25519_SHA256.hash) != base
    assert view_change_sign_bytes(
        support.CHAIN, 1, cert, prepared, ED25519_SHA256.hash
    ) != view_change_sign_bytes(support.CHAIN, 2, cert, prepared, ED25519_SHA256.hash)


# ====================================================================== malformed input


_ids = st.sampled_from(["v0", "v1", "v2", "v3", "v9", ""])
_sigs = st.binary(min_size=0, max_size=70)
_digests = st.binary(min_size=0, max_size=40)
_ints = st.integers(-2, 2**64 + 1)


@st.composite
def _commit_certificates(draw: st.DrawFn) -> CommitCertificate:
    votes = draw(st.lists(st.builds(Vote, _ids, _sigs), max_size=5))
    return CommitCertificate(draw(_ints), draw(_digests), tuple(votes), view=draw(_ints))


@st.composite
def _prepared(draw: st.DrawFn) -> PreparedCertificate:
    votes = draw(st.lists(st.builds(Vote, _ids, _sigs), max_size=5))
    return PreparedCertificate(draw(_ints), draw(_ints), draw(_digests), draw(_sigs), tuple(votes))


_view_changes = st.builds(
    ViewChange,
    _ints,
    st.none() | _commit_certificates(),
    st.none() | _prepared(),
    st.binary(max_size=8),
    _ids,
    _sigs,
)


@settings(max_examples=300, deadline=None)
@given(
    message=st.one_of(
        st.builds(Checkpoint, _ints, _digests, _ids, _sigs),
        _view_changes,
        st.builds(
            NewView,
            _ints,
            st.lists(_view_changes, max_size=4).map(tuple),
            st.none(),
            _ids,
            _sigs,
        ),
    )
)
def test_step_never_raises_on_arbitrary_new_messages(
    message: Checkpoint | ViewChange | NewView,
) -> None:
    replica = support.make_replica("v1")
    replica.step(message)
    ready = support.drain(replica)
    assert len(ready.rejected) <= 1
    assert ready.committed == ()
    assert replica.view == 0 and not replica.in_view_change


def test_verifier_protocol_is_by_public_key() -> None:
    digest = hashlib.sha256(b"x").digest()
    msg = commit_sign_bytes(support.CHAIN, 0, 1, digest)
    assert support.VERIFIER.verify(KEYS["v2"], msg, support.SIGNERS["v2"].sign(msg))
    assert not support.VERIFIER.verify(KEYS["v3"], msg, support.SIGNERS["v2"].sign(msg))


def test_state_transfer_hands_over_every_set_decided_in_the_transferred_blocks() -> None:
    """A replica far behind learns the sets decided while it was away from the transferred
    state, all at once: more of them than it would accept one by one as "scheduled ahead"
    (a node crashed on exactly that while catching up a long chain), and the certificate of
    the last block is checked against the set in force there."""
    schedule = ValidatorSchedule.starting_with(support.VALIDATORS)
    for i in range(limits.SCHEDULED_SETS_MAX + 4):
        schedule = schedule.with_activation(2 + i, support.SET_5 if i % 2 else support.VALIDATORS)
    height = 2 + limits.SCHEDULED_SETS_MAX + 10
    assert schedule.at(height) is support.SET_5
    cert = _certificate(
        height, {"v1": support.SIGNERS["v1"], "v2": support.SIGNERS["v2"], "v4": support.NEWCOMER}
    )

    replica = support.make_replica("v2")
    with pytest.raises(InvalidCertificate):
        replica.synced(height, cert)  # v4 is unknown to the sets it was told of
    assert replica.committed_height == 0
    replica.synced(height, cert, schedule=schedule)
    assert replica.committed_height == height
    assert replica.schedule.at(height) is support.SET_5
    assert replica.schedule.at(height + 1000) is support.SET_5
