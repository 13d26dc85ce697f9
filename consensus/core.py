"""What every part of the replica shares: its configuration, its state, its keys and its outbox.

The replica is split by concern, as etcd's raft keeps its log, progress tracking and
configuration changes apart from the step functions: `normal` (pre-prepare, prepare, commit in
one view), `heights` (deciding the height in flight and moving through the window of heights),
`suspicion` (the view-change timer and the suspicion step before a ViewChange), `views` (view
change and new view), `catchup` (checkpoints, garbage collection, helping slow peers, state
transfer) and `restore` (taking the WAL back after a restart). Each is a class
over `ReplicaCore`, and `replica.Replica` composes them. The state lives here, in one place,
because every rule reads the view, the height in flight and the log; each field says which
concern writes it.

The transitions one concern asks of another are declared at the end of `ReplicaCore`, so the
interface between the parts is written down in one place (and checked by mypy).
"""

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

from consensus.checkpoints import CheckpointTracker
from consensus.crypto import Signer, Verifier
from consensus.errors import ConsensusError, InvalidCertificate
from consensus.limits import (
    CHAIN_ID_BYTES_MAX,
    CHECKPOINT_INTERVAL_DEFAULT,
    CHECKPOINT_INTERVAL_MIN,
    MESSAGES_PER_SENDER_PER_HEIGHT_MAX,
    RETRANSMIT_TICKS_MIN,
    SIGNERS_MAX,
    U64_MAX,
    VALIDATOR_SETS_KEPT_MAX,
    VIEW_AHEAD_MAX,
    VIEW_CHANGE_TIMEOUT_TICKS_DEFAULT,
    WINDOW_HEIGHTS_DEFAULT,
    WINDOW_HEIGHTS_MAX,
)
from consensus.log import ForeignCommits, MessageLog, PrePrepareAsk, RecentHeight, Slot, kind_of
from consensus.messages import (
    Checkpoint,
    Commit,
    CommitCertificate,
    Kind,
    Message,
    NewView,
    NormalMessage,
    Prepare,
    Prepared,
    PrePrepare,
    Record,
    Suspicion,
    ViewChange,
)
from consensus.ready import Outbox, Rejected
from consensus.shape import is_u64, is_validator_id
from consensus.signing import checkpoint_sign_bytes, normal_sign_bytes, preprepare_sign_bytes
from consensus.validators import ValidatorSchedule, ValidatorSet, get_commit_certificate_problem
from consensus.viewchange import BlockDigest, NewViewPlan
from suites import Suite

MUST_AGREE_WITH: dict[Kind, tuple[Kind, ...]] = {
    "preprepare": ("preprepare", "prepare", "commit"),
    "prepare": ("preprepare", "prepare", "commit"),
    "commit": ("preprepare", "commit"),
}
"""The own messages at one (view, height) a new one of each kind must carry the digest of.

A commit may differ from the own prepare: a backup that a faulty primary sent another block
than the others prepared that one, and may still commit the block a quorum prepared once it
holds its prepared certificate (the primary's pre-prepare and 2f matching prepares of other
backups; `consensus/proposals.py`). Prepared certificates stay unique at a (view, height)
because a correct replica prepares only once there (PBFT section 4.2's invariant), and a commit
backed by one says what every correct prepared replica says."""


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
    suite: Suite = field(kw_only=True)
    """The chain's crypto suite, chosen at genesis: its hash makes the view-change and
    new-view evidence digests (`signing.py`). Required, so an SM chain never hashes with
    SHA-256 by default; the replica's `Verifier` is the same suite in production."""

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


