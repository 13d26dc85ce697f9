"""One simulated run: a scenario drawn from a seed, the event loop, and the checkers.

A run has two phases. In the chaotic phase the network drops, duplicates, delays and reorders
messages, partitions come and go, honest nodes crash (some right after syncing votes they never
sent) and restart from their WAL and ledger, and up to f Byzantine validators lie. Then the
network heals (no loss, no partition, every honest node up; the Byzantine ones keep lying) and
every honest node must commit `liveness_heights` new heights within `liveness_ticks`.

Checkers, run throughout:
- safety: no two honest nodes commit different blocks at a height; no honest validator signs
  two different messages for one (view, height, kind), checkpoint height or view; an honest
  node never sends an own message it has not persisted; no internal invariant breaks;
- certificates: every block an honest node applies carries a commit certificate that verifies
  against the validator set in force at its height (the scenario's ground truth);
- liveness: as above, after healing.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field

from consensus.errors import InvalidCertificate
from consensus.messages import (
    Checkpoint,
    Commit,
    Message,
    NewView,
    Prepare,
    PrePrepare,
    PrePrepareRequest,
    Suspicion,
    ViewChange,
)
from consensus.ready import CommittedBlock, FetchRequest
from consensus.validators import ValidatorSchedule, verify_commit_certificate
from tests.sim.attacks import ByzantineNode
from tests.sim.blocks import CHAIN_ID, Reconfig, make_schedule
from tests.sim.fakecrypto import make_verifier
from tests.sim.network import Network
from tests.sim.node import SimNode

BEHAVIOURS = (
    "silent",
    "equivocate",
    "conflicting_votes",
    "bad_signatures",
    "replay",
    "view_change_spam",
    "forge",
    "bad_checkpoint",
    "bad_payload",
    "bad_proposal",
    "bad_fetch",
    "bad_new_view",
    "withhold_commits",
)


@dataclass(frozen=True, slots=True)
class Event:
    tick: int
    kind: str
    """crash, crash_after_persist, restart, partition, heal_partition, join."""
    node: str = ""
    groups: tuple[tuple[str, int], ...] = ()


REPLICA_TUNING = (
    "retransmit_ticks",
    "view_change_timeout_ticks",
    "checkpoint_interval",
    "window_heights",
)


@dataclass(frozen=True, slots=True)
class Scenario:
    seed: int
    n: int
    byzantine: tuple[tuple[str, tuple[str, ...]], ...]
    drop_probability: float
    commit_drop_probability: float
    duplicate_probability: float
    delay_ticks_max: int
    chaos_ticks: int
    events: tuple[Event, ...]
    reconfig: Reconfig | None
    joiner: str | None
    """A validator that is not in genesis; it starts empty at a `join` event."""
    retransmit_ticks: int
    view_change_timeout_ticks: int
    checkpoint_interval: int
    window_heights: int
    real_crypto: bool
    liveness_heights: int = 3
    liveness_ticks: int = 6000
    lazy_drain: bool = False
    """Nodes sometimes take several messages before draining the Ready, as a real node does
    when gRPC handlers step the replica between two runs of its driver loop."""

    @property
    def replica_tuning(self) -> dict[str, int]:
        """The fields above that every replica's `ReplicaConfig` takes under the same names."""
        return {name: getattr(self, name) for name in REPLICA_TUNING}

    @property
    def genesis(self) -> tuple[tuple[str, int], ...]:
        return tuple((f"v{i}", 0) for i in range(self.n))

    def describe(self) -> str:
        byz = ",".join(f"{v}:{'+'.join(b)}" for v, b in self.byzantine) or "none"
        reconfig = self.reconfig.kind if self.reconfig else "none"
        return (
            f"n={self.n} byzantine={byz} drop={self.drop_probability}"
            f"/{self.commit_drop_probability} "
            f"dup={self.duplicate_probability} delay<={self.delay_ticks_max} "
            f"chaos={self.chaos_ticks} events={len(self.events)} reconfig={reconfig} "
            f"checkpoint={self.checkpoint_interval}/{self.window_heights} "
            f"crypto={'ed25519' if self.real_crypto else 'fake'}"
            f"{' lazy-drain' if self.lazy_drain else ''}"
        )


