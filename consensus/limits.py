"""Every bound the consensus package enforces, in one place.

Peer input is untrusted, so each queue, buffer and field has a ceiling here, and the relations
the code relies on between them are checked at import time (a broken relation is a programming
error, so it raises instead of being silently tolerated).
"""

from typing import Final

U64_MAX: Final = 2**64 - 1
"""Views and heights are encoded as big-endian u64 in signed bytes; larger values are invalid."""

DIGEST_BYTES: Final = 32
"""A block digest is a 32-byte hash of the block header, computed by the node."""

ED25519_PUBLIC_KEY_BYTES: Final = 32
ED25519_SEED_BYTES: Final = 32

ED25519_SIGNATURE_BYTES: Final = 64

SIGNATURE_BYTES_MAX: Final = ED25519_SIGNATURE_BYTES
"""Longest signature field accepted from a peer; anything longer is rejected before any
verification work is spent on it."""

CHAIN_ID_BYTES_MAX: Final = 128
"""UTF-8 length of the chain id; it is u16-length-prefixed in signed bytes."""

VALIDATOR_ID_BYTES_MAX: Final = 64
"""UTF-8 length of a validator id; peers cannot make us store long sender strings."""

VALIDATORS_MAX: Final = 256
"""Upper bound on the validator set size, which bounds every per-sender table."""

PAYLOAD_BYTES_MAX: Final = 4 * 1024 * 1024
"""Largest block payload carried in a PrePrepare."""

WINDOW_HEIGHTS: Final = 8
"""Messages are accepted for heights committed+1 .. committed+WINDOW_HEIGHTS; later ones are
rejected, earlier ones are late."""

MESSAGES_PER_SENDER_PER_HEIGHT_MAX: Final = 2
"""An honest validator signs at most two messages per height in one view: a primary a
PrePrepare and a Commit, a backup a Prepare and a Commit."""

BUFFERED_MESSAGES_PER_SENDER_MAX: Final = MESSAGES_PER_SENDER_PER_HEIGHT_MAX * WINDOW_HEIGHTS
"""Cap on messages kept from one sender across the whole window; an honest sender never
reaches it, so hitting it is evidence of a faulty peer."""

RECENT_HEIGHTS_RETAINED: Final = WINDOW_HEIGHTS
"""Committed heights whose own messages are kept to help a peer that is still working on them
(catch-up retransmission). A peer further behind needs state transfer (a later issue)."""

CATCH_UP_BACKOFF_INTERVALS_MAX: Final = 16
"""Catch-up re-sends of one committed height to one peer back off exponentially, 1, 2, 4, ...
retransmit intervals apart, up to this many. This bounds the traffic spent on a dead or
Byzantine peer and damps any exchange of re-sends between two peers, without ever giving up
on a peer that was down for a long time."""

RETRANSMIT_TICKS_MIN: Final = 1


def _check_relations() -> None:
    """Fail loudly at import if the limits stop fitting together."""
    if CHAIN_ID_BYTES_MAX > 0xFFFF:
        raise AssertionError("chain id must fit the u16 length prefix of signed bytes")
    if BUFFERED_MESSAGES_PER_SENDER_MAX < MESSAGES_PER_SENDER_PER_HEIGHT_MAX * WINDOW_HEIGHTS:
        raise AssertionError("per-sender cap must admit an honest sender's full window")
    if RECENT_HEIGHTS_RETAINED < 1 or WINDOW_HEIGHTS < 1:
        raise AssertionError("window and retention must hold at least one height")
    if SIGNATURE_BYTES_MAX < ED25519_SIGNATURE_BYTES:
        raise AssertionError("an Ed25519 signature must fit SIGNATURE_BYTES_MAX")
    if CATCH_UP_BACKOFF_INTERVALS_MAX < 1:
        raise AssertionError("catch-up back-off must be at least one interval")


_check_relations()
