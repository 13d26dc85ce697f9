"""When a backup suspects the primary, and when suspicion becomes a view change.

Reference: Castro & Liskov, OSDI 1999, sections 4.1, 4.4 and 4.5.2 (TOCS 2002, the same
sections). A backup's timer runs while it waits on the height in flight (messages seen, no
commit) or on a client request it relayed to the primary (`_tick_request_timer`); the timeout
doubles for each consecutive view that fails (section 4.5.2). Only backups time out.

When the timer expires, PBFT sends a ViewChange at once. Here the backup first sends a
`Suspicion` and keeps taking part in the view; it sends its ViewChange (`views.py`) once f+1
members suspect the view at the same height. A ViewChange binds: after it, a replica signs
nothing more in the old view, since its votes there would make the ViewChange stale evidence
for a later NewView (one that could leave out a block decided in the old view). So a backup
that alone could not hear the primary (a lost link, a healed partition) would stay out of
consensus until the others changed view, spending the fault margin; with the suspicion step
it never leaves. f+1 suspicions include a correct replica's, so faulty members cannot force a
view change by themselves.

The same step applies when the NewView of the view being changed to does not come in time
(section 4.5.2's timer in the view-change state): the replica suspects that view and moves on
to the next one once f+1 members do (at any height: replicas changing views may stand at
different ones). Without it, a replica that restarted, heard the others' old ViewChanges
(queued on their links while it was down) and joined a view change they had already finished
asked alone for the next view when their NewView was slow to reach it, and stayed out of
consensus for good (found by `make soak`). Now it keeps re-sending its ViewChange, which makes
a peer in the view relay the NewView, and enters the view. When the new primary is faulty,
every correct replica times out and suspects, so f+1 do, and they move on as before. The idea is Raft's PreVote (Ongaro, dissertation, section 9.6),
and section 4.5.2's rule of joining a view change f+1 members asked for, applied one step
earlier.
"""

from consensus.core import ReplicaCore, Status
from consensus.limits import REQUEST_RELAY_DIVISOR, VIEW_CHANGE_TIMEOUT_DOUBLINGS_MAX
from consensus.messages import Suspicion
from consensus.ready import RelayRequest
from consensus.signing import suspicion_sign_bytes


