"""Golden interaction scripts for the replica, in the manner of etcd raft's testdata.

Each file in testdata/consensus/ is a list of steps, each followed by `----` and the output it
must produce. Four replicas n0..n3 run the real `Replica` with deterministic fake signatures;
the harness plays the node (persist, send, validate, apply, state transfer, advance) and prints
every message sent (`from>to Kind fields`, `all` for a broadcast), every block applied and every
state-transfer request. `REWRITE=1 pytest tests/unit/test_consensus_scripts.py` regenerates the
expected output; read the diff before committing it.

Steps: `propose N`, `deliver` (the messages queued now, one hop), `stabilize` (until nothing
is in flight), `drop` (lose everything queued), `tick N[,N...] K`, `pending N[,N...] [REQ]`
(client request REQ, default `tx`, waits there), `idle N[,N...]` (none wait), `censor N REQ`
(N never proposes REQ), `withhold N M` (nothing N signs reaches M), `equivocate N M` (N's
pre-prepares reach M for another block, signed by N), `isolate N`, `heal`, `crash N`,
`restart N`, `status`.

Each node holds its waiting client requests in arrival order, as a mempool does: the oldest is
the replica's `set_waiting_request` at every tick, a primary's proposal carries all it holds
(`txs=` in the block), applying a block removes them, and a relay (`N relay REQ to P`) hands
the request to every peer N reaches.
"""

from __future__ import annotations

import hashlib
import os
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from consensus.messages import (
    Checkpoint,
    CommitCertificate,
    Message,
    NewView,
    PrePrepare,
    Record,
    Suspicion,
    ViewChange,
)
from consensus.replica import Replica, ReplicaConfig
from consensus.signing import preprepare_sign_bytes
from consensus.validators import Validator, ValidatorSet
from suites import ED25519_SHA256

TESTDATA = Path(__file__).parent / "testdata" / "consensus"
IDS = ("n0", "n1", "n2", "n3")
CHAIN = "script-chain"


class FakeKey:
    """Signature = SHA-256(public key + message): deterministic and cheap, not secure."""

    def __init__(self, validator_id: str) -> None:
        self.id = validator_id
        self.public_key = hashlib.sha256(b"pk/" + validator_id.encode()).digest()

    def sign(self, msg: bytes) -> bytes:
        return hashlib.sha256(self.public_key + msg).digest()


class FakeVerifier:
    def verify(self, public_key: bytes, msg: bytes, signature: bytes) -> bool:
        return signature == hashlib.sha256(public_key + msg).digest()


KEYS = {vid: FakeKey(vid) for vid in IDS}
VALIDATORS = ValidatorSet(tuple(Validator(vid, KEYS[vid].public_key) for vid in IDS))


def digest_of(payload: bytes) -> bytes:
    return hashlib.sha256(payload).digest()


@dataclass
class Node:
    """What a node keeps across a crash: its WAL and its applied chain."""

    id: str
    wal: list[Record] = field(default_factory=list)
    chain: dict[int, tuple[bytes, CommitCertificate]] = field(default_factory=dict)
    replica: Replica | None = None
    requests: list[str] = field(default_factory=list)
    """Waiting client requests, oldest first (the node's mempool)."""
    censored: set[str] = field(default_factory=set)
    """Requests this node never proposes (a censoring primary)."""

    def served(self, payload: bytes) -> None:
        """A block was applied: the requests it carries no longer wait."""
        text = payload.decode()
        if " txs=" in text:
            done = set(text.split(" txs=", 1)[1].split(","))
            self.requests = [r for r in self.requests if r not in done]

    def start(self) -> None:
        height = max(self.chain, default=0)
        self.replica = Replica(
            ReplicaConfig(
                CHAIN,
                VALIDATORS,
                self.id,
                retransmit_ticks=5,
                view_change_timeout_ticks=10,
                checkpoint_interval=2,
                window_heights=4,
                block_digest=digest_of,
                suite=ED25519_SHA256,
            ),
            KEYS[self.id],
            FakeVerifier(),
            committed_height=height,
            committed_certificate=self.chain[height][1] if height else None,
            signed=tuple(self.wal),
        )


