"""One PBFT replica as a pure state machine: the public face of the concern modules.

Reference: M. Castro and B. Liskov, "Practical Byzantine Fault Tolerance", OSDI 1999, sections
4.2 (normal case), 4.3 (checkpoints and garbage collection), 4.4 (view changes) and 4.5.2
(liveness); and "Practical Byzantine Fault Tolerance and Proactive Recovery", ACM TOCS 20(4),
2002, section 6.2 (state transfer). Sequence numbers are block heights.

Inputs are `propose`, `step` (a peer message), `validated` (the node's verdict on a proposed
block), `tick`, `set_waiting_request`, `synced` (state transfer done), `schedule_validators`
and `add_signer`; outputs accumulate in a `Ready` that the node handles and then hands back to
`advance`. One height is in flight at a time: height h+1 is started only after the node applied
height h. Messages for later heights up to the high watermark are buffered and processed when
their height becomes current.

Where each rule lives (see `core.py`): `normal` (pre-prepare, prepare, commit), `proposals`
(asking peers for a pre-prepare the primary withheld or sent another block for), `heights`
(deciding the height in flight, the window of heights, validator-set changes), `suspicion`
(the view-change timer, suspecting the primary), `views` (view change and new view),
`catchup` (checkpoints, garbage collection, slow peers, state transfer), `restore` (the WAL
after a restart). `Replica` only composes them and routes the inputs.
"""

from dataclasses import dataclass

from consensus.catchup import CatchUp
from consensus.core import ReplicaConfig, Status
from consensus.crypto import Signer
from consensus.heights import Heights
from consensus.log import kind_of
from consensus.messages import (
    Checkpoint,
    CheckpointCertificate,
    Commit,
    CommitCertificate,
    Message,
    Prepare,
    PrePrepare,
    PrePrepareRequest,
    Suspicion,
    ViewChange,
)
from consensus.normal import NormalCase
from consensus.proposals import ProposalFetch
from consensus.ready import Ready
from consensus.restore import Restore
from consensus.shape import get_shape_problem
from consensus.suspicion import Suspicions
from consensus.validators import ValidatorSchedule, ValidatorSet
from consensus.views import ViewChanges

__all__ = ["Replica", "ReplicaConfig", "ReplicaStats", "Status", "get_shape_problem"]


@dataclass(frozen=True, slots=True)
class ReplicaStats:
    """Sizes of everything a replica holds, for the bounded-memory tests and metrics."""

    log_slots: int
    log_messages: int
    own_messages: int
    recent_heights: int
    foreign_commits: int
    view_changes: int
    checkpoint_heights: int
    checkpoint_votes: int
    checkpoints_ahead: int
    schedule_sets: int
    peers_tracked: int


