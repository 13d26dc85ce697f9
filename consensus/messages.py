"""Wire-level PBFT messages and certificates, as plain immutable values.

The node translates these to and from protobuf; the consensus code only sees these classes.
`sequence number == block height`: PBFT's sequence number n is the height of the block.

Reference: M. Castro and B. Liskov, "Practical Byzantine Fault Tolerance", OSDI 1999, and
"Practical Byzantine Fault Tolerance and Proactive Recovery", ACM TOCS 20(4), 2002.
"""

from dataclasses import dataclass
from typing import Literal

# ----------------------------------------------------------------------------- certificates


@dataclass(frozen=True, slots=True)
class Vote:
    """One validator's signature inside a certificate."""

    validator: str
    signature: bytes


@dataclass(frozen=True, slots=True)
class CommitCertificate:
    """Proof that a quorum committed `digest` at `height` in one view.

    Checkable by anyone holding the validator set in force at `height`: each vote signs
    `signing.commit_sign_bytes(chain_id, view, height, digest)`. Votes are sorted by validator
    id and distinct, so one block has one canonical encoding per set of voters. All votes come
    from the same view: commits of different views must never be mixed (PBFT section 4.4: a
    commit in view v means "prepared in view v", and only a quorum of those fixes a block).
    """

    height: int
    digest: bytes
    votes: tuple[Vote, ...]
    view: int = 0
    """View in which every vote was signed. The default exists only so that callers written
    before commits were bound to views keep constructing certificates; a certificate from any
    later view verifies only with its true view."""


@dataclass(frozen=True, slots=True)
class PreparedCertificate:
    """Proof that `digest` was prepared at (view, height): PBFT's P-set entry (section 4.4).

    The primary's pre-prepare signature plus quorum-1 prepares from distinct backups, i.e. 2f
    when n = 3f+1. The block itself is not part of it (it is carried next to it, unsigned).
    """

    view: int
    height: int
    digest: bytes
    preprepare_signature: bytes
    """By the primary of `view` at `height`, over `signing.preprepare_sign_bytes`."""
    prepares: tuple[Vote, ...]
    """Backups' signatures over `signing.prepare_sign_bytes`, sorted by validator id."""


@dataclass(frozen=True, slots=True)
class CheckpointCertificate:
    """A stable checkpoint: a quorum signed `checkpoint_sign_bytes(chain_id, height, digest)`."""

    height: int
    digest: bytes
    votes: tuple[Vote, ...]


# ----------------------------------------------------------------------------- normal case


@dataclass(frozen=True, slots=True)
class PrePrepare:
    """The primary's proposal of a block for (view, height). Reference: PBFT section 4.2."""

    view: int
    """View in which the primary proposes."""
    height: int
    """Block height, PBFT's sequence number."""
    digest: bytes
    """32-byte hash of the block header; the only part of the block that is signed."""
    payload: bytes
    """The encoded block. Not signed: the node checks that it hashes to `digest`."""
    sender: str
    """Validator id of the primary."""
    signature: bytes
    """Signature over `signing.preprepare_sign_bytes(chain_id, view, height, digest)`."""


@dataclass(frozen=True, slots=True)
class _SlotVote:
    """What a prepare and a commit both say: their sender signed `digest` at (view, height).

    The two differ only in phase (and so in the domain tag of their signed bytes), so their
    fields are declared once here; neither is a subclass of the other.
    """

    view: int
    """View the message was sent in; signed, so certificates cannot mix views."""
    height: int
    digest: bytes
    sender: str
    signature: bytes
    """Over `signing.prepare_sign_bytes` or `signing.commit_sign_bytes`, by the class, of
    (chain_id, view, height, digest)."""


@dataclass(frozen=True, slots=True)
class Prepare(_SlotVote):
    """A backup's statement that it accepted the pre-prepare for (view, height, digest)."""


@dataclass(frozen=True, slots=True)
class Commit(_SlotVote):
    """A replica's statement that it is prepared for (view, height, digest); a quorum of them
    in one view is a `CommitCertificate`."""


@dataclass(frozen=True, slots=True)
class PrePrepareRequest:
    """A backup's request for the primary's pre-prepare of `digest` at (view, height), sent to
    a peer whose vote shows it holds it (`consensus/proposals.py`).

    A faulty primary can withhold its proposal from one backup, or send it another block than
    the others; the pre-prepare is signed by the primary, so any replica holding it can hand it
    on. Signed so a peer answers only members, and never persisted: it binds nothing.
    """

    view: int
    height: int
    digest: bytes
    """The pre-prepare's digest; empty for a standing request: whichever pre-prepare the peer
    accepts at (view, height), sent as soon as it does."""
    sender: str
    signature: bytes
    """Signature over `signing.preprepare_request_sign_bytes(chain_id, view, height, digest)`."""