def make_scenario(seed: int, *, real_crypto: bool = False, n: int | None = None) -> Scenario:
    """Everything random about a run, drawn from `seed` alone."""
    rng = random.Random(f"scenario/{seed}")
    n = n if n is not None else (7 if rng.random() < 0.2 else 4)
    f = (n - 1) // 3
    ids = [f"v{i}" for i in range(n)]
    byzantine_count = rng.choice([0, *range(1, f + 1), *range(1, f + 1)])
    byzantine_ids = sorted(rng.sample(ids, byzantine_count))
    adversarial_view_change = bool(byzantine_ids) and rng.random() < 0.3
    if adversarial_view_change:
        # A Byzantine primary choosing its NewView quorum and lying in it, while commits are
        # lost so that replicas commit at different times: the case view changes exist for.
        byzantine = tuple(
            (vid, ("bad_new_view", "conflicting_votes", "withhold_commits"))
            for vid in byzantine_ids
        )
    else:
        byzantine = tuple(
            (vid, tuple(sorted(rng.sample(BEHAVIOURS, rng.randint(1, 4))))) for vid in byzantine_ids
        )
    honest = [v for v in ids if v not in byzantine_ids]
    chaos_ticks = rng.randint(150, 400)
    events: list[Event] = []
    for _ in range(rng.randint(0, 4)):
        victim = rng.choice(honest)
        start = rng.randrange(chaos_ticks)
        kind = rng.choice(["crash", "crash_after_persist"])
        events.append(Event(start, kind, victim))
        events.append(Event(start + rng.randint(5, 150), "restart", victim))
    for _ in range(rng.randint(0, 3)):
        start = rng.randrange(chaos_ticks)
        if rng.random() < 0.5:  # one node cut off from everyone
            alone = rng.choice(ids)
            groups = tuple((v, int(v == alone)) for v in [*ids, f"v{n}"])
        else:
            groups = tuple((v, rng.randrange(2)) for v in [*ids, f"v{n}"])
        events.append(Event(start, "partition", groups=groups))
        events.append(Event(start + rng.randint(10, 120), "heal_partition"))
    reconfig: Reconfig | None = None
    joiner: str | None = None
    if n == 4 and rng.random() < 0.35:
        kinds = ["add", "replace", "rotate"] + (["remove"] if not byzantine_ids else [])
        kind = rng.choice(kinds)
        decision = rng.randint(2, 40)
        activation = decision + rng.randint(1, 24)
        members = [(v, 0) for v in ids]
        if kind in ("add", "replace"):
            joiner = f"v{n}"
            if kind == "replace":
                members.remove((rng.choice(honest), 0))
            members.append((joiner, 0))
            events.append(Event(rng.randrange(chaos_ticks), "join", joiner))
        elif kind == "rotate":
            rotated = rng.choice(honest)
            members = [(v, 1 if v == rotated else 0) for v, _ in members]
        else:
            members.remove((rng.choice(honest), 0))
        reconfig = Reconfig(kind, decision, activation, tuple(sorted(members)))
    interval = rng.choice([2, 4, 16])
    return Scenario(
        seed=seed,
        n=n,
        byzantine=byzantine,
        drop_probability=rng.choice([0.0, 0.02, 0.1, 0.25]),
        commit_drop_probability=0.6
        if adversarial_view_change
        else rng.choice([0.0, 0.0, 0.3, 0.6]),
        duplicate_probability=rng.choice([0.0, 0.05, 0.2]),
        delay_ticks_max=rng.randint(1, 4),
        chaos_ticks=chaos_ticks,
        events=tuple(sorted(events, key=lambda e: e.tick)),
        reconfig=reconfig,
        joiner=joiner,
        retransmit_ticks=rng.choice([4, 5, 8]),
        view_change_timeout_ticks=rng.choice([16, 20, 30]),
        checkpoint_interval=interval,
        window_heights=interval * rng.choice([2, 3]),
        real_crypto=real_crypto,
        lazy_drain=rng.random() < 0.5,  # drawn last: the fields above stay as they were
    )


@dataclass(slots=True)
class Result:
    seed: int
    scenario: Scenario
    safety: list[str] = field(default_factory=list)
    liveness: list[str] = field(default_factory=list)
    heights: dict[str, int] = field(default_factory=dict)
    ticks: int = 0
    messages: int = 0
    max_view: int = 0
    fingerprint: str = ""
    """Hash of everything committed and sent: equal fingerprints = identical runs."""


