"""What the replica tests share: four really signed validators, toy blocks, signed messages,
a replica restarted at a height, and the simulated network of replicas the node drives.

The simulation drives `Replica` exactly as a node does (persist -> send -> validate -> apply
committed -> advance) over an in-memory network whose delivery order, duplication, delay and
loss come from one seeded `random.Random`, so a failing seed reproduces the whole run.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from hypothesis import HealthCheck, settings

from consensus import messages
from consensus.crypto import Ed25519Signer, Ed25519Verifier
from consensus.ready import CommittedBlock, Outbound, Proposal, Ready
from consensus.replica import Replica, ReplicaConfig
from consensus.signing import (
    commit_sign_bytes,
    prepare_sign_bytes,
    preprepare_sign_bytes,
    suspicion_sign_bytes,
)
from consensus.validators import Validator, ValidatorSet, verify_commit_certificate
from suites import ED25519_SHA256

CHAIN = "trustledger-test"
IDS = ("v0", "v1", "v2", "v3")
SIGNERS = {vid: Ed25519Signer(vid, hashlib.sha256(b"seed:" + vid.encode()).digest()) for vid in IDS}
VALIDATORS = ValidatorSet(
    tuple(Validator(id=vid, public_key=SIGNERS[vid].public_key) for vid in IDS)
)
VERIFIER = Ed25519Verifier(VALIDATORS)
RETRANSMIT_TICKS = 10
# Derandomized so CI explores the same seeds on every run; a failure prints its seed.
SIM_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


def make_block(height: int, tag: str = "") -> tuple[bytes, bytes]:
    """A toy block: the payload names its height; the digest is its hash."""
    payload = f"height={height};txs={tag}".encode()
    return payload, hashlib.sha256(payload).digest()


def is_valid_block(proposal: Proposal) -> bool:
    """What the node's validator checks: digest binds the payload, payload fits the height."""
    return hashlib.sha256(proposal.payload).digest() == proposal.digest and (
        proposal.payload.startswith(f"height={proposal.height};".encode())
    )


def make_certificate(
    height: int, digest: bytes, view: int = 0, voters: Iterable[str] = ("v0", "v1", "v2")
) -> messages.CommitCertificate:
    """A commit certificate signed by `voters` (a quorum by default)."""
    msg = commit_sign_bytes(CHAIN, view, height, digest)
    votes = tuple(messages.Vote(v, SIGNERS[v].sign(msg)) for v in sorted(voters))
    return messages.CommitCertificate(height=height, digest=digest, votes=votes, view=view)


def make_replica(
    self_id: str,
    committed_height: int = 0,
    signed: Iterable[messages.Record] = (),
    certificate: messages.CommitCertificate | None = None,
    view: int = 0,
) -> Replica:
    """A replica restarted at `committed_height` (with a certificate for the toy block of that
    height unless one is given), in `view` at least."""
    config = ReplicaConfig(
        chain_id=CHAIN,
        validators=VALIDATORS,
        self_id=self_id,
        retransmit_ticks=RETRANSMIT_TICKS,
        suite=ED25519_SHA256,
    )
    if certificate is None and committed_height > 0:
        certificate = make_certificate(committed_height, make_block(committed_height)[1])
    return Replica(
        config,
        SIGNERS[self_id],
        VERIFIER,
        committed_height=committed_height,
        committed_certificate=certificate,
        view=view,
        signed=tuple(signed),
    )


def signed_preprepare(
    height: int, payload: bytes, digest: bytes, sender: str = "v0", view: int = 0
) -> messages.PrePrepare:
    sig = SIGNERS[sender].sign(preprepare_sign_bytes(CHAIN, view, height, digest))
    return messages.PrePrepare(view, height, digest, payload, sender, sig)


def signed_prepare(height: int, digest: bytes, sender: str, view: int = 0) -> messages.Prepare:
    sig = SIGNERS[sender].sign(prepare_sign_bytes(CHAIN, view, height, digest))
    return messages.Prepare(view, height, digest, sender, sig)


def signed_commit(height: int, digest: bytes, sender: str, view: int = 0) -> messages.Commit:
    sig = SIGNERS[sender].sign(commit_sign_bytes(CHAIN, view, height, digest))
    return messages.Commit(view, height, digest, sender, sig)


def signed_suspicion(height: int, sender: str, view: int = 0) -> messages.Suspicion:
    sig = SIGNERS[sender].sign(suspicion_sign_bytes(CHAIN, view, height))
    return messages.Suspicion(view=view, height=height, sender=sender, signature=sig)


