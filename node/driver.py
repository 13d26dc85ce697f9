"""The one loop between the consensus replica and the world around it.

`consensus/` decides and never acts: it hands out a `Ready` of what to persist, send,
check and apply. The `Driver` carries each Ready out in one written order, for the real
validator (node/runtime.py, over LevelDB, a WAL file and gRPC) and for the simulator
(tests/sim, over lists and a simulated network) alike, so the simulator tests the code
that runs. The order, after etcd raft's Ready handling and CometBFT's WAL rule:

1. persist: the replica's own signed messages go to the WAL, synced, before any of them
   leaves; a restarted replica then knows every vote it sent and never signs a
   conflicting one (Castro & Liskov, TOCS 2002, section 4.2 on stable storage);
2. send: messages to the other validators;
3. apply: committed blocks, in height order, each in one synced batch;
4. advance: the replica learns the Ready was carried out;
5. validate: proposed blocks are checked against the state just applied (a Ready never
   holds a proposal for h+1 together with the commit of h; see consensus/ready.py) and
   the verdicts go back to the replica;
6. fetch: state transfer is started, if the replica asked for it;
7. report: refused peer messages go to logs and metrics;
8. relay: waiting client requests go to the primary (and the other validators) before
   the replica may suspect it (Castro & Liskov, OSDI 1999, section 4.1).

Between Readys the driver asks the host whether to propose a block, so a primary turns
waiting requests into a proposal as soon as the replica may propose.
"""

from __future__ import annotations

from typing import Protocol

from consensus.messages import CommitCertificate, Message, Record
from consensus.ready import (
    CommittedBlock,
    FetchRequest,
    Outbound,
    Proposal,
    Rejected,
    RelayRequest,
)
from consensus.replica import Replica
from consensus.validators import ValidatorSchedule

READYS_PER_DRAIN_MAX = 1000
"""A bound on one drain: a replica that keeps producing Readys without input is broken,
and must not spin the loop forever."""


class DriverStuck(Exception):
    """The replica produced `READYS_PER_DRAIN_MAX` Readys in one drain."""


class Host(Protocol):
    """The effects a driver needs; the validator and the simulator each provide them."""

    def persist(self, records: tuple[Record, ...]) -> None:
        """Write and sync the records; return only once they are durable."""

    def send(self, out: Outbound) -> None:
        """Hand one message to the network (it may be lost there; never block)."""

    def apply(self, block: CommittedBlock) -> bool:
        """Store a committed block; False stops this drain (the host has stopped)."""

    def validate(self, proposal: Proposal) -> bool:
        """Whether the proposed block is valid on top of the last applied one."""

    def fetch(self, request: FetchRequest) -> None:
        """Start state transfer (it completes later, through `Driver.synced`)."""

    def propose(self, replica: Replica) -> None:
        """Build and propose a block if there is anything to propose (may do nothing)."""

    def rejected(self, rejected: Rejected) -> None:
        """A peer message or proposal the replica did not use."""

    def view_entered(self, view: int) -> None:
        """The replica moved to another view (after the Ready that moved it)."""

    def relay(self, request: RelayRequest) -> None:
        """Forward the waiting request to the primary and the other validators (if it is
        still waiting); the replica suspects the primary only a full timeout later."""


class Driver:
    """Feeds a replica its inputs and carries out its Readys in the order above."""

    def __init__(self, replica: Replica, host: Host) -> None:
        self.replica = replica
        self.host = host
        self._view = replica.view

    def replace(self, replica: Replica) -> None:
        """Drive another replica from now on (a restart rebuilds it from the WAL)."""
        self.replica = replica
        self._view = replica.view

    # ---- inputs -------------------------------------------------------------------------

    def step(self, message: Message) -> None:
        """A message from another validator; the caller drains when it suits it."""
        self.replica.step(message)

    def tick(self, waiting_request: bytes | None) -> None:
        """One clock tick; `waiting_request` is the oldest client request the host holds
        uncommitted (its key), or None: the replica times it (see
        `Replica.set_waiting_request`)."""
        self.replica.set_waiting_request(waiting_request)
        self.replica.tick()

    # ---- the loop -----------------------------------------------------------------------

    def drain(self) -> None:
        """Carry out Readys until the replica has none left."""
        replica = self.replica
        host = self.host
        for _ in range(READYS_PER_DRAIN_MAX):
            host.propose(replica)
            if not replica.has_ready():
                return
            ready = replica.ready()
            host.persist(ready.persist)  # 1
            for out in ready.send:  # 2
                host.send(out)
            for block in ready.committed:  # 3
                if not host.apply(block):
                    return
            replica.advance(ready)  # 4
            if replica.view != self._view:
                self._view = replica.view
                host.view_entered(replica.view)
            for proposal in ready.validate:  # 5
                ok = host.validate(proposal)
                replica.validated(proposal.view, proposal.height, proposal.digest, ok)
            if ready.fetch:  # 6: only the last request matters
                host.fetch(ready.fetch[-1])
            for rejected in ready.rejected:  # 7
                host.rejected(rejected)
            for relay in ready.relay:  # 8
                host.relay(relay)
        raise DriverStuck(f"the replica produced {READYS_PER_DRAIN_MAX} Readys in one drain")

    def synced(
        self, height: int, certificate: CommitCertificate, schedule: ValidatorSchedule
    ) -> bool:
        """State transfer stored blocks up to `height` (certified by `certificate`, with
        the validator sets `schedule` decided by then). What the replica decided meanwhile
        is carried out first, since `Replica.synced` needs an empty Ready; then, if the
        replica is still behind, it is told; the caller drains after it (having handed
        the replica any key the new schedule needs). Returns whether it was told."""
        self.drain()
        replica = self.replica
        if height <= replica.committed_height or replica.has_ready():
            return False
        replica.synced(height, certificate, schedule=schedule)
        return True
