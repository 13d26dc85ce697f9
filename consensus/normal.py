"""The normal case: pre-prepare, prepare and commit for the height in flight in one view.

Reference: Castro & Liskov, OSDI 1999, section 4.2 (TOCS 2002, section 4.2). The primary of
the view proposes a block for the height in flight (its pre-prepare is its vote); a backup
that accepts it asks the node to validate the block, then prepares; a replica that is
*prepared* (the pre-prepare plus quorum-1 matching prepares of distinct backups) commits; a
quorum of commits in one view decides the block (`heights.py` takes it from there).

Sequence numbers are heights and one height is in flight at a time, so PBFT's log of
sequence numbers between the watermarks reduces to the slot of the height in flight, with
messages for later heights buffered until that height becomes current.
"""

from consensus.core import ReplicaCore, Status
from consensus.errors import ConsensusError, NotPrimary, ProposalInFlight
from consensus.limits import DIGEST_BYTES, PAYLOAD_BYTES_MAX
from consensus.log import Slot, Validation
from consensus.messages import (
    Commit,
    Kind,
    NormalMessage,
    Prepare,
    Prepared,
    PreparedCertificate,
    PrePrepare,
    Vote,
)
from consensus.ready import Proposal


class NormalCase(ReplicaCore):
    """Agreement on the height in flight within the current view (section 4.2)."""

    def _retransmit(self) -> None:
        """Re-send own messages for the height in flight every retransmit interval: the
        network may lose them, and PBFT assumes retransmission until they are delivered."""
        if self._entered and self._status == Status.NORMAL:
            self._inflight_ticks += 1
            if self._inflight_ticks % self._config.retransmit_ticks == 0:
                for message in self._own_messages(self._view, self._next_height):
                    self._out.broadcast(message)

    def _propose(self, payload: bytes, digest: bytes) -> None:
        """Section 4.2: the primary assigns the next sequence number (height) and multicasts
        a signed pre-prepare carrying the block."""
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
        self._check_not_conflicting(self._view, height, digest, "preprepare")
        slot = self._record_own(self._sign_preprepare(self._view, height, digest, payload))
        slot.validation = Validation.OK
        self._process(slot)

    def _validated_block(self, view: int, height: int, digest: bytes, ok: bool) -> None:
        """A backup accepts a pre-prepare only if the request is valid (section 4.2); here the
        node judges the block and answers through `Replica.validated`."""
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

    def _step_normal(self, kind: Kind, message: NormalMessage) -> None:
        """A well-shaped pre-prepare, prepare or commit from a peer: a flat list of checks,
        cheapest first (a signature is verified only for a message that would be kept), then
        one mutation, the log entry."""
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
        slot = self._log.find(message.view, message.height)
        if (
            isinstance(message, PrePrepare)
            and slot is not None
            and self._take_other_preprepare(slot, message)
        ):
            if slot.preprepare is message and self._entered and slot.height == self._next_height:
                self._process(slot)
            return
        stored = slot.stored(kind, message.sender) if slot is not None else None
        if isinstance(message, PrePrepare) and stored == message:
            self._note_preprepare_copy(message, first=False)
        if not self._is_fresh(message, stored):
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
        if isinstance(message, PrePrepare):
            self._note_preprepare_copy(message, first=True)
            self._serve_standing(message)
        if not isinstance(message, Commit):
            self._offer_preprepare(slot)
        self._note_progress(message.sender, slot.height)
        if self._status == Status.NORMAL and self._entered and slot.height == self._next_height:
            self._process(slot)

    def _get_preprepare_problem(
        self, preprepare: PrePrepare, *, check_own_votes: bool = True
    ) -> str | None:
        """Checks of a verified pre-prepare beyond its signature. `check_own_votes=False` only
        for a certified pre-prepare taken in place of another one (proposals.py)."""
        own_digest = self._own_digest(preprepare.view, preprepare.height, "prepare")
        if check_own_votes and own_digest is not None and own_digest != preprepare.digest:
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
        """Accepted pre-prepare -> ask the node -> prepare -> (prepared) commit. A pre-prepare
        that peers' votes show we should hold is asked of them (proposals.py)."""
        self._seek_preprepares(slot)
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
            self._record_own(self._sign_normal("prepare", slot, preprepare.digest))
        self._try_commit(slot, preprepare)

    def _ask_node(self, slot: Slot, preprepare: PrePrepare) -> None:
        slot.validation = Validation.PENDING
        self._asked.add((preprepare.view, preprepare.height, preprepare.digest))
        nv = self._new_view
        reproposal = nv is not None and nv.preprepare == preprepare
        self._out.validate.append(
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
            self._record_own(self._sign_normal("commit", slot, digest))
            matching = [c for c in slot.matching_commits(digest) if validators.get(c.sender)]
        if len(matching) >= quorum:
            self._deliver(slot.height, preprepare, matching)

    def _is_prepared(self, slot: Slot, preprepare: PrePrepare) -> bool:
        """PBFT's prepared predicate (section 4.2): accepted (and validated) pre-prepare plus
        quorum-1 matching prepares from distinct backups, i.e. 2f when n = 3f+1."""
        needed = self._schedule.at(slot.height).quorum - 1
        return len(self._matching_prepares(slot, preprepare)) >= needed

    def _matching_prepares(self, slot: Slot, preprepare: PrePrepare) -> list[Prepare]:
        """Members' prepares for the pre-prepare's digest, the primary's excluded (it never
        prepares), sorted by sender."""
        validators = self._schedule.at(slot.height)
        primary = validators.primary(slot.view)
        return sorted(
            (
                p
                for p in slot.prepares.values()
                if p.digest == preprepare.digest
                and p.sender != primary
                and validators.get(p.sender)
            ),
            key=lambda p: p.sender,
        )

    def _record_prepared(self, slot: Slot, preprepare: PrePrepare) -> None:
        """Remember (and persist) the prepared certificate, for view changes (section 4.4)."""
        current = self._prepared
        if current is not None and current.certificate.view >= slot.view:
            return
        needed = self._schedule.at(slot.height).quorum - 1
        prepares = self._matching_prepares(slot, preprepare)[:needed]
        certificate = PreparedCertificate(
            view=slot.view,
            height=slot.height,
            digest=preprepare.digest,
            preprepare_signature=preprepare.signature,
            prepares=tuple(Vote(validator=p.sender, signature=p.signature) for p in prepares),
        )
        record = Prepared(certificate=certificate, payload=preprepare.payload)
        self._prepared = record
        self._out.persist.append(record)
