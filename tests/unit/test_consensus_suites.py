"""Consensus runs with the chain's crypto suite (issue 18): four replicas signing with
`SuiteSigner`s of each suite, verified by the suite itself, commit blocks and change views;
the view-change and new-view evidence digests are the suite's hash; keys and signatures of
the other suite are refused.

The heavy simulations stay on the Ed25519 test signer (SM2 verification is several times
slower); this file is the one that runs the protocol end to end in both suites.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import FrozenInstanceError, dataclass, field

import pytest

from consensus import messages
from consensus.crypto import Ed25519Signer, SuiteSigner
from consensus.errors import InvalidCertificate
from consensus.limits import PUBLIC_KEY_LENGTHS, SIGNATURE_BYTES_MAX
from consensus.replica import Replica, ReplicaConfig
from consensus.signing import (
    compute_new_view_digest,
    compute_view_change_digest,
    new_view_sign_bytes,
    view_change_sign_bytes,
)
from consensus.validators import (
    Validator,
    ValidatorSchedule,
    ValidatorSet,
    get_suite_key_problem,
    verify_commit_certificate,
)
from consensus.viewchange import get_new_view_problem, get_view_change_problem
from suites import ED25519_SHA256, SM2_SM3, SUITES, Suite

CHAIN = "suite-chain"
IDS = ("s0", "s1", "s2", "s3")
SUITE_PARAMS = [pytest.param(s, id=s.name) for s in SUITES.values()]


def other_suite(suite: Suite) -> Suite:
    return SM2_SM3 if suite is ED25519_SHA256 else ED25519_SHA256


def private_key(suite: Suite, vid: str) -> bytes:
    """A fixed private key per validator (an SM2 scalar below n, an Ed25519 seed)."""
    return hashlib.sha256(f"{suite.name}/{vid}".encode()).digest()


def signers_of(suite: Suite) -> dict[str, SuiteSigner]:
    return {vid: SuiteSigner(vid, suite, private_key(suite, vid)) for vid in IDS}


def validators_of(signers: dict[str, SuiteSigner]) -> ValidatorSet:
    return ValidatorSet(tuple(Validator(vid, signers[vid].public_key) for vid in IDS))


def block(height: int) -> tuple[bytes, bytes]:
    payload = f"height={height}".encode()
    return payload, hashlib.sha256(payload).digest()


@dataclass
class Cluster:
    """Four replicas on a FIFO network; `down` replicas neither send nor receive."""

    suite: Suite
    signers: dict[str, SuiteSigner]
    validators: ValidatorSet
    replicas: dict[str, Replica] = field(default_factory=dict)
    committed: dict[str, list[messages.CommitCertificate]] = field(default_factory=dict)
    down: set[str] = field(default_factory=set)

    @classmethod
    def make(cls, suite: Suite) -> Cluster:
        signers = signers_of(suite)
        cluster = cls(suite, signers, validators_of(signers))
        for vid in IDS:
            config = ReplicaConfig(CHAIN, cluster.validators, vid, retransmit_ticks=2, suite=suite)
            cluster.replicas[vid] = Replica(config, signers[vid], suite, committed_height=0)
            cluster.committed[vid] = []
        return cluster

    def run(self, until: Callable[[], bool], ticks_max: int = 200) -> None:
        """Deliver everything, proposing the next block where possible, ticking when quiet."""
        for _ in range(ticks_max):
            moved = True
            while moved and not until():
                moved = False
                for vid, replica in self.replicas.items():
                    if vid in self.down:
                        continue
                    if replica.can_propose():
                        replica.propose(*block(replica.committed_height + 1))
                    if not replica.has_ready():
                        continue
                    moved = True
                    ready = replica.ready()
                    self.committed[vid].extend(b.certificate for b in ready.committed)
                    replica.advance(ready)
                    for proposal in ready.validate:
                        ok = block(proposal.height)[1] == proposal.digest
                        replica.validated(proposal.view, proposal.height, proposal.digest, ok)
                    for out in ready.send:
                        for to in [out.to] if out.to is not None else IDS:
                            if to != vid and to not in self.down:
                                self.replicas[to].step(out.message)
            if until():
                return
            for vid, replica in self.replicas.items():
                if vid not in self.down:
                    replica.set_requests_pending(True)
                    replica.tick()
        raise AssertionError("the cluster did not get there")

    def heights(self) -> dict[str, int]:
        return {vid: r.committed_height for vid, r in self.replicas.items() if vid not in self.down}


@pytest.mark.parametrize("suite", SUITE_PARAMS)
def test_four_replicas_commit_and_change_views_in_each_suite(suite: Suite) -> None:
    cluster = Cluster.make(suite)
    cluster.run(lambda: min(cluster.heights().values()) >= 2)
    primary = cluster.validators.primary(0)
    cluster.down.add(primary)  # the primary dies: the backups must move to view 1
    cluster.run(lambda: min(cluster.heights().values()) >= 4)
    live = [vid for vid in IDS if vid != primary]
    assert all(cluster.replicas[vid].view >= 1 for vid in live)
    for vid in live:
        for cert in cluster.committed[vid]:
            verify_commit_certificate(CHAIN, cluster.validators, cert, suite)
            with pytest.raises(InvalidCertificate, match="bad signature"):
                verify_commit_certificate(CHAIN, cluster.validators, cert, other_suite(suite))
    assert any(c.view >= 1 for c in cluster.committed[live[0]])


@pytest.mark.parametrize("suite", SUITE_PARAMS)
def test_a_suite_signer_signs_with_its_suite(suite: Suite) -> None:
    signer = SuiteSigner("s0", suite, private_key(suite, "s0"))
    signature = signer.sign(b"vote")
    assert signer.id == "s0"
    assert len(signer.public_key) == suite.public_key_bytes
    assert len(signature) == suite.signature_bytes <= SIGNATURE_BYTES_MAX
    assert suite.verify(signer.public_key, b"vote", signature)
    assert not other_suite(suite).verify(signer.public_key, b"vote", signature)
    assert not suite.verify(signer.public_key, b"vote!", signature)


def test_a_private_key_of_no_suite_is_refused_with_the_suites_error() -> None:
    with pytest.raises(ValueError):
        SuiteSigner("s0", SM2_SM3, b"\xff" * 32)  # not below the curve order
    with pytest.raises(ValueError, match="Ed25519 seed must be 32 bytes"):
        Ed25519Signer("s0", b"\x01" * 31)


def test_the_ed25519_test_signer_is_the_ed25519_suite_signer() -> None:
    seed = private_key(ED25519_SHA256, "s0")
    assert Ed25519Signer("s0", seed).sign(b"m") == ED25519_SHA256.sign(seed, b"m")


def test_the_evidence_digests_are_the_suites_hash() -> None:
    cert = messages.CommitCertificate(height=1, digest=b"\x07" * 32, votes=(), view=0)
    for name in ("sha256", "sm3"):
        suite = next(s for s in SUITES.values() if s.hash_name == name)
        encoded = b"\x01" + bytes(8) + (1).to_bytes(8, "big") + b"\x07" * 32 + b"\x00\x00\x00"
        assert compute_view_change_digest(cert, None, suite.hash) == suite.hash(encoded)
    sha = compute_new_view_digest((), None, ED25519_SHA256.hash)
    sm3 = compute_new_view_digest((), None, SM2_SM3.hash)
    assert sha == hashlib.sha256(b"\x00\x00\x00").digest()
    assert sm3 == SM2_SM3.hash(b"\x00\x00\x00") != sha
    assert view_change_sign_bytes(CHAIN, 1, None, None, SM2_SM3.hash) != view_change_sign_bytes(
        CHAIN, 1, None, None, ED25519_SHA256.hash
    )
    assert new_view_sign_bytes(CHAIN, 1, (), None, SM2_SM3.hash).endswith(sm3)


def test_a_view_change_hashed_with_the_other_suite_is_refused() -> None:
    signers = signers_of(SM2_SM3)
    schedule = ValidatorSchedule.starting_with(validators_of(signers))
    msg = view_change_sign_bytes(CHAIN, 1, None, None, ED25519_SHA256.hash)
    vc = messages.ViewChange(1, None, None, b"", "s1", signers["s1"].sign(msg))
    assert get_view_change_problem(CHAIN, schedule, vc, SM2_SM3, SM2_SM3.hash) == "bad signature"
    assert get_view_change_problem(CHAIN, schedule, vc, SM2_SM3, ED25519_SHA256.hash) is None
    vcs = []
    for vid in ("s1", "s2", "s3"):
        sign_bytes = view_change_sign_bytes(CHAIN, 1, None, None, SM2_SM3.hash)
        vcs.append(messages.ViewChange(1, None, None, b"", vid, signers[vid].sign(sign_bytes)))
    nv_bytes = new_view_sign_bytes(CHAIN, 1, tuple(vcs), None, SM2_SM3.hash)
    nv = messages.NewView(1, tuple(vcs), None, "s1", signers["s1"].sign(nv_bytes))
    plan, problem = get_new_view_problem(CHAIN, schedule, nv, SM2_SM3, SM2_SM3.hash, None)
    assert problem is None and plan is not None
    plan, problem = get_new_view_problem(CHAIN, schedule, nv, SM2_SM3, ED25519_SHA256.hash, None)
    assert plan is None and problem == "bad signature"


@pytest.mark.parametrize("suite", SUITE_PARAMS)
def test_validator_keys_are_checked_with_the_chains_suite(suite: Suite) -> None:
    own = validators_of(signers_of(suite))
    other = validators_of(signers_of(other_suite(suite)))
    assert get_suite_key_problem(own, suite) is None
    problem = get_suite_key_problem(other, suite)
    assert problem == f"validator 's0': public key is not a {suite.name} public key"


def test_a_validator_set_takes_either_suites_key_length_but_not_both() -> None:
    assert {32, 65} == PUBLIC_KEY_LENGTHS
    sm2 = validators_of(signers_of(SM2_SM3))
    assert {len(v.public_key) for v in sm2.validators} == {65}
    mixed = (Validator("a", b"\x01" * 32), Validator("b", b"\x04" + b"\x02" * 64))
    with pytest.raises(ValueError, match="one suite"):
        ValidatorSet(mixed)
    with pytest.raises(ValueError, match=r"is 33 bytes, not a suite's \(32 bytes or 65 bytes\)"):
        ValidatorSet((Validator("a", b"\x01" * 33),))


def test_a_replica_config_names_its_suite() -> None:
    validators = validators_of(signers_of(SM2_SM3))
    config = ReplicaConfig(CHAIN, validators, "s0", suite=SM2_SM3)
    assert config.suite is SM2_SM3
    with pytest.raises(TypeError):
        ReplicaConfig(CHAIN, validators, "s0")  # type: ignore[call-arg]
    with pytest.raises(FrozenInstanceError):
        config.suite = ED25519_SHA256  # type: ignore[misc]