# ----------------------------------------------------------------------------- checkpoints


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A replica's statement that it committed `digest` at checkpoint height `height`.

    Reference: PBFT section 4.3. The digest is the block (header) hash at `height`: the header
    commits to the state root after executing the block and, through the previous-hash chain,
    to every earlier block, so it is the state digest PBFT asks for.
    """

    height: int
    digest: bytes
    sender: str
    signature: bytes
    """Signature over `signing.checkpoint_sign_bytes(chain_id, height, digest)`."""


# ----------------------------------------------------------------------------- view change


@dataclass(frozen=True, slots=True)
class Suspicion:
    """A backup's non-binding statement that the primary of `view` makes no progress at
    `height`: the step before a ViewChange.

    PBFT (section 4.5.2) lets a backup that times out send a ViewChange at once, after which it
    signs nothing more in the old view. A backup that is alone in timing out (its link to the
    primary is down, it was partitioned) then spends the fault margin: the others go on
    without it, and it cannot safely come back, since votes in the old view would make its
    ViewChange stale evidence for a later NewView. So a backup first says it suspects the
    primary, still taking part in the view, and commits to leaving the view only once f+1
    members (at least one correct one besides a faulty one) suspect the same view at a height
    it has not passed. The idea is Raft's PreVote (Ongaro, dissertation, section 9.6). A
    suspicion is never part of a certificate and is not written to the WAL.
    """

    view: int
    height: int
    """The sender's height in flight when it suspected; stale once the receiver passed it."""
    sender: str
    signature: bytes
    """Signature over `signing.suspicion_sign_bytes(chain_id, view, height)`."""


@dataclass(frozen=True, slots=True)
class ViewChange:
    """A replica's request to move to `new_view`, with what it knows. PBFT section 4.4.

    PBFT's stable-checkpoint proof C is replaced by `committed`, the commit certificate of the
    sender's last committed block: it proves that height and, through the hash chain, every
    height below it. Because a replica has one height in flight, PBFT's P-set has at most one
    entry: the prepared certificate for the height right above `committed`.
    """

    new_view: int
    committed: CommitCertificate | None
    """Certificate of the sender's last committed height; None only at height 0 (genesis)."""
    prepared: PreparedCertificate | None
    """The highest-view prepared certificate for height committed+1, if the sender has one."""
    payload: bytes
    """The block of `prepared`, so the new primary can re-propose it. Not signed (the digest
    is); empty when there is no prepared certificate and inside a NewView."""
    sender: str
    signature: bytes
    """Signature over `signing.view_change_sign_bytes(chain_id, new_view, committed,
    prepared)`."""


@dataclass(frozen=True, slots=True)
class NewView:
    """The new primary's announcement of `view`, with the ViewChanges that justify it.

    Reference: PBFT section 4.4. Every replica recomputes from `view_changes` the first height
    of the view (one above the highest commit certificate among them) and whether a prepared
    block must be re-proposed there; `preprepare` must be exactly that re-proposal, or None.
    """

    view: int
    view_changes: tuple[ViewChange, ...]
    """Sorted by sender, one per sender, all for `view`, their payloads stripped."""
    preprepare: PrePrepare | None
    """The re-proposal in `view` of the highest-view prepared block, carrying its payload."""
    sender: str
    """The primary of `view` at the view's first height."""
    signature: bytes
    """Signature over `signing.new_view_sign_bytes(chain_id, view, view_changes,
    preprepare)`."""


NormalMessage = PrePrepare | Prepare | Commit
"""The normal-case messages of one (view, height)."""

Kind = Literal["preprepare", "prepare", "commit"]
"""The kind of a normal-case message (see `log.kind_of`)."""

Message = (
    PrePrepare
    | Prepare
    | Commit
    | PrePrepareRequest
    | Checkpoint
    | Suspicion
    | ViewChange
    | NewView
)
"""Everything replicas send to each other."""


@dataclass(frozen=True, slots=True)
class Prepared:
    """A WAL record, never sent: this replica became prepared for a block.

    PBFT keeps its log across crashes; ours is in memory, so the one part of it a ViewChange
    must report after a restart, the prepared certificate of the height in flight and its block,
    is persisted with the replica's own messages.
    """

    certificate: PreparedCertificate
    payload: bytes


Record = Message | Prepared
"""What `Ready.persist` holds and what a replica is restored from."""
