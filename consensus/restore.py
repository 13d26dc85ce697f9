"""Taking back the WAL after a restart.

PBFT's safety rests on a correct replica never signing two conflicting messages (Castro &
Liskov, OSDI 1999, sections 4.2 and 4.4), which a crash must not make it forget. Here the node keeps the WAL (`Ready.persist`) and hands it back to the
constructor: own messages are re-sent and nothing that conflicts with them is ever signed; the
highest view found in it is the replica's view, and it is in the normal state only if the
NewView of that view is among the records (view 0 needs none).

Records are trusted as own messages (this replica wrote them), but are still checked for shape
and for the invariants a correct replica keeps, so a corrupt WAL stops the start loudly.
"""

from collections.abc import Sequence

from consensus import viewchange
from consensus.core import ReplicaCore, Status
from consensus.errors import ConsensusError
from consensus.log import Validation, kind_of
from consensus.messages import (
    Checkpoint,
    NewView,
    NormalMessage,
    Prepared,
    Record,
    ViewChange,
)
from consensus.shape import get_record_shape_problem
from consensus.viewchange import get_certified_height


def get_record_view(record: Record) -> int:
    """The view a WAL record proves this replica reached."""
    if isinstance(record, NormalMessage):
        return record.view
    if isinstance(record, ViewChange):
        return record.new_view
    if isinstance(record, NewView):
        return record.view
    if isinstance(record, Prepared):
        return record.certificate.view
    return 0


class Restore(ReplicaCore):
    """Rebuilding the replica's state from its WAL records (see `ReplicaCore.__init__`)."""

    def _restore(self, records: Sequence[Record]) -> None:
        """Take back the WAL after a restart (see `__init__`)."""
        for record in records:
            problem = get_record_shape_problem(record)
            if problem is not None:
                raise ConsensusError(f"restored record is malformed: {problem}")
            if not isinstance(record, Prepared | NewView) and record.sender != self._self_id:
                raise ConsensusError(f"restored message was signed by {record.sender!r}")
        self._view = max([self._view, *(get_record_view(r) for r in records)])
        if self._view == 0:
            self._status = Status.NORMAL
        else:
            self._status = Status.VIEW_CHANGE
            self._restore_view(records)
        for record in records:
            if isinstance(record, NormalMessage):
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
                if own is None or get_certified_height(record) > get_certified_height(own):
                    self._own_view_change = record
        for record in records:
            if not isinstance(record, NewView) or record.view != self._view:
                continue
            # Verified when it was accepted; the validator sets known now may differ (pruned,
            # or a set scheduled since), so the WAL is trusted as for own messages.
            plan = viewchange.compute_new_view_plan(record.view, record.view_changes)
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
        own_digest = self._own_digest(message.view, message.height, kind)
        if own_digest is not None and own_digest != message.digest:
            raise ConsensusError(f"the WAL holds votes for two digests at {key[:2]}")
        self._own[key] = message
        slot = self._log.find(message.view, message.height)
        if kind == "preprepare" and slot is not None and slot.preprepare == message:
            return  # The re-proposal of a restored NewView, already in place.
        slot = self._log.add(message, counted=False)
        if kind == "preprepare":
            slot.validation = Validation.OK
