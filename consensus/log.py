"""The replica's message log, its record of recently committed heights, and the commits of
other views for the height in flight.

These are the replica's mutable state, kept apart from the protocol rules in `replica.py`.
They are plain mutable containers (not frozen) because they are updated in place on every
message; every size they can reach is bounded by `consensus.limits`.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from consensus.limits import BUFFERED_MESSAGES_PER_SENDER_MAX, OLD_VIEW_COMMITS_PER_SENDER_MAX
from consensus.messages import Commit, Kind, Message, NormalMessage, Prepare, PrePrepare
from consensus.validators import ValidatorSet

_SlotCondition = Callable[[int, int], bool]
"""A predicate on a slot's (view, height)."""


def kind_of(message: object) -> Kind:
    """The kind of a consensus message; anything else is a caller bug and raises TypeError."""
    if isinstance(message, PrePrepare):
        return "preprepare"
    if isinstance(message, Prepare):
        return "prepare"
    if isinstance(message, Commit):
        return "commit"
    raise TypeError(f"not a normal-case consensus message: {type(message).__name__}")


def is_waiting_kind(kind: Kind) -> bool:
    """A replica re-sends pre-prepares and prepares only while it still waits on their height;
    commits are also relayed by catch-up, so they say nothing about their signer's progress."""
    return kind != "commit"


class Validation(Enum):
    """Where the node's check of a proposed block stands."""

    NOT_ASKED = "not-asked"
    PENDING = "pending"
    OK = "ok"
    FAILED = "failed"


@dataclass(slots=True)
class Slot:
    """Everything received or signed for one (view, height) that is not yet committed.

    At most one message per (kind, sender) is kept: a second, different one from the same
    sender is equivocation and is rejected before it gets here.
    """

    view: int
    height: int
    preprepare: PrePrepare | None = None
    """The primary's proposal; its payload is what gets committed."""
    prepares: dict[str, Prepare] = field(default_factory=dict)
    """By sender, own prepare included; may hold digests other than the pre-prepare's."""
    commits: dict[str, Commit] = field(default_factory=dict)
    """By sender, own commit included; commits may arrive before the pre-prepare."""
    validation: Validation = Validation.NOT_ASKED
    """The node's verdict on `preprepare`; the primary's own proposal starts as OK."""

    def stored(self, kind: Kind, sender: str) -> NormalMessage | None:
        """The message of this kind already kept from `sender`, if any."""
        if kind == "preprepare":
            pp = self.preprepare
            return pp if pp is not None and pp.sender == sender else None
        if kind == "prepare":
            return self.prepares.get(sender)
        return self.commits.get(sender)

    def messages(self) -> list[NormalMessage]:
        """All messages in the slot, for counting and for the record of committed heights."""
        out: list[NormalMessage] = []
        if self.preprepare is not None:
            out.append(self.preprepare)
        out.extend(self.prepares.values())
        out.extend(self.commits.values())
        return out

    def count_prepares(self, digest: bytes, primary: str) -> int:
        """Prepares for `digest` from distinct backups (a primary's prepare never counts)."""
        return sum(1 for p in self.prepares.values() if p.digest == digest and p.sender != primary)

    def matching_commits(self, digest: bytes) -> list[Commit]:
        """Commits for `digest`, one per sender."""
        return [c for c in self.commits.values() if c.digest == digest]


class MessageLog:
    """Slots for uncommitted heights of the current view, keyed by (view, height), with a
    per-sender cap. Reference: PBFT section 4.2 (the log between the watermarks).

    A view change clears it (`clear`): only messages of the replica's current view are kept, so
    an honest sender has at most MESSAGES_PER_SENDER_PER_HEIGHT_MAX messages per height here.
    """

    __slots__ = ("_cap", "_per_sender", "_slots")

    def __init__(self, cap: int = BUFFERED_MESSAGES_PER_SENDER_MAX) -> None:
        if not 1 <= cap <= BUFFERED_MESSAGES_PER_SENDER_MAX:
            raise ValueError(f"per-sender cap must be 1..{BUFFERED_MESSAGES_PER_SENDER_MAX}")
        self._cap = cap
        self._slots: dict[tuple[int, int], Slot] = {}
        self._per_sender: Counter[str] = Counter()

    def find(self, view: int, height: int) -> Slot | None:
        return self._slots.get((view, height))

    def slot(self, view: int, height: int) -> Slot:
        """The slot for (view, height), created empty if needed."""
        key = (view, height)
        found = self._slots.get(key)
        if found is None:
            found = Slot(view=view, height=height)
            self._slots[key] = found
        return found

    def has_room(self, sender: str) -> bool:
        """False once `sender` has as many messages buffered as an honest sender ever could."""
        return self._per_sender[sender] < self._cap

    def add(self, message: NormalMessage, *, counted: bool = True) -> Slot:
        """Store a checked message; own messages are not counted against the sender cap."""
        slot = self.slot(message.view, message.height)
        if isinstance(message, PrePrepare):
            slot.preprepare = message
        elif isinstance(message, Prepare):
            slot.prepares[message.sender] = message
        else:
            slot.commits[message.sender] = message
        if counted:
            self._per_sender[message.sender] += 1
        return slot

    def drop_through(self, height: int, self_id: str) -> None:
        """Forget every slot at or below `height`, in all views; their messages are done."""
        self.drop_where(lambda view, h: h <= height, self_id)

    def drop_where(self, condition: _SlotCondition, self_id: str) -> None:
        """Forget every slot whose (view, height) meets `condition`."""
        for key in [k for k in self._slots if condition(*k)]:
            for message in self._slots.pop(key).messages():
                self._uncount(message, self_id)

    def replace_preprepare(self, slot: Slot, preprepare: PrePrepare, self_id: str) -> None:
        """Put `preprepare` in `slot` instead of whatever pre-prepare it held (a NewView's
        re-proposal overrides one that arrived before the NewView)."""
        if slot.preprepare is not None:
            self._uncount(slot.preprepare, self_id)
        slot.preprepare = preprepare
        slot.validation = Validation.NOT_ASKED
        if preprepare.sender != self_id:
            self._per_sender[preprepare.sender] += 1

    def clear(self) -> None:
        """Forget everything (a view change: messages of the old view are no longer used)."""
        self._slots.clear()
        self._per_sender.clear()

    def buffered_from(self, sender: str) -> int:
        """Messages currently counted against `sender`'s cap (for tests and metrics)."""
        return self._per_sender[sender]

    def count(self) -> int:
        """Messages held in all slots (for tests and metrics)."""
        return sum(len(slot.messages()) for slot in self._slots.values())

    def __len__(self) -> int:
        return len(self._slots)

    def _uncount(self, message: NormalMessage, self_id: str) -> None:
        if message.sender != self_id:
            self._per_sender[message.sender] -= 1
            if self._per_sender[message.sender] <= 0:
                del self._per_sender[message.sender]


