"""One PBFT replica: the normal-case protocol as a pure state machine.

Reference: M. Castro and B. Liskov, "Practical Byzantine Fault Tolerance", OSDI 1999,
section 4.2 (normal-case operation). Sequence numbers are block heights.

Inputs are `propose`, `step` (a peer message), `validated` (the node's verdict on a proposed
block) and `tick`; outputs accumulate in a `Ready` that the node handles and then hands back
to `advance`. One height is in flight at a time: height h+1 is started only after the node
applied height h. Messages for later heights inside the window are buffered and processed when
their height becomes current.

Recovering lost messages: own messages for the height in flight are re-sent every
`retransmit_ticks` ticks. That cannot help a replica that missed something after the others
committed and moved on, so each replica also keeps the proof of its last few committed heights
(the pre-prepare and the commit certificate) and sends it to a peer that re-sends a prepare or
pre-prepare for such a height, or whose commit it never saw (with exponential back-off). A
quorum of commits fixes a block, so a replica may deliver on it without having seen the
prepares.

Not here yet (later issues): view change, checkpoints, state transfer. The view lives in the
replica and the log is keyed by (view, height) so they can be added without reshaping this.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from consensus.crypto import Signer, Verifier
from consensus.errors import ConsensusError, NotPrimary, ProposalInFlight
from consensus.limits import (
    CATCH_UP_BACKOFF_INTERVALS_MAX,
    CHAIN_ID_BYTES_MAX,
    DIGEST_BYTES,
    PAYLOAD_BYTES_MAX,
    RECENT_HEIGHTS_RETAINED,
    RETRANSMIT_TICKS_MIN,
    SIGNATURE_BYTES_MAX,
    U64_MAX,
    VALIDATOR_ID_BYTES_MAX,
    WINDOW_HEIGHTS,
)
from consensus.log import Kind, MessageLog, RecentHeight, Slot, Validation, kind_of
from consensus.messages import Commit, CommitCertificate, Message, Prepare, PrePrepare, Vote
from consensus.ready import CommittedBlock, Outbound, Proposal, Ready, Rejected
from consensus.signing import commit_sign_bytes, prepare_sign_bytes, preprepare_sign_bytes
from consensus.validators import ValidatorSet


@dataclass(frozen=True, slots=True)
class ReplicaConfig:
    """Static configuration of one replica."""

    chain_id: str
    """Included in every signed byte string, so votes cannot be replayed on another chain."""
    validators: ValidatorSet
    self_id: str
    """This replica's validator id; must be a member of `validators`."""
    retransmit_ticks: int = 10
    """Re-send own messages for the in-flight height every this many ticks (lost messages)."""

    def __post_init__(self) -> None:
        raw = self.chain_id.encode("utf-8")
        if not 1 <= len(raw) <= CHAIN_ID_BYTES_MAX:
            raise ValueError(f"chain id must be 1..{CHAIN_ID_BYTES_MAX} bytes")
        if self.validators.get(self.self_id) is None:
            raise ValueError(f"{self.self_id!r} is not in the validator set")
        if self.retransmit_ticks < RETRANSMIT_TICKS_MIN:
            raise ValueError(f"retransmit_ticks must be >= {RETRANSMIT_TICKS_MIN}")


