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
from dataclasses import dataclass, field, replace
from typing import Any

from hypothesis import HealthCheck, settings

from consensus import limits, messages
from consensus.crypto import Ed25519Signer, Ed25519Verifier, Signer, Verifier
from consensus.ready import CommittedBlock, Outbound, Proposal, Ready
from consensus.replica import Replica, ReplicaConfig
from consensus.signing import (
    checkpoint_sign_bytes,
    commit_sign_bytes,
    new_view_sign_bytes,
    prepare_sign_bytes,
    preprepare_sign_bytes,
    suspicion_sign_bytes,
    view_change_sign_bytes,
)
from consensus.validators import (
    Validator,
    ValidatorSchedule,
    ValidatorSet,
    verify_commit_certificate,
)
from suites import ED25519_SHA256

CHAIN = "trustledger-test"
IDS = ("v0", "v1", "v2", "v3")
SIGNERS = {vid: Ed25519Signer(vid, hashlib.sha256(b"seed:" + vid.encode()).digest()) for vid in IDS}
VALIDATORS = ValidatorSet(
    tuple(Validator(id=vid, public_key=SIGNERS[vid].public_key) for vid in IDS)
)
VERIFIER = Ed25519Verifier(VALIDATORS)
RETRANSMIT_TICKS = 10
NEWCOMER = Ed25519Signer("v4", hashlib.sha256(b"seed:v4").digest())
"""v4's key: a validator that joins later (in SET_5)."""
ROTATED = Ed25519Signer("v1", hashlib.sha256(b"seed:v1:rotated").digest())
"""v1's second key, after a rotation."""
SET_5 = ValidatorSet(
    (
        *(Validator(v, SIGNERS[v].public_key) for v in ("v0", "v1", "v2")),
        Validator("v4", NEWCOMER.public_key),
    )
)
"""The set once v3 left and v4 joined (in force from height 5 in the schedule tests)."""
VIEW_CHANGE_TIMEOUT_TICKS = 20  # ReplicaConfig.view_change_timeout_ticks default
RELAY = max(1, RETRANSMIT_TICKS // limits.REQUEST_RELAY_DIVISOR)
"""Ticks before a backup relays the request it waits for to the primary."""
SUSPECT = RELAY + VIEW_CHANGE_TIMEOUT_TICKS
"""Ticks a waiting request takes to make a backup suspect the primary: relayed, then a full
timeout (section 4.5.2)."""
# Derandomized so CI explores the same seeds on every run; a failure prints its seed.
SIM_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


def block_digest(payload: bytes) -> bytes:
    """The toy blocks' digest (SHA-256 of the payload): the node's digest function where a
    test configures one (ReplicaConfig.block_digest)."""
    return hashlib.sha256(payload).digest()


def make_block(height: int, tag: str = "") -> tuple[bytes, bytes]:
    """A toy block: the payload names its height; the digest is its hash."""
    payload = f"height={height};txs={tag}".encode()
    return payload, block_digest(payload)


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


def replica_config(self_id: str, /, **changes: Any) -> ReplicaConfig:
    """The test chain's configuration for `self_id` (the four validators, retransmitting every
    RETRANSMIT_TICKS), with `changes` to the fields a test is about."""
    config = ReplicaConfig(
        CHAIN, VALIDATORS, self_id, retransmit_ticks=RETRANSMIT_TICKS, suite=ED25519_SHA256
    )
    return replace(config, **changes)


def make_replica(
    self_id: str,
    committed_height: int = 0,
    signed: Iterable[messages.Record] = (),
    certificate: messages.CommitCertificate | None = None,
    view: int = 0,
    *,
    signer: Signer | None = None,
    verifier: Verifier = VERIFIER,
    schedule: ValidatorSchedule | None = None,
    **changes: Any,
) -> Replica:
    """A replica restarted at `committed_height` (with a certificate for the toy block of that
    height unless one is given), in `view` at least; `changes` to its configuration
    (replica_config), signing with `signer` (its own test key by default)."""
    if certificate is None and committed_height > 0:
        certificate = make_certificate(committed_height, make_block(committed_height)[1])
    return Replica(
        replica_config(self_id, **changes),
        signer or SIGNERS[self_id],
        verifier,
        committed_height=committed_height,
        committed_certificate=certificate,
        view=view,
        signed=tuple(signed),
        schedule=schedule,
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


def signed_checkpoint(height: int, digest: bytes, sender: str) -> messages.Checkpoint:
    sig = SIGNERS[sender].sign(checkpoint_sign_bytes(CHAIN, height, digest))
    return messages.Checkpoint(height, digest, sender, sig)


def prepared_certificate(
    view: int, height: int, digest: bytes, backups: tuple[str, ...] | None = None
) -> messages.PreparedCertificate:
    """The pre-prepare of the primary of `view` plus prepares of two backups."""
    primary = VALIDATORS.primary(view)
    if backups is None:
        backups = tuple(v for v in IDS if v != primary)[:2]
    pp = signed_preprepare(height, b"", digest, sender=primary, view=view)
    votes = tuple(
        messages.Vote(b, signed_prepare(height, digest, b, view=view).signature)
        for b in sorted(backups)
    )
    return messages.PreparedCertificate(view, height, digest, pp.signature, votes)


def signed_view_change(
    sender: str,
    new_view: int,
    committed: messages.CommitCertificate | None = None,
    prepared: messages.PreparedCertificate | None = None,
    payload: bytes = b"",
) -> messages.ViewChange:
    msg = view_change_sign_bytes(CHAIN, new_view, committed, prepared, ED25519_SHA256.hash)
    return messages.ViewChange(
        new_view, committed, prepared, payload, sender, SIGNERS[sender].sign(msg)
    )


def signed_new_view(
    view: int,
    vcs: list[messages.ViewChange],
    preprepare: messages.PrePrepare | None,
    sender: str | None = None,
) -> messages.NewView:
    sender = sender or VALIDATORS.primary(view)
    carried = tuple(sorted((replace(vc, payload=b"") for vc in vcs), key=lambda vc: vc.sender))
    msg = new_view_sign_bytes(CHAIN, view, carried, preprepare, ED25519_SHA256.hash)
    return messages.NewView(view, carried, preprepare, sender, SIGNERS[sender].sign(msg))


def view_changes_carrying_block_a(
    carriers: tuple[str, ...] = ("v2", "v3"),
) -> tuple[bytes, bytes, list[messages.ViewChange]]:
    """Block A was prepared at height 1 in view 0 (by v2 and v3); the ViewChanges for view 1
    (whose primary is v1) of v1, which prepared nothing, and of `carriers`, which carry A's
    prepared certificate. A's payload and digest, and the ViewChanges."""
    payload, digest = make_block(1, "A")
    cert = prepared_certificate(0, 1, digest, backups=("v2", "v3"))
    vcs = [signed_view_change("v1", 1)] + [
        signed_view_change(sender, 1, prepared=cert, payload=payload) for sender in carriers
    ]
    return payload, digest, vcs


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


def accept_block(replica: Replica, height: int = 1, tag: str = "") -> bytes:
    """The primary's toy block `tag` at `height` reaches the replica and the node finds it
    valid (what the replica sends for it is left undrained); the block's digest."""
    payload, digest = make_block(height, tag)
    replica.step(signed_preprepare(height, payload, digest))
    drain(replica)
    replica.validated(0, height, digest, True)
    return digest


def commit_next(
    replica: Replica, *, advance: bool = True, voters: tuple[str, ...] = ("v0", "v1", "v2")
) -> None:
    """The primary's block for the height in flight, validated here and committed by
    `voters` (peers of the replica); advanced by the node unless `advance` is False."""
    height = replica.committed_height + 1
    digest = accept_block(replica, height)
    for sender in voters:
        replica.step(signed_commit(height, digest, sender))
    if advance:
        assert [b.height for b in drain(replica).committed] == [height]


def stabilise_checkpoint_16(replica: Replica) -> bytes:
    """v0's and v1's checkpoints of toy block 16, with the replica's own (it committed height
    16), make that checkpoint stable: the low watermark moves to 16. The block's digest."""
    digest = make_block(16)[1]
    for sender in ("v0", "v1"):
        replica.step(signed_checkpoint(16, digest, sender))
    drain(replica)
    assert replica.low_watermark == 16
    return digest


def in_view_1(self_id: str = "v3") -> tuple[Replica, messages.NewView]:
    """A replica that entered view 1 by v1's NewView (no block prepared); the NewView."""
    replica = make_replica(self_id)
    vcs = [signed_view_change(peer, 1) for peer in ("v0", "v1", "v2")]
    for vc in vcs:
        replica.step(vc)
    nv = signed_new_view(1, vcs, None)
    replica.step(nv)
    drain(replica)
    assert replica.view == 1 and not replica.in_view_change
    return replica, nv


def time_out(replica: Replica, ticks: int) -> list[messages.ViewChange]:
    """Tick `ticks` times; the ViewChanges sent meanwhile."""
    sent: list[messages.ViewChange] = []
    for _ in range(ticks):
        replica.tick()
        sent.extend(
            o.message for o in drain(replica).send if isinstance(o.message, messages.ViewChange)
        )
    return sent


def leave_view_0(replica: Replica, self_id: str) -> None:
    """Time out and suspect the primary with one other backup (f+1): a ViewChange for view 1."""
    other = next(v for v in ("v1", "v2", "v3") if v != self_id)
    replica.set_requests_pending(True)
    time_out(replica, SUSPECT)
    replica.step(signed_suspicion(1, other))
    assert replica.view == 1 and replica.in_view_change


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
