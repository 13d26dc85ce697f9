"""The replica's message log and its record of recently committed heights.

These are the replica's mutable state, kept apart from the protocol rules in `replica.py`.
They are plain mutable containers (not frozen) because they are updated in place on every
message; every size they can reach is bounded by `consensus.limits`.
"""

from collections import Counter
from dataclasses import dataclass, field
from enum import Enum
from typing import Literal

from consensus.limits import BUFFERED_MESSAGES_PER_SENDER_MAX
from consensus.messages import Commit, Message, Prepare, PrePrepare

Kind = Literal["preprepare", "prepare", "commit"]


def kind_of(message: object) -> Kind:
    """The kind of a consensus message; anything else is a caller bug and raises TypeError."""
    if isinstance(message, PrePrepare):
        return "preprepare"
    if isinstance(message, Prepare):
        return "prepare"
    if isinstance(message, Commit):
        return "commit"
    raise TypeError(f"not a consensus message: {type(message).__name__}")


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

    def stored(self, kind: Kind, sender: str) -> Message | None:
        """The message of this kind already kept from `sender`, if any."""
        if kind == "preprepare":
            pp = self.preprepare
            return pp if pp is not None and pp.sender == sender else None
        if kind == "prepare":
            return self.prepares.get(sender)
        return self.commits.get(sender)

    def messages(self) -> list[Message]:
        """All messages in the slot, for counting and for the record of committed heights."""
        out: list[Message] = []
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
    """Slots for uncommitted heights keyed by (view, height), with a per-sender cap.

    Keyed by view as well as height so that view changes (a later issue) can keep the
    messages of several views for one height side by side.
    """

    __slots__ = ("_per_sender", "_slots")

    def __init__(self) -> None:
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
        return self._per_sender[sender] < BUFFERED_MESSAGES_PER_SENDER_MAX

    def add(self, message: Message, *, counted: bool = True) -> Slot:
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
        for key in [k for k in self._slots if k[1] <= height]:
            for message in self._slots.pop(key).messages():
                if message.sender != self_id:
                    self._per_sender[message.sender] -= 1
                    if self._per_sender[message.sender] <= 0:
                        del self._per_sender[message.sender]

    def buffered_from(self, sender: str) -> int:
        """Messages currently counted against `sender`'s cap (for tests and metrics)."""
        return self._per_sender[sender]


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
    seen: dict[tuple[Kind, str], Message]
    """Peers' messages for this height: to recognise a re-send and to know who voted."""
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
