"""The simulator's Byzantine nodes: every lie a replica can tell, in one place.

A `ByzantineNode` runs an honest replica on its inputs and lies on the way out with the
behaviours of `world.BEHAVIOURS`, which the random seeds pick. The named Byzantine
scenarios (tests/sim/scenarios.py) use an `Attacker`: a `ByzantineNode` whose lies are
switched on for a window of ticks only, so a scenario can measure how long the honest
replicas take to return to full strength once the disturbance ends; outside the window it behaves as an honest node. Besides
the behaviours it inherits (`equivocate`, `conflicting_votes`, ...), it has the ones only the
named scenarios use (kept out of `world.BEHAVIOURS`, so the random seeds stay as they are):

- `equivocate_each`: as primary, a different valid block to every backup at each height;
- `flood_view_changes`: every tick, a valid signed ViewChange for the next view and one for a
  view further ahead, to every peer, sometimes with a stale (empty) commit certificate;
- `junk`: messages a peer can put on the wire that no honest replica sends: fields out of
  range (views and heights of 2^64-1, digests and signatures of the wrong length, unknown or
  empty senders, garbage payloads), votes for heights long committed or far ahead, a NewView
  from a replica that is not the primary, forged senders; and forwarded transactions, most
  of them junk that admission refuses, one in four valid but handed to a single honest
  backup (issue 16 item 1);
- `withhold`: nothing it sends, relays or serves by state transfer reaches `victim`.
"""

from __future__ import annotations

import random
from dataclasses import replace
from typing import TYPE_CHECKING

from consensus import messages
from consensus.limits import U64_MAX
from consensus.ready import CommittedBlock, FetchRequest, Outbound, RelayRequest
from consensus.signing import (
    checkpoint_sign_bytes,
    commit_sign_bytes,
    new_view_sign_bytes,
    prepare_sign_bytes,
    preprepare_sign_bytes,
    view_change_sign_bytes,
)
from suites import ED25519_SHA256
from tests.sim.blocks import CHAIN_ID, GENESIS_DIGEST, block_digest, make_payload, parse_payload
from tests.sim.node import SimNode
from tests.sim.requests import ForwardTxs, SimTx

if TYPE_CHECKING:
    from tests.sim.world import World

NEW_BEHAVIOURS = frozenset({"equivocate_each", "flood_view_changes", "junk", "withhold"})

JUNK_PER_TICK_PROBABILITY = 0.5
FORWARD_PER_TICK_PROBABILITY = 0.3


