"""One PBFT replica as a pure state machine.

Reference: M. Castro and B. Liskov, "Practical Byzantine Fault Tolerance", OSDI 1999, sections
4.2 (normal case), 4.3 (checkpoints and garbage collection), 4.4 (view changes) and 4.5.2
(liveness); and "Practical Byzantine Fault Tolerance and Proactive Recovery", ACM TOCS 20(4),
2002, section 6.2 (state transfer). Sequence numbers are block heights.

Inputs are `propose`, `step` (a peer message), `validated` (the node's verdict on a proposed
block), `tick`, `set_requests_pending`, `synced` (state transfer done), `schedule_validators`
and `add_signer`; outputs accumulate in a `Ready` that the node handles and then hands back to
`advance`. One height is in flight at a time: height h+1 is started only after the node applied
height h. Messages for later heights up to the high watermark are buffered and processed when
their height becomes current.

Recovering lost messages: own messages for the height in flight are re-sent every
`retransmit_ticks` ticks. Each replica also keeps the proof of its last few committed heights
(the pre-prepare and the commit certificate) and sends it to a peer that re-sends a prepare or
pre-prepare for such a height, or whose commit it never saw (with exponential back-off). A
quorum of commits in one view fixes a block, so a replica may deliver on it without having seen
the prepares, whatever view it is in itself. A replica further behind asks the node for state
transfer (`Ready.fetch`), on evidence no single peer can fake.

View changes: a member that is waiting for something (requests pending, or messages for the
height in flight) and sees no commit for `view_change_timeout_ticks` asks for the next view;
the timeout doubles for each consecutive view that fails. In the view-change state it no longer
takes part in the old view. It moves on to the view after only once a quorum has asked for the
current one (so one partitioned replica cannot run away in views), and it joins a view change
that f+1 members asked for. The new primary sends a NewView (see `viewchange.py`); every
replica checks it completely before entering the view.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

from consensus.checkpoints import CheckpointTracker, checkpoints_of
from consensus.crypto import Signer, Verifier
from consensus.errors import ConsensusError, InvalidCertificate, NotPrimary, ProposalInFlight
from consensus.limits import (
    CATCH_UP_BACKOFF_INTERVALS_MAX,
    CHAIN_ID_BYTES_MAX,
    CHECKPOINT_INTERVAL_DEFAULT,
    CHECKPOINT_INTERVAL_MIN,
    DIGEST_BYTES,
    MESSAGES_PER_SENDER_PER_HEIGHT_MAX,
    PAYLOAD_BYTES_MAX,
    RECENT_HEIGHTS_RETAINED,
    RETRANSMIT_TICKS_MIN,
    SCHEDULED_SETS_MAX,
    SIGNERS_MAX,
    U64_MAX,
    VALIDATOR_SETS_KEPT_MAX,
    VIEW_AHEAD_MAX,
    VIEW_CHANGE_TIMEOUT_DOUBLINGS_MAX,
    VIEW_CHANGE_TIMEOUT_TICKS_DEFAULT,
    WINDOW_HEIGHTS_DEFAULT,
    WINDOW_HEIGHTS_MAX,
)
from consensus.log import ForeignCommits, Kind, MessageLog, RecentHeight, Slot, Validation, kind_of
from consensus.messages import (
    Checkpoint,
    CheckpointCertificate,
    Commit,
    CommitCertificate,
    Message,
    NewView,
    NormalMessage,
    Prepare,
    Prepared,
    PreparedCertificate,
    PrePrepare,
    Record,
    ViewChange,
    Vote,
)
from consensus.ready import CommittedBlock, FetchRequest, Outbound, Proposal, Ready, Rejected
from consensus.shape import (
    get_record_shape_problem,
    get_shape_problem,
    is_u64,
    is_validator_id,
)
from consensus.signing import (
    checkpoint_sign_bytes,
    commit_sign_bytes,
    new_view_sign_bytes,
    prepare_sign_bytes,
    preprepare_sign_bytes,
    view_change_sign_bytes,
)
from consensus.validators import (
    ValidatorSchedule,
    ValidatorSet,
    get_commit_certificate_problem,
)
from consensus.viewchange import (
    BlockDigest,
    NewViewPlan,
    compute_new_view_plan,
    get_new_view_problem,
    get_view_change_height,
    get_view_change_problem,
    has_view_change_quorum,
    strip_payload,
)

__all__ = ["Replica", "ReplicaConfig", "ReplicaStats", "Status", "get_shape_problem"]


@dataclass(frozen=True, slots=True)
class ReplicaConfig:
    """Static configuration of one replica."""

    chain_id: str
    """Included in every signed byte string, so votes cannot be replayed on another chain."""
    validators: ValidatorSet
    """The genesis validator set (later sets come from `schedule_validators`)."""
    self_id: str
    """This replica's validator id. It need not be in `validators`: a validator that joins
    later follows the chain as an observer (it never votes) until its set is in force."""
    retransmit_ticks: int = 10
    """Re-send own messages for the in-flight height every this many ticks (lost messages)."""
    view_change_timeout_ticks: int = VIEW_CHANGE_TIMEOUT_TICKS_DEFAULT
    """Ticks without a commit, while waiting for one, before asking for a new view."""
    checkpoint_interval: int = CHECKPOINT_INTERVAL_DEFAULT
    """Heights between checkpoints."""
    window_heights: int = WINDOW_HEIGHTS_DEFAULT
    """High watermark minus low watermark; at least two checkpoint intervals, so the next
    checkpoint can become stable before a replica reaches the high watermark."""
    block_digest: BlockDigest | None = None
    """The node's payload -> digest function (the block header hash), if it offers one. With
    it the replica rejects a pre-prepare or ViewChange whose payload does not match its digest
    before it can mislead a new primary; without it only the node's validation catches that."""

    def __post_init__(self) -> None:
        raw = self.chain_id.encode("utf-8")
        if not 1 <= len(raw) <= CHAIN_ID_BYTES_MAX:
            raise ValueError(f"chain id must be 1..{CHAIN_ID_BYTES_MAX} bytes")
        if not is_validator_id(self.self_id):
            raise ValueError(f"{self.self_id!r} is not a valid validator id")
        if self.retransmit_ticks < RETRANSMIT_TICKS_MIN:
            raise ValueError(f"retransmit_ticks must be >= {RETRANSMIT_TICKS_MIN}")
        if self.view_change_timeout_ticks < self.retransmit_ticks:
            raise ValueError("view_change_timeout_ticks must be >= retransmit_ticks")
        if self.checkpoint_interval < CHECKPOINT_INTERVAL_MIN:
            raise ValueError(f"checkpoint_interval must be >= {CHECKPOINT_INTERVAL_MIN}")
        if not 2 * self.checkpoint_interval <= self.window_heights <= WINDOW_HEIGHTS_MAX:
            raise ValueError(
                f"window_heights must be 2 * checkpoint_interval .. {WINDOW_HEIGHTS_MAX}"
            )


class Status(Enum):
    """PBFT's two states of a replica in a view."""

    NORMAL = "normal"
    """Taking part in the view's normal-case protocol."""
    VIEW_CHANGE = "view-change"
    """Asked for (or heard of) this view, waiting for a valid NewView; signs nothing else."""


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


def _is_waiting_kind(kind: Kind) -> bool:
    return kind != "commit"