class ForeignCommits:
    """Commits for the height in flight signed in views other than the replica's own.

    They arrive when a peer in another view relays its certificate (catch-up) or a replica
    lags in views. A quorum of them in one view is a commit certificate for the height: the
    block is decided (PBFT section 4.4) whatever view this replica is in. At most
    OLD_VIEW_COMMITS_PER_SENDER_MAX are kept per sender (lowest view evicted first), so a
    Byzantine sender signing commits in many views only displaces its own.
    """

    __slots__ = ("_by_sender",)

    def __init__(self) -> None:
        self._by_sender: dict[str, dict[int, Commit]] = {}

    def stored(self, sender: str, view: int) -> Commit | None:
        return self._by_sender.get(sender, {}).get(view)

    def add(self, commit: Commit) -> None:
        views = self._by_sender.setdefault(commit.sender, {})
        views[commit.view] = commit
        while len(views) > OLD_VIEW_COMMITS_PER_SENDER_MAX:
            del views[min(views)]

    def certificates(self, validators: ValidatorSet) -> list[list[Commit]]:
        """Each (view, digest) with a quorum of members' commits, as the commits, sorted by
        sender; ordered by view, highest first."""
        groups: dict[tuple[int, bytes], list[Commit]] = {}
        for sender, views in self._by_sender.items():
            if validators.get(sender) is None:
                continue
            for commit in views.values():
                groups.setdefault((commit.view, commit.digest), []).append(commit)
        found = [
            sorted(commits, key=lambda c: c.sender)
            for _, commits in sorted(groups.items(), key=lambda kv: -kv[0][0])
            if len(commits) >= validators.quorum
        ]
        return found

    def clear(self) -> None:
        self._by_sender.clear()

    def __len__(self) -> int:
        return sum(len(views) for views in self._by_sender.values())


@dataclass(slots=True)
class PrePrepareAsk:
    """A pre-prepare this replica asked its peers for (`consensus/proposals.py`)."""

    asked: list[str] = field(default_factory=list)
    """Peers asked so far, in order; one more each retransmit interval while it is missing."""
    next_tick: int = 0
    """Earliest tick for asking the next peer."""


@dataclass(slots=True)
class RecentHeight:
    """What we keep about a committed height so that a peer still working on it can finish it.

    A lagging peer is sent the height's proof: the primary's pre-prepare and a quorum of
    commits. Everything in it is signed by its author, so it can be relayed by anyone; the
    primary may have restarted and forgotten its proposal, and one helper is enough.
    """

    height: int
    digest: bytes
    committed_at_tick: int
    """Our tick count when we committed; the first catch-up send is one interval later."""
    preprepare: PrePrepare
    """The committed proposal, with its payload."""
    commits: tuple[Commit, ...]
    """The commits of our certificate (a quorum, own included)."""
    seen: dict[tuple[Kind, str], NormalMessage]
    """Peers' messages for this height (the latest view each): to recognise a re-send and to
    know who voted."""
    resent_by: set[str] = field(default_factory=set)
    """Peers that re-sent a prepare or pre-prepare since we last helped them: a replica
    re-sends those only while the height is still in flight for it."""
    sends: dict[str, int] = field(default_factory=dict)
    """Catch-up sends so far per peer, which sets the back-off before an unasked one."""
    last_send_tick: dict[str, int] = field(default_factory=dict)
    """When we last sent this height to each peer; re-sends are answered once an interval."""
    next_send_tick: dict[str, int] = field(default_factory=dict)
    """Earliest tick for an unasked send to a peer whose commit we never saw (back-off);
    absent means one interval after we committed."""

    def get_bundle_for(self, peer: str) -> list[Message]:
        """The pre-prepare and commits, minus what `peer` signed itself (it knows those).

        No prepares: a peer takes a re-sent prepare as a sign that its sender is stuck, and a
        bundle must never look like that, or two helpers would keep answering each other.
        """
        bundle: list[Message] = [] if self.preprepare.sender == peer else [self.preprepare]
        bundle.extend(c for c in self.commits if c.sender != peer)
        return bundle
