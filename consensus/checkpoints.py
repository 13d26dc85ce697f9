"""Checkpoints, the stable checkpoint and the watermarks. Reference: PBFT section 4.3.

Every `interval` heights each validator signs a Checkpoint for the block it committed there. A
quorum of matching Checkpoints is a stable checkpoint: its height is the low watermark, below
which the replica keeps nothing, and the high watermark is `window` heights above it. Messages
for heights outside the watermarks are not logged, so the log is bounded by the window.

Checkpoints above the high watermark are not logged either, but the latest one of each sender
is remembered: they are how a replica learns that it fell behind (TOCS 2002, section 6.2) and
they can form a stable-checkpoint certificate that proves it.
"""

from collections.abc import Callable
from dataclasses import dataclass

from consensus.messages import Checkpoint, CheckpointCertificate, Vote
from consensus.validators import ValidatorSet

ValidatorsAt = Callable[[int], ValidatorSet]
"""The validator set in force at a height."""


@dataclass(frozen=True, slots=True)
class CheckpointStats:
    """Sizes of the tracker's tables, for the bounded-memory tests and metrics."""

    heights: int
    votes: int
    own: int
    ahead: int


class CheckpointTracker:
    """Checkpoint votes between the watermarks, own checkpoints, and claims from above."""

    __slots__ = ("_ahead", "_interval", "_low", "_own", "_stable", "_votes", "_window")

    def __init__(self, low: int, interval: int, window: int) -> None:
        self._interval = interval
        self._window = window
        self._low = low
        self._stable: CheckpointCertificate | None = None
        self._votes: dict[int, dict[str, Checkpoint]] = {}
        """Peers' and own checkpoints for heights in (low, high]."""
        self._own: dict[int, Checkpoint] = {}
        """Own checkpoints at or above the low watermark: those above it are re-sent until
        stable; the one at it is relayed to peers still asking about that height."""
        self._ahead: dict[str, Checkpoint] = {}
        """Each sender's highest checkpoint above the high watermark."""

    # ----------------------------------------------------------------- accessors

    @property
    def low(self) -> int:
        """Low watermark: the last stable checkpoint (or a height proven final otherwise)."""
        return self._low

    @property
    def high(self) -> int:
        """High watermark: no height above it is logged or entered."""
        return self._low + self._window

    @property
    def stable(self) -> CheckpointCertificate | None:
        """Certificate of the low watermark, if it was reached through checkpoints."""
        return self._stable

    def is_checkpoint_height(self, height: int) -> bool:
        return height > 0 and height % self._interval == 0

    def stored(self, checkpoint: Checkpoint) -> Checkpoint | None:
        """What is already kept from this sender at this height (in or above the window)."""
        if checkpoint.height > self.high:
            ahead = self._ahead.get(checkpoint.sender)
            return ahead if ahead is not None and ahead.height == checkpoint.height else None
        return self._votes.get(checkpoint.height, {}).get(checkpoint.sender)

    def latest_own(self) -> Checkpoint | None:
        """The highest own checkpoint not yet stable (above the low watermark)."""
        above = [h for h in self._own if h > self._low]
        return self._own[max(above)] if above else None

    def own_at(self, height: int) -> Checkpoint | None:
        return self._own.get(height)

    def stats(self) -> CheckpointStats:
        return CheckpointStats(
            heights=len(self._votes),
            votes=sum(len(v) for v in self._votes.values()),
            own=len(self._own),
            ahead=len(self._ahead),
        )

    # ----------------------------------------------------------------- updates

    def add(self, checkpoint: Checkpoint, *, own: bool = False) -> None:
        """Keep a verified checkpoint for a height in (low, high] (own ones also at low)."""
        if checkpoint.height > self._low:
            self._votes.setdefault(checkpoint.height, {})[checkpoint.sender] = checkpoint
        if own:
            self._own[checkpoint.height] = checkpoint

    def note_ahead(self, checkpoint: Checkpoint) -> bool:
        """Remember a verified checkpoint above the high watermark if it is the sender's
        highest; True if it was kept."""
        earlier = self._ahead.get(checkpoint.sender)
        if earlier is not None and earlier.height >= checkpoint.height:
            return False
        self._ahead[checkpoint.sender] = checkpoint
        return True

    def certificate_at(self, height: int, validators: ValidatorSet) -> CheckpointCertificate | None:
        """A quorum of members' matching checkpoints at `height`, if there is one."""
        return _find_certificate(list(self._votes.get(height, {}).values()), lambda h: validators)

    def certificate_ahead(self, validators_at: ValidatorsAt) -> CheckpointCertificate | None:
        """The highest quorum of members' matching checkpoints among the claims from above
        the window (members and quorum taken from the set in force at each height)."""
        return _find_certificate(list(self._ahead.values()), validators_at)

    def advance(self, low: int, stable: CheckpointCertificate | None) -> None:
        """Move the low watermark up to `low` and drop everything at or below it. Claims from
        above that now fall inside the window join the votes."""
        if low <= self._low:
            return
        self._low = low
        if stable is not None:
            self._stable = stable
        elif self._stable is not None and self._stable.height < low:
            self._stable = None  # the watermark moved on a commit certificate instead
        for height in [h for h in self._votes if h <= low]:
            del self._votes[height]
        for height in [h for h in self._own if h < low]:
            del self._own[height]
        for sender, checkpoint in list(self._ahead.items()):
            if checkpoint.height <= self.high:
                del self._ahead[sender]
                if checkpoint.height > low:
                    self._votes.setdefault(checkpoint.height, {})[sender] = checkpoint

    def forget_from(self, height: int) -> None:
        """Drop peers' votes at or above `height` (their signer set changed)."""
        for h in [h for h in self._votes if h >= height]:
            self._votes[h] = {s: c for s, c in self._votes[h].items() if self._own.get(h) == c}
        self._ahead = {s: c for s, c in self._ahead.items() if c.height < height}


def _find_certificate(
    checkpoints: list[Checkpoint], validators_at: ValidatorsAt
) -> CheckpointCertificate | None:
    """The highest (height, digest) that a quorum of the set at that height signed."""
    groups: dict[tuple[int, bytes], list[Checkpoint]] = {}
    for checkpoint in checkpoints:
        if validators_at(checkpoint.height).get(checkpoint.sender) is not None:
            groups.setdefault((checkpoint.height, checkpoint.digest), []).append(checkpoint)
    found = [
        (height, digest, members)
        for (height, digest), members in groups.items()
        if len(members) >= validators_at(height).quorum
    ]
    if not found:
        return None
    height, digest, members = max(found, key=lambda f: (f[0], f[1]))
    votes = tuple(
        Vote(validator=c.sender, signature=c.signature)
        for c in sorted(members, key=lambda c: c.sender)
    )
    return CheckpointCertificate(height=height, digest=digest, votes=votes)


def checkpoints_of(cert: CheckpointCertificate) -> list[Checkpoint]:
    """The signed Checkpoint messages a certificate was made of (to relay it)."""
    return [
        Checkpoint(
            height=cert.height, digest=cert.digest, sender=v.validator, signature=v.signature
        )
        for v in cert.votes
    ]
