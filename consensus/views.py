"""View change and new view: replacing a primary that does not make progress.

Reference: Castro & Liskov, OSDI 1999, sections 4.4 (view changes) and 4.5.2 (liveness);
TOCS 2002, sections 4.4 and 4.5. What a NewView must contain is computed by the pure rules in
`viewchange.py`; this module is the replica's side: when to ask for a view, when to join one,
building the NewView as the new primary, and entering a view.

A backup asks for the next view once f+1 members suspect the current one (`suspicion.py`:
the timer and the suspicion step). In the view-change state it no longer takes part in the
old view. It moves on to the view after only once a quorum has asked for the current one (so
one partitioned replica cannot run away in views), and it joins a view change that f+1
members asked for. The new primary sends a NewView; every replica checks it completely
before entering the view.

The rules are called through their module (`viewchange.compute_new_view_plan`), not imported by
name, so that the simulator's deliberate-bug mutations (tests/sim/mutations.py) can replace
them in a running process.
"""

from consensus import viewchange
from consensus.core import ReplicaCore, Status
from consensus.errors import ConsensusError
from consensus.limits import U64_MAX, VIEW_AHEAD_MAX
from consensus.log import Validation
from consensus.messages import NewView, PrePrepare, ViewChange
from consensus.signing import new_view_sign_bytes, view_change_sign_bytes
from consensus.viewchange import (
    NewViewPlan,
    get_certified_height,
    get_view_change_problem,
    has_view_change_quorum,
    strip_payload,
)


class ViewChanges(ReplicaCore):
    """Leaving a view, choosing the next one, and entering it (sections 4.4 and 4.5.2)."""

    def _resend_view_change(self) -> None:
        """While changing views, re-send our ViewChange every retransmit interval.

        A replica can be in the view-change state with no ViewChange of its own for the view:
        built in a later view than its WAL shows (a node restarted into the view its peers
        had moved to), or restored from a WAL that lost that record. It signs one then, or
        it would wait silently forever: its peers answer a ViewChange (or an old view's
        message) with their NewView, and it would send neither (seen in `make soak`)."""
        if self._status != Status.VIEW_CHANGE or self._ticks % self._config.retransmit_ticks:
            return
        own = self._own_view_change
        if own is not None and own.new_view == self._view:
            self._out.broadcast(own)
        elif self._view_change_signer() is not None:
            self._sign_view_change()

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
            view_change_sign_bytes(
                self._config.chain_id, view, committed, certificate, self._config.suite.hash
            )
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
        self._out.emit_own(vc)
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
            and get_certified_height(own) < self._committed_height
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
        self._timed_request = None
        self._view_changes = {s: v for s, v in self._view_changes.items() if v.new_view >= new_view}
        self._suspicions = {}
        self._own_suspicion = None

    def _step_view_change(self, vc: ViewChange) -> None:
        """Section 4.4: keep each peer's latest verified ViewChange for a view above ours; a
        peer asking for a view we are already in gets our NewView. Its certificate may let us
        commit (or fetch), and f+1 of them make us join (section 4.5.2)."""
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
        if earlier is not None and (earlier.new_view, get_certified_height(earlier)) >= (
            vc.new_view,
            get_certified_height(vc),
        ):
            self._reject(vc, "view change older than or conflicting with an earlier one")
            return
        problem = get_view_change_problem(
            self._config.chain_id, self._schedule, vc, self._verifier, self._config.suite.hash
        )
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
        self._check_suspicions()
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
        """Section 4.4: as the new primary, send the NewView once a quorum of ViewChanges is in,
        re-proposing the highest-view prepared block at the view's first height (PBFT's O)."""
        if self._status != Status.VIEW_CHANGE:
            return
        view = self._view
        vcs = self._view_changes_for(view)
        plan = viewchange.compute_new_view_plan(view, vcs)
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
            preprepare = self._sign_preprepare(view, start, plan.reproposal.digest, payload)
        carried = tuple(sorted((strip_payload(vc) for vc in vcs), key=lambda vc: vc.sender))
        signature = self._sign(
            start,
            new_view_sign_bytes(
                self._config.chain_id, view, carried, preprepare, self._config.suite.hash
            ),
        )
        nv = NewView(
            view=view,
            view_changes=carried,
            preprepare=preprepare,
            sender=self._self_id,
            signature=signature,
        )
        self._out.emit_own(nv)
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
        """Section 4.4: a backup accepts a NewView only after checking every ViewChange in it
        and that the re-proposal is the one they determine; it is persisted before use."""
        if nv.view < self._view:
            self._reject(nv, f"new view {nv.view}, current view is {self._view}")
            return
        if nv.view == self._view and self._status == Status.NORMAL:
            return  # Already in it (a duplicate or a relay).
        plan, problem = viewchange.get_new_view_problem(
            self._config.chain_id,
            self._schedule,
            nv,
            self._verifier,
            self._config.suite.hash,
            self._config.block_digest,
        )
        if plan is None:
            self._reject(nv, problem or "invalid new view")
            return
        self._out.persist.append(nv)
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
        self._timed_request = None
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
            self._out.send_to(peer, nv)