class Replica(NormalCase, ProposalFetch, Heights, Suspicions, ViewChanges, CatchUp, Restore):
    """A PBFT replica for one validator. Not thread-safe: the node drives it from one loop.

    Built by `ReplicaCore.__init__`, which every concern shares: it checks the arguments,
    replays the WAL (`restore`) and enters the next height."""

    # ----------------------------------------------------------------- accessors

    @property
    def view(self) -> int:
        return self._view

    @property
    def status(self) -> Status:
        return self._status

    @property
    def in_view_change(self) -> bool:
        return self._status == Status.VIEW_CHANGE

    @property
    def committed_height(self) -> int:
        """Highest height committed by this replica (possibly not yet applied by the node)."""
        return self._committed_height

    @property
    def committed_certificate(self) -> CommitCertificate | None:
        return self._committed_certificate

    @property
    def low_watermark(self) -> int:
        return self._checkpoints.low

    @property
    def high_watermark(self) -> int:
        return self._checkpoints.high

    @property
    def stable_checkpoint(self) -> CheckpointCertificate | None:
        return self._checkpoints.stable

    @property
    def schedule(self) -> ValidatorSchedule:
        """The validator sets this replica knows (the last VALIDATOR_SETS_KEPT_MAX, including
        every one in force from the height in flight on); certificates are checked with these."""
        return self._schedule

    def can_propose(self) -> bool:
        height = self._next_height
        return (
            self._status == Status.NORMAL
            and self.is_primary
            and self._entered
            and height >= self._view_start
            and height > self._checkpoints.low
            and (self._view, height, "preprepare") not in self._own
            and self._signer_for(height) is not None
        )

    def has_ready(self) -> bool:
        return self._out.has_ready()

    def ready(self) -> Ready:
        """Everything produced since the last `advance()`; calling it twice is harmless."""
        return self._out.ready()

    def stats(self) -> ReplicaStats:
        checkpoints = self._checkpoints.stats()
        return ReplicaStats(
            log_slots=len(self._log),
            log_messages=self._log.count(),
            own_messages=len(self._own),
            recent_heights=len(self._recent),
            foreign_commits=len(self._foreign),
            view_changes=len(self._view_changes),
            checkpoint_heights=checkpoints.heights,
            checkpoint_votes=checkpoints.votes,
            checkpoints_ahead=checkpoints.ahead,
            schedule_sets=len(self._schedule.entries),
            peers_tracked=len(self._progress)
            + len(self._peer_committed)
            + len(self._next_relay)
            + len(self._preprepare_served),
        )

    # ----------------------------------------------------------------- inputs

    def propose(self, payload: bytes, digest: bytes) -> None:
        """Propose a block for height committed+1. The node has validated it already."""
        self._propose(payload, digest)

    def step(self, message: Message) -> None:
        """Handle a message from a peer. Invalid ones end up in `Ready.rejected`; never raises
        for peer input (a non-message object is a caller bug and raises TypeError)."""
        if not isinstance(message, Message):
            raise TypeError(f"not a consensus message: {type(message).__name__}")
        # Malformed fields: nothing below may trust a field before this.
        problem = get_shape_problem(message)
        if problem is not None:
            self._reject(message, problem)
        elif message.sender == self._self_id:
            # Our own id from the network: we never need our own messages back.
            self._reject(message, "message carries our own validator id")
        elif isinstance(message, PrePrepare | Prepare | Commit):
            self._step_normal(kind_of(message), message)
        elif isinstance(message, PrePrepareRequest):
            self._step_preprepare_request(message)
        elif isinstance(message, Checkpoint):
            self._step_checkpoint(message)
        elif isinstance(message, Suspicion):
            self._step_suspicion(message)
        elif isinstance(message, ViewChange):
            self._step_view_change(message)
        else:
            self._step_new_view(message)

    def validated(self, view: int, height: int, digest: bytes, ok: bool) -> None:
        """The node's verdict on a `Proposal`. ok=False: this replica will not prepare it."""
        self._validated_block(view, height, digest, ok)

    def tick(self) -> None:
        """Logical clock: retransmission, catch-up of slow peers, checkpoint re-sends, state
        transfer retries and the view-change timer."""
        self._ticks += 1
        self._retransmit()
        self._resend_view_change()
        self._resend_checkpoint()
        self._catch_up_peers()
        self._tick_preprepare_asks()
        self._tick_fetch()
        self._check_behind()
        self._tick_view_change_timer()

    def set_waiting_request(self, request: bytes | None) -> None:
        """The node's oldest client request (e.g. a transaction hash) not yet committed, or
        None when none waits.

        PBFT's backups time a request they wait for, not the view (Castro & Liskov, OSDI 1999,
        section 4.5.2; TOCS 2002, section 4.5.2): the timer runs while that request stays
        uncommitted, across commits of other requests, so a primary that censors it is
        suspected; it restarts for the next request once it is committed. A backup first
        relays the request to the primary (`Ready.relay`) and suspects the primary only a full
        timeout later. An idle chain with no requests never changes views.
        """
        self._waiting_request = None if request is None else bytes(request)

    def set_requests_pending(self, pending: bool) -> None:
        """`set_waiting_request` without naming the request: every commit counts as serving
        it (the timer restarts), so a censoring primary is not detected. For callers that do
        not track requests one by one (tests, the simulator)."""
        self._waiting_request = b"" if pending else None

    def synced(
        self,
        committed_height: int,
        certificate: CommitCertificate,
        schedule: ValidatorSchedule | None = None,
    ) -> None:
        """The node applied blocks up to `committed_height` by state transfer.

        `certificate` is that block's commit certificate, checked against the validator set
        in force at its height. Call it only after `advance()` of the last Ready. Because a
        certificate makes everything at or below it final, the low watermark moves up to the
        last checkpoint height below it even without a stable checkpoint.

        `schedule` is the validator schedule read from the transferred state: the blocks
        transferred may have decided sets this replica never heard of (the node does not
        hand them over one by one, since a lagging replica would count long-past decisions
        as "scheduled ahead"). Every replica's node reads it from the same certified state.
        """
        self._synced(committed_height, certificate, schedule)

    def schedule_validators(self, activation_height: int, validators: ValidatorSet) -> None:
        """From `activation_height` on, `validators` choose primaries, form quorums and sign.

        The node calls this when it applies a committed block whose on-chain decision says so;
        every replica applies the same block, so they all switch at the same height. The
        height must be above everything this replica may already have voted on: above the
        committed height, and above the height in flight once the node has advanced past the
        last commit. Repeating a call already applied is harmless.
        """
        self._schedule_validators(activation_height, validators)

    def add_signer(self, signer: Signer) -> None:
        """Hold another key of this validator (a rotation decided on-chain). The replica signs
        at each height with the key listed for it in the set in force there."""
        self._add_signer(signer)

    def advance(self, ready: Ready) -> None:
        """The node persisted, sent and applied everything in `ready` (from `ready()`)."""
        self._out.consume(ready)
        if not self._entered and not self._out.committed:
            self._enter_next_height()
