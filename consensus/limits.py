"""Every bound the consensus package enforces, in one place.

Peer input is untrusted, so each queue, buffer and field has a ceiling here, and the relations
the code relies on between them are checked at import time (a broken relation is a programming
error, so it raises instead of being silently tolerated). Per-replica settings that may vary
(`ReplicaConfig`) are checked against the `*_MAX` / `*_MIN` values here when constructed.
"""

from typing import Final

from suites import SUITES

U64_MAX: Final = 2**64 - 1
"""Views and heights are encoded as big-endian u64 in signed bytes; larger values are invalid."""

DIGEST_BYTES: Final = 32
"""A block digest is a 32-byte hash of the block header, computed by the node."""

SUITE_SIGNATURE_BYTES_MAX: Final = max(suite.signature_bytes for suite in SUITES.values())
"""The longest signature of any crypto suite a chain can be made with (`suites.SUITES`: 64
bytes, Ed25519's and SM2's raw r || s alike). The chain's own suite checks the exact length."""

PUBLIC_KEY_LENGTHS: Final = frozenset(suite.public_key_bytes for suite in SUITES.values())
"""The lengths a validator public key may have: one per suite (32 for Ed25519, 65 for an
uncompressed SM2 point). A `ValidatorSet` holds keys of one length; the node checks each key
with its chain's `suite.is_public_key` (`validators.get_suite_key_problem`)."""

SIGNATURE_BYTES_MAX: Final = SUITE_SIGNATURE_BYTES_MAX
"""Longest signature field accepted from a peer; anything longer is rejected before any
verification work is spent on it."""

CHAIN_ID_BYTES_MAX: Final = 128
"""UTF-8 length of the chain id; it is u16-length-prefixed in signed bytes."""

VALIDATOR_ID_BYTES_MAX: Final = 64
"""UTF-8 length of a validator id; peers cannot make us store long sender strings."""

VALIDATORS_MAX: Final = 256
"""Upper bound on the validator set size, which bounds every per-sender table."""

PAYLOAD_BYTES_MAX: Final = 4 * 1024 * 1024
"""Largest block payload carried in a PrePrepare (or a ViewChange)."""

# ----------------------------------------------------------------------------- heights

CHECKPOINT_INTERVAL_DEFAULT: Final = 16
"""Heights between two checkpoints (PBFT's K). Reference: PBFT section 4.3."""

CHECKPOINT_INTERVAL_MIN: Final = 1

WINDOW_HEIGHTS_DEFAULT: Final = 2 * CHECKPOINT_INTERVAL_DEFAULT
"""Default distance between the low watermark (last stable checkpoint) and the high one."""

WINDOW_HEIGHTS_MAX: Final = 1024
"""Largest window a configuration may choose; bounds the message log of any replica."""

WINDOW_HEIGHTS: Final = WINDOW_HEIGHTS_DEFAULT
"""Alias of the default window, for callers that predate configurable windows."""

MESSAGES_PER_SENDER_PER_HEIGHT_MAX: Final = 2
"""An honest validator signs at most two messages per height in one view: a primary a
PrePrepare and a Commit, a backup a Prepare and a Commit. Only the current view is logged."""

BUFFERED_MESSAGES_PER_SENDER_MAX: Final = MESSAGES_PER_SENDER_PER_HEIGHT_MAX * WINDOW_HEIGHTS_MAX
"""Hard ceiling on messages logged from one sender. A replica uses the tighter bound
MESSAGES_PER_SENDER_PER_HEIGHT_MAX * its window; an honest sender never reaches either."""

REQUEST_RELAY_DIVISOR: Final = 4
"""A backup relays the request it waits for to the primary once it has waited a quarter of
a retransmit interval (0.25 R, at least one tick; 200 ms at the node's defaults), and
suspects the primary a full view-change timeout after that relay (consensus/suspicion.py).
Why so soon: a dead primary is suspected at relay + T, and relaying after a whole R made its
replacement about 1 s slower in `make bench` (failover 3.2 s, 2.0-2.1 s before the relay;
2.3 s with the relay at R/4).
Why not at once: a request committed within that time (the usual case: the node gossips
every request at admission) costs no relay. A relay is one transaction to each peer."""

RECENT_HEIGHTS_RETAINED: Final = 8
"""Committed heights whose proof (pre-prepare and commits) is kept to help a peer that is still
working on them (catch-up retransmission). A peer further behind uses state transfer."""

CATCH_UP_BACKOFF_INTERVALS_MAX: Final = 16
"""Catch-up re-sends of one committed height to one peer back off exponentially, 1, 2, 4, ...
retransmit intervals apart, up to this many. This bounds the traffic spent on a dead or
Byzantine peer and damps any exchange of re-sends between two peers, without ever giving up
on a peer that was down for a long time. The same back-off paces checkpoint re-sends, relays
of proofs to lagging peers and repeated state-transfer requests."""