class World:
    """The nodes, the network and the clock of one run."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.rng = random.Random(f"world/{scenario.seed}")
        self.network = Network(
            self.rng,
            drop_probability=scenario.drop_probability,
            commit_drop_probability=scenario.commit_drop_probability,
            duplicate_probability=scenario.duplicate_probability,
            delay_ticks_max=scenario.delay_ticks_max,
        )
        real = scenario.real_crypto
        self.genesis_schedule = make_schedule(scenario.genesis, None, real=real)
        self.truth_schedule: ValidatorSchedule = make_schedule(
            scenario.genesis, scenario.reconfig, real=real
        )
        self.verifier = make_verifier(real=real)
        self.result = Result(seed=scenario.seed, scenario=scenario)
        self.committed: dict[int, tuple[bytes, str]] = {}
        self.signed: dict[tuple[str, str, int, int], object] = {}
        self.fetches: dict[int, list[tuple[SimNode, FetchRequest]]] = {}
        self._events: list[Event] = list(scenario.events)
        self._fingerprint = hashlib.sha256()
        self.nodes: dict[str, SimNode] = {}
        self.node_ids: list[str] = [v for v, _ in scenario.genesis]
        if scenario.joiner is not None:
            self.node_ids.append(scenario.joiner)
        byzantine = dict(scenario.byzantine)
        for vid, _ in scenario.genesis:
            if vid in byzantine:
                self.nodes[vid] = self.make_byzantine(vid, byzantine[vid])
            else:
                self.nodes[vid] = SimNode(self, vid)

    def make_byzantine(self, node_id: str, behaviours: tuple[str, ...]) -> SimNode:
        """A Byzantine validator; the named scenarios (tests/sim/scenarios.py) put their
        own attackers here."""
        return ByzantineNode(self, node_id, behaviours)

    # ----------------------------------------------------------------- observation

    def violation(self, kind: str, text: str) -> None:
        target = self.result.safety if kind == "safety" else self.result.liveness
        if len(target) < 20:
            target.append(f"t={self.network.now} {text}")

    def observe_commit(self, node: SimNode, block: CommittedBlock) -> None:
        if node.byzantine:
            return
        first = self.committed.setdefault(block.height, (block.digest, node.id))
        if first[0] != block.digest:
            self.violation(
                "safety",
                f"height {block.height}: {first[1]} committed {first[0].hex()[:12]}, "
                f"{node.id} committed {block.digest.hex()[:12]}",
            )
        try:
            verify_commit_certificate(
                CHAIN_ID, self.truth_schedule, block.certificate, self.verifier
            )
        except InvalidCertificate as exc:
            self.violation("safety", f"{node.id} height {block.height}: bad certificate: {exc}")
        self._fingerprint.update(f"{node.id}:{block.height}:".encode() + block.digest)

    def observe_sent(self, node: SimNode, message: Message) -> None:
        """Honest validators never sign two different things for one slot."""
        if node.byzantine or message.sender != node.id:
            return
        key: tuple[str, str, int, int]
        value: object
        if isinstance(message, PrePrepare | Prepare | Commit):
            key = (message.sender, type(message).__name__, message.view, message.height)
            value = message.digest
        elif isinstance(message, Checkpoint):
            key, value = (message.sender, "Checkpoint", 0, message.height), message.digest
        elif isinstance(message, Suspicion | PrePrepareRequest):
            return  # Non-binding: a suspicion or a request for a peer's pre-prepare.
        elif isinstance(message, ViewChange):
            # A replica may ask for the same view again after committing more (a newer
            # certificate); two different ViewChanges with the same certificate are a lie.
            height = message.committed.height if message.committed else 0
            key = (message.sender, "ViewChange", message.new_view, height)
            value = (message.committed, message.prepared)
        elif isinstance(message, NewView):
            key = (message.sender, "NewView", message.view, 0)
            value = (message.view_changes, message.preprepare)
        else:  # pragma: no cover - every message kind is listed above
            return
        earlier = self.signed.setdefault(key, value)
        if earlier != value:
            self.violation("safety", f"{node.id} equivocated: two different {key[1]} at {key}")
        if isinstance(message, NewView | ViewChange):
            self.result.max_view = max(
                self.result.max_view,
                message.view if isinstance(message, NewView) else message.new_view,
            )

    # ----------------------------------------------------------------- wiring

    def targets(self, sender: str, to: str | None) -> list[str]:
        if to is not None:
            return [to] if to in self.nodes and to != sender else []
        return [v for v in self.nodes if v != sender]

    def schedule_fetch(self, node: SimNode, request: FetchRequest) -> None:
        due = self.network.now + self.rng.randint(1, 4)
        self.fetches.setdefault(due, []).append((node, request))

    def _serve_fetches(self) -> None:
        for node, request in self.fetches.pop(self.network.now, []):
            if not node.alive:
                continue
            peers = [p for p in self.nodes.values() if p is not node]
            first = self.rng.choice(peers)
            # As node/catchup.py: the peers in turn, until one has blocks that fit; a dead,
            # cut-off, lagging or withholding peer only sends the node on to the next one.
            # If none has any, the replica asks again later.
            for server in [first, *(p for p in peers if p is not first)]:
                if server.crashed or not self.network.connected(node.id, server.id):
                    continue
                before = len(node.ledger)
                node.apply_fetched(server.serve_fetch(request, len(node.ledger), node.id))
                if len(node.ledger) > before or not node.alive:
                    break

    def isolate_soon(self, node_id: str) -> None:
        """The adversary's network control (chaos phase only): cut one node off from
        everyone a few ticks from now, for a while, unless a partition is already planned."""
        now = self.network.now
        if now + 120 >= self.scenario.chaos_ticks or self.network.groups is not None:
            return
        if any(e.kind in ("partition", "heal_partition") for e in self._events[:4]):
            return
        groups = tuple((v, int(v == node_id)) for v in self.node_ids)
        start = now + self.rng.randint(1, 3)
        self._events.append(Event(start, "partition", groups=groups))
        self._events.append(Event(start + self.rng.randint(30, 100), "heal_partition"))
        self._events.sort(key=lambda e: e.tick)

    def _apply_event(self, event: Event) -> None:
        node = self.nodes.get(event.node)
        if event.kind in ("crash", "crash_after_persist") and node is not None and node.alive:
            if event.kind == "crash":
                node.crash()
            else:
                node.crash_after_persist = True
        elif event.kind == "restart" and node is not None:
            node.restart()
        elif event.kind == "partition":
            self.network.partition(dict(event.groups))
        elif event.kind == "heal_partition":
            self.network.groups = None
        elif event.kind == "join" and event.node not in self.nodes:
            self.nodes[event.node] = SimNode(self, event.node)

    # ----------------------------------------------------------------- the clock

    def step(self) -> None:
        """One tick: scheduled events, due messages (shuffled), fetches, then node ticks."""
        net = self.network
        while self._events and self._events[0].tick <= net.now:
            self._apply_event(self._events.pop(0))
        for _, to, message in net.take_due():
            node = self.nodes.get(to)
            if node is not None:
                node.receive(message)
        self._serve_fetches()
        order = list(self.nodes.values())
        self.rng.shuffle(order)
        for node in order:
            node.tick()
        net.now += 1

    def honest(self) -> list[SimNode]:
        return [n for n in self.nodes.values() if not n.byzantine]

    def run(self) -> Result:
        sc = self.scenario
        while self.network.now < sc.chaos_ticks:
            self.step()
        # Heal: no loss, no partitions, everyone honest up; Byzantine validators keep lying.
        self.network.heal()
        self._events = [e for e in self._events if e.kind == "join"]
        for event in self._events:
            self._apply_event(event)
        self._events = []
        for node in self.honest():
            node.crash_after_persist = False
            node.restart()
        base = max((len(n.ledger) for n in self.honest()), default=0)
        goal = base + sc.liveness_heights
        deadline = self.network.now + sc.liveness_ticks
        while self.network.now < deadline and not self.result.safety:
            if all(len(n.ledger) >= goal for n in self.honest()):
                break
            self.step()
        if not self.result.safety:
            behind = {n.id: len(n.ledger) for n in self.honest() if len(n.ledger) < goal}
            if behind:
                self.violation(
                    "liveness",
                    f"after healing at t={sc.chaos_ticks}, heights {behind} did not reach "
                    f"{goal} within {sc.liveness_ticks} ticks",
                )
        self.result.heights = {n.id: len(n.ledger) for n in self.nodes.values()}
        self.result.ticks = self.network.now
        self.result.messages = self.network.sent
        self._fingerprint.update(f"{self.network.now}:{self.network.sent}".encode())
        self.result.fingerprint = self._fingerprint.hexdigest()
        return self.result


def run_seed(seed: int, *, real_crypto: bool = False, n: int | None = None) -> Result:
    """Run one seed; everything about it is determined by the arguments."""
    return World(make_scenario(seed, real_crypto=real_crypto, n=n)).run()
