"""What the replica asks the node to do, collected between two `advance()` calls.

The node handles a `Ready` in this order: sync `persist` to the WAL, send `send`, hand
`validate` to the block validator, apply `committed` in height order, start `fetch`, then
`advance(ready)`. Persisting before sending means a restarted replica knows every vote it ever
sent and never signs a conflicting one. A Proposal for height h+1 is only produced after the
Ready holding the CommittedBlock for height h was advanced, so a Ready never holds both and
validation always runs against the applied state.
"""

from dataclasses import dataclass
from typing import TypeVar

from consensus.errors import ConsensusError
from consensus.messages import CommitCertificate, Message, Record


@dataclass(frozen=True, slots=True)
class Outbound:
    """One message to send.

    `message.sender` is not always this replica: catch-up relays the primary's pre-prepare
    and other validators' commits, and a NewView or a stable checkpoint is relayed to a peer
    that is behind. Receivers authenticate messages by their signatures, so the node must not
    drop a message because it arrived over another validator's connection.
    """

    to: str | None
    """Recipient validator id, or None to broadcast to all other validators (include those
    that are only scheduled to join, or just removed: they follow the chain as observers)."""
    message: Message


@dataclass(frozen=True, slots=True)
class Proposal:
    """A block proposed by the primary that the node must check before this replica votes.

    The node must verify that `digest` is the hash of the block header in `payload` and that
    the block is valid on top of the last committed block, then call `Replica.validated`.
    """

    view: int
    height: int
    digest: bytes
    payload: bytes
    reproposal: bool = False
    """True for a block carried over by a NewView: it was built by the primary of an earlier
    view, so its header names that view and proposer (header.view <= view, header.proposer =
    the primary of header.view at this height), and its time may be older than the node's
    clock allows for a fresh proposal."""


@dataclass(frozen=True, slots=True)
class CommittedBlock:
    """A block agreed by a quorum; the node applies it and stores it with its certificate."""

    height: int
    digest: bytes
    payload: bytes
    certificate: CommitCertificate


@dataclass(frozen=True, slots=True)
class FetchRequest:
    """State transfer: this replica is behind and cannot catch up from messages alone.

    Issued only on evidence no single peer can fake: a verified commit certificate (in a
    ViewChange, NewView or quorum of commits), a stable checkpoint certificate, or f+1
    validators' signed messages for higher heights. The node fetches blocks `from_height` ..
    `to_height` with their commit certificates from any peers, verifies each certificate
    against `Replica.schedule.at(height)` and each block's link to the previous one,
    re-executes and applies them (calling `schedule_validators` for decisions in them), then
    calls `Replica.synced(last_applied_height, its_certificate)`. Partial progress is fine;
    if the replica is still behind it asks again, with back-off.
    """

    from_height: int
    to_height: int


@dataclass(frozen=True, slots=True)
class RelayRequest:
    """Relay a waiting client request to the primary before suspecting it.

    Castro & Liskov, OSDI 1999, section 4.1 (TOCS 2002, section 4.1): a backup that receives
    a request relays it to the primary. Here the node gossips requests already, so the replica
    asks for a relay only for a request that is still waiting after one retransmit interval;
    its view-change timer for that request starts only then (see `consensus/views.py`). The
    node forwards the request to the primary *and* the other validators, so that every backup
    waits for it and a primary that censors it is suspected by enough of them.
    """

    request: bytes
    """The request's key, as the node gave it to `Replica.set_waiting_request`."""
    primary: str
    """The primary of the replica's view at the height in flight."""


@dataclass(frozen=True, slots=True)
class Rejected:
    """A peer message (or a proposal the node refused) that was not used, with the reason."""

    message: Message
    reason: str
    conflicts_with: Message | None = None
    """Set for equivocation: the earlier message of the same sender and slot that `message`
    contradicts. Both signatures were checked, so the pair is evidence that the sender signed
    two conflicting messages (what the node counts for `audit anomalies`)."""


@dataclass(frozen=True, slots=True)
class Ready:
    """Everything the replica produced since the last `advance()`."""

    persist: tuple[Record, ...]
    """Sync these to the WAL before sending anything in `send`: own signed messages (votes,
    checkpoints, ViewChanges, NewViews), the NewView this replica entered its view with, and
    `Prepared` records. See `ReplicaCore.__init__` for what a restart needs back. A
    `Suspicion` and a `PrePrepareRequest` are signed but never persisted: they bind nothing,
    and after a restart the replica suspects or asks afresh if it must."""
    send: tuple[Outbound, ...]
    validate: tuple[Proposal, ...]
    committed: tuple[CommittedBlock, ...]
    """In height order."""
    rejected: tuple[Rejected, ...]
    """For logs and metrics only."""
    fetch: tuple[FetchRequest, ...] = ()
    """State transfer requests; only the last one matters."""
    relay: tuple[RelayRequest, ...] = ()
    """Waiting client requests to relay to the primary (and the other validators)."""


class Outbox:
    """The Ready being collected: the replica appends as it works, `consume` removes what the
    node handled. The node may handle a prefix of a Ready while more was produced meanwhile
    (re-entrant calls), so what it hands back must be a prefix of what is pending."""

    __slots__ = ("committed", "fetch", "persist", "rejected", "relay", "send", "validate")

    def __init__(self) -> None:
        self.persist: list[Record] = []
        self.send: list[Outbound] = []
        self.validate: list[Proposal] = []
        self.committed: list[CommittedBlock] = []
        self.rejected: list[Rejected] = []
        self.fetch: list[FetchRequest] = []
        self.relay: list[RelayRequest] = []

    def broadcast(self, message: Message) -> None:
        self.send.append(Outbound(to=None, message=message))

    def send_to(self, peer: str, message: Message) -> None:
        self.send.append(Outbound(to=peer, message=message))

    def emit_own(self, message: Message) -> None:
        """A message this replica signed: persisted before it is sent (see `Ready`)."""
        self.persist.append(message)
        self.broadcast(message)

    def has_ready(self) -> bool:
        return bool(
            self.persist
            or self.send
            or self.validate
            or self.committed
            or self.rejected
            or self.fetch
            or self.relay
        )

    def ready(self) -> Ready:
        return Ready(
            persist=tuple(self.persist),
            send=tuple(self.send),
            validate=tuple(self.validate),
            committed=tuple(self.committed),
            rejected=tuple(self.rejected),
            fetch=tuple(self.fetch),
            relay=tuple(self.relay),
        )

    def consume(self, ready: Ready) -> None:
        """Remove what the node handled."""
        _consume(self.persist, ready.persist, "persist")
        _consume(self.send, ready.send, "send")
        _consume(self.validate, ready.validate, "validate")
        _consume(self.committed, ready.committed, "committed")
        _consume(self.rejected, ready.rejected, "rejected")
        _consume(self.fetch, ready.fetch, "fetch")
        _consume(self.relay, ready.relay, "relay")


_T = TypeVar("_T")


def _consume(pending: list[_T], done: tuple[_T, ...], name: str) -> None:
    count = len(done)
    if pending[:count] != list(done):
        raise ConsensusError(f"advance(): Ready.{name} is not what ready() returned")
    del pending[:count]