RETRANSMIT_TICKS_MIN: Final = 1

# ----------------------------------------------------------------------------- views

VIEW_CHANGE_TIMEOUT_TICKS_DEFAULT: Final = 20
"""Ticks without progress before a backup that is waiting for something asks for a new view."""

VIEW_CHANGE_TIMEOUT_DOUBLINGS_MAX: Final = 6
"""The timeout doubles for each consecutive view that fails to commit (PBFT section 4.5.2),
at most this many times, so a long outage does not leave replicas waiting for hours."""

VIEW_AHEAD_MAX: Final = 32
"""ViewChanges and foreign-view commits are kept only for views up to current + this. A NewView
is exempt: it proves itself with a quorum of signed ViewChanges and is not stored unless
accepted, so a replica any number of views behind can still be brought up to date."""

OLD_VIEW_COMMITS_PER_SENDER_MAX: Final = 4
"""Commits for the height in flight signed in another view than ours (a catch-up bundle or a
peer in another view) are kept, at most this many per sender; the lowest view is evicted."""

# ----------------------------------------------------------------------------- validator sets

SCHEDULED_SETS_MAX: Final = 16
"""Validator sets scheduled for future heights at once; more is a node bug."""

VALIDATOR_SETS_KEPT_MAX: Final = 2 * SCHEDULED_SETS_MAX
"""Validator sets a replica keeps, past ones included: evidence from a peer that is behind
(a ViewChange with an older commit certificate) is checked with the set in force at its
height. The oldest past sets are dropped beyond this, which bounds memory by the number of
sets, not by the length of the chain."""

SIGNERS_MAX: Final = 4
"""Keys one replica holds at a time (the current one plus rotations scheduled ahead)."""

VOTES_PER_CERTIFICATE_MAX: Final = VALIDATORS_MAX
"""A certificate never needs more votes than there are validators."""

VIEW_CHANGES_PER_NEW_VIEW_MAX: Final = VALIDATORS_MAX
"""A NewView carries at most one ViewChange per validator."""


def _check_relations() -> None:
    """Fail loudly at import if the limits stop fitting together."""
    if CHAIN_ID_BYTES_MAX > 0xFFFF:
        raise AssertionError("chain id must fit the u16 length prefix of signed bytes")
    if VALIDATOR_ID_BYTES_MAX > 0xFFFF or SIGNATURE_BYTES_MAX > 0xFFFF:
        raise AssertionError("ids and signatures must fit the u16 length prefixes")
    if VOTES_PER_CERTIFICATE_MAX > 0xFFFF or VIEW_CHANGES_PER_NEW_VIEW_MAX > 0xFFFF:
        raise AssertionError("vote and view-change counts must fit u16 prefixes")
    if BUFFERED_MESSAGES_PER_SENDER_MAX < MESSAGES_PER_SENDER_PER_HEIGHT_MAX * WINDOW_HEIGHTS_MAX:
        raise AssertionError("per-sender cap must admit an honest sender's full window")
    if not 2 * CHECKPOINT_INTERVAL_DEFAULT <= WINDOW_HEIGHTS_DEFAULT <= WINDOW_HEIGHTS_MAX:
        raise AssertionError("the default window must hold two checkpoint intervals")
    if RECENT_HEIGHTS_RETAINED < 1 or CHECKPOINT_INTERVAL_MIN < 1:
        raise AssertionError("retention and checkpoint interval must hold at least one height")
    if SIGNATURE_BYTES_MAX < SUITE_SIGNATURE_BYTES_MAX:
        raise AssertionError("every suite's signature must fit SIGNATURE_BYTES_MAX")
    if any(suite.hash_bytes != DIGEST_BYTES for suite in SUITES.values()):
        raise AssertionError("every suite's hash must be a DIGEST_BYTES block digest")
    if CATCH_UP_BACKOFF_INTERVALS_MAX < 1:
        raise AssertionError("catch-up back-off must be at least one interval")
    if VIEW_AHEAD_MAX < 1 or OLD_VIEW_COMMITS_PER_SENDER_MAX < 1:
        raise AssertionError("a replica must keep messages of at least the next view")
    if VIEW_CHANGE_TIMEOUT_DOUBLINGS_MAX < 0 or VIEW_CHANGE_TIMEOUT_TICKS_DEFAULT < 1:
        raise AssertionError("view-change timeout must be positive")
    if VALIDATOR_SETS_KEPT_MAX <= SCHEDULED_SETS_MAX:
        raise AssertionError("a replica must keep past sets besides the scheduled ones")
    if SIGNERS_MAX < 2:
        raise AssertionError("rotating a key needs the old and the new key at once")


_check_relations()
