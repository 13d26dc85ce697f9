"""Simulated validator nodes: the production `Replica` driven by the production driver.

Each node runs node/driver.py's `Driver`, the same code a validator runs, and is its host:
the driver carries out each Ready in its documented order (persist to the WAL, send, apply
committed blocks, advance, answer validations, start state transfer) through the methods
here, which put the WAL and the ledger in lists and messages on the simulated network. Its
durable state is the WAL and the ledger; a crash loses everything else, and a restart
rebuilds the replica from them. A Byzantine node (tests/sim/attacks.py) runs the same
replica on its inputs but lies on the way out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from consensus import messages
from consensus.crypto import Signer
from consensus.errors import ConsensusError, InvalidCertificate
from consensus.ready import (
    CommittedBlock,
    FetchRequest,
    Outbound,
    Proposal,
    Rejected,
    RelayRequest,
)
from consensus.replica import Replica, ReplicaConfig
from consensus.validators import verify_commit_certificate
from node.driver import Driver, DriverStuck
from suites import ED25519_SHA256
from tests.sim.blocks import (
    CHAIN_ID,
    GENESIS_DIGEST,
    block_digest,
    get_block_problem,
    make_payload,
    parse_payload,
)
from tests.sim.fakecrypto import make_signer, make_verifier
from tests.sim.requests import ForwardTxs, Pending, decode_keys, encode_nonce

if TYPE_CHECKING:
    from tests.sim.world import World


class SimCrash(Exception):
    """The node crashed in the middle of carrying out a Ready."""


class SimNode:
    """An honest validator node (or observer): WAL, ledger, block validation, fetch."""

    byzantine = False

    def __init__(self, world: World, node_id: str) -> None:
        self.world = world
        self.id = node_id
        real = world.scenario.real_crypto
        self.verifier = make_verifier(real=real)
        self.keys: list[Signer] = [make_signer(node_id, 0, real=real)]
        self.ledger: list[CommittedBlock] = []
        self.wal: list[messages.Record] = []
        self.ever_persisted: set[messages.Record] = set()
        """Every record ever synced (pruning the WAL later does not unsend anything)."""
        self.schedule = world.genesis_schedule
        self.crashed = False
        self.dead = False
        """Stopped for good after an internal error (reported as a violation)."""
        self.crash_after_persist = False
        self.proposals = 0
        self.pending = Pending()
        """Transactions other validators forwarded (tests/sim/requests.py); empty unless a
        scenario forwards any."""
        self.replica: Replica | None = None
        self.driver: Driver | None = None
        self._start(self._new_replica())
        self.drain()

    # ----------------------------------------------------------------- lifecycle

    def _new_replica(self) -> Replica:
        sc = self.world.scenario
        config = ReplicaConfig(
            chain_id=CHAIN_ID,
            validators=self.world.genesis_schedule.at(1),
            self_id=self.id,
            block_digest=block_digest,
            **sc.replica_tuning,
            suite=ED25519_SHA256,
        )
        replica = Replica(
            config,
            self.keys[0],
            self.verifier,
            committed_height=len(self.ledger),
            committed_certificate=self.ledger[-1].certificate if self.ledger else None,
            signed=tuple(self.wal),
            schedule=self.schedule,
        )
        for key in self.keys[1:]:
            replica.add_signer(key)
        replica.set_requests_pending(True)
        return replica

    def _start(self, replica: Replica | None) -> None:
        self.replica = replica
        self.driver = Driver(replica, self) if replica is not None else None

    def crash(self) -> None:
        self.crashed = True
        self._start(None)

    def restart(self) -> None:
        if self.dead or not self.crashed:
            return
        self.crashed = False
        self.crash_after_persist = False
        replica = self._guard(self._new_replica)
        self._start(replica if isinstance(replica, Replica) else None)
        self.drain()

    @property
    def alive(self) -> bool:
        return not self.crashed and not self.dead and self.replica is not None

    # ----------------------------------------------------------------- inputs

    def receive(self, message: messages.Message | ForwardTxs) -> None:
        if isinstance(message, ForwardTxs):
            if self.alive:  # admission refuses junk before the mempool
                self.pending.admit(message.txs)
            return
        driver = self.driver
        if driver is not None and self.alive:
            self._guard(lambda: driver.step(message))
            if self.world.scenario.lazy_drain and self.world.rng.random() < 0.5:
                return  # drained on a later message or the next tick
            self.drain()

    def tick(self) -> None:
        driver = self.driver
        if driver is not None and self.alive:
            # The simulator's clients always have a request waiting, served by the next
            # block: its key is the height it waits for, so every commit serves one. A
            # forwarded transaction, if any is pending, is older and waits by its own key.
            waiting = self.pending.oldest() or b"block %d" % (len(self.ledger) + 1)
            self._guard(lambda: driver.tick(waiting))
            self.drain()

    def drain(self) -> None:
        """Carry out Readys through the validator's own driver (node/driver.py), in its
        documented order, until there are none."""
        driver = self.driver
        if driver is None or not self.alive:
            return
        self._guard(driver.drain)

    # ----------------------------------------------------------------- node.driver.Host

    def persist(self, records: tuple[messages.Record, ...]) -> None:
        self._prune_wal()
        self.wal.extend(records)
        self.ever_persisted.update(records)
        if self.crash_after_persist and records:
            self.crash()
            raise SimCrash

    def send(self, out: Outbound) -> None:
        if out.message.sender == self.id and not self._is_persisted(out.message):
            self.world.violation(
                "safety", f"{self.id} sent a message it never persisted: {out.message!r:.300}"
            )
        self.world.observe_sent(self, out.message)
        self.transmit(out)

    def validate(self, proposal: Proposal) -> bool:
        return self.check_proposal(proposal)

    def fetch(self, request: FetchRequest) -> None:
        self.world.schedule_fetch(self, request)

    def propose(self, replica: Replica) -> None:
        self.maybe_propose()

    def rejected(self, rejected: Rejected) -> None:
        pass  # the checkers judge outcomes, not the reasons a message was refused

    def view_entered(self, view: int) -> None:
        pass

    def relay(self, request: RelayRequest) -> None:
        """As node/admission.py: a forwarded transaction still waiting goes to every
        validator. (A `block N` request needs none: every node holds it already.)"""
        tx = self.pending.get(request.request)
        if tx is not None:
            for to in self.world.targets(self.id, None):
                self.world.network.send(self.id, to, ForwardTxs(self.id, (tx,)))

    def _guard(self, action: object) -> object:
        """Run an input; an exception out of the production code is a broken invariant."""
        try:
            return action()  # type: ignore[operator]
        except SimCrash:
            return None  # it hit between syncing the WAL and sending: not a violation
        except (
            ConsensusError,
            InvalidCertificate,
            DriverStuck,
            ValueError,
            TypeError,
            AssertionError,
        ) as exc:
            self.world.violation("safety", f"{self.id}: {type(exc).__name__}: {exc}")
            self.dead = True
            self.replica = None
            return None

    # ----------------------------------------------------------------- the node's roles

    def transmit(self, out: Outbound) -> None:
        for to in self.world.targets(self.id, out.to):
            self.world.network.send(self.id, to, out.message)

    def maybe_propose(self) -> None:
        replica = self.replica
        if replica is None or not replica.can_propose():
            return
        height = len(self.ledger) + 1
        if replica.committed_height + 1 != height:
            return
        self.proposals += 1
        payload = self.build_block(height, replica.view, f"{self.id}-{self.proposals}")
        replica.propose(payload, block_digest(payload))

    def build_block(self, height: int, view: int, nonce: str) -> bytes:
        reconfig = self.world.scenario.reconfig
        decision = reconfig.decision() if reconfig and reconfig.decision_height == height else ""
        nonce = encode_nonce(nonce, self.pending.take())
        return make_payload(height, self.tip, self.id, view, nonce, decision)

    @property
    def tip(self) -> bytes:
        return self.ledger[-1].digest if self.ledger else GENESIS_DIGEST

    def check_proposal(self, proposal: Proposal) -> bool:
        problem = get_block_problem(
            proposal.payload,
            proposal.digest,
            height=len(self.ledger) + 1,
            tip=self.tip,
            schedule=self.schedule,
            reconfig=self.world.scenario.reconfig,
            view=proposal.view,
            reproposal=proposal.reproposal,
        )
        return problem is None

    def apply(self, block: CommittedBlock) -> bool:
        """Check and store one committed block; False (and a violation) if it is wrong."""
        if block.height <= len(self.ledger):
            # State transfer stored it while consensus decided it (lazy drain): the same
            # block, or the two paths disagree, which no honest replica may see.
            if self.ledger[block.height - 1].digest == block.digest:
                return True
            self.world.violation("safety", f"{self.id}: committed {block.height} differs")
            self.dead = True
            self.replica = None
            return False
        height = len(self.ledger) + 1
        problem = get_block_problem(
            block.payload,
            block.digest,
            height=height,
            tip=self.tip,
            schedule=self.schedule,
            reconfig=self.world.scenario.reconfig,
            view=None,
            reproposal=True,
        )
        if block.height != height:
            problem = f"committed height {block.height}, ledger expects {height}"
        if problem is None and (
            block.certificate.height != block.height or block.certificate.digest != block.digest
        ):
            problem = "certificate is for another block"
        if problem is None:
            try:
                verify_commit_certificate(CHAIN_ID, self.schedule, block.certificate, self.verifier)
            except InvalidCertificate as exc:
                problem = f"certificate: {exc}"
        if problem is not None:
            self.world.violation("safety", f"{self.id} cannot apply height {height}: {problem}")
            self.dead = True
            self.replica = None
            return False
        self.world.observe_commit(self, block)
        self.ledger.append(block)
        fields = parse_payload(block.payload)
        if fields is not None:
            self.pending.remove_committed(decode_keys(fields.nonce))
        self._apply_decision(block)
        return True

    def _apply_decision(self, block: CommittedBlock) -> None:
        """The on-chain validator-set decision: schedule it, and hold a rotated key."""
        reconfig = self.world.scenario.reconfig
        if reconfig is None or block.height != reconfig.decision_height:
            return
        truth = self.world.truth_schedule
        new_set = truth.at(reconfig.activation_height)
        self.schedule = self.schedule.with_activation(reconfig.activation_height, new_set)
        for vid, gen in reconfig.members:
            if vid == self.id and gen >= len(self.keys):
                self.keys.append(make_signer(self.id, gen, real=self.world.scenario.real_crypto))
        replica = self.replica
        if replica is not None:
            if replica.committed_height >= block.height:  # else: synced() brings the schedule
                self._guard(
                    lambda: replica.schedule_validators(reconfig.activation_height, new_set)
                )
            for key in self.keys[1:]:
                self._guard(lambda k=key: replica.add_signer(k))

    def apply_fetched(self, blocks: list[CommittedBlock]) -> None:
        """State transfer: verify and apply certified blocks, then tell the replica."""
        replica = self.replica
        if replica is None or not self.alive:
            return
        before = len(self.ledger)
        for block in blocks:
            if block.height != len(self.ledger) + 1:
                continue
            try:
                verify_commit_certificate(CHAIN_ID, self.schedule, block.certificate, self.verifier)
            except InvalidCertificate:
                break  # A lying server: nothing it sent from here on is used.
            if block.certificate.digest != block.digest or get_block_problem(
                block.payload,
                block.digest,
                height=block.height,
                tip=self.tip,
                schedule=self.schedule,
                reconfig=self.world.scenario.reconfig,
                view=None,
                reproposal=True,
            ):
                break
            if not self.apply(block):
                return
        if len(self.ledger) > before:
            # As node/ does: the Ready the replica built meanwhile, then synced().
            driver = self.driver
            last = self.ledger[-1]
            if driver is not None:
                self._guard(
                    lambda: driver.synced(last.height, last.certificate, schedule=self.schedule)
                )
            self.drain()

    def serve_fetch(
        self, request: FetchRequest, requester_height: int, requester: str = ""
    ) -> list[CommittedBlock]:
        first = max(request.from_height, requester_height + 1)
        return self.ledger[first - 1 : min(request.to_height, first - 1 + 64)]

    # ----------------------------------------------------------------- the WAL

    def _is_persisted(self, message: messages.Message) -> bool:
        if message in self.ever_persisted or isinstance(
            message, messages.Suspicion | messages.PrePrepareRequest
        ):
            return True  # These bind nothing and are never persisted (consensus/ready.py).
        return isinstance(message, messages.PrePrepare) and any(
            isinstance(r, messages.NewView) and r.preprepare == message for r in self.ever_persisted
        )

    def _prune_wal(self) -> None:
        """What node/ may drop: records at or below the committed height, superseded views."""
        if len(self.wal) < 64:
            return
        committed = len(self.ledger)
        new_views = [r for r in self.wal if isinstance(r, messages.NewView)]
        latest_nv = max(new_views, key=lambda r: r.view) if new_views else None
        vcs = [r for r in self.wal if isinstance(r, messages.ViewChange)]
        latest_vc = max((r.new_view for r in vcs), default=0)
        kept: list[messages.Record] = []
        for record in self.wal:
            if isinstance(record, messages.PrePrepare | messages.Prepare | messages.Commit):
                keep = record.height > committed
            elif isinstance(record, messages.Prepared):
                keep = record.certificate.height > committed
            elif isinstance(record, messages.NewView):
                keep = record is latest_nv
            elif isinstance(record, messages.ViewChange):
                keep = record.new_view == latest_vc
            else:
                keep = record.height > committed - 64
            if keep:
                kept.append(record)
        self.wal = kept
