"""Wire-level PBFT messages, as plain immutable values.

The node translates these to and from protobuf; the consensus code only sees these classes.
`sequence number == block height`: PBFT's sequence number n is the height of the block.
"""

from dataclasses import dataclass


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
class Prepare:
    """A backup's statement that it accepted the pre-prepare for (view, height, digest)."""

    view: int
    height: int
    digest: bytes
    sender: str
    signature: bytes
    """Signature over `signing.prepare_sign_bytes(chain_id, view, height, digest)`."""


@dataclass(frozen=True, slots=True)
class Commit:
    """A replica's statement that it is prepared for (height, digest); quorum = committed."""

    view: int
    """View the commit was sent in. Not signed, so that certificates do not depend on views."""
    height: int
    digest: bytes
    sender: str
    signature: bytes
    """Signature over `signing.commit_sign_bytes(chain_id, height, digest)`."""


Message = PrePrepare | Prepare | Commit


@dataclass(frozen=True, slots=True)
class Vote:
    """One validator's commit signature inside a certificate."""

    validator: str
    signature: bytes


@dataclass(frozen=True, slots=True)
class CommitCertificate:
    """Proof that a quorum committed `digest` at `height`, checkable with the validator set.

    Votes are sorted by validator id and distinct, so one block has one canonical encoding per
    set of voters.
    """

    height: int
    digest: bytes
    votes: tuple[Vote, ...]