def _is_u64(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= U64_MAX


def _is_bytes(value: object, min_len: int, max_len: int) -> bool:
    return isinstance(value, bytes) and min_len <= len(value) <= max_len


def _is_validator_id(value: object) -> bool:
    return isinstance(value, str) and 1 <= len(value.encode("utf-8")) <= VALIDATOR_ID_BYTES_MAX


def get_shape_problem(message: Message) -> str | None:
    """Why a message's fields are malformed (types, ranges, sizes), or None if they are fine.

    Checked before anything else so the rest of the code can trust field types and sizes.
    """
    if not _is_u64(message.view):
        return "view is not a u64"
    if not _is_u64(message.height) or message.height == 0:
        return "height is not a positive u64"
    if not _is_bytes(message.digest, DIGEST_BYTES, DIGEST_BYTES):
        return f"digest is not {DIGEST_BYTES} bytes"
    if not _is_validator_id(message.sender):
        return f"sender is not a 1..{VALIDATOR_ID_BYTES_MAX} byte id"
    if not _is_bytes(message.signature, 1, SIGNATURE_BYTES_MAX):
        return f"signature is not 1..{SIGNATURE_BYTES_MAX} bytes"
    if isinstance(message, PrePrepare) and not _is_bytes(message.payload, 0, PAYLOAD_BYTES_MAX):
        return f"payload is not bytes of at most {PAYLOAD_BYTES_MAX}"
    return None


class Replica:
    """A PBFT replica for one validator. Not thread-safe: the node drives it from one loop."""

    def __init__(
        self,
        config: ReplicaConfig,
        signer: Signer,
        verifier: Verifier,
        *,
        committed_height: int,
        view: int = 0,
        signed: Sequence[Message] = (),
    ) -> None:
        """Start (or restart) at `committed_height`, the last height the node durably applied.

        `signed` are own messages restored from the WAL: they are re-sent, and nothing that
        conflicts with them is ever signed, so a restart cannot make this replica equivocate.
        """
        if signer.id != config.self_id:
            raise ValueError(f"signer is for {signer.id!r}, config for {config.self_id!r}")
        if not _is_u64(committed_height) or committed_height > U64_MAX - WINDOW_HEIGHTS:
            raise ValueError(f"committed_height {committed_height} out of range")
        if not _is_u64(view):
            raise ValueError(f"view {view} out of range")
        self._config = config
        self._signer = signer
        self._verifier = verifier
        self._view = view
        self._committed_height = committed_height
        self._entered = False
        """True once height committed+1 is being worked on; false between committing a
        height and the node advancing past it, so the next proposal sees the applied state."""
        self._log = MessageLog()
        self._own: dict[tuple[int, int, Kind], Message] = {}
        """Own signed messages for uncommitted heights: the source of truth against signing
        twice."""
        self._recent: dict[int, RecentHeight] = {}
        self._progress: dict[str, int] = {}
        """Highest height each peer sent a valid message for: a peer past a height has it."""
        self._ticks = 0
        self._inflight_ticks = 0
        self._persist: list[Message] = []
        self._send: list[Outbound] = []
        self._validate: list[Proposal] = []
        self._committed: list[CommittedBlock] = []
        self._rejected: list[Rejected] = []
        for message in signed:
            self._restore_own(message)
        self._enter_next_height()

    # ----------------------------------------------------------------- accessors

    @property
    def view(self) -> int:
        return self._view

    @property
    def committed_height(self) -> int:
        """Highest height committed by this replica (possibly not yet applied by the node)."""
        return self._committed_height

    @property
    def is_primary(self) -> bool:
        return self._config.validators.primary(self._view) == self._config.self_id

    def can_propose(self) -> bool:
        """Primary of the current view, previous height applied, and nothing in flight."""
        return (
            self.is_primary
            and self._entered
            and (self._view, self._committed_height + 1, "preprepare") not in self._own
        )

    def has_ready(self) -> bool:
        return bool(
            self._persist or self._send or self._validate or self._committed or self._rejected
        )

    def ready(self) -> Ready:
        """Everything produced since the last `advance()`; calling it twice is harmless."""
        return Ready(
            persist=tuple(self._persist),
            send=tuple(self._send),
            validate=tuple(self._validate),
            committed=tuple(self._committed),
            rejected=tuple(self._rejected),
        )

    # ----------------------------------------------------------------- inputs

    def propose(self, payload: bytes, digest: bytes) -> None:
        """Propose a block for height committed+1. The node has validated it already."""
        height = self._committed_height + 1
        if not self.is_primary:
            raise NotPrimary(
                f"{self._config.self_id!r} is not primary of view {self._view}; "
                f"primary is {self._config.validators.primary(self._view)!r}"
            )
        if not self._entered:
            raise ProposalInFlight(f"height {height - 1} is committed but not yet advanced")
        if (self._view, height, "preprepare") in self._own:
            raise ProposalInFlight(f"a block for height {height} is already proposed")
        if len(digest) != DIGEST_BYTES:
            raise ValueError(f"digest must be {DIGEST_BYTES} bytes")
        if len(payload) > PAYLOAD_BYTES_MAX:
            raise ValueError(f"payload of {len(payload)} bytes exceeds {PAYLOAD_BYTES_MAX}")
        self._check_not_conflicting(self._view, height, digest)
        signature = self._signer.sign(
            preprepare_sign_bytes(self._config.chain_id, self._view, height, digest)
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
        kind = kind_of(message)
        validators = self._config.validators
        # Malformed fields: nothing below may trust a field before this.
        problem = get_shape_problem(message)
        if problem is not None:
            self._reject(message, problem)
            return
        # Our own id from the network: we never need our own messages back.
        if message.sender == self._config.self_id:
            self._reject(message, "message carries our own validator id")
            return
        if validators.get(message.sender) is None:
            self._reject(message, f"unknown sender {message.sender!r}")
            return
        if message.view != self._view:
            self._reject(message, f"view {message.view}, current view is {self._view}")
            return
        if message.height <= self._committed_height:
            self._step_late(kind, message)
            return
        if message.height > self._committed_height + WINDOW_HEIGHTS:
            self._reject(
                message,
                f"height {message.height} beyond window "
                f"(committed {self._committed_height} + {WINDOW_HEIGHTS})",
            )
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
        if not self._verify(message):
            self._reject(message, "bad signature")
            return
        if earlier is not None:
            self._reject(message, f"{kind} differs from an earlier one by the same sender")
            return
        if isinstance(message, PrePrepare):
            own_digest = self._own_digest(message.view, message.height)
            if own_digest is not None and own_digest != message.digest:
                self._reject(message, "pre-prepare conflicts with a vote we already signed")
                return
        if not self._log.has_room(message.sender):
            self._reject(message, "per-sender buffer full")
            return
        slot = self._log.add(message)
        self._progress[message.sender] = max(self._progress.get(message.sender, 0), slot.height)
        if self._entered and slot.height == self._committed_height + 1:
            self._process(slot)

    def validated(self, view: int, height: int, digest: bytes, ok: bool) -> None:
        """The node's verdict on a `Proposal`. ok=False: this replica will not prepare it."""
        if view != self._view or height <= self._committed_height:
            return  # The replica has moved past this proposal; the answer no longer matters.
        slot = self._log.find(view, height)
        preprepare = slot.preprepare if slot is not None else None
        if slot is None or preprepare is None or preprepare.digest != digest:
            raise ConsensusError(
                f"validated() for view {view} height {height} digest {digest.hex()}, "
                "which was never proposed to the node"
            )
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
        self._process(slot)

    def tick(self) -> None:
        """Logical clock: drives retransmission of own messages and catch-up of slow peers."""
        self._ticks += 1
        interval = self._config.retransmit_ticks
        if self._entered:
            self._inflight_ticks += 1
            if self._inflight_ticks % interval == 0:
                for message in self._own_messages(self._view, self._committed_height + 1):
                    self._send.append(Outbound(to=None, message=message))
        self._catch_up_peers()

    def advance(self, ready: Ready) -> None:
        """The node persisted, sent and applied everything in `ready` (from `ready()`)."""
        _consume(self._persist, ready.persist, "persist")
        _consume(self._send, ready.send, "send")
        _consume(self._validate, ready.validate, "validate")
        _consume(self._committed, ready.committed, "committed")
        _consume(self._rejected, ready.rejected, "rejected")
        if not self._entered and not self._committed:
            self._enter_next_height()

    # ----------------------------------------------------------------- per-role steps

    def _process(self, slot: Slot) -> None:
        """Move the current height forward as far as the slot's contents allow."""
        if slot.view != self._view or slot.height != self._committed_height + 1:
            raise ConsensusError(f"processing ({slot.view}, {slot.height}) out of turn")
        if self.is_primary:
            self._process_as_primary(slot)
        else:
            self._process_as_backup(slot)

    def _process_as_primary(self, slot: Slot) -> None:
        """The primary's pre-prepare is its vote; it waits for prepares, then commits."""
        if slot.preprepare is None:
            return  # Not proposed yet; prepares or commits that arrived early wait here.
        self._try_commit(slot, slot.preprepare)

    def _process_as_backup(self, slot: Slot) -> None:
        """Accepted pre-prepare -> ask the node -> prepare -> (prepared) commit."""
        preprepare = slot.preprepare
        if preprepare is None:
            return  # Prepares and commits may precede the pre-prepare; keep waiting.
        if slot.validation == Validation.NOT_ASKED:
            slot.validation = Validation.PENDING
            self._validate.append(
                Proposal(
                    view=preprepare.view,
                    height=preprepare.height,
                    digest=preprepare.digest,
                    payload=preprepare.payload,
                )
            )
            return
        if slot.validation != Validation.OK:
            return
        if (slot.view, slot.height, "prepare") not in self._own:
            self._sign_prepare(slot, preprepare.digest)
        self._try_commit(slot, preprepare)

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
        quorum = self._config.validators.quorum
        has_own_commit = (slot.view, slot.height, "commit") in self._own
        if not has_own_commit and (
            self._is_prepared(slot, preprepare) or len(slot.matching_commits(digest)) >= quorum
        ):
            self._sign_commit(slot, digest)
        if len(slot.matching_commits(digest)) >= quorum:
            self._deliver(slot, preprepare)

    def _is_prepared(self, slot: Slot, preprepare: PrePrepare) -> bool:
        """PBFT's prepared predicate: accepted (and validated) pre-prepare plus quorum-1
        matching prepares from distinct backups, i.e. 2f when n = 3f+1."""
        validators = self._config.validators
        needed = validators.quorum - 1
        return slot.count_prepares(preprepare.digest, validators.primary(slot.view)) >= needed

    def _deliver(self, slot: Slot, preprepare: PrePrepare) -> None:
        """Committed-local: hand the block to the node and drop the height from the log."""
        digest = preprepare.digest
        certificate_commits = tuple(sorted(slot.matching_commits(digest), key=lambda c: c.sender))
        certificate = CommitCertificate(
            height=slot.height,
            digest=digest,
            votes=tuple(
                Vote(validator=c.sender, signature=c.signature) for c in certificate_commits
            ),
        )
        if len(certificate.votes) < self._config.validators.quorum:
            raise ConsensusError(f"delivering height {slot.height} without a quorum")
        self._committed.append(
            CommittedBlock(
                height=slot.height,
                digest=digest,
                payload=preprepare.payload,
                certificate=certificate,
            )
        )
        self_id = self._config.self_id
        self._recent[slot.height] = RecentHeight(
            height=slot.height,
            digest=digest,
            committed_at_tick=self._ticks,
            preprepare=preprepare,
            commits=certificate_commits,
            seen={(kind_of(m), m.sender): m for m in slot.messages() if m.sender != self_id},
        )
        for old in [h for h in self._recent if h <= slot.height - RECENT_HEIGHTS_RETAINED]:
            del self._recent[old]
        self._log.drop_through(slot.height, self_id)
        for key in [k for k in self._own if k[1] <= slot.height]:
            del self._own[key]
        self._committed_height = slot.height
        self._entered = False

    # ----------------------------------------------------------------- late messages

    def _step_late(self, kind: Kind, message: Message) -> None:
        """A message for a committed height. Not used for agreement, but it says whether the
        sender has the height: a replica re-sends its prepare or pre-prepare only while the
        height is in flight for it, so a copy of one we already had means it is stuck."""
        recent = self._recent.get(message.height)
        if recent is not None and message.digest == recent.digest:
            earlier = recent.seen.get((kind, message.sender))
            if earlier == message:
                if kind != "commit":
                    recent.resent_by.add(message.sender)
                return
            if earlier is None and self._verify(message):
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
        self_id = self._config.self_id
        for height in sorted(self._recent):
            recent = self._recent[height]
            for validator in self._config.validators.validators:
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

    # ----------------------------------------------------------------- own messages

    def _sign_prepare(self, slot: Slot, digest: bytes) -> None:
        self._check_not_conflicting(slot.view, slot.height, digest)
        chain_id = self._config.chain_id
        signature = self._signer.sign(prepare_sign_bytes(chain_id, slot.view, slot.height, digest))
        self._record_own(
            Prepare(
                view=slot.view,
                height=slot.height,
                digest=digest,
                sender=self._config.self_id,
                signature=signature,
            )
        )

    def _sign_commit(self, slot: Slot, digest: bytes) -> None:
        self._check_not_conflicting(slot.view, slot.height, digest)
        signature = self._signer.sign(commit_sign_bytes(self._config.chain_id, slot.height, digest))
        self._record_own(
            Commit(
                view=slot.view,
                height=slot.height,
                digest=digest,
                sender=self._config.self_id,
                signature=signature,
            )
        )

    def _record_own(self, message: Message) -> Slot:
        """A freshly signed message: remember it, persist it, then broadcast it."""
        key = (message.view, message.height, kind_of(message))
        if key in self._own:
            raise ConsensusError(f"signing a second {key[2]} for view {key[0]} height {key[1]}")
        self._own[key] = message
        self._persist.append(message)
        self._send.append(Outbound(to=None, message=message))
        return self._log.add(message, counted=False)

    def _restore_own(self, message: Message) -> None:
        """Take back one own message from the WAL after a restart."""
        kind = kind_of(message)
        problem = get_shape_problem(message)
        if problem is not None:
            raise ConsensusError(f"restored message is malformed: {problem}")
        if message.sender != self._config.self_id:
            raise ConsensusError(f"restored message was signed by {message.sender!r}")
        if message.view > self._view:
            raise ConsensusError(f"restored message from view {message.view} > {self._view}")
        if message.view < self._view or message.height <= self._committed_height:
            return  # Superseded: an older view, or a height the node already applied.
        if message.height > self._committed_height + WINDOW_HEIGHTS:
            raise ConsensusError(
                f"restored message for height {message.height} is beyond the window "
                f"of committed height {self._committed_height}"
            )
        if kind == "preprepare" and not self.is_primary:
            raise ConsensusError("restored a pre-prepare but this replica is not primary")
        key = (message.view, message.height, kind)
        earlier = self._own.get(key)
        if earlier is not None:
            if earlier.digest != message.digest:
                raise ConsensusError(f"the WAL holds two different {kind}s for {key[:2]}")
            return
        own_digest = self._own_digest(message.view, message.height)
        if own_digest is not None and own_digest != message.digest:
            raise ConsensusError(f"the WAL holds votes for two digests at {key[:2]}")
        self._own[key] = message
        slot = self._log.add(message, counted=False)
        if kind == "preprepare":
            slot.validation = Validation.OK

    def _own_messages(self, view: int, height: int) -> list[Message]:
        kinds: tuple[Kind, ...] = ("preprepare", "prepare", "commit")
        return [self._own[(view, height, k)] for k in kinds if (view, height, k) in self._own]

    def _own_digest(self, view: int, height: int) -> bytes | None:
        """The digest of whatever we signed at (view, height), if anything."""
        own = self._own_messages(view, height)
        return own[0].digest if own else None

    def _check_not_conflicting(self, view: int, height: int, digest: bytes) -> None:
        """Last line of defence against equivocation: signing for two digests is a bug."""
        own_digest = self._own_digest(view, height)
        if own_digest is not None and own_digest != digest:
            raise ConsensusError(
                f"refusing to sign {digest.hex()} at view {view} height {height}: "
                f"already signed {own_digest.hex()}"
            )

    # ----------------------------------------------------------------- helpers

    def _enter_next_height(self) -> None:
        """Start working on committed+1 with whatever was buffered for it."""
        self._entered = True
        self._inflight_ticks = 0
        slot = self._log.find(self._view, self._committed_height + 1)
        if slot is None:
            return
        # Own messages exist here only if restored from the WAL: peers may not have them.
        for message in self._own_messages(slot.view, slot.height):
            self._send.append(Outbound(to=None, message=message))
        self._process(slot)

    def _verify(self, message: Message) -> bool:
        chain_id = self._config.chain_id
        if isinstance(message, PrePrepare):
            msg = preprepare_sign_bytes(chain_id, message.view, message.height, message.digest)
        elif isinstance(message, Prepare):
            msg = prepare_sign_bytes(chain_id, message.view, message.height, message.digest)
        else:
            msg = commit_sign_bytes(chain_id, message.height, message.digest)
        return self._verifier.verify(message.sender, msg, message.signature)

    def _reject(self, message: Message, reason: str) -> None:
        self._rejected.append(Rejected(message=message, reason=reason))


_T = TypeVar("_T")


def _consume(pending: list[_T], done: tuple[_T, ...], name: str) -> None:
    """Remove what the node handled; it must be a prefix of what is pending."""
    count = len(done)
    if pending[:count] != list(done):
        raise ConsensusError(f"advance(): Ready.{name} is not what ready() returned")
    del pending[:count]