def drain(replica: Replica) -> Ready:
    """Take and acknowledge everything the replica produced (a node that does nothing)."""
    ready = replica.ready()
    replica.advance(ready)
    return ready


def backup_holding_preprepare(self_id: str = "v1") -> tuple[Replica, messages.PrePrepare]:
    """A backup that took v0's pre-prepare of toy block 1 (its output drained, the block not
    yet validated); the pre-prepare."""
    replica = make_replica(self_id)
    payload, digest = make_block(1)
    preprepare = signed_preprepare(1, payload, digest)
    replica.step(preprepare)
    drain(replica)
    return replica, preprepare


def backup_that_prepared(self_id: str = "v1") -> tuple[Replica, bytes]:
    """A backup that accepted v0's pre-prepare of toy block 1 and has sent its prepare; the
    block's digest."""
    replica, preprepare = backup_holding_preprepare(self_id)
    replica.validated(0, 1, preprepare.digest, True)
    drain(replica)
    return replica, preprepare.digest


def check_no_equivocation(sent: Iterable[messages.Record]) -> None:
    """No sender signed two different digests for the same (view, height, kind), two
    checkpoints for one height, two NewViews for one view, two Suspicions for one (view,
    height), or two ViewChanges for one view with the same commit certificate."""
    seen: dict[tuple[str, int, int, str], object] = {}
    for m in sent:
        if isinstance(m, messages.Prepared):
            continue
        key: tuple[str, int, int, str]
        value: object
        if isinstance(m, messages.PrePrepare | messages.Prepare | messages.Commit):
            key, value = (m.sender, m.view, m.height, type(m).__name__), m.digest
        elif isinstance(m, messages.Checkpoint):
            key, value = (m.sender, -1, m.height, "Checkpoint"), m.digest
        elif isinstance(m, messages.ViewChange):
            # Asking again for the same view after committing more is allowed (newer evidence).
            height = m.committed.height if m.committed else 0
            key, value = (m.sender, m.new_view, height, "ViewChange"), (m.committed, m.prepared)
        elif isinstance(m, messages.Suspicion):
            key, value = (m.sender, m.view, m.height, "Suspicion"), m.signature
        elif isinstance(m, messages.PrePrepareRequest):
            continue  # A request binds nothing: asked again of another peer, or in advance.
        else:
            key, value = (m.sender, m.view, -1, "NewView"), m.signature
        assert seen.setdefault(key, value) == value, f"equivocation at {key}"


def is_persisted(message: messages.Message, wal: list[messages.Record]) -> bool:
    """In the WAL by itself, or as the re-proposal inside a persisted NewView; a Suspicion
    or a PrePrepareRequest binds nothing and is never persisted (consensus/ready.py)."""
    if isinstance(message, messages.Suspicion | messages.PrePrepareRequest):
        return True
    return message in wal or any(
        isinstance(r, messages.NewView) and r.preprepare == message for r in wal
    )


# ====================================================================== simulation


@dataclass
class SimNode:
    """A node as node/ will drive a replica: WAL, block store, validator, one loop."""

    sim: Simulation
    id: str
    replica: Replica
    wal: list[messages.Record] = field(default_factory=list)
    applied: list[CommittedBlock] = field(default_factory=list)
    accept_blocks: bool = True
    crash_after_persist: bool = False
    """Simulate a crash between syncing the WAL and sending: the next Ready is persisted only."""
    crashed: bool = False

    def drain(self) -> None:
        while not self.crashed and self.replica.has_ready():
            ready = self.replica.ready()
            self.wal.extend(ready.persist)  # 1. persist own votes
            if self.crash_after_persist and ready.persist:
                self.crashed = True
                return
            for out in ready.send:  # 2. send, only what the WAL already holds
                if out.message.sender == self.id:
                    assert is_persisted(out.message, self.wal), "sent a vote before persisting it"
                self.sim.send(self.id, out)
            answers = [(p, self.accept_blocks and is_valid_block(p)) for p in ready.validate]
            for block in ready.committed:  # 4. apply in order, with a valid certificate
                assert block.height == len(self.applied) + 1
                assert hashlib.sha256(block.payload).digest() == block.digest
                verify_commit_certificate(CHAIN, VALIDATORS, block.certificate, ED25519_SHA256)
                assert block.certificate.height == block.height
                assert block.certificate.digest == block.digest
                self.applied.append(block)
            self.replica.advance(ready)  # 5. advance
            for proposal, ok in answers:  # 3. the validator answers (asynchronously)
                self.replica.validated(proposal.view, proposal.height, proposal.digest, ok)
            if ready.fetch:
                self.fetch(ready.fetch[-1].to_height)
            self.maybe_propose()

    def fetch(self, to_height: int) -> None:
        """State transfer from whichever live peer has the blocks, each certificate checked."""
        for peer in self.sim.nodes.values():
            if peer is self or peer.crashed:
                continue
            for block in peer.applied[len(self.applied) : to_height]:
                verify_commit_certificate(CHAIN, VALIDATORS, block.certificate, ED25519_SHA256)
                self.applied.append(block)
        if self.applied and len(self.applied) > self.replica.committed_height:
            self.replica.synced(len(self.applied), self.applied[-1].certificate)

    def maybe_propose(self) -> None:
        height = self.replica.committed_height + 1
        if self.replica.can_propose() and height <= self.sim.target_height:
            payload, digest = make_block(height, tag=f"by-{self.id}")
            self.replica.propose(payload, digest)

    def restart(self) -> None:
        """Lose all memory but the WAL and the applied blocks, then start again."""
        self.crashed = False
        self.crash_after_persist = False
        self.replica = make_replica(
            self.id,
            committed_height=len(self.applied),
            signed=self.wal,
            certificate=self.applied[-1].certificate if self.applied else None,
        )
        self.drain()
        self.maybe_propose()
        self.drain()