def show(message: Message) -> str:
    name = type(message).__name__
    if isinstance(message, ViewChange):
        p = message.prepared
        prepared = f"v{p.view}/h{p.height}/{p.digest[:2].hex()}" if p else "-"
        committed = message.committed.height if message.committed else 0
        return f"{name} v={message.new_view} committed={committed} prepared={prepared}"
    if isinstance(message, NewView):
        senders = ",".join(vc.sender for vc in message.view_changes)
        pp = message.preprepare
        again = f"h{pp.height}/{pp.digest[:2].hex()}" if pp else "-"
        return f"{name} v={message.view} from={senders} reproposal={again}"
    if isinstance(message, Checkpoint):
        return f"{name} h={message.height} d={message.digest[:2].hex()}"
    if isinstance(message, Suspicion):
        return f"{name} v={message.view} h={message.height}"
    return f"{name} v={message.view} h={message.height} d={message.digest[:2].hex()}"


class Cluster:
    def __init__(self) -> None:
        self.nodes = {vid: Node(vid) for vid in IDS}
        for node in self.nodes.values():
            node.start()
        self.queue: deque[tuple[str, str, Message]] = deque()
        self.cut: set[str] = set()
        self.withheld: set[tuple[str, str]] = set()
        """(N, M): nothing N signs reaches M (a faulty validator leaving M out)."""
        self.equivocating: set[tuple[str, str]] = set()
        """(N, M): N's pre-prepares reach M for another block (a faulty primary)."""
        self.out: list[str] = []

    def replica(self, vid: str) -> Replica:
        replica = self.nodes[vid].replica
        if replica is None:
            raise ValueError(f"{vid} is crashed")
        return replica

    def linked(self, a: str, b: str) -> bool:
        both_up = self.nodes[a].replica is not None and self.nodes[b].replica is not None
        return both_up and a not in self.cut and b not in self.cut

    def drain(self, vid: str) -> None:
        """Handle the node's Ready as node/ does: persist, send, validate, apply, advance;
        then state transfer for a fetch request."""
        node, replica = self.nodes[vid], self.replica(vid)
        while replica.has_ready():
            ready = replica.ready()
            node.wal.extend(ready.persist)
            for out in ready.send:
                self.out.append(f"{vid}>{out.to or 'all'} {show(out.message)}")
                for to in [out.to] if out.to else [p for p in IDS if p != vid]:
                    if self.linked(vid, to) and (vid, to) not in self.withheld:
                        self.queue.append((vid, to, self.lie(vid, to, out.message)))
            for proposal in ready.validate:
                ok = digest_of(proposal.payload) == proposal.digest
                replica.validated(proposal.view, proposal.height, proposal.digest, ok)
            for block in ready.committed:
                node.chain[block.height] = (block.payload, block.certificate)
                node.served(block.payload)
                cert = block.certificate
                text = block.payload.decode()
                txs = " txs=" + text.split(" txs=", 1)[1] if " txs=" in text else ""
                self.out.append(
                    f"{vid} applied h={block.height} v={cert.view} d={block.digest[:2].hex()}{txs}"
                )
            replica.advance(ready)
            for relay in ready.relay:
                request = relay.request.decode()
                self.out.append(f"{vid} relay {request} to {relay.primary}")
                for peer in IDS:
                    waiting = self.nodes[peer].requests
                    if peer != vid and self.linked(vid, peer) and request not in waiting:
                        waiting.append(request)
            for fetch in ready.fetch[-1:]:
                self.out.append(f"{vid} fetch {fetch.from_height}..{fetch.to_height}")
                self.transfer(vid, fetch.to_height)

    def lie(self, vid: str, to: str, message: Message) -> Message:
        """What a faulty `vid` sends `to` instead of `message`: another block, signed."""
        if (vid, to) not in self.equivocating or not isinstance(message, PrePrepare):
            return message
        if message.sender != vid:
            return message
        payload = message.payload + b" (the other block)"
        digest = digest_of(payload)
        sign_bytes = preprepare_sign_bytes(CHAIN, message.view, message.height, digest)
        signature = KEYS[vid].sign(sign_bytes)
        self.out.append(f"{vid}>{to} sends PrePrepare d={digest[:2].hex()} instead")
        return PrePrepare(message.view, message.height, digest, payload, vid, signature)

    def transfer(self, vid: str, to_height: int) -> None:
        """Copy certified blocks from the first reachable peer that has any above ours."""
        node = self.nodes[vid]
        for peer in IDS:
            have = [h for h in self.nodes[peer].chain if h > max(node.chain, default=0)]
            if peer != vid and self.linked(vid, peer) and have:
                top = min(max(have), to_height)
                for height in range(min(have), top + 1):
                    node.chain[height] = self.nodes[peer].chain[height]
                    node.served(node.chain[height][0])
                self.out.append(f"{vid} synced h={top} from {peer}")
                self.replica(vid).synced(top, node.chain[top][1])
                return

    def deliver(self, count: int) -> None:
        for _ in range(count):
            sender, to, message = self.queue.popleft()
            if self.linked(sender, to):
                self.replica(to).step(message)
                self.drain(to)

    def run(self, command: str) -> str:
        self.out = []
        verb, *args = command.split()
        ids = args[0].split(",") if args else []
        if verb == "propose":
            replica = self.replica(ids[0])
            height = replica.committed_height + 1
            node = self.nodes[ids[0]]
            txs = [r for r in node.requests if r not in node.censored]
            text = f"block {height} from {ids[0]} in view {replica.view}"
            payload = (text + (f" txs={','.join(txs)}" if txs else "")).encode()
            replica.propose(payload, digest_of(payload))
            self.drain(ids[0])
        elif verb == "deliver":
            self.deliver(len(self.queue))
        elif verb == "stabilize":
            while self.queue:
                self.deliver(len(self.queue))
        elif verb == "drop":
            self.out.append(f"dropped {len(self.queue)} messages")
            self.queue.clear()
        elif verb == "tick":
            for _ in range(int(args[1])):
                for vid in ids:
                    waiting = self.nodes[vid].requests
                    self.replica(vid).set_waiting_request(waiting[0].encode() if waiting else None)
                    self.replica(vid).tick()
                    self.drain(vid)
        elif verb == "pending":
            request = args[1] if len(args) > 1 else "tx"
            for vid in ids:
                if request not in self.nodes[vid].requests:
                    self.nodes[vid].requests.append(request)
        elif verb == "idle":
            for vid in ids:
                self.nodes[vid].requests.clear()
        elif verb == "censor":
            self.nodes[ids[0]].censored.add(args[1])
        elif verb == "withhold":
            self.withheld.add((ids[0], args[1]))
        elif verb == "equivocate":
            self.equivocating.add((ids[0], args[1]))
        elif verb == "isolate":
            self.cut.update(ids)
        elif verb == "heal":
            self.cut.clear()
        elif verb == "crash":
            self.nodes[ids[0]].replica = None
        elif verb == "restart":
            self.nodes[ids[0]].start()
            self.drain(ids[0])
        elif verb == "status":
            for vid in IDS:
                r = self.nodes[vid].replica
                self.out.append(
                    f"{vid} crashed"
                    if r is None
                    else f"{vid} view={r.view} {r.status.value} committed={r.committed_height}"
                    f" watermarks={r.low_watermark}..{r.high_watermark}"
                )
        else:
            raise ValueError(f"unknown step {command!r}")
        return "\n".join(self.out) or "ok"


def replay(text: str) -> str:
    """Run every step of a script; return the script with the actual output in place."""
    cluster = Cluster()
    blocks: list[str] = []
    for block in text.strip().split("\n\n"):
        lines = block.splitlines()
        comments = [line for line in lines if line.startswith("#")]
        steps = [line for line in lines if not line.startswith("#")]
        if not steps:
            blocks.append("\n".join(comments))
            continue
        blocks.append("\n".join([*comments, steps[0], "----", cluster.run(steps[0])]))
    return "\n\n".join(blocks) + "\n"


@pytest.mark.parametrize("path", sorted(TESTDATA.glob("*.txt")), ids=lambda p: p.stem)
def test_script(path: Path) -> None:
    expected = path.read_text()
    actual = replay(expected)
    if os.environ.get("REWRITE") == "1":
        path.write_text(actual)
    assert actual == expected