class Replica:
    """A PBFT replica for one validator. Not thread-safe: the node drives it from one loop."""

    def __init__(
        self,
        config: ReplicaConfig,
        signer: Signer,
        verifier: Verifier,
        *,
        committed_height: int,
        committed_certificate: CommitCertificate | None = None,
        view: int = 0,
        signed: Sequence[Record] = (),
        schedule: ValidatorSchedule | None = None,
    ) -> None:
        """Start (or restart) at `committed_height`, the last height the node durably applied.

        `committed_certificate` is that block's commit certificate (required above height 0):
        view changes report it, and without it a restarted replica could let a new view
        re-decide a height it already committed.

        `signed` is the WAL: every record `Ready.persist` ever returned that the node kept.
        Own messages are re-sent and nothing that conflicts with them is ever signed; the
        highest view found in it is the replica's view, and it is in the normal state only if
        the NewView of that view is among them (view 0 needs none). The node may drop records
        for heights at or below the committed height, but must keep the latest NewView, the
        own ViewChange of the latest view, and `Prepared` records above the committed height.

        `schedule`: the validator sets known from the chain (default: genesis set only).
        """
        if signer.id != config.self_id:
            raise ValueError(f"signer is for {signer.id!r}, config for {config.self_id!r}")
        if not is_u64(committed_height) or committed_height > U64_MAX - 2 * WINDOW_HEIGHTS_MAX:
            raise ValueError(f"committed_height {committed_height} out of range")
        if not is_u64(view) or view > U64_MAX - VIEW_AHEAD_MAX:
            raise ValueError(f"view {view} out of range")
        self._config = config
        self._verifier = verifier
        self._signers: dict[bytes, Signer] = {signer.public_key: signer}
        interval = config.checkpoint_interval
        low = committed_height - committed_height % interval
        self._schedule = schedule or ValidatorSchedule.starting_with(config.validators)
        self._schedule = self._schedule.capped(VALIDATOR_SETS_KEPT_MAX, committed_height + 1)
        if committed_height > 0:
            if committed_certificate is None:
                raise ValueError("committed_certificate is required above height 0")
            if committed_certificate.height != committed_height:
                raise ValueError("committed_certificate is not for committed_height")
            problem = get_commit_certificate_problem(
                config.chain_id,
                self._schedule.at(committed_height),
                committed_certificate,
                verifier,
            )
            if problem is not None:
                raise InvalidCertificate(problem)
        self._view = view
        self._status = Status.NORMAL if view == 0 else Status.VIEW_CHANGE
        self._new_view: NewView | None = None
        """The NewView that started the current view (None in view 0 or while changing)."""
        self._view_start = 1
        """First height of the current view: no pre-prepare below it is accepted."""
        self._committed_height = committed_height
        self._committed_certificate = committed_certificate
        self._entered = False
        """True once height committed+1 is being worked on; false between committing a
        height and the node advancing past it, so the next proposal sees the applied state,
        and while the next height is above the high watermark."""
        self._log = MessageLog(cap=MESSAGES_PER_SENDER_PER_HEIGHT_MAX * config.window_heights)
        self._own: dict[tuple[int, int, Kind], NormalMessage] = {}
        """Own signed normal-case messages of the current view for uncommitted heights: the
        source of truth against signing twice."""
        self._own_view_change: ViewChange | None = None
        self._view_changes: dict[str, ViewChange] = {}
        """Each peer's latest verified ViewChange for a view >= ours."""
        self._prepared: Prepared | None = None
        """Highest-view prepared certificate (and block) for the height in flight."""
        self._validated: PrePrepare | None = None
        """A pre-prepare for the height in flight that the node validated, kept across view
        changes: a certificate from any view for its digest can then be delivered at once."""
        self._foreign = ForeignCommits()
        self._recent: dict[int, RecentHeight] = {}
        self._checkpoints = CheckpointTracker(low, interval, config.window_heights)
        self._progress: dict[str, int] = {}
        """Highest height each peer sent a valid message for: a peer past a height has it."""
        self._peer_committed: dict[str, int] = {}
        """Highest height each peer proved or signed that it committed (behind detection)."""
        self._next_relay: dict[tuple[str, str], int] = {}
        """(what, peer) -> earliest tick for relaying a NewView or stable checkpoint again."""
        self._ticks = 0
        self._inflight_ticks = 0
        self._last_commit_tick = 0
        self._requests_pending = False
        self._progress_ticks = 0
        self._view_change_ticks = 0
        self._view_change_quorum_seen = False
        self._failed_views = 0
        self._fetch_target = 0
        self._fetch_next_tick = 0
        self._fetch_attempts = 0
        self._checkpoint_next_tick = 0
        self._checkpoint_resends = 0
        self._persist: list[Record] = []
        self._send: list[Outbound] = []
        self._validate: list[Proposal] = []
        self._asked: set[tuple[int, int, bytes]] = set()
        """(view, height, digest) of proposals handed to the node and not yet answered: the
        slot may be dropped (a stable checkpoint above us) or replaced before the answer."""
        self._committed: list[CommittedBlock] = []
        self._rejected: list[Rejected] = []
        self._fetch: list[FetchRequest] = []
        self._restore(signed)
        self._enter_next_height()

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

    @property
    def is_primary(self) -> bool:
        """Primary of the current view at the height in flight."""
        height = self._committed_height + 1
        return self._schedule.at(height).primary(self._view) == self._config.self_id

    def can_propose(self) -> bool:
        height = self._committed_height + 1
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
        return bool(
            self._persist
            or self._send
            or self._validate
            or self._committed
            or self._rejected
            or self._fetch
        )

    def ready(self) -> Ready:
        """Everything produced since the last `advance()`; calling it twice is harmless."""
        return Ready(
            persist=tuple(self._persist),
            send=tuple(self._send),
            validate=tuple(self._validate),
            committed=tuple(self._committed),
            rejected=tuple(self._rejected),
            fetch=tuple(self._fetch),
        )

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
            peers_tracked=len(self._progress) + len(self._peer_committed) + len(self._next_relay),
        )

    # ----------------------------------------------------------------- inputs

    def propose(self, payload: bytes, digest: bytes) -> None:
        """Propose a block for height committed+1. The node has validated it already."""
        height = self._committed_height + 1
        if self._status != Status.NORMAL:
            raise NotPrimary(f"view {self._view} is still being changed")
        if not self.is_primary:
            raise NotPrimary(
                f"{self._config.self_id!r} is not primary of view {self._view}; "
                f"primary is {self._schedule.at(height).primary(self._view)!r}"
            )
        if not self._entered:
            raise ProposalInFlight(f"height {height - 1} is committed but not yet advanced")
        if (self._view, height, "preprepare") in self._own:
            raise ProposalInFlight(f"a block for height {height} is already proposed")
        if height < self._view_start or height <= self._checkpoints.low:
            raise ProposalInFlight(f"height {height} is below the view's first height")
        if len(digest) != DIGEST_BYTES:
            raise ValueError(f"digest must be {DIGEST_BYTES} bytes")
        if len(payload) > PAYLOAD_BYTES_MAX:
            raise ValueError(f"payload of {len(payload)} bytes exceeds {PAYLOAD_BYTES_MAX}")
        self._check_not_conflicting(self._view, height, digest)
        signature = self._sign(
            height, preprepare_sign_bytes(self._config.chain_id, self._view, height, digest)
        )
        preprepare = PrePrepare(
            view=self._view,
            height=height,
            digest=bytes(digest),
            payload=bytes(payload),
            sender=self._config.self_id,
            signature=signature,
        )
        slot = self._record_own(preprepare)
        slot.validation = Validation.OK
        self._process(slot)

    def step(self, message: Message) -> None:
        """Handle a message from a peer. Invalid ones end up in `Ready.rejected`; never raises
        for peer input (a non-message object is a caller bug and raises TypeError)."""
        if isinstance(message, PrePrepare | Prepare | Commit):
            self._step_normal(kind_of(message), message)
        elif isinstance(message, Checkpoint):
            self._step_checkpoint(message)
        elif isinstance(message, ViewChange):
            self._step_view_change(message)
        elif isinstance(message, NewView):
            self._step_new_view(message)
        else:
            raise TypeError(f"not a consensus message: {type(message).__name__}")

    def validated(self, view: int, height: int, digest: bytes, ok: bool) -> None:
        """The node's verdict on a `Proposal`. ok=False: this replica will not prepare it."""
        if view != self._view or height <= self._committed_height:
            self._asked.discard((view, height, digest))
            return  # The replica has moved past this proposal; the answer no longer matters.
        slot = self._log.find(view, height)
        preprepare = slot.preprepare if slot is not None else None
        if slot is None or preprepare is None or preprepare.digest != digest:
            if (view, height, digest) in self._asked:
                # Since it was asked, the slot was dropped (a stable checkpoint above us:
                # state transfer brings the block) or a NewView replaced the proposal.
                self._asked.discard((view, height, digest))
                return
            raise ConsensusError(
                f"validated() for view {view} height {height} digest {digest.hex()}, "
                "which was never proposed to the node"
            )
        self._asked.discard((view, height, digest))
        answer = Validation.OK if ok else Validation.FAILED
        if slot.validation == answer:
            return  # Repeated answer.
        if slot.validation != Validation.PENDING:
            raise ConsensusError(
                f"validated({ok}) for height {height}, but its state is {slot.validation.value}"
            )
        slot.validation = answer
        if not ok:
            self._reject(preprepare, "node rejected the proposed block; not preparing")
            return
        if self._entered and self._status == Status.NORMAL and height == self._next_height:
            self._process(slot)

    def tick(self) -> None:
        """Logical clock: retransmission, catch-up of slow peers, checkpoint re-sends, state
        transfer retries and the view-change timer."""
        self._ticks += 1
        interval = self._config.retransmit_ticks
        if self._entered and self._status == Status.NORMAL:
            self._inflight_ticks += 1
            if self._inflight_ticks % interval == 0:
                for message in self._own_messages(self._view, self._next_height):
                    self._send.append(Outbound(to=None, message=message))
        if self._status == Status.VIEW_CHANGE and self._ticks % interval == 0:
            own = self._own_view_change
            if own is not None and own.new_view == self._view:
                self._send.append(Outbound(to=None, message=own))
        self._resend_checkpoint()
        self._catch_up_peers()
        self._tick_fetch()
        self._check_behind()
        self._tick_view_change_timer()

    def set_requests_pending(self, pending: bool) -> None:
        """Whether the node holds client requests (transactions) waiting to be committed.

        PBFT's backups start their view-change timer when a request is pending (section 4.4);
        an idle chain with no requests never changes views.
        """
        self._requests_pending = bool(pending)

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
        if self._committed:
            raise ConsensusError("synced() while a committed block awaits advance()")
        if certificate.height != committed_height:
            raise ValueError("certificate is not for committed_height")
        if committed_height <= self._committed_height:
            return
        adopted = self._schedule
        if schedule is not None and schedule != self._schedule:
            adopted = schedule.capped(VALIDATOR_SETS_KEPT_MAX, committed_height + 1)
        problem = get_commit_certificate_problem(
            self._config.chain_id,
            adopted.at(committed_height),
            certificate,
            self._verifier,
        )
        if problem is not None:
            raise InvalidCertificate(problem)
        if adopted is not self._schedule:
            self._schedule = adopted
            # Messages above the new height were checked against the sets we knew; peers
            # re-send what still matters.
            self._log.drop_where(lambda _view, height: height > committed_height, self._self_id)
            self._view_changes = {}
        self._recent.clear()
        self._mark_committed(committed_height, certificate)
        # The last checkpoint height strictly below: high watermark > committed_height, and
        # our own checkpoint at committed_height (which peers may need) stays above low.
        interval = self._config.checkpoint_interval
        new_low = (committed_height - 1) - (committed_height - 1) % interval
        if new_low > self._checkpoints.low:
            self._advance_low(new_low, None)
        if self._checkpoints.is_checkpoint_height(committed_height):
            self._sign_checkpoint(committed_height, certificate.digest)
        self._refresh_view_change()
        self._enter_next_height()

    def schedule_validators(self, activation_height: int, validators: ValidatorSet) -> None:
        """From `activation_height` on, `validators` choose primaries, form quorums and sign.

        The node calls this when it applies a committed block whose on-chain decision says so;
        every replica applies the same block, so they all switch at the same height. The
        height must be above everything this replica may already have voted on: above the
        committed height, and above the height in flight once the node has advanced past the
        last commit. Repeating a call already applied is harmless.
        """
        if (activation_height, validators) in self._schedule.entries:
            return
        if not is_u64(activation_height):
            raise ValueError(f"activation height {activation_height} out of range")
        earliest = self._committed_height + (2 if self._entered else 1)
        if activation_height < earliest:
            raise ConsensusError(
                f"activation height {activation_height} is not after what this replica may "
                f"have voted on (earliest allowed {earliest})"
            )
        if activation_height <= self._schedule.entries[-1][0]:
            raise ConsensusError("validator sets must be scheduled in activation order")
        future = [h for h, _ in self._schedule.entries if h > self._committed_height]
        if len(future) >= SCHEDULED_SETS_MAX:
            raise ConsensusError(f"more than {SCHEDULED_SETS_MAX} validator sets scheduled")
        self._schedule = self._schedule.with_activation(activation_height, validators).capped(
            VALIDATOR_SETS_KEPT_MAX, self._next_height
        )
        # Messages for heights under the new set were checked against the old one; peers
        # re-send them.
        self._log.drop_where(lambda _view, height: height >= activation_height, self._self_id)
        self._view_changes = {
            s: vc
            for s, vc in self._view_changes.items()
            if get_view_change_height(vc) < activation_height
        }
        self._checkpoints.forget_from(activation_height)

    def add_signer(self, signer: Signer) -> None:
        """Hold another key of this validator (a rotation decided on-chain). The replica signs
        at each height with the key listed for it in the set in force there."""
        if signer.id != self._self_id:
            raise ValueError(f"signer is for {signer.id!r}, not {self._self_id!r}")
        self._signers[signer.public_key] = signer
        if len(self._signers) > SIGNERS_MAX:
            wanted = {
                v.public_key
                for s in self._schedule.sets_from(self._next_height)
                for v in s.validators
                if v.id == self._self_id
            }
            self._signers = {k: s for k, s in self._signers.items() if k in wanted}
        if len(self._signers) > SIGNERS_MAX:
            raise ConsensusError(f"more than {SIGNERS_MAX} keys in use")

    def advance(self, ready: Ready) -> None:
        """The node persisted, sent and applied everything in `ready` (from `ready()`)."""
        _consume(self._persist, ready.persist, "persist")
        _consume(self._send, ready.send, "send")
        _consume(self._validate, ready.validate, "validate")
        _consume(self._committed, ready.committed, "committed")
        _consume(self._rejected, ready.rejected, "rejected")
        _consume(self._fetch, ready.fetch, "fetch")
        if not self._entered and not self._committed:
            self._enter_next_height()

    # ----------------------------------------------------------------- normal case (4.2)

    def _step_normal(self, kind: Kind, message: NormalMessage) -> None:
        # Malformed fields: nothing below may trust a field before this.
        problem = get_shape_problem(message)
        if problem is not None:
            self._reject(message, problem)
            return
        # Our own id from the network: we never need our own messages back.
        if message.sender == self._self_id:
            self._reject(message, "message carries our own validator id")
            return
        validators = self._schedule.at(message.height)
        if validators.get(message.sender) is None:
            self._reject(message, f"unknown sender {message.sender!r}")
            return
        if message.height <= self._committed_height:
            self._step_late(kind, message)
            return
        if message.height > self._checkpoints.high:
            self._note_claim(message)
            self._reject(
                message,
                f"height {message.height} beyond window (high watermark {self._checkpoints.high})",
            )
            return
        if message.height <= self._checkpoints.low:
            self._reject(message, f"height {message.height} below the low watermark")
            return
        if message.view != self._view:
            self._step_other_view(kind, message)
            return
        if self._status == Status.NORMAL and message.height < self._view_start:
            self._reject(message, f"height {message.height} is below the view's first height")
            return
        # Roles: only the primary pre-prepares, and the primary does not prepare.
        primary = validators.primary(self._view)
        if kind == "preprepare" and message.sender != primary:
            self._reject(message, f"pre-prepare from {message.sender!r}, primary is {primary!r}")
            return
        if kind == "prepare" and message.sender == primary:
            self._reject(message, "prepare from the primary, which only pre-prepares")
            return
        # Duplicates are normal (retransmission); drop them before paying for a verify.
        slot = self._log.find(message.view, message.height)
        earlier = slot.stored(kind, message.sender) if slot is not None else None
        if earlier == message:
            return
        if not self._verify_normal(message):
            self._reject(message, "bad signature")
            return
        if earlier is not None:
            self._reject(message, f"{kind} differs from an earlier one by the same sender")
            return
        if isinstance(message, PrePrepare):
            problem = self._get_preprepare_problem(message)
            if problem is not None:
                self._reject(message, problem)
                return
        if not self._log.has_room(message.sender):
            self._reject(message, "per-sender buffer full")
            return
        slot = self._log.add(message)
        self._note_progress(message.sender, slot.height)
        if self._status == Status.NORMAL and self._entered and slot.height == self._next_height:
            self._process(slot)

    def _get_preprepare_problem(self, preprepare: PrePrepare) -> str | None:
        """Checks of a verified pre-prepare beyond its signature."""
        own_digest = self._own_digest(preprepare.view, preprepare.height)
        if own_digest is not None and own_digest != preprepare.digest:
            return "pre-prepare conflicts with a vote we already signed"
        nv = self._new_view
        if (
            nv is not None
            and nv.preprepare is not None
            and nv.preprepare.height == preprepare.height
            and nv.preprepare != preprepare
        ):
            return "pre-prepare differs from the re-proposal of the NewView"
        digest_of = self._config.block_digest
        if digest_of is not None and digest_of(preprepare.payload) != preprepare.digest:
            return "payload does not match the digest"
        return None

    def _process(self, slot: Slot) -> None:
        """Move the current height forward as far as the slot's contents allow."""
        if slot.view != self._view or slot.height != self._next_height:
            raise ConsensusError(f"processing ({slot.view}, {slot.height}) out of turn")
        if self._status != Status.NORMAL:
            raise ConsensusError("processing during a view change")
        if self.is_primary:
            self._process_as_primary(slot)
        else:
            self._process_as_backup(slot)
        if self._entered and slot.height == self._next_height:
            self._try_deliver_foreign()

    def _process_as_primary(self, slot: Slot) -> None:
        """The primary's pre-prepare is its vote; it waits for prepares, then commits. A block
        it re-proposes from a NewView was built by someone else, so its node checks it."""
        if slot.preprepare is None:
            return  # Not proposed yet; prepares or commits that arrived early wait here.
        if slot.validation == Validation.NOT_ASKED:
            self._ask_node(slot, slot.preprepare)
            return
        self._try_commit(slot, slot.preprepare)

    def _process_as_backup(self, slot: Slot) -> None:
        """Accepted pre-prepare -> ask the node -> prepare -> (prepared) commit."""
        preprepare = slot.preprepare
        if preprepare is None:
            return  # Prepares and commits may precede the pre-prepare; keep waiting.
        if slot.validation == Validation.NOT_ASKED:
            self._ask_node(slot, preprepare)
            return
        if slot.validation != Validation.OK:
            return
        if (
            slot.view,
            slot.height,
            "prepare",
        ) not in self._own and self._signer_for(slot.height) is not None:
            self._sign_prepare(slot, preprepare.digest)
        self._try_commit(slot, preprepare)

    def _ask_node(self, slot: Slot, preprepare: PrePrepare) -> None:
        slot.validation = Validation.PENDING
        self._asked.add((preprepare.view, preprepare.height, preprepare.digest))
        nv = self._new_view
        reproposal = nv is not None and nv.preprepare == preprepare
        self._validate.append(
            Proposal(
                view=preprepare.view,
                height=preprepare.height,
                digest=preprepare.digest,
                payload=preprepare.payload,
                reproposal=reproposal,
            )
        )

    def _try_commit(self, slot: Slot, preprepare: PrePrepare) -> None:
        """Shared tail of both roles: commit once prepared, deliver once a quorum committed.

        A quorum of commits for the block fixes it: at least f+1 honest replicas were prepared
        for it, so no other block can ever be committed at this height. A replica that missed
        the prepares may therefore deliver on the commits alone (this is how a lagging replica
        finishes a height from a relayed certificate), adding its own commit as it does.
        """
        if slot.validation != Validation.OK:
            return
        digest = preprepare.digest
        validators = self._schedule.at(slot.height)
        quorum = validators.quorum
        prepared = self._is_prepared(slot, preprepare)
        if prepared:
            self._record_prepared(slot, preprepare)
        can_sign = self._signer_for(slot.height) is not None
        has_own_commit = (slot.view, slot.height, "commit") in self._own
        matching = [c for c in slot.matching_commits(digest) if validators.get(c.sender)]
        if can_sign and not has_own_commit and (prepared or len(matching) >= quorum):
            self._sign_commit(slot, digest)
            matching = [c for c in slot.matching_commits(digest) if validators.get(c.sender)]
        if len(matching) >= quorum:
            self._deliver(slot.height, preprepare, matching)

    def _is_prepared(self, slot: Slot, preprepare: PrePrepare) -> bool:
        """PBFT's prepared predicate: accepted (and validated) pre-prepare plus quorum-1
        matching prepares from distinct backups, i.e. 2f when n = 3f+1."""
        validators = self._schedule.at(slot.height)
        primary = validators.primary(slot.view)
        count = sum(
            1
            for p in slot.prepares.values()
            if p.digest == preprepare.digest and p.sender != primary and validators.get(p.sender)
        )
        return count >= validators.quorum - 1

    def _record_prepared(self, slot: Slot, preprepare: PrePrepare) -> None:
        """Remember (and persist) the prepared certificate, for view changes (section 4.4)."""
        current = self._prepared
        if current is not None and current.certificate.view >= slot.view:
            return
        validators = self._schedule.at(slot.height)
        primary = validators.primary(slot.view)
        prepares = sorted(
            (
                p
                for p in slot.prepares.values()
                if p.digest == preprepare.digest
                and p.sender != primary
                and validators.get(p.sender)
            ),
            key=lambda p: p.sender,
        )[: validators.quorum - 1]
        certificate = PreparedCertificate(
            view=slot.view,
            height=slot.height,
            digest=preprepare.digest,
            preprepare_signature=preprepare.signature,
            prepares=tuple(Vote(validator=p.sender, signature=p.signature) for p in prepares),
        )
        record = Prepared(certificate=certificate, payload=preprepare.payload)
        self._prepared = record
        self._persist.append(record)

    def _deliver(self, height: int, preprepare: PrePrepare, commits: list[Commit]) -> None:
        """Committed-local: hand the block to the node and drop the height from the log."""
        if height != self._next_height or not self._entered:
            raise ConsensusError(f"delivering height {height} out of turn")
        digest = preprepare.digest
        ordered = tuple(sorted(commits, key=lambda c: c.sender))
        views = {c.view for c in ordered}
        if len(views) != 1 or any(c.digest != digest or c.height != height for c in ordered):
            raise ConsensusError(f"delivering height {height} on mixed commits")
        certificate = CommitCertificate(
            height=height,
            digest=digest,
            votes=tuple(Vote(validator=c.sender, signature=c.signature) for c in ordered),
            view=ordered[0].view,
        )
        if len(certificate.votes) < self._schedule.at(height).quorum:
            raise ConsensusError(f"delivering height {height} without a quorum")
        self._committed.append(
            CommittedBlock(
                height=height, digest=digest, payload=preprepare.payload, certificate=certificate
            )
        )
        slot = self._log.find(self._view, height)
        seen: dict[tuple[Kind, str], NormalMessage] = {}
        if slot is not None:
            seen = {(kind_of(m), m.sender): m for m in slot.messages() if m.sender != self._self_id}
        self._recent[height] = RecentHeight(
            height=height,
            digest=digest,
            committed_at_tick=self._ticks,
            preprepare=preprepare,
            commits=ordered,
            seen=seen,
        )
        self._mark_committed(height, certificate)
        if self._checkpoints.is_checkpoint_height(height):
            self._sign_checkpoint(height, digest)
        self._refresh_view_change()

    def _mark_committed(self, height: int, certificate: CommitCertificate) -> None:
        """Everything at or below `height` is decided: forget what was kept to decide it."""
        low = self._checkpoints.low
        for old in [h for h in self._recent if h <= height - RECENT_HEIGHTS_RETAINED or h < low]:
            del self._recent[old]
        self._log.drop_through(height, self._self_id)
        for key in [k for k in self._own if k[1] <= height]:
            del self._own[key]
        if self._prepared is not None and self._prepared.certificate.height <= height:
            self._prepared = None
        self._validated = None
        self._foreign.clear()
        self._asked = {a for a in self._asked if a[1] > height}
        self._committed_height = height
        self._committed_certificate = certificate
        self._entered = False
        self._failed_views = 0
        self._progress_ticks = 0
        self._last_commit_tick = self._ticks
        if self._fetch_target <= height:
            self._fetch_target = 0
            self._fetch_attempts = 0

    def _enter_next_height(self) -> None:
        """Start working on committed+1 with whatever was buffered for it."""
        if self._committed or self._entered:
            return
        height = self._next_height
        if height > self._checkpoints.high:
            return  # Flow control: wait for a stable checkpoint (section 4.3).
        self._entered = True
        self._inflight_ticks = 0
        if self._prepared is not None and self._prepared.certificate.height != height:
            self._prepared = None
        if self._status != Status.NORMAL:
            return
        slot = self._log.find(self._view, height)
        if slot is not None:
            # Own messages exist here only if restored from the WAL: peers may not have them.
            for message in self._own_messages(slot.view, slot.height):
                self._send.append(Outbound(to=None, message=message))
            self._process(slot)
        else:
            self._try_deliver_foreign()

    # ----------------------------------------------------------------- other views

    def _step_other_view(self, kind: Kind, message: NormalMessage) -> None:
        """A normal-case message of another view. A sender still pre-preparing or preparing in
        an older view is sent our NewView (commits are also relayed by catch-up, so they say
        nothing about their signer's view). Commits for the height in flight are kept whatever
        their view: a quorum of them in one view decides the height."""
        if message.view < self._view and _is_waiting_kind(kind):
            self._relay_new_view(message.sender)
        if (
            isinstance(message, Commit)
            and message.height == self._next_height
            and message.view <= self._view + VIEW_AHEAD_MAX
        ):
            self._step_foreign_commit(message)
            return
        self._note_claim(message)
        self._reject(message, f"view {message.view}, current view is {self._view}")

    def _step_foreign_commit(self, commit: Commit) -> None:
        earlier = self._foreign.stored(commit.sender, commit.view)
        if earlier == commit:
            return
        if not self._verify_normal(commit):
            self._reject(commit, "bad signature")
            return
        if earlier is not None:
            self._reject(commit, "commit differs from an earlier one by the same sender")
            return
        self._foreign.add(commit)
        self._note_progress(commit.sender, commit.height)
        self._try_deliver_foreign()

    def _try_deliver_foreign(self) -> None:
        """Deliver the height in flight on a quorum of commits from another view, if we hold
        the validated block; without the block, fetch it (it is certified)."""
        if not self._entered or not len(self._foreign):
            return
        height = self._next_height
        for commits in self._foreign.certificates(self._schedule.at(height)):
            digest = commits[0].digest
            validated = self._get_validated_block(digest)
            if validated is not None:
                self._deliver(height, validated, commits)
                return
            slot = self._log.find(self._view, height)
            preprepare = slot.preprepare if slot is not None else None
            if (
                self._status == Status.NORMAL
                and slot is not None
                and preprepare is not None
                and preprepare.digest == digest
            ):
                if slot.validation == Validation.OK:
                    self._deliver(height, preprepare, commits)
                elif slot.validation == Validation.NOT_ASKED:
                    self._ask_node(slot, preprepare)
                if slot.validation != Validation.FAILED:
                    return
            self._request_fetch(height)
            return

    def _get_validated_block(self, digest: bytes) -> PrePrepare | None:
        """A pre-prepare for the height in flight with `digest` whose block our node already
        accepted: kept across a view change, or the block of our prepared certificate (which
        we validated before preparing it, possibly before a restart)."""
        height = self._next_height
        validated = self._validated
        if validated is not None and validated.height == height and validated.digest == digest:
            return validated
        prepared = self._prepared
        if prepared is None:
            return None
        cert = prepared.certificate
        if cert.height != height or cert.digest != digest:
            return None
        return PrePrepare(
            view=cert.view,
            height=height,
            digest=digest,
            payload=prepared.payload,
            sender=self._schedule.at(height).primary(cert.view),
            signature=cert.preprepare_signature,
        )

    def _step_certificate(self, cert: CommitCertificate) -> None:
        """A verified commit certificate (carried by a ViewChange or NewView) for a height we
        have not committed: deliver it if it is the next one and we hold its block, else
        fetch the blocks (certified, so any peer can serve them)."""
        if cert.height <= self._committed_height:
            return
        if cert.height == self._next_height and self._entered:
            validated = self._get_validated_block(cert.digest)
            if validated is not None:
                commits = [
                    Commit(cert.view, cert.height, cert.digest, v.validator, v.signature)
                    for v in cert.votes
                ]
                self._deliver(cert.height, validated, commits)
                return
        self._request_fetch(cert.height)

    # ----------------------------------------------------------------- late messages

    def _step_late(self, kind: Kind, message: NormalMessage) -> None:
        """A message for a committed height. Not used for agreement, but it says whether the
        sender has the height: a replica re-sends its prepare or pre-prepare only while the
        height is in flight for it, so a copy of one we already had means it is stuck."""
        if message.view < self._view and _is_waiting_kind(kind):
            self._relay_new_view(message.sender)
        if message.height < self._checkpoints.low:
            self._relay_stable_checkpoint(message.sender)
        recent = self._recent.get(message.height)
        if recent is not None and message.digest == recent.digest:
            earlier = recent.seen.get((kind, message.sender))
            if earlier == message:
                if _is_waiting_kind(kind):
                    recent.resent_by.add(message.sender)
                return
            if (earlier is None or earlier.view < message.view) and self._verify_normal(message):
                recent.seen[(kind, message.sender)] = message
        self._reject(
            message, f"height {message.height} already committed (at {self._committed_height})"
        )

    def _catch_up_peers(self) -> None:
        """Send a recently committed height's proof to peers that may still be working on it.

        Retransmission of the in-flight height alone cannot rescue a peer that missed a message
        after the others moved on, because nobody retransmits a committed height. A peer is
        helped when it re-sent a prepare or pre-prepare for the height (answered at most once
        an interval), or, unasked and with exponential back-off, while we never saw its commit
        nor anything from it for a later height. The back-off bounds what a dead peer costs.
        """
        interval = self._config.retransmit_ticks
        self_id = self._self_id
        for height in sorted(self._recent):
            recent = self._recent[height]
            for validator in self._schedule.at(height).validators:
                peer = validator.id
                if peer == self_id or self._progress.get(peer, 0) > height:
                    continue
                if peer in recent.resent_by:
                    last = recent.last_send_tick.get(peer)
                    due = recent.committed_at_tick if last is None else last + interval
                elif ("commit", peer) not in recent.seen:
                    due = recent.next_send_tick.get(peer, recent.committed_at_tick + interval)
                else:
                    continue
                if self._ticks < due:
                    continue
                sends = recent.sends.get(peer, 0) + 1
                recent.sends[peer] = sends
                backoff = min(2 ** min(sends, 16), CATCH_UP_BACKOFF_INTERVALS_MAX)
                recent.next_send_tick[peer] = self._ticks + interval * backoff
                recent.last_send_tick[peer] = self._ticks
                recent.resent_by.discard(peer)
                for message in recent.get_bundle_for(peer):
                    self._send.append(Outbound(to=peer, message=message))

    # ----------------------------------------------------------------- checkpoints (4.3)

    def _step_checkpoint(self, checkpoint: Checkpoint) -> None:
        problem = get_shape_problem(checkpoint)
        if problem is not None:
            self._reject(checkpoint, problem)
            return
        if checkpoint.sender == self._self_id:
            self._reject(checkpoint, "message carries our own validator id")
            return
        if self._schedule.at(checkpoint.height).get(checkpoint.sender) is None:
            self._reject(checkpoint, f"unknown sender {checkpoint.sender!r}")
            return
        if not self._checkpoints.is_checkpoint_height(checkpoint.height):
            self._reject(checkpoint, f"height {checkpoint.height} is not a checkpoint height")
            return
        if checkpoint.height <= self._checkpoints.low:
            # Stable here: the sender, still re-sending it, has not seen it stable.
            self._relay_stable_checkpoint(checkpoint.sender)
            return
        earlier = self._checkpoints.stored(checkpoint)
        if earlier == checkpoint:
            return
        if not self._verify_checkpoint(checkpoint):
            self._reject(checkpoint, "bad signature")
            return
        if earlier is not None:
            self._reject(checkpoint, "checkpoint differs from an earlier one by the same sender")
            return
        self._note_committed(checkpoint.sender, checkpoint.height)
        if checkpoint.height > self._checkpoints.high:
            if self._checkpoints.note_ahead(checkpoint):
                cert = self._checkpoints.certificate_ahead(self._schedule.at)
                if cert is not None:
                    self._advance_low(cert.height, cert)
            return
        self._checkpoints.add(checkpoint)
        self._check_stable(checkpoint.height)

    def _sign_checkpoint(self, height: int, digest: bytes) -> None:
        """Sign the checkpoint of a height we committed. Also at the low watermark: a replica
        that moved its watermark on evidence from above (state transfer) still owes its
        vote to peers that have not seen that checkpoint stable."""
        if self._signer_for(height) is None or self._checkpoints.own_at(height) is not None:
            return
        if height < self._checkpoints.low:
            return
        signature = self._sign(height, checkpoint_sign_bytes(self._config.chain_id, height, digest))
        checkpoint = Checkpoint(
            height=height, digest=digest, sender=self._self_id, signature=signature
        )
        self._checkpoints.add(checkpoint, own=True)
        self._emit_own(checkpoint)
        self._checkpoint_resends = 0
        self._checkpoint_next_tick = self._ticks + self._config.retransmit_ticks
        self._check_stable(height)

    def _check_stable(self, height: int) -> None:
        cert = self._checkpoints.certificate_at(height, self._schedule.at(height))
        if cert is not None and cert.height > self._checkpoints.low:
            self._advance_low(cert.height, cert)

    def _advance_low(self, low: int, cert: CheckpointCertificate | None) -> None:
        """Garbage collection: the log, checkpoints, recent heights and validator sets below
        the new low watermark are dropped (section 4.3)."""
        self._checkpoints.advance(low, cert)
        for old in [h for h in self._recent if h < low]:
            del self._recent[old]
        if low > self._committed_height:
            self._log.drop_through(low, self._self_id)
            self._request_fetch(low)
        self._enter_next_height()

    def _resend_checkpoint(self) -> None:
        """Re-send the own latest checkpoint until it is stable, backing off exponentially."""
        own = self._checkpoints.latest_own()
        if own is None or self._ticks < self._checkpoint_next_tick:
            return
        self._checkpoint_resends += 1
        backoff = min(2 ** min(self._checkpoint_resends, 16), CATCH_UP_BACKOFF_INTERVALS_MAX)
        self._checkpoint_next_tick = self._ticks + self._config.retransmit_ticks * backoff
        self._send.append(Outbound(to=None, message=own))

    def _relay_stable_checkpoint(self, peer: str) -> None:
        """A peer below our low watermark learns from the certificate that it is behind."""
        cert = self._checkpoints.stable
        own = self._checkpoints.own_at(self._checkpoints.low)
        if (cert is None and own is None) or not self._may_relay("checkpoint", peer):
            return
        relayed = checkpoints_of(cert) if cert is not None else []
        if own is not None and own not in relayed:
            relayed.append(own)
        for checkpoint in relayed:
            if checkpoint.sender != peer:
                self._send.append(Outbound(to=peer, message=checkpoint))

    # ----------------------------------------------------------------- view change (4.4, 4.5)

    def _tick_view_change_timer(self) -> None:
        """Section 4.5.2: time out on a view that makes no progress while a backup waits; in
        the view-change state, time out on a NewView only once a quorum asked for the view."""
        height = self._next_height
        if self._view_change_signer() is None:
            self._progress_ticks = 0
            self._view_change_ticks = 0
            return
        doublings = min(self._failed_views, VIEW_CHANGE_TIMEOUT_DOUBLINGS_MAX)
        timeout = self._config.view_change_timeout_ticks * 2**doublings
        if self._status == Status.NORMAL:
            # Only backups time out (section 4.4): a primary that suspected itself would leave
            # the view alone and could not come back until its peers changed view too.
            waiting = not self.is_primary and self._is_waiting()
            self._progress_ticks = self._progress_ticks + 1 if waiting else 0
            if self._progress_ticks >= timeout:
                self._start_view_change(self._view + 1)
            return
        if not self._view_change_quorum_seen:
            # The timer starts once a quorum asked for this view (or a later one: a replica
            # asking for a later view has given this one up), then runs to expiry.
            validators = self._schedule.at(height)
            askers = {s for s, vc in self._view_changes.items() if vc.new_view >= self._view}
            askers.add(self._self_id)
            count = sum(1 for s in askers if validators.get(s) is not None)
            self._view_change_quorum_seen = count >= validators.quorum
        if self._view_change_quorum_seen:
            self._view_change_ticks += 1
        if self._view_change_ticks >= timeout:
            self._start_view_change(self._view + 1)

    def _is_waiting(self) -> bool:
        """A backup "waits for a request to execute": requests are pending, or the height in
        flight has seen messages. A replica catching up by state transfer does not blame the
        primary for its own lag."""
        if self._fetch_target > self._committed_height:
            return False
        if self._requests_pending or len(self._foreign):
            return True
        slot = self._log.find(self._view, self._next_height)
        return slot is not None and bool(slot.messages())

    def _start_view_change(self, new_view: int) -> None:
        """Stop taking part in the current view and ask for `new_view`."""
        if new_view <= self._view or new_view > U64_MAX - VIEW_AHEAD_MAX:
            return
        if self._view_change_signer() is None:
            return  # In no set from the height in flight on: observers do not vote on views.
        self._failed_views += 1
        self._move_to_view(new_view)
        self._sign_view_change()

    def _sign_view_change(self) -> None:
        """Sign (and send) a ViewChange for the current view with what we know now."""
        height = self._next_height
        prepared = self._prepared
        if prepared is not None and prepared.certificate.height != height:
            prepared = None
        certificate = prepared.certificate if prepared is not None else None
        committed = self._committed_certificate
        view = self._view
        signer = self._view_change_signer()
        if signer is None:
            raise ConsensusError(f"{self._self_id!r} holds no key for a view change")
        signature = signer.sign(
            view_change_sign_bytes(self._config.chain_id, view, committed, certificate)
        )
        vc = ViewChange(
            new_view=view,
            committed=committed,
            prepared=certificate,
            payload=prepared.payload if prepared is not None else b"",
            sender=self._self_id,
            signature=signature,
        )
        self._own_view_change = vc
        self._emit_own(vc)
        self._try_new_view()

    def _refresh_view_change(self) -> None:
        """Committed more while changing views (state transfer, a relayed certificate): ask
        again with the newer certificate. It only reports more than the first ViewChange did,
        and a stale one could not be checked by peers that already dropped its validator set."""
        own = self._own_view_change
        if (
            self._status == Status.VIEW_CHANGE
            and own is not None
            and own.new_view == self._view
            and _certified_height(own) < self._committed_height
            and self._view_change_signer() is not None
        ):
            self._sign_view_change()

    def _move_to_view(self, new_view: int) -> None:
        """Leave the current view for `new_view`, in the view-change state. Commits for the
        height in flight are kept (as foreign commits); the rest of the old view's log is
        dropped, since nothing more will be signed in it."""
        slot = self._log.find(self._view, self._next_height)
        if slot is not None:
            for commit in slot.commits.values():
                self._foreign.add(commit)
            if slot.preprepare is not None and slot.validation == Validation.OK:
                self._validated = slot.preprepare
        self._log.clear()
        self._asked = {a for a in self._asked if a[0] >= new_view}
        self._own = {k: m for k, m in self._own.items() if k[0] >= new_view}
        self._view = new_view
        self._status = Status.VIEW_CHANGE
        self._new_view = None
        self._view_change_ticks = 0
        self._view_change_quorum_seen = False
        self._progress_ticks = 0
        self._view_changes = {s: v for s, v in self._view_changes.items() if v.new_view >= new_view}

    def _step_view_change(self, vc: ViewChange) -> None:
        problem = get_shape_problem(vc)
        if problem is not None:
            self._reject(vc, problem)
            return
        if vc.sender == self._self_id:
            self._reject(vc, "message carries our own validator id")
            return
        if vc.new_view < self._view or (
            vc.new_view == self._view and self._status == Status.NORMAL
        ):
            if self._status == Status.NORMAL and self._is_known_sender(vc.sender):
                self._relay_new_view(vc.sender)
            self._reject(vc, f"view change for view {vc.new_view}, current view is {self._view}")
            return
        if vc.new_view > self._view + VIEW_AHEAD_MAX:
            self._reject(vc, f"view change for view {vc.new_view}, too far ahead")
            return
        earlier = self._view_changes.get(vc.sender)
        if earlier is not None and strip_payload(earlier) == strip_payload(vc):
            return
        if earlier is not None and (earlier.new_view, _certified_height(earlier)) >= (
            vc.new_view,
            _certified_height(vc),
        ):
            self._reject(vc, "view change older than or conflicting with an earlier one")
            return
        problem = get_view_change_problem(self._config.chain_id, self._schedule, vc, self._verifier)
        if problem is not None:
            self._reject(vc, problem)
            return
        digest_of = self._config.block_digest
        if (
            vc.payload
            and vc.prepared is not None
            and digest_of is not None
            and digest_of(vc.payload) != vc.prepared.digest
        ):
            vc = strip_payload(vc)  # Signed evidence stays usable; the bad block is dropped.
        self._view_changes[vc.sender] = vc
        committed = vc.committed.height if vc.committed is not None else 0
        self._note_committed(vc.sender, committed)
        if vc.committed is not None:
            self._step_certificate(vc.committed)
        recent = self._recent.get(committed + 1)
        if recent is not None:
            recent.resent_by.add(vc.sender)  # Stuck on a height we have: help it (catch-up).
        self._check_join()
        if self._status == Status.VIEW_CHANGE and vc.new_view == self._view:
            self._try_new_view()

    def _check_join(self) -> None:
        """Section 4.5.2: f+1 members asking for views above ours prove that at least one
        correct replica did; join the smallest such view."""
        validators = self._schedule.at(self._next_height)
        higher = [
            vc.new_view
            for s, vc in self._view_changes.items()
            if vc.new_view > self._view and validators.get(s) is not None
        ]
        if len(higher) >= validators.f + 1:
            self._start_view_change(min(higher))

    def _view_changes_for(self, view: int) -> list[ViewChange]:
        vcs = [vc for vc in self._view_changes.values() if vc.new_view == view]
        own = self._own_view_change
        if own is not None and own.new_view == view:
            vcs.append(own)
        return vcs

    def _try_new_view(self) -> None:
        """As the new primary, send the NewView once a quorum of ViewChanges is in."""
        if self._status != Status.VIEW_CHANGE:
            return
        view = self._view
        vcs = self._view_changes_for(view)
        plan = compute_new_view_plan(view, vcs)
        start = plan.start_height
        if not has_view_change_quorum(self._schedule, start, (vc.sender for vc in vcs)):
            return
        if self._schedule.at(start).primary(view) != self._self_id:
            return
        if self._signer_for(start) is None:
            return
        preprepare: PrePrepare | None = None
        if plan.reproposal is not None:
            payload = self._find_payload(plan.reproposal.digest, vcs)
            if payload is None:
                return  # Wait for a ViewChange that carries the block.
            digest = plan.reproposal.digest
            signature = self._sign(
                start, preprepare_sign_bytes(self._config.chain_id, view, start, digest)
            )
            preprepare = PrePrepare(
                view=view,
                height=start,
                digest=digest,
                payload=payload,
                sender=self._self_id,
                signature=signature,
            )
        carried = tuple(sorted((strip_payload(vc) for vc in vcs), key=lambda vc: vc.sender))
        signature = self._sign(
            start, new_view_sign_bytes(self._config.chain_id, view, carried, preprepare)
        )
        nv = NewView(
            view=view,
            view_changes=carried,
            preprepare=preprepare,
            sender=self._self_id,
            signature=signature,
        )
        self._emit_own(nv)
        self._enter_view(nv, plan, own=True)

    def _find_payload(self, digest: bytes, vcs: list[ViewChange]) -> bytes | None:
        """The block with `digest`: our own prepared one first, else one a ViewChange carries
        (checked against the digest when the node gave us a way to)."""
        candidates: list[bytes] = []
        if self._prepared is not None and self._prepared.certificate.digest == digest:
            candidates.append(self._prepared.payload)
        candidates.extend(
            vc.payload
            for vc in vcs
            if vc.prepared is not None and vc.prepared.digest == digest and vc.payload
        )
        digest_of = self._config.block_digest
        for payload in candidates:
            if digest_of is None or digest_of(payload) == digest:
                return payload
        return None

    def _step_new_view(self, nv: NewView) -> None:
        problem = get_shape_problem(nv)
        if problem is not None:
            self._reject(nv, problem)
            return
        if nv.sender == self._self_id:
            self._reject(nv, "message carries our own validator id")
            return
        if nv.view < self._view:
            self._reject(nv, f"new view {nv.view}, current view is {self._view}")
            return
        if nv.view == self._view and self._status == Status.NORMAL:
            return  # Already in it (a duplicate or a relay).
        plan, problem = get_new_view_problem(
            self._config.chain_id, self._schedule, nv, self._verifier, self._config.block_digest
        )
        if plan is None:
            self._reject(nv, problem or "invalid new view")
            return
        self._persist.append(nv)
        self._enter_view(nv, plan, own=False)

    def _enter_view(self, nv: NewView, plan: NewViewPlan, *, own: bool) -> None:
        """Start the normal case of view `nv.view` from its first height."""
        if nv.view > self._view:
            self._move_to_view(nv.view)
        self._status = Status.NORMAL
        self._new_view = nv
        self._view_start = plan.start_height
        self._view_change_ticks = 0
        self._progress_ticks = 0
        self._own_view_change = None
        self._view_changes = {s: v for s, v in self._view_changes.items() if v.new_view > nv.view}
        start = plan.start_height
        self._log.drop_where(lambda v, h: v != nv.view or h < start, self._self_id)
        preprepare = nv.preprepare
        if preprepare is not None and own and preprepare.height > self._committed_height:
            # Signed, wherever it falls: never propose anything else at this (view, height).
            self._own[(nv.view, preprepare.height, "preprepare")] = preprepare
        if (
            preprepare is not None
            and max(self._committed_height, self._checkpoints.low)
            < preprepare.height
            <= self._checkpoints.high
        ):
            slot = self._log.slot(nv.view, preprepare.height)
            if slot.preprepare != preprepare:
                self._log.replace_preprepare(slot, preprepare, self._self_id)
        if start - 1 > self._committed_height:
            # A ViewChange in the NewView certified height start-1; the next height may be
            # certified there too, and we may hold its block.
            certs = [vc.committed for vc in nv.view_changes if vc.committed is not None]
            for cert in sorted(certs, key=lambda c: c.height):
                self._step_certificate(cert)
        if self._entered and self._next_height >= start:
            current = self._log.find(self._view, self._next_height)
            if current is not None:
                self._process(current)
            else:
                self._try_deliver_foreign()

    def _relay_new_view(self, peer: str) -> None:
        """A peer still in an older view (or still changing to ours) gets our NewView."""
        nv = self._new_view
        if nv is not None and nv.sender != peer and self._may_relay("new-view", peer):
            self._send.append(Outbound(to=peer, message=nv))

    # ----------------------------------------------------------------- state transfer

    def _request_fetch(self, target: int) -> None:
        """Ask the node for certified blocks up to `target` (called only on verified evidence
        or f+1 members' claims)."""
        if target <= self._committed_height:
            return
        first = self._fetch_target <= self._committed_height
        self._fetch_target = max(self._fetch_target, target)
        if first:
            self._fetch_attempts = 0
            self._emit_fetch()

    def _emit_fetch(self) -> None:
        self._fetch.append(FetchRequest(self._next_height, self._fetch_target))
        self._fetch_attempts += 1
        backoff = min(2 ** min(self._fetch_attempts, 16), CATCH_UP_BACKOFF_INTERVALS_MAX)
        self._fetch_next_tick = self._ticks + self._config.retransmit_ticks * backoff

    def _tick_fetch(self) -> None:
        if self._fetch_target <= self._committed_height:
            self._fetch_target = 0
            return
        if self._ticks >= self._fetch_next_tick:
            self._emit_fetch()

    def _check_behind(self) -> None:
        """f+1 members signed messages showing they committed above us, and our own height
        made no progress for two retransmit intervals: at least one correct replica is ahead
        and catch-up did not help, so transfer state (TOCS 2002, section 6.2)."""
        if self._ticks - self._last_commit_tick < 2 * self._config.retransmit_ticks:
            return
        validators = self._schedule.at(self._next_height)
        claims = sorted(
            (h for s, h in self._peer_committed.items() if validators.get(s) is not None),
            reverse=True,
        )
        if len(claims) > validators.f and claims[validators.f] > self._committed_height:
            self._request_fetch(claims[validators.f])

    def _note_claim(self, message: NormalMessage) -> None:
        """A message we cannot use (another view, above the window): if it is signed, its
        sender committed height-1, which counts toward detecting that we are behind."""
        if message.height - 1 <= self._peer_committed.get(message.sender, 0):
            return
        if self._verify_normal(message):
            self._note_committed(message.sender, message.height - 1)

    def _note_progress(self, sender: str, height: int) -> None:
        self._progress[sender] = max(self._progress.get(sender, 0), height)
        self._note_committed(sender, height - 1)

    def _note_committed(self, sender: str, height: int) -> None:
        if height > self._peer_committed.get(sender, 0):
            self._peer_committed[sender] = height

    # ----------------------------------------------------------------- own messages

    def _sign_prepare(self, slot: Slot, digest: bytes) -> None:
        self._check_not_conflicting(slot.view, slot.height, digest)
        chain_id = self._config.chain_id
        signature = self._sign(
            slot.height, prepare_sign_bytes(chain_id, slot.view, slot.height, digest)
        )
        self._record_own(
            Prepare(
                view=slot.view,
                height=slot.height,
                digest=digest,
                sender=self._self_id,
                signature=signature,
            )
        )

    def _sign_commit(self, slot: Slot, digest: bytes) -> None:
        self._check_not_conflicting(slot.view, slot.height, digest)
        signature = self._sign(
            slot.height, commit_sign_bytes(self._config.chain_id, slot.view, slot.height, digest)
        )
        self._record_own(
            Commit(
                view=slot.view,
                height=slot.height,
                digest=digest,
                sender=self._self_id,
                signature=signature,
            )
        )

    def _record_own(self, message: NormalMessage) -> Slot:
        """A freshly signed message: remember it, persist it, then broadcast it."""
        key = (message.view, message.height, kind_of(message))
        if key in self._own:
            raise ConsensusError(f"signing a second {key[2]} for view {key[0]} height {key[1]}")
        self._own[key] = message
        self._emit_own(message)
        return self._log.add(message, counted=False)

    def _emit_own(self, message: Message) -> None:
        self._persist.append(message)
        self._send.append(Outbound(to=None, message=message))

    def _own_messages(self, view: int, height: int) -> list[Message]:
        kinds: tuple[Kind, ...] = ("preprepare", "prepare", "commit")
        return [self._own[(view, height, k)] for k in kinds if (view, height, k) in self._own]

    def _own_digest(self, view: int, height: int) -> bytes | None:
        """The digest of whatever we signed at (view, height), if anything."""
        kinds: tuple[Kind, ...] = ("preprepare", "prepare", "commit")
        for k in kinds:
            own = self._own.get((view, height, k))
            if own is not None:
                return own.digest
        return None

    def _check_not_conflicting(self, view: int, height: int, digest: bytes) -> None:
        """Last line of defence against equivocation: signing for two digests is a bug."""
        own_digest = self._own_digest(view, height)
        if own_digest is not None and own_digest != digest:
            raise ConsensusError(
                f"refusing to sign {digest.hex()} at view {view} height {height}: "
                f"already signed {own_digest.hex()}"
            )

    # ----------------------------------------------------------------- restart

    def _restore(self, records: Sequence[Record]) -> None:
        """Take back the WAL after a restart (see `__init__`)."""
        for record in records:
            problem = get_record_shape_problem(record)
            if problem is not None:
                raise ConsensusError(f"restored record is malformed: {problem}")
            if not isinstance(record, Prepared | NewView) and record.sender != self._self_id:
                raise ConsensusError(f"restored message was signed by {record.sender!r}")
        self._view = max([self._view, *(_record_view(r) for r in records)])
        if self._view == 0:
            self._status = Status.NORMAL
        else:
            self._status = Status.VIEW_CHANGE
            self._restore_view(records)
        for record in records:
            if isinstance(record, PrePrepare | Prepare | Commit):
                self._restore_own(record)
            elif isinstance(record, Checkpoint):
                if self._checkpoints.low <= record.height <= self._committed_height:
                    self._checkpoints.add(record, own=True)
            elif isinstance(record, Prepared):
                cert = record.certificate
                current = self._prepared
                if cert.height == self._next_height and (
                    current is None or cert.view > current.certificate.view
                ):
                    self._prepared = record

    def _restore_view(self, records: Sequence[Record]) -> None:
        """Back into the latest view: normal if its NewView is in the WAL, else changing."""
        for record in records:
            if isinstance(record, ViewChange) and record.new_view == self._view:
                own = self._own_view_change
                if own is None or _certified_height(record) > _certified_height(own):
                    self._own_view_change = record
        for record in records:
            if not isinstance(record, NewView) or record.view != self._view:
                continue
            # Verified when it was accepted; the validator sets known now may differ (pruned,
            # or a set scheduled since), so the WAL is trusted as for own messages.
            plan = compute_new_view_plan(record.view, record.view_changes)
            self._enter_view(record, plan, own=record.sender == self._self_id)
            return

    def _restore_own(self, message: NormalMessage) -> None:
        """Take back one own normal-case message from the WAL after a restart."""
        kind = kind_of(message)
        if message.view < self._view or message.height <= self._committed_height:
            return  # Superseded: an older view, or a height the node already applied.
        if message.height > self._checkpoints.high:
            raise ConsensusError(
                f"restored message for height {message.height} is beyond the window "
                f"of committed height {self._committed_height}"
            )
        primary = self._schedule.at(message.height).primary(message.view)
        if kind == "preprepare" and primary != self._self_id:
            raise ConsensusError("restored a pre-prepare but this replica is not primary")
        key = (message.view, message.height, kind)
        earlier = self._own.get(key)
        if earlier is not None:
            if earlier.digest != message.digest:
                raise ConsensusError(f"the WAL holds two different {kind}s for {key[:2]}")
            if kind != "preprepare" or earlier == message:
                return
        own_digest = self._own_digest(message.view, message.height)
        if own_digest is not None and own_digest != message.digest:
            raise ConsensusError(f"the WAL holds votes for two digests at {key[:2]}")
        self._own[key] = message
        slot = self._log.find(message.view, message.height)
        if kind == "preprepare" and slot is not None and slot.preprepare == message:
            return  # The re-proposal of a restored NewView, already in place.
        slot = self._log.add(message, counted=False)
        if kind == "preprepare":
            slot.validation = Validation.OK

    # ----------------------------------------------------------------- helpers

    @property
    def _self_id(self) -> str:
        return self._config.self_id

    @property
    def _next_height(self) -> int:
        return self._committed_height + 1

    def _is_known_sender(self, sender: str) -> bool:
        return self._schedule.is_member_from(self._next_height, sender)

    def _view_change_signer(self) -> Signer | None:
        """Our key for view changes about the height in flight: members of any set from
        there on take part, since a NewView needs a quorum of each of those sets."""
        member = self._schedule.member_from(self._next_height, self._self_id)
        return self._signers.get(member.public_key) if member is not None else None

    def _signer_for(self, height: int) -> Signer | None:
        """Our key in the set in force at `height`, or None if we do not vote there."""
        member = self._schedule.at(height).get(self._self_id)
        return self._signers.get(member.public_key) if member is not None else None

    def _sign(self, height: int, msg: bytes) -> bytes:
        signer = self._signer_for(height)
        if signer is None:
            raise ConsensusError(f"{self._self_id!r} holds no key of the set at height {height}")
        return signer.sign(msg)

    def _verify_normal(self, message: NormalMessage) -> bool:
        member = self._schedule.at(message.height).get(message.sender)
        if member is None:
            return False
        chain_id = self._config.chain_id
        view, height, digest = message.view, message.height, message.digest
        if isinstance(message, PrePrepare):
            msg = preprepare_sign_bytes(chain_id, view, height, digest)
        elif isinstance(message, Prepare):
            msg = prepare_sign_bytes(chain_id, view, height, digest)
        else:
            msg = commit_sign_bytes(chain_id, view, height, digest)
        return self._verifier.verify(member.public_key, msg, message.signature)

    def _verify_checkpoint(self, checkpoint: Checkpoint) -> bool:
        member = self._schedule.at(checkpoint.height).get(checkpoint.sender)
        if member is None:
            return False
        msg = checkpoint_sign_bytes(self._config.chain_id, checkpoint.height, checkpoint.digest)
        return self._verifier.verify(member.public_key, msg, checkpoint.signature)

    def _may_relay(self, what: str, peer: str) -> bool:
        """At most one relay of each kind to each peer per retransmit interval."""
        key = (what, peer)
        if self._ticks < self._next_relay.get(key, 0):
            return False
        self._next_relay[key] = self._ticks + self._config.retransmit_ticks
        return True

    def _reject(self, message: Message, reason: str) -> None:
        self._rejected.append(Rejected(message=message, reason=reason))


def _certified_height(vc: ViewChange) -> int:
    return vc.committed.height if vc.committed is not None else 0


def _record_view(record: Record) -> int:
    """The view a WAL record proves this replica reached."""
    if isinstance(record, PrePrepare | Prepare | Commit):
        return record.view
    if isinstance(record, ViewChange):
        return record.new_view
    if isinstance(record, NewView):
        return record.view
    if isinstance(record, Prepared):
        return record.certificate.view
    return 0


_T = TypeVar("_T")


def _consume(pending: list[_T], done: tuple[_T, ...], name: str) -> None:
    """Remove what the node handled; it must be a prefix of what is pending."""
    count = len(done)
    if pending[:count] != list(done):
        raise ConsensusError(f"advance(): Ready.{name} is not what ready() returned")
    del pending[:count]