DropRule = Callable[[str, str, messages.Message, int], bool]


class Simulation:
    """Rounds of: deliver what is due in random order, then tick every replica once."""

    def __init__(
        self,
        seed: int,
        *,
        target_height: int,
        duplicate_probability: float = 0.0,
        delay_rounds_max: int = 0,
        drop: DropRule | None = None,
        byzantine: Iterable[str] = (),
    ) -> None:
        self.rng = random.Random(seed)
        self.target_height = target_height
        self.duplicate_probability = duplicate_probability
        self.delay_rounds_max = delay_rounds_max
        self.drop = drop
        self.round = 0
        self.queue: list[tuple[int, str, messages.Message]] = []
        self.sent: list[tuple[str, messages.Message]] = []
        self.unicasts_to: Counter[str] = Counter()
        self.byzantine = set(byzantine)
        self.inboxes: dict[str, list[messages.Message]] = {vid: [] for vid in self.byzantine}
        self.nodes = {
            vid: SimNode(self, vid, make_replica(vid)) for vid in IDS if vid not in self.byzantine
        }
        for node in self.nodes.values():
            node.maybe_propose()
            node.drain()

    def send(self, sender: str, out: Outbound) -> None:
        self.sent.append((sender, out.message))
        if out.to is not None:
            self.unicasts_to[out.to] += 1
        targets = [out.to] if out.to is not None else [v for v in IDS if v != sender]
        for to in targets:
            if self.drop is not None and self.drop(sender, to, out.message, self.round):
                continue
            copies = 2 if self.rng.random() < self.duplicate_probability else 1
            for _ in range(copies):
                due = self.round + self.rng.randint(0, self.delay_rounds_max)
                self.queue.append((due, to, out.message))

    def inject(self, to: str, message: messages.Message) -> None:
        """A Byzantine validator's message, straight into the network."""
        self.sent.append((message.sender, message))
        self.queue.append((self.round, to, message))

    def run_round(self) -> None:
        due = [item for item in self.queue if item[0] <= self.round]
        self.queue = [item for item in self.queue if item[0] > self.round]
        self.rng.shuffle(due)
        for _, to, message in due:
            if to in self.byzantine:
                self.inboxes[to].append(message)
                continue
            node = self.nodes[to]
            if node.crashed:
                continue
            node.replica.step(message)
            node.drain()
        for node in self.nodes.values():
            if not node.crashed:
                node.replica.tick()
                node.drain()
        self.round += 1

    def run(self, rounds_max: int, until: Callable[[], bool] | None = None) -> None:
        done = until or self.all_reached_target
        for _ in range(rounds_max):
            if done():
                return
            self.run_round()

    def all_reached_target(self) -> bool:
        return all(len(n.applied) >= self.target_height for n in self.nodes.values())

    def check_safety(self) -> None:
        """No two honest replicas commit different blocks at a height; honest never equivocate."""
        by_height: dict[int, set[bytes]] = {}
        for node in self.nodes.values():
            for block in node.applied:
                by_height.setdefault(block.height, set()).add(block.digest)
        for height, digests in by_height.items():
            assert len(digests) == 1, f"two different blocks committed at height {height}"
        # What each honest replica signed itself (it also relays others' messages: catch-up,
        # a pre-prepare a peer lacks).
        check_no_equivocation(
            m for sender, m in self.sent if sender not in self.byzantine and m.sender == sender
        )
