"""What the replica asks the node to do, collected between two `advance()` calls.

The node handles a `Ready` in this order: sync `persist` to the WAL, send `send`, hand
`validate` to the block validator, apply `committed` in height order, then `advance(ready)`.
Persisting before sending means a restarted replica knows every vote it ever sent and never
signs a conflicting one. A Proposal for height h+1 is only produced after the Ready holding
the CommittedBlock for height h was advanced, so a Ready never holds both and validation
always runs against the applied state.
"""

from dataclasses import dataclass

from consensus.messages import CommitCertificate, Message


@dataclass(frozen=True, slots=True)
class Outbound:
    """One message to send.

    `message.sender` is not always this replica: catch-up relays the primary's pre-prepare
    and other validators' commits. Receivers authenticate messages by their signatures, so the
    node must not drop a message because it arrived over another validator's connection.
    """

    to: str | None
    """Recipient validator id, or None to broadcast to all other validators."""
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


@dataclass(frozen=True, slots=True)
class CommittedBlock:
    """A block agreed by a quorum; the node applies it and stores it with its certificate."""

    height: int
    digest: bytes
    payload: bytes
    certificate: CommitCertificate


@dataclass(frozen=True, slots=True)
class Rejected:
    """A peer message (or a proposal the node refused) that was not used, with the reason."""

    message: Message
    reason: str


@dataclass(frozen=True, slots=True)
class Ready:
    """Everything the replica produced since the last `advance()`."""

    persist: tuple[Message, ...]
    """Own signed messages: sync them to the WAL before sending anything in `send`."""
    send: tuple[Outbound, ...]
    validate: tuple[Proposal, ...]
    committed: tuple[CommittedBlock, ...]
    """In height order."""
    rejected: tuple[Rejected, ...]
    """For logs and metrics only."""