class ByzantineNode(SimNode):
    """Runs an honest replica on its inputs and lies on the way out (at most f of these)."""

    byzantine = True

    def __init__(self, world: World, node_id: str, behaviours: tuple[str, ...]) -> None:
        self.behaviours = frozenset(behaviours)
        self.history: list[messages.Message] = []
        self.alternatives: dict[tuple[int, int], messages.PrePrepare] = {}
        super().__init__(world, node_id)

    @property
    def rng(self) -> random.Random:
        return self.world.rng

    def _sign(self, height: int, msg: bytes) -> bytes:
        member = self.schedule.at(height).get(self.id)
        for key in self.keys:
            if member is not None and key.public_key == member.public_key:
                return key.sign(msg)
        return self.keys[-1].sign(msg)

    def _view_change(
        self, view: int, committed: messages.CommitCertificate | None
    ) -> messages.ViewChange:
        """A view change to `view` claiming `committed` (true or stale) and nothing prepared,
        signed with this node's key."""
        height = (committed.height if committed else 0) + 1
        return messages.ViewChange(
            new_view=view,
            committed=committed,
            prepared=None,
            payload=b"",
            sender=self.id,
            signature=self._sign(
                height, view_change_sign_bytes(CHAIN_ID, view, committed, None, ED25519_SHA256.hash)
            ),
        )

    def maybe_propose(self) -> None:
        replica = self.replica
        if (
            "bad_proposal" in self.behaviours
            and replica is not None
            and replica.can_propose()
            and self.rng.random() < 0.5
        ):
            height = len(self.ledger) + 1
            payload = make_payload(height, b"\x00" * 32, self.id, replica.view, "bad")
            replica.propose(payload, block_digest(payload))
            return
        super().maybe_propose()

    def transmit(self, out: Outbound) -> None:
        message = out.message
        if "silent" in self.behaviours:
            return
        self.history.append(message)
        del self.history[:-200]
        targets = self.world.targets(self.id, out.to)
        if "withhold_commits" in self.behaviours and isinstance(message, messages.Commit):
            # Only one honest replica gets our commit: it may commit alone, the others lag;
            # an adversary that also controls the network then cuts it off for a while.
            targets = targets[message.height % len(targets) :][:1] if targets else []
            if targets and self.rng.random() < 0.2:
                self.world.isolate_soon(targets[0])
        for to in targets:
            self.world.network.send(self.id, to, self._mutate(message))
        if "replay" in self.behaviours and self.history and self.rng.random() < 0.3:
            old = self.rng.choice(self.history)
            to = self.rng.choice(self.world.node_ids)
            if to != self.id:
                self.world.network.send(self.id, to, old)

    def receive(self, message: messages.Message | ForwardTxs) -> None:
        if "replay" in self.behaviours and not isinstance(message, ForwardTxs):
            self.history.append(message)
            del self.history[:-200]
        super().receive(message)

    def tick(self) -> None:
        super().tick()
        replica = self.replica
        if replica is None:
            return
        if "view_change_spam" in self.behaviours and self.rng.random() < 0.05:
            new_view = replica.view + self.rng.randint(1, 40)
            self._broadcast(self._view_change(new_view, replica.committed_certificate))
        if "forge" in self.behaviours and self.rng.random() < 0.05:
            victim = self.rng.choice(self.world.node_ids)
            height = replica.committed_height + 1
            payload = make_payload(height, self.tip, victim, replica.view, "forged")
            fake = messages.PrePrepare(
                replica.view, height, block_digest(payload), payload, victim, b"\x07" * 64
            )
            self._broadcast(fake)

    def _broadcast(self, message: messages.Message) -> None:
        for to in self.world.targets(self.id, None):
            self.world.network.send(self.id, to, message)

    def _mutate(self, message: messages.Message) -> messages.Message:
        """Maybe replace one copy of an outgoing message by a lie."""
        b = self.behaviours
        rng = self.rng
        own = message.sender == self.id

        def lies(behaviour: str) -> bool:
            """This node has `behaviour` and the message is its own."""
            return own and behaviour in b

        if lies("equivocate") and isinstance(message, messages.PrePrepare) and rng.random() < 0.5:
            return self._alternative(message)
        conflicting = "conflicting_votes" in b and rng.random() < 0.5
        if own and isinstance(message, messages.Prepare | messages.Commit) and conflicting:
            alt = self._alternative_digest(message.view, message.height)
            if isinstance(message, messages.Prepare):
                msg = prepare_sign_bytes(CHAIN_ID, message.view, message.height, alt)
            else:
                msg = commit_sign_bytes(CHAIN_ID, message.view, message.height, alt)
            return replace(message, digest=alt, signature=self._sign(message.height, msg))
        if lies("bad_checkpoint") and isinstance(message, messages.Checkpoint):
            digest = bytes(rng.randrange(256) for _ in range(32))
            msg = checkpoint_sign_bytes(CHAIN_ID, message.height, digest)
            return replace(message, digest=digest, signature=self._sign(message.height, msg))
        if lies("bad_payload") and isinstance(message, messages.ViewChange) and message.prepared:
            return replace(message, payload=b"garbage")
        if lies("bad_new_view") and isinstance(message, messages.NewView) and rng.random() < 0.5:
            return self._lying_new_view(message)
        if "bad_signatures" in b and rng.random() < 0.2:
            return replace(message, signature=bytes(64))
        return message

    def _lying_new_view(self, nv: messages.NewView) -> messages.NewView:
        """A NewView with a fresh block of its own at the first height instead of the prepared
        one it had to carry over: either with the same ViewChanges, or with only the one that
        has the lowest certificate (too few, and an earlier first height), signed."""
        vcs = nv.view_changes
        if self.rng.random() < 0.3:
            lowest = min(vcs, key=lambda vc: vc.committed.height if vc.committed else 0)
            vcs = (lowest,)
        else:
            # Leave out the most advanced ViewChanges while a quorum remains (legitimate by
            # itself: any quorum will do), so the first height is as low as possible.
            quorum = self.schedule.at(len(self.ledger) + 1).quorum
            by_height = sorted(vcs, key=lambda vc: vc.committed.height if vc.committed else 0)
            vcs = tuple(sorted(by_height[: max(quorum, 1)], key=lambda vc: vc.sender))
        certs = [vc.committed.height for vc in vcs if vc.committed]
        start = max(certs, default=0) + 1
        prev = self.ledger[start - 2].digest if 1 < start <= len(self.ledger) + 1 else None
        if prev is None:
            prev = GENESIS_DIGEST if start == 1 else self.tip
        fields = parse_payload(nv.preprepare.payload) if nv.preprepare else None
        if fields is not None and nv.preprepare is not None and nv.preprepare.height == start:
            prev = fields.prev
        reconfig = self.world.scenario.reconfig
        decision = reconfig.decision() if reconfig and reconfig.decision_height == start else ""
        payload = make_payload(start, prev, self.id, nv.view, f"lie-{nv.view}", decision)
        digest = block_digest(payload)
        pp = messages.PrePrepare(
            nv.view,
            start,
            digest,
            payload,
            self.id,
            self._sign(start, preprepare_sign_bytes(CHAIN_ID, nv.view, start, digest)),
        )
        self.alternatives[(nv.view, start)] = pp  # its conflicting votes back the lie
        signature = self._sign(
            start, new_view_sign_bytes(CHAIN_ID, nv.view, vcs, pp, ED25519_SHA256.hash)
        )
        return replace(nv, view_changes=vcs, preprepare=pp, signature=signature)

    def _alternative(self, pp: messages.PrePrepare) -> messages.PrePrepare:
        """A second, equally valid block for the same (view, height), signed."""
        key = (pp.view, pp.height)
        alt = self.alternatives.get(key)
        if alt is None or alt.digest == pp.digest:
            fields = parse_payload(pp.payload)
            prev = fields.prev if fields is not None else self.tip
            payload = make_payload(pp.height, prev, self.id, pp.view, f"alt-{pp.view}")
            reconfig = self.world.scenario.reconfig
            if reconfig is not None and reconfig.decision_height == pp.height:
                payload = make_payload(
                    pp.height, prev, self.id, pp.view, f"alt-{pp.view}", reconfig.decision()
                )
            digest = block_digest(payload)
            signature = self._sign(
                pp.height, preprepare_sign_bytes(CHAIN_ID, pp.view, pp.height, digest)
            )
            alt = messages.PrePrepare(pp.view, pp.height, digest, payload, self.id, signature)
            self.alternatives[key] = alt
            if len(self.alternatives) > 64:
                del self.alternatives[min(self.alternatives)]
        return alt

    def _alternative_digest(self, view: int, height: int) -> bytes:
        alt = self.alternatives.get((view, height))
        if alt is not None:
            return alt.digest
        return block_digest(f"conflict-{view}-{height}".encode())

    def serve_fetch(
        self, request: FetchRequest, requester_height: int, requester: str = ""
    ) -> list[CommittedBlock]:
        blocks = super().serve_fetch(request, requester_height, requester)
        if "bad_fetch" not in self.behaviours:
            return blocks
        forged = messages.CommitCertificate(
            height=requester_height + 1, digest=b"\x01" * 32, votes=(), view=0
        )
        payload = make_payload(requester_height + 1, self.tip, self.id, 0, "forged")
        return [CommittedBlock(requester_height + 1, b"\x01" * 32, payload, forged)]


