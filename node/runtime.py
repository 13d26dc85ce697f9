"""One validator: the parts of node/ put together, and the effects its driver carries out.

The Node owns the ledger (`World`), the mempool and its door (`Admission`), block building
and checking (`Blocks`), state transfer (`CatchUp`), the peer links and the consensus
replica, which it drives through `node.driver.Driver` in the order written there.
Everything runs on one asyncio loop, so the store and the replica are never touched
concurrently; gRPC handlers (node/services) call the methods here, never the replica.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from consensus.errors import ConsensusError, InvalidCertificate
from consensus.limits import CHECKPOINT_INTERVAL_DEFAULT
from consensus.messages import Message, Record
from consensus.ready import (
    CommittedBlock,
    FetchRequest,
    Outbound,
    Proposal,
    Rejected,
    RelayRequest,
)
from consensus.replica import Replica, ReplicaConfig
from consensus.validators import ValidatorSchedule
from node import limits
from node.admission import Admission
from node.blocks import Blocks, Pending
from node.catchup import CatchUp
from node.chain import pki
from node.chain.crypto import KeyPair
from node.chain.events import (
    ENDPOINT_SET_EVENT,
    VALIDATORS_SCHEDULED_EVENT,
    event_attrs,
    scheduled_set_of,
)
from node.chain.headers import header_hash
from node.chain.wire import (
    VIEW_RECORDS_HEIGHT,
    certificate_from_proto,
    certificate_to_proto,
    decode_record,
    encode_record,
    wal_key_of,
)
from node.config import NodeConfig
from node.driver import Driver, DriverStuck
from node.genesis import Genesis
from node.ledger.execution import Executed
from node.ledger.store import Store
from node.ledger.wal import Wal, WalEntry
from node.ledger.world import World
from node.mempool import Mempool
from node.metrics import NodeMetrics
from node.refusal_log import RefusalLog
from node.transport.peers import OwnTls, PeerSet, PeerTarget, get_peer_targets
from node.trust import read_trust, touches_trust
from node.validators import KeyRing, read_endpoints, read_operators, read_schedule
from proto import ledger_pb2

log = logging.getLogger("trustledger.node")

Waiter = asyncio.Future[tuple[int, ledger_pb2.TxResult]]


@dataclass(frozen=True, slots=True)
class ConsensusStatus:
    """What a status call reports of consensus."""

    view: int
    primary: str
    """The primary of the view at the next height."""
    view_changing: bool


class Node:
    def __init__(
        self,
        config: NodeConfig,
        genesis: Genesis,
        keypair: KeyPair,
        store: Store,
        *,
        next_keys: Sequence[KeyPair] = (),
    ) -> None:
        """`keypair` is the key of `config.key_path`, `next_keys` those of
        `config.next_key_paths` (a rotation's new key), in that order. OSError if the TLS
        files of `config` cannot be read."""
        own_tls = OwnTls(config.tls_cert_path.read_bytes(), config.tls_key_path.read_bytes())
        self.config = config
        self.genesis = genesis
        self.chain_id = genesis.chain_id
        self.store = store
        self.metrics = NodeMetrics()
        self.peer_refusals = RefusalLog(log, "peer input refused")
        """Rejected consensus messages and refused forwarded transactions, summarised."""
        self.metrics.height.set(store.tip_height())
        self.world = World(store, genesis)
        self.state = self.world.state
        self._trust = read_trust(self.state)
        self.keyring = KeyRing(
            config.validator_id, (keypair, *next_keys), config.all_key_paths, genesis.suite
        )
        self.keys = self.keyring.keys
        self.known_schedule = self._schedule()
        """The sets decided in the stored state (ahead of the replica's during transfer)."""
        self.keyring.check(self.known_schedule, store.tip_height() + 1)
        self.mempool = Mempool(peer_count=lambda: len(self.peers.links))
        self.peers = PeerSet(config.validator_id, own_tls)
        self.blocks = Blocks(
            self.world, self.mempool, self.metrics, config.validator_id, self._replica_schedule
        )
        self.catchup = CatchUp(
            self.world, self.blocks, lambda: self.known_schedule, self._committed
        )
        self.admission = Admission(  # one screen and one checker per node, for both
            self.chain_id,
            self.mempool,
            self.peers.links,
            self.blocks.is_committed,
            self.kick,
            self.blocks.screen,
            suite=genesis.suite,
            checker=self.blocks.checker,
        )
        self._waiters: dict[bytes, list[Waiter]] = {}
        self._wake = asyncio.Event()
        self._fetching = False
        self._started = False  # peer messages are dropped until then (see `deliver`)
        self._ticks = 0
        self._last_commit_tick = 0
        self.wal = self._open_wal()
        self.driver = Driver(self._new_replica(), self)
        self._refresh_peers()

    @property
    def replica(self) -> Replica:
        return self.driver.replica

    def _replica_schedule(self) -> ValidatorSchedule:
        return self.driver.replica.schedule

    # ---- validators, keys and peers -----------------------------------------------------

    def _schedule(self) -> ValidatorSchedule:
        return read_schedule(self.state, self.genesis.validators, self.genesis.suite)

    def _hand_keys(self) -> None:
        """Give the replica every key this node holds that a set in force or scheduled lists
        for its validator: it signs each height with the key of the set in force there."""
        next_height = self.replica.committed_height + 1
        for signer in self.keyring.to_hand(self.known_schedule, next_height):
            self.replica.add_signer(signer)
        self.keyring.warn_missing(self.known_schedule, next_height)

    def wanted_peers(self) -> dict[str, str]:
        """Validator id -> address of every other validator that signs from the next height
        on (the set in force and those scheduled). The address is the node's configured one
        if it has one (an operator's override), else the one decided on-chain; a member with
        neither cannot be reached (logged)."""
        endpoints = read_endpoints(self.state)
        wanted: dict[str, str] = {}
        for validators in self._schedule().sets_from(self.world.tip_height() + 1):
            for member in validators.validators:
                if member.id == self.config.validator_id or member.id in wanted:
                    continue
                address = self.config.peers.get(member.id) or endpoints.get(member.id)
                if address:
                    wanted[member.id] = address
                else:
                    log.warning(
                        "no address for validator %s: not configured nor on-chain", member.id
                    )
        return dict(sorted(wanted.items())[: limits.PEERS_MAX])

    def peer_targets(self) -> dict[str, PeerTarget]:
        """`wanted_peers` with the operator CA each link must check (`get_peer_targets`)."""
        operators = read_operators(self.state, self.world.tip_height() + 1)
        return get_peer_targets(self.wanted_peers(), operators, self._trust.cas)

    def _refresh_peers(self) -> None:
        self.peers.refresh(self.peer_targets())

    def trust(self) -> pki.Trust:
        """The CAs in force and revoked serials at the tip (node/trust.py): an immutable
        snapshot, replaced after a block that changed membership; any thread may read it."""
        return self._trust

    # ---- replica lifecycle --------------------------------------------------------------

    def _open_wal(self) -> Wal:
        """Open the WAL file; move into it, once, the records that nodes before it kept in
        LevelDB (synced in the file before they leave LevelDB, so none is ever missing)."""
        wal = Wal(self.config.wal_path)
        legacy = self.store.legacy_wal_records()
        if legacy:
            wal.append([WalEntry(*record) for record in legacy])
            self.store.drop_legacy_wal()
            log.info("moved %d WAL records from LevelDB to %s", len(legacy), wal.path)
        wal.forget_through(self.store.tip_height())
        return wal

    def wal_ahead(self) -> int | None:
        """The height of this node's highest own vote in the WAL, if it lies beyond what a
        replica can take back at the ledger's tip, else None.

        That happens when the database was lost, or restored from an older copy, while the
        WAL was kept. The votes still bind the validator (signing anything else at those
        heights would be equivocation), so the node catches up from its peers before it takes
        part in consensus again (`start`), rather than forget them or refuse to start."""
        tip = self.world.tip_height()
        top = max(
            (e.height for e in self.wal.entries() if e.height != VIEW_RECORDS_HEIGHT), default=0
        )
        return top if top > tip + CHECKPOINT_INTERVAL_DEFAULT else None

    def _new_replica(self) -> Replica:
        """A replica restored from the WAL at the tip (none of it while the WAL is ahead)."""
        signed = []
        for raw in [] if self.wal_ahead() is not None else self.wal.records():
            try:
                signed.append(decode_record(raw))
            except Exception:
                log.error("unreadable WAL record ignored")
        cfg = ReplicaConfig(
            chain_id=self.chain_id,
            validators=self.genesis.validators,
            self_id=self.config.validator_id,
            retransmit_ticks=self.config.retransmit_ticks,
            view_change_timeout_ticks=self.config.view_change_timeout_ticks,
            block_digest=self.blocks.block_digest,
            suite=self.genesis.suite,
        )
        tip = self.world.tip_height()
        tip_head = self.store.tip_head()
        cert = certificate_from_proto(tip_head[1]) if tip_head is not None else None
        schedule = self._schedule()
        first, *rest = self.keyring.to_hand(schedule, tip + 1)
        replica = Replica(
            cfg,
            first,
            self.genesis.suite,  # the chain's suite is the replica's Verifier
            committed_height=tip,
            committed_certificate=cert,
            signed=tuple(signed),
            schedule=schedule,
        )
        for signer in rest:
            replica.add_signer(signer)
        return replica

    async def start(self) -> None:
        """Catch up from the peers (while the WAL is ahead of the ledger), then restore."""
        self.peers.start()
        await self.catchup.sync_from_peers(self.peers.links)
        pause_s = limits.WAL_AHEAD_RETRY_S
        while (ahead := self.wal_ahead()) is not None:
            log.warning(
                "the WAL holds votes up to height %d but the ledger is at %d (its database was"
                " lost or is an older copy): catching up from peers before taking part",
                ahead,
                self.world.tip_height(),
            )
            await asyncio.sleep(pause_s)
            pause_s = min(2 * pause_s, limits.WAL_AHEAD_RETRY_S_MAX)
            await self.catchup.sync_from_peers(self.peers.links)
        self.driver.replace(self._new_replica())
        self._started = True
        self._refresh_peers()
        self.kick()

    async def close(self) -> None:
        await self.peers.close()
        self.admission.close()
        self.blocks.checker.close()
        self.wal.close()

    def kick(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """The loop: wake on input or at each tick, then drain the replica's Readys."""
        tick_s = self.config.tick_ms / 1000
        next_tick = time.monotonic() + tick_s
        while True:
            timeout = max(0.0, next_tick - time.monotonic())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
            self._wake.clear()
            if time.monotonic() >= next_tick:
                next_tick = time.monotonic() + tick_s
                self._ticks += 1
                self.admission.ticks = self._ticks
                timeout_ticks = self.config.view_change_timeout_ticks
                self.admission.relay_stalled(self._last_commit_tick, timeout_ticks)
                self.driver.tick(self.admission.oldest_waiting())
                self.metrics.view.set(self.replica.view)
                self.metrics.mempool.set(len(self.mempool))
            self.drive()

    def drive(self) -> None:
        try:
            self.driver.drain()
        except DriverStuck as exc:
            log.error("%s; continuing on the next wake-up", exc)

    def deliver(self, messages: Sequence[Message]) -> None:
        """Peer messages; dropped until `start` rebuilt the replica (docs/security.md)."""
        if not self._started:
            self.metrics.consensus_rejected.labels("before-start").inc(len(messages))
            return
        for message in messages:
            self.driver.step(message)
        self.kick()

    def consensus_status(self) -> ConsensusStatus:
        replica = self.replica
        primary = replica.schedule.at(self.world.tip_height() + 1).primary(replica.view)
        return ConsensusStatus(replica.view, primary, replica.in_view_change)

    # ---- the driver's effects (node.driver.Host) ----------------------------------------

    def persist(self, records: tuple[Record, ...]) -> None:
        self.wal.append([WalEntry(*wal_key_of(r), encode_record(r)) for r in records])

    def send(self, out: Outbound) -> None:
        self.peers.send(out.to, out.message)

    def propose(self, replica: Replica) -> None:
        if not replica.can_propose() or len(self.mempool) == 0:
            return
        built = self.blocks.build(replica.view)
        if built is not None:
            replica.propose(*built)

    def validate(self, proposal: Proposal) -> bool:
        return self.blocks.validate(proposal)

    def apply(self, committed: CommittedBlock) -> bool:
        if committed.height <= self.world.tip_height():
            # State transfer (which runs beside the driver) stored it first. The same block,
            # or this replica's ledger and its consensus disagree: stop rather than fork.
            stored = self.store.get_block(committed.height)
            if stored is None or header_hash(stored.header, self.genesis.suite) != committed.digest:
                raise ConsensusError(f"consensus committed another block at {committed.height}")
            self.blocks.pending.pop(committed.digest, None)
            return True
        pending = self.blocks.pending.pop(committed.digest, None)
        if pending is None:
            # Validated before, but the cache was dropped (should not happen): execute again.
            block = ledger_pb2.Block()
            block.ParseFromString(committed.payload)
            executed = self.blocks.check(block, view=None, digest=committed.digest)
            pending = Pending(block, executed)
        block = pending.block
        block.commit.CopyFrom(certificate_to_proto(committed.certificate))
        self.world.commit(block, pending.executed)
        self._committed(block, pending.executed)
        return True

    def fetch(self, request: FetchRequest) -> None:
        if self._fetching:
            return
        self._fetching = True
        asyncio.get_running_loop().create_task(self._fetch(request), name="state-transfer")

    def rejected(self, rejected: Rejected) -> None:
        kind = type(rejected.message).__name__
        self.metrics.count_rejected(rejected)
        self.peer_refusals.note(rejected.message.sender, kind, rejected.reason)

    def view_entered(self, view: int) -> None:
        """A new primary builds blocks now: hand it what we hold, so nothing is lost."""
        primary = self.replica.schedule.at(self.world.tip_height() + 1).primary(view)
        log.info("entered view %d; primary is %s", view, primary)
        link = self.peers.links.get(primary)
        if link is not None:
            self.admission.hand_to(link)

    def relay(self, request: RelayRequest) -> None:
        self.admission.relay_waiting(request.request)

    # ---- after a commit -----------------------------------------------------------------

    def _committed(self, block: ledger_pb2.Block, executed: Executed) -> None:
        """What follows a stored block: mempool, metrics, validator decisions, waiters."""
        self.blocks.pending.clear()
        self.mempool.remove(executed.tx_hashes)
        height = block.header.height
        self.wal.forget_through(height)  # own messages of committed heights are not needed
        log.info("committed height %d (%d txs)", height, len(executed.tx_hashes))
        ok = sum(1 for r in executed.results.results if r.ok)
        self.metrics.height.set(height)
        self.metrics.blocks.inc()
        self.metrics.block_txs.observe(len(executed.tx_hashes))
        self.metrics.txs.labels("ok").inc(ok)
        self.metrics.txs.labels("rejected").inc(len(executed.tx_hashes) - ok)
        self._last_commit_tick = self._ticks
        trust_changed = touches_trust(executed.writes)
        if trust_changed:
            self._trust = read_trust(self.state)  # in force from the next block on
        if (
            self._note_validator_decisions(executed)
            or trust_changed
            or any(activation == height + 1 for activation, _ in self.known_schedule.entries)
        ):
            # A member joined, left or moved, a new set starts, or an operator's CA changed.
            self._refresh_peers()
        for committed_hash, result in zip(
            executed.tx_hashes, executed.results.results, strict=True
        ):
            for fut in self._waiters.pop(committed_hash, []):
                if not fut.done():
                    fut.set_result((height, result))

    def _note_validator_decisions(self, executed: Executed) -> bool:
        """An on-chain validator-set decision takes effect in consensus at its height.
        Returns whether the block changed a validator set or endpoint."""
        changed = False
        for result in executed.results.results:
            for event in result.events:
                if event.name == ENDPOINT_SET_EVENT:
                    changed = True
                if event.name != VALIDATORS_SCHEDULED_EVENT:
                    continue
                changed = True
                if self.replica.committed_height < executed.results.height:
                    continue  # state transfer: synced() hands consensus the whole schedule
                attrs = event_attrs(event)
                try:
                    self.replica.schedule_validators(*scheduled_set_of(attrs, self.genesis.suite))
                except (KeyError, ValueError, TypeError) as exc:
                    log.error("cannot apply validator decision %s: %s", attrs, exc)
        if changed:
            self.known_schedule = self._schedule()
            self._hand_keys()  # a rotation names a key this node may hold
        return changed

    # ---- state transfer -----------------------------------------------------------------

    async def _fetch(self, request: FetchRequest) -> None:
        """State transfer: certified blocks from any peer, each checked and re-executed."""
        try:
            await self.catchup.sync_from_peers(self.peers.links, upto=request.to_height)
        finally:
            self._fetching = False
        self.drive()  # what the replica decided meanwhile comes first (synced() requires it)
        head = self.store.tip_head()
        if head is not None:
            try:
                if self.driver.synced(
                    self.world.tip_height(), certificate_from_proto(head[1]), self.known_schedule
                ):
                    self._hand_keys()
            except (ConsensusError, InvalidCertificate, ValueError) as exc:
                log.warning("state transfer not accepted by consensus: %s", exc)
            except DriverStuck as exc:
                log.error("%s; continuing on the next wake-up", exc)
        self.kick()

    # ---- clients waiting for their transactions ------------------------------------------

    def wait_for(self, tx_hash: bytes) -> Waiter:
        fut: Waiter = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(tx_hash, []).append(fut)
        return fut

    def forget_waiter(self, tx_hash: bytes, fut: Waiter) -> None:
        waiters = self._waiters.get(tx_hash)
        if waiters and fut in waiters:
            waiters.remove(fut)
            if not waiters:
                del self._waiters[tx_hash]
