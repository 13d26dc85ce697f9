"""A seeded network: loss, duplication, delay (so reordering) and partitions.

Time is counted in ticks; every message takes 1..`delay_ticks_max` ticks, and the messages due
in one tick are delivered in a random order. All randomness comes from the world's one
`random.Random`, so a seed reproduces every delivery.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from consensus.messages import Commit, Message
from tests.sim.requests import ForwardTxs


@dataclass(slots=True)
class Network:
    rng: random.Random
    drop_probability: float = 0.0
    commit_drop_probability: float = 0.0
    """Extra loss for Commits only: replicas then often commit at different times, which is
    when a view change has to carry a prepared block over."""
    duplicate_probability: float = 0.0
    delay_ticks_max: int = 1
    now: int = 0
    groups: dict[str, int] | None = None
    """Partition: node id -> side; nodes on different sides cannot talk. None: healed."""
    queue: dict[int, list[tuple[str, str, Message | ForwardTxs]]] = field(default_factory=dict)
    sent: int = 0
    delivered: int = 0

    def connected(self, a: str, b: str) -> bool:
        groups = self.groups
        return groups is None or groups.get(a, 0) == groups.get(b, 0)

    def send(self, sender: str, to: str, message: Message | ForwardTxs) -> None:
        """Queue one copy (or two) unless lost; a partition loses it at sending time."""
        self.sent += 1
        if not self.connected(sender, to):
            return
        if self.drop_probability and self.rng.random() < self.drop_probability:
            return
        if (
            self.commit_drop_probability
            and isinstance(message, Commit)
            and self.rng.random() < self.commit_drop_probability
        ):
            return
        copies = 2 if self.rng.random() < self.duplicate_probability else 1
        for _ in range(copies):
            due = self.now + self.rng.randint(1, self.delay_ticks_max)
            self.queue.setdefault(due, []).append((sender, to, message))

    def take_due(self) -> list[tuple[str, str, Message | ForwardTxs]]:
        """Messages due now, shuffled; a partition that started meanwhile loses them too."""
        due = self.queue.pop(self.now, [])
        self.rng.shuffle(due)
        kept = [item for item in due if self.connected(item[0], item[1])]
        self.delivered += len(kept)
        return kept

    def partition(self, groups: dict[str, int]) -> None:
        self.groups = dict(groups)

    def heal(self) -> None:
        self.groups = None
        self.drop_probability = 0.0
        self.commit_drop_probability = 0.0