class Attacker(ByzantineNode):
    """A Byzantine validator that lies from tick `start` until tick `end` (None: to the end)."""

    def __init__(
        self,
        world: World,
        node_id: str,
        behaviours: tuple[str, ...],
        *,
        start: int,
        end: int | None,
        victim: str | None,
    ) -> None:
        self.start = start
        self.end = end
        self.victim = victim
        self.junk_sent = 0
        self.forwarded = 0
        super().__init__(world, node_id, behaviours)

    @property
    def active(self) -> bool:
        now = self.world.network.now
        return self.start <= now and (self.end is None or now < self.end)

    def _withheld(self, to: str) -> bool:
        return "withhold" in self.behaviours and self.active and to == self.victim

    # ---------------------------------------------------------------- outputs

    def transmit(self, out: Outbound) -> None:
        message = out.message
        if not self.active:
            SimNode.transmit(self, out)
        elif "equivocate_each" in self.behaviours and isinstance(message, messages.PrePrepare):
            for to in self.world.targets(self.id, out.to):
                self.world.network.send(self.id, to, self._block_for(message, to))
        elif "withhold" in self.behaviours:
            for to in self.world.targets(self.id, out.to):
                if to != self.victim:
                    self.world.network.send(self.id, to, self._mutate(out.message))
        else:
            super().transmit(out)

    def _block_for(self, pp: messages.PrePrepare, to: str) -> messages.PrePrepare:
        """A block of its own for one backup at (view, height), signed: no two backups get
        the same, so none can prepare and no quorum forms."""
        fields = parse_payload(pp.payload)
        prev = fields.prev if fields is not None else self.tip
        payload = make_payload(pp.height, prev, self.id, pp.view, f"for-{to}")
        digest = block_digest(payload)
        signature = self._sign(
            pp.height, preprepare_sign_bytes(CHAIN_ID, pp.view, pp.height, digest)
        )
        return messages.PrePrepare(pp.view, pp.height, digest, payload, self.id, signature)

    def relay(self, request: RelayRequest) -> None:
        tx = self.pending.get(request.request)
        if tx is not None:
            for to in self.world.targets(self.id, None):
                if not self._withheld(to):
                    self.world.network.send(self.id, to, ForwardTxs(self.id, (tx,)))

    def serve_fetch(
        self, request: FetchRequest, requester_height: int, requester: str = ""
    ) -> list[CommittedBlock]:
        if self._withheld(requester):
            return []
        return super().serve_fetch(request, requester_height, requester)

    def _broadcast(self, message: messages.Message) -> None:
        for to in self.world.targets(self.id, None):
            if not self._withheld(to):
                self.world.network.send(self.id, to, message)

    # ---------------------------------------------------------------- the clock

    def tick(self) -> None:
        if not self.active:
            SimNode.tick(self)
            return
        super().tick()
        replica = self.replica
        if replica is None:
            return
        if "flood_view_changes" in self.behaviours:
            for view in (replica.view + 1, replica.view + self.rng.randint(2, 64)):
                stale = self.rng.random() < 0.3
                self._broadcast(
                    self._view_change(view, None if stale else self.replica_committed())
                )
        if "junk" in self.behaviours:
            if self.rng.random() < JUNK_PER_TICK_PROBABILITY:
                self._send_junk()
            if self.rng.random() < FORWARD_PER_TICK_PROBABILITY:
                self._forward_junk_txs()

    def replica_committed(self) -> messages.CommitCertificate | None:
        replica = self.replica
        return replica.committed_certificate if replica is not None else None

    def _honest_peers(self) -> list[str]:
        return [
            v
            for v, node in self.world.nodes.items()
            if v != self.id and not node.byzantine and not self._withheld(v)
        ]

    def _send_junk(self) -> None:
        peers = self._honest_peers()
        if not peers:
            return
        to = self.rng.choice(peers)
        self.world.network.send(self.id, to, self.rng.choice(self._junk_messages(to)))
        self.junk_sent += 1

    def _junk_messages(self, to: str) -> list[messages.Message]:
        """Messages of the right wire types (what protobuf decoding can hand a replica) that
        no honest replica sends."""
        replica = self.replica
        view = replica.view if replica is not None else 0
        height = len(self.ledger) + 1
        digest = block_digest(b"junk %d" % self.rng.randrange(1 << 30))
        old = max(1, height - 1 - self.rng.randrange(8))

        def signed_prepare(v: int, h: int, d: bytes) -> messages.Prepare:
            sig = self._sign(max(h, 1), prepare_sign_bytes(CHAIN_ID, v, h, d))
            return messages.Prepare(v, h, d, self.id, sig)

        def signed_commit(v: int, h: int, d: bytes) -> messages.Commit:
            sig = self._sign(max(h, 1), commit_sign_bytes(CHAIN_ID, v, h, d))
            return messages.Commit(v, h, d, self.id, sig)

        payload = make_payload(height, self.tip, self.id, view, "junk")
        empty_nv_sig = self._sign(
            height, new_view_sign_bytes(CHAIN_ID, view + 1, (), None, ED25519_SHA256.hash)
        )
        cp_height = height + 10_000
        return [
            messages.Prepare(U64_MAX, height, digest, self.id, bytes(64)),
            messages.Commit(view, U64_MAX, digest, self.id, bytes(64)),
            messages.Prepare(view, 0, digest, self.id, bytes(64)),
            messages.Commit(view, height, digest[:5], self.id, bytes(64)),
            messages.Prepare(view, height, b"", self.id, bytes(64)),
            messages.Commit(view, height, digest, self.id, bytes(65)),
            messages.Prepare(view, height, digest, "", bytes(64)),
            messages.Prepare(view, height, digest, "x" * 100, bytes(64)),
            messages.PrePrepare(view, height, digest, b"\xff" * 300, self.id, bytes(64)),
            messages.PrePrepare(view, height + 5000, block_digest(payload), payload, to, b""),
            replace(signed_prepare(view, height, digest), sender=to),  # forged sender
            signed_commit(view, old, digest),  # a vote for a height long committed
            signed_prepare(view, height + 5000, digest),  # far above the window
            signed_commit(view + 3, height, digest),  # a view nobody is in
            messages.Checkpoint(
                cp_height,
                digest,
                self.id,
                self._sign(height, checkpoint_sign_bytes(CHAIN_ID, cp_height, digest)),
            ),
            messages.Checkpoint(0, digest, self.id, bytes(64)),
            messages.NewView(view + 1, (), None, self.id, empty_nv_sig),
            messages.ViewChange(U64_MAX, None, None, b"\x00" * 64, self.id, bytes(64)),
        ]

    def _forward_junk_txs(self) -> None:
        peers = self._honest_peers()
        if not peers:
            return
        to = self.rng.choice(peers)
        self.forwarded += 1
        junk = tuple(SimTx(f"junk-{self.id}-{self.forwarded}-{i}", False) for i in range(3))
        valid = (SimTx(f"{self.id}-{self.forwarded}", True),) if self.forwarded % 4 == 0 else ()
        self.world.network.send(self.id, to, ForwardTxs(self.id, junk + valid))
