"""Checkpoints, garbage collection, helping slow peers, and state transfer.

References: Castro & Liskov, OSDI 1999, section 4.3 (checkpoints, the stable checkpoint and
the watermarks, garbage collection of the log); TOCS 2002, section 6.2 (state transfer).

Recovering lost messages: each replica keeps the proof of its last few committed heights (the
pre-prepare and the commit certificate) and sends it to a peer that re-sends a prepare or
pre-prepare for such a height, or whose commit it never saw (with exponential back-off). A
replica further behind asks the node for state transfer (`Ready.fetch`), on evidence no single
peer can fake: a verified commit certificate, a stable checkpoint above its window, or f+1
members' signed messages for higher heights. The node calls `Replica.synced` when it applied
the transferred blocks.
"""

from consensus.checkpoints import checkpoints_of
from consensus.core import ReplicaCore
from consensus.errors import ConsensusError, InvalidCertificate
from consensus.limits import CATCH_UP_BACKOFF_INTERVALS_MAX, VALIDATOR_SETS_KEPT_MAX
from consensus.log import is_waiting_kind
from consensus.messages import (
    Checkpoint,
    CheckpointCertificate,
    CommitCertificate,
    Kind,
    NormalMessage,
)
from consensus.ready import FetchRequest
from consensus.signing import checkpoint_sign_bytes
from consensus.validators import ValidatorSchedule, commits_of, get_commit_certificate_problem


def compute_backoff_ticks(retransmit_ticks: int, attempts: int) -> int:
    """Ticks before the next re-send after `attempts` of them: 2, 4, 8, ... retransmit
    intervals, capped (see CATCH_UP_BACKOFF_INTERVALS_MAX)."""
    return retransmit_ticks * min(1 << min(attempts, 16), CATCH_UP_BACKOFF_INTERVALS_MAX)


class CatchUp(ReplicaCore):
    """Stable checkpoints and the low watermark; proofs for slow peers; state transfer."""

    def _step_checkpoint(self, checkpoint: Checkpoint) -> None:
        """Section 4.3: a quorum of matching checkpoints makes one stable; one above the high
        watermark cannot be logged, but a quorum of those proves we are behind (TOCS 6.2)."""
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
        if not self._is_fresh(checkpoint, self._checkpoints.stored(checkpoint)):
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
        self._out.emit_own(checkpoint)
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
        self._checkpoint_next_tick = self._ticks + compute_backoff_ticks(
            self._config.retransmit_ticks, self._checkpoint_resends
        )
        self._out.broadcast(own)

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
                self._out.send_to(peer, checkpoint)

    def _step_late(self, kind: Kind, message: NormalMessage) -> None:
        """A message for a committed height. Not used for agreement, but it says whether the
        sender has the height: a replica re-sends its prepare or pre-prepare only while the
        height is in flight for it, so a copy of one we already had means it is stuck."""
        if message.view < self._view and is_waiting_kind(kind):
            self._relay_new_view(message.sender)
        if message.height < self._checkpoints.low:
            self._relay_stable_checkpoint(message.sender)
        recent = self._recent.get(message.height)
        if recent is None and message.height == self._committed_height:
            self._relay_commit_certificate(message.sender)
        if recent is not None and message.digest == recent.digest:
            earlier = recent.seen.get((kind, message.sender))
            if earlier == message:
                if is_waiting_kind(kind):
                    recent.resent_by.add(message.sender)
                return
            if (earlier is None or earlier.view < message.view) and self._verify_normal(message):
                recent.seen[(kind, message.sender)] = message
        self._reject(
            message, f"height {message.height} already committed (at {self._committed_height})"
        )

    def _relay_commit_certificate(self, peer: str) -> None:
        """A peer still working on the height we committed last, which we reached by state
        transfer or from a relayed certificate, so with no proof kept for `_catch_up_peers`:
        send it the certificate's commits (at most once an interval). It then finishes the
        height with the block it holds, or learns from them that it must fetch it.

        Without this, a replica that synced a height others were stuck on refused their
        messages for it and told them nothing; with the last correct one silent, they waited
        forever (simulator seed 195: two honest replicas one height behind the third, each
        suspecting at its own height, so never f+1 at the same one)."""
        cert = self._committed_certificate
        if cert is None or cert.height != self._committed_height:
            return
        if not self._may_relay("certificate", peer):
            return
        for commit in commits_of(cert):
            if commit.sender != peer:
                self._out.send_to(peer, commit)

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
                recent.next_send_tick[peer] = self._ticks + compute_backoff_ticks(interval, sends)
                recent.last_send_tick[peer] = self._ticks
                recent.resent_by.discard(peer)
                for message in recent.get_bundle_for(peer):
                    self._out.send_to(peer, message)

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
        self._out.fetch.append(FetchRequest(self._next_height, self._fetch_target))
        self._fetch_attempts += 1
        self._fetch_next_tick = self._ticks + compute_backoff_ticks(
            self._config.retransmit_ticks, self._fetch_attempts
        )

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

    def _synced(
        self,
        committed_height: int,
        certificate: CommitCertificate,
        schedule: ValidatorSchedule | None,
    ) -> None:
        """State transfer done (TOCS 2002, section 6.2; see `Replica.synced`). The certificate
        makes everything at or below it final, so the low watermark moves up even without a
        stable checkpoint."""
        if self._out.committed:
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
        if certificate.view > self._view:
            # A quorum decided this height in a later view, so ours is over. A primary restarted
            # in its old view never times out and sends nothing a peer would answer with the
            # NewView it lacks: ask for that view, and a peer in it relays its NewView (4.4).
            self._start_view_change(certificate.view)
        self._enter_next_height()
