"""Deciding the height in flight and moving on to the next: the window of heights.

Reference: Castro & Liskov, OSDI 1999, sections 4.2 to 4.4. A quorum of commits of one view
for a block decides it ("committed-local"): the replica hands the block to the node, forgets
what it kept to decide the height and, once the node has applied it, enters the next height,
unless that height is above the high watermark (flow control, section 4.3).

Because a commit certificate fixes its block whatever view it was signed in (section 4.4: at
least f+1 honest replicas were prepared for it), a replica also decides on commits of other
views (a catch-up bundle, peers that are ahead in views) and on certificates carried in
ViewChanges, provided it holds the validated block; without the block it fetches it.
"""

from consensus.core import ReplicaCore, Status
from consensus.errors import ConsensusError
from consensus.limits import (
    RECENT_HEIGHTS_RETAINED,
    SCHEDULED_SETS_MAX,
    VALIDATOR_SETS_KEPT_MAX,
    VIEW_AHEAD_MAX,
)
from consensus.log import RecentHeight, Validation, is_waiting_kind, kind_of
from consensus.messages import (
    Commit,
    CommitCertificate,
    Kind,
    NormalMessage,
    PrePrepare,
    Vote,
)
from consensus.ready import CommittedBlock
from consensus.shape import is_u64
from consensus.validators import ValidatorSet, commits_of
from consensus.viewchange import get_view_change_height


class Heights(ReplicaCore):
    """The height in flight: deciding it, and entering the next one."""

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
        self._out.committed.append(
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
        if self._out.committed or self._entered:
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
                self._out.broadcast(message)
            self._process(slot)
        else:
            self._try_deliver_foreign()

    def _step_other_view(self, kind: Kind, message: NormalMessage) -> None:
        """A normal-case message of another view. A sender still pre-preparing or preparing in
        an older view is sent our NewView (commits are also relayed by catch-up, so they say
        nothing about their signer's view). Commits for the height in flight are kept whatever
        their view: a quorum of them in one view decides the height."""
        if message.view < self._view and is_waiting_kind(kind):
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
        if not self._is_fresh(commit, self._foreign.stored(commit.sender, commit.view)):
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
                self._deliver(cert.height, validated, commits_of(cert))
                return
        self._request_fetch(cert.height)

    def _schedule_validators(self, activation_height: int, validators: ValidatorSet) -> None:
        """See `Replica.schedule_validators`. Every replica applies the same deciding block,
        so all switch sets at the same height; nothing already voted on may change set."""
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