class Suspicions(ReplicaCore):
    """The view-change timer and the suspicion step before a ViewChange (section 4.5.2)."""

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
            if self.is_primary:
                self._progress_ticks = 0
                self._timed_request = None
                return
            waiting = self._is_waiting()
            self._progress_ticks = self._progress_ticks + 1 if waiting else 0
            if self._progress_ticks >= timeout or self._tick_request_timer(timeout):
                self._suspect()
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
            # No NewView in time: suspect the view, as a backup suspects a primary, and move
            # on once f+1 members do. A replica alone in this (it restarted, heard the
            # others' old ViewChanges, and their NewView is slow to reach it) keeps asking
            # for the view instead of moving on alone to one nobody else will join.
            self._suspect()

    def _is_waiting(self) -> bool:
        """A backup waits on the height in flight: it has seen messages for it (or commits of
        another view) but no commit. A replica catching up by state transfer does not blame the
        primary for its own lag."""
        if self._fetch_target > self._committed_height:
            return False
        if len(self._foreign):
            return True
        slot = self._log.find(self._view, self._next_height)
        return slot is not None and bool(slot.messages())

    def _tick_request_timer(self, timeout: int) -> bool:
        """The timer of the request this backup waits for; True when the primary is suspected.

        Castro & Liskov, OSDI 1999, sections 4.1 and 4.5.2 (TOCS 2002, 4.1 and 4.5.2): a backup
        that receives a request relays it to the primary, and it starts its timer for a request
        only when it is waiting for it; the timer is stopped when the request executes and
        started again for the next waiting one. Here the node already gossips requests, so:

        1. a request still waiting after a quarter of a retransmit interval is relayed
           (`Ready.relay`: to the primary, and by the node to every validator, so all
           backups wait for it; see `REQUEST_RELAY_DIVISOR`);
        2. the primary is suspected only if the request is still waiting one full view-change
           timeout *after* that relay: a correct primary has had the request for a whole
           timeout. A request handed to one backup only is thus ordered, not a view change.

        Commits of other requests do not restart the timer (a primary that censors one request
        while committing others is suspected by every backup holding it); a new view does, since
        its primary has not had a chance yet.
        """
        request = self._waiting_request
        if request is None or self._fetch_target > self._committed_height:
            self._timed_request = None
            return False
        key = (request, self._committed_height if request == b"" else 0)
        if key != self._timed_request:
            self._timed_request = key
            self._request_ticks = 0
            self._request_relayed = False
        self._request_ticks += 1
        if not self._request_relayed:
            if self._request_ticks >= max(
                1, self._config.retransmit_ticks // REQUEST_RELAY_DIVISOR
            ):
                primary = self._schedule.at(self._next_height).primary(self._view)
                self._out.relay.append(RelayRequest(request=request, primary=primary))
                self._request_relayed = True
                self._request_ticks = 0
            return False
        return self._request_ticks >= timeout

    def _suspect(self) -> None:
        """The timer expired: say that we suspect the primary (a `Suspicion`, re-sent every
        retransmit interval while the timer stays expired), and leave the view once f+1
        members suspect it at our height in flight. Until then we keep taking part in the
        view, so a backup that alone cannot hear the primary (a lost link, a partition that
        healed) goes on voting and catching up instead of spending the fault margin in a view
        change nobody else joins; a primary that a correct backup suspects with f+1 others
        (at least one correct besides itself when f are faulty) is replaced as before."""
        own = self._own_suspicion
        view, height = self._view, self._next_height
        if own is None or (own.view, own.height) != (view, height):
            signer = self._view_change_signer()
            if signer is None:
                return  # Observers do not vote on views (the timer checks this first).
            signature = signer.sign(suspicion_sign_bytes(self._config.chain_id, view, height))
            own = Suspicion(view=view, height=height, sender=self._self_id, signature=signature)
            self._own_suspicion = own
            self._suspicion_next_tick = self._ticks
        if self._ticks >= self._suspicion_next_tick:
            self._out.broadcast(own)
            self._suspicion_next_tick = self._ticks + self._config.retransmit_ticks
        self._check_suspicions()

    def _check_suspicions(self) -> None:
        """Start the view change once we and f members of the set at the height in flight
        suspect the current view there. A member that asked for a later view has left this
        one and counts as suspecting it: it sends no more Suspicions, and without it a
        backup that timed out after it would wait for a suspicion that never comes."""
        own = self._own_suspicion
        view, height = self._view, self._next_height
        if own is None or (own.view, own.height) != (view, height):
            return
        changing = self._status == Status.VIEW_CHANGE
        validators = self._schedule.at(height)
        suspecting = {
            sender
            for sender, s in self._suspicions.items()
            if s.view == view and (changing or s.height == height)
        }
        suspecting.update(s for s, vc in self._view_changes.items() if vc.new_view > view)
        suspecting.discard(self._self_id)
        others = sum(1 for sender in suspecting if validators.get(sender) is not None)
        if 1 + others >= validators.f + 1:
            self._start_view_change(view + 1)

    def _step_suspicion(self, suspicion: Suspicion) -> None:
        """Keep each member's latest Suspicion of our view; it may complete f+1. One for an
        older view gets our NewView (the sender missed it); one for a later view, or while we
        are changing views, says nothing we act on (ViewChanges do)."""
        if suspicion.view != self._view:
            if suspicion.view < self._view and self._is_known_sender(suspicion.sender):
                self._relay_new_view(suspicion.sender)
            return
        member = self._schedule.member_from(self._next_height, suspicion.sender)
        if member is None:
            self._reject(suspicion, f"unknown sender {suspicion.sender!r}")
            return
        earlier = self._suspicions.get(suspicion.sender)
        if (self._status == Status.NORMAL and suspicion.height < self._next_height) or (
            earlier is not None and earlier.height >= suspicion.height
        ):
            return  # Stale (we passed that height) or not newer than what we hold.
        msg = suspicion_sign_bytes(self._config.chain_id, suspicion.view, suspicion.height)
        if not self._verifier.verify(member.public_key, msg, suspicion.signature):
            self._reject(suspicion, "bad signature")
            return
        self._suspicions[suspicion.sender] = suspicion
        self._check_suspicions()