class ReplicaCore(ABC):
    """The state of one replica and the helpers every concern uses."""

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
        self._out = Outbox()
        self._ticks = 0

        # ---- the view (views.py)
        self._view = view
        self._status = Status.NORMAL if view == 0 else Status.VIEW_CHANGE
        self._new_view: NewView | None = None
        """The NewView that started the current view (None in view 0 or while changing)."""
        self._view_start = 1
        """First height of the current view: no pre-prepare below it is accepted."""
        self._own_view_change: ViewChange | None = None
        self._view_changes: dict[str, ViewChange] = {}
        """Each peer's latest verified ViewChange for a view >= ours."""
        self._suspicions: dict[str, Suspicion] = {}
        """Each member's latest verified Suspicion of the current view."""
        self._own_suspicion: Suspicion | None = None
        self._suspicion_next_tick = 0
        self._progress_ticks = 0
        self._view_change_ticks = 0
        self._view_change_quorum_seen = False
        self._failed_views = 0
        self._waiting_request: bytes | None = None
        """The node's oldest uncommitted client request (its key), or None (see views.py)."""
        self._timed_request: tuple[bytes, int] | None = None
        """The request the request timer runs for: (key, committed height for the anonymous
        key b"", else 0), so that a commit restarts the timer only for an anonymous one."""
        self._request_ticks = 0
        self._request_relayed = False

        # ---- the height in flight (normal.py, heights.py)
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
        self._prepared: Prepared | None = None
        """Highest-view prepared certificate (and block) for the height in flight."""
        self._validated: PrePrepare | None = None
        """A pre-prepare for the height in flight that the node validated, kept across view
        changes: a certificate from any view for its digest can then be delivered at once."""
        self._foreign = ForeignCommits()
        self._asked: set[tuple[int, int, bytes]] = set()
        """(view, height, digest) of proposals handed to the node and not yet answered: the
        slot may be dropped (a stable checkpoint above us) or replaced before the answer."""
        self._inflight_ticks = 0
        self._preprepare_asks: dict[tuple[int, int, bytes], PrePrepareAsk] = {}
        """(view, height, digest) of pre-prepares of the height in flight asked of peers
        (proposals.py); entries for another view or height are dropped at the next ask."""
        self._alternative: PrePrepare | None = None
        """A verified pre-prepare of the primary for a slot that holds another one (it
        equivocated), kept until its digest is certified there (proposals.py)."""
        self._standing: tuple[int, int, str] | None = None
        """(view, height, peer) of our latest standing request, if any."""
        self._preprepare_copies: dict[int, int] = {}
        """Copies of the pre-prepare received at the last two heights (the helper's, the
        primary's)."""
        self._standing_requests: dict[str, tuple[int, int]] = {}
        """Per member: the (view, height) whose pre-prepare it asked for in advance."""
        self._preprepare_served: dict[str, tuple[tuple[int, int, bytes], int]] = {}
        """Per member: the (view, height, digest) last sent to it on request, and the tick
        before which the same one is not sent again (proposals.py)."""

        # ---- checkpoints, slow peers and state transfer (catchup.py)
        self._checkpoints = CheckpointTracker(low, interval, config.window_heights)
        self._recent: dict[int, RecentHeight] = {}
        self._progress: dict[str, int] = {}
        """Highest height each peer sent a valid message for: a peer past a height has it."""
        self._peer_committed: dict[str, int] = {}
        """Highest height each peer proved or signed that it committed (behind detection)."""
        self._next_relay: dict[tuple[str, str], int] = {}
        """(what, peer) -> earliest tick for relaying a NewView or stable checkpoint again."""
        self._last_commit_tick = 0
        self._fetch_target = 0
        self._fetch_next_tick = 0
        self._fetch_attempts = 0
        self._checkpoint_next_tick = 0
        self._checkpoint_resends = 0

        # ---- where the WAL says this replica was (restore.py), then the height in flight
        self._restore(signed)
        self._enter_next_height()

    # ----------------------------------------------------------------- shared helpers

    @property
    def _self_id(self) -> str:
        return self._config.self_id

    @property
    def _next_height(self) -> int:
        return self._committed_height + 1

    @property
    def is_primary(self) -> bool:
        """Primary of the current view at the height in flight."""
        return self._schedule.at(self._next_height).primary(self._view) == self._self_id

    def _is_known_sender(self, sender: str) -> bool:
        return self._schedule.is_member_from(self._next_height, sender)

    def _may_relay(self, what: str, peer: str) -> bool:
        """At most one relay of each kind to each peer per retransmit interval."""
        key = (what, peer)
        if self._ticks < self._next_relay.get(key, 0):
            return False
        self._next_relay[key] = self._ticks + self._config.retransmit_ticks
        return True

    def _reject(self, message: Message, reason: str, conflicts_with: Message | None = None) -> None:
        self._out.rejected.append(
            Rejected(message=message, reason=reason, conflicts_with=conflicts_with)
        )

    # ----------------------------------------------------------------- keys

    def _add_signer(self, signer: Signer) -> None:
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
        msg = normal_sign_bytes(
            self._config.chain_id, kind_of(message), message.view, message.height, message.digest
        )
        return self._verifier.verify(member.public_key, msg, message.signature)

    def _is_fresh(
        self, message: NormalMessage | Checkpoint, earlier: NormalMessage | Checkpoint | None
    ) -> bool:
        """True for a validly signed message that is new from its sender. A copy of what we
        hold (retransmission is normal) is dropped before paying for a verify; a bad signature
        or a second, different message for the same slot (equivocation) is rejected."""
        if earlier == message:
            return False
        if isinstance(message, Checkpoint):
            what, signed = "checkpoint", self._verify_checkpoint(message)
        else:
            what, signed = kind_of(message), self._verify_normal(message)
        if not signed:
            self._reject(message, "bad signature")
            return False
        if earlier is not None:
            self._reject(message, f"{what} differs from an earlier one by the same sender", earlier)
            return False
        return True

    def _verify_checkpoint(self, checkpoint: Checkpoint) -> bool:
        member = self._schedule.at(checkpoint.height).get(checkpoint.sender)
        if member is None:
            return False
        msg = checkpoint_sign_bytes(self._config.chain_id, checkpoint.height, checkpoint.digest)
        return self._verifier.verify(member.public_key, msg, checkpoint.signature)

    # ----------------------------------------------------------------- own messages

    def _sign_normal(self, kind: Kind, slot: Slot, digest: bytes) -> NormalMessage:
        """Sign a prepare or commit for the slot (the equivocation guard runs first)."""
        self._check_not_conflicting(slot.view, slot.height, digest, kind)
        msg = normal_sign_bytes(self._config.chain_id, kind, slot.view, slot.height, digest)
        signature = self._sign(slot.height, msg)
        if kind == "prepare":
            return Prepare(slot.view, slot.height, digest, self._self_id, signature)
        return Commit(slot.view, slot.height, digest, self._self_id, signature)

    def _sign_preprepare(self, view: int, height: int, digest: bytes, payload: bytes) -> PrePrepare:
        """Sign a proposal (a new block, or a prepared one re-proposed in a new view)."""
        msg = preprepare_sign_bytes(self._config.chain_id, view, height, digest)
        return PrePrepare(
            view=view,
            height=height,
            digest=bytes(digest),
            payload=bytes(payload),
            sender=self._self_id,
            signature=self._sign(height, msg),
        )

    def _record_own(self, message: NormalMessage) -> Slot:
        """A freshly signed message: remember it, persist it, then broadcast it."""
        key = (message.view, message.height, kind_of(message))
        if key in self._own:
            raise ConsensusError(f"signing a second {key[2]} for view {key[0]} height {key[1]}")
        self._own[key] = message
        self._out.emit_own(message)
        return self._log.add(message, counted=False)

    def _own_messages(self, view: int, height: int) -> list[Message]:
        kinds: tuple[Kind, ...] = ("preprepare", "prepare", "commit")
        return [self._own[(view, height, k)] for k in kinds if (view, height, k) in self._own]

    def _own_digest(self, view: int, height: int, kind: Kind) -> bytes | None:
        """The digest of whatever we signed at (view, height) that a new message of `kind`
        must agree with (`MUST_AGREE_WITH`), if anything."""
        for k in MUST_AGREE_WITH[kind]:
            own = self._own.get((view, height, k))
            if own is not None:
                return own.digest
        return None

    def _check_not_conflicting(self, view: int, height: int, digest: bytes, kind: Kind) -> None:
        """Last line of defence against equivocation: signing for two digests is a bug."""
        own_digest = self._own_digest(view, height, kind)
        if own_digest is not None and own_digest != digest:
            raise ConsensusError(
                f"refusing to sign a {kind} for {digest.hex()} at view {view} height {height}: "
                f"already signed {own_digest.hex()}"
            )

    # ----------------------------------------------------------------- between the concerns
    # Abstract here so that mypy checks every call across the parts and `Replica` cannot be
    # built without them; each group is implemented by the module named above it.

    # restore.py
    @abstractmethod
    def _restore(self, records: Sequence[Record]) -> None: ...  # the WAL, on start

    # normal.py
    @abstractmethod
    def _process(self, slot: Slot) -> None: ...  # move the height in flight forward
    @abstractmethod
    def _ask_node(self, slot: Slot, preprepare: PrePrepare) -> None: ...  # validate a block
    @abstractmethod
    def _get_preprepare_problem(
        self, preprepare: PrePrepare, *, check_own_votes: bool = True
    ) -> str | None: ...

    # proposals.py
    @abstractmethod
    def _seek_preprepares(self, slot: Slot) -> None: ...  # ask peers for a missing pre-prepare
    @abstractmethod
    def _take_other_preprepare(self, slot: Slot, preprepare: PrePrepare) -> bool: ...
    @abstractmethod
    def _offer_preprepare(self, slot: Slot) -> None: ...  # to backups that prepared another
    @abstractmethod
    def _note_preprepare_copy(self, preprepare: PrePrepare, *, first: bool) -> None: ...
    @abstractmethod
    def _serve_standing(self, preprepare: PrePrepare) -> None: ...  # accepted: send to askers

    # heights.py
    @abstractmethod
    def _step_other_view(self, kind: Kind, message: NormalMessage) -> None: ...
    @abstractmethod
    def _deliver(self, height: int, preprepare: PrePrepare, commits: list[Commit]) -> None: ...
    @abstractmethod
    def _try_deliver_foreign(self) -> None: ...  # decide on commits of another view
    @abstractmethod
    def _step_certificate(self, cert: CommitCertificate) -> None: ...  # verified, uncommitted
    @abstractmethod
    def _mark_committed(self, height: int, certificate: CommitCertificate) -> None: ...
    @abstractmethod
    def _enter_next_height(self) -> None: ...  # if the node applied the last block

    # suspicion.py
    @abstractmethod
    def _check_suspicions(self) -> None: ...  # f+1 members suspect the view: leave it

    # views.py
    @abstractmethod
    def _start_view_change(self, new_view: int) -> None: ...  # leave the view, ask for new_view
    @abstractmethod
    def _relay_new_view(self, peer: str) -> None: ...  # to a peer in an older view
    @abstractmethod
    def _refresh_view_change(self) -> None: ...  # after committing more while changing views
    @abstractmethod
    def _enter_view(self, nv: NewView, plan: NewViewPlan, *, own: bool) -> None: ...

    # catchup.py
    @abstractmethod
    def _step_late(self, kind: Kind, message: NormalMessage) -> None: ...  # height committed
    @abstractmethod
    def _sign_checkpoint(self, height: int, digest: bytes) -> None: ...  # a committed height
    @abstractmethod
    def _request_fetch(self, target: int) -> None: ...  # state transfer up to `target`
    @abstractmethod
    def _note_claim(self, message: NormalMessage) -> None: ...  # sender committed below it
    @abstractmethod
    def _note_progress(self, sender: str, height: int) -> None: ...  # a valid message
    @abstractmethod
    def _note_committed(self, sender: str, height: int) -> None: ...  # proved or signed
