"""One validator: owns the store, the mempool and the consensus replica, and drives the
replica in the documented order.

For every Ready the driver (1) syncs the replica's own signed messages to the WAL,
(2) hands messages to the peer links, (3) applies committed blocks, each in one synced
batch, (4) calls advance(), and only then (5) validates new proposals by executing
them, answering with validated(). Everything runs on one asyncio loop, so the store and
the replica are never touched concurrently.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import grpc

from consensus.crypto import Ed25519Signer, Ed25519Verifier
from consensus.errors import ConsensusError, InvalidCertificate
from consensus.ready import CommittedBlock, FetchRequest, Proposal
from consensus.replica import Replica, ReplicaConfig
from consensus.validators import (
    Validator,
    ValidatorSchedule,
    ValidatorSet,
    verify_commit_certificate,
)
from contracts.framework.errors import ContractError
from contracts.runtime import query as contract_query
from node import limits
from node.blocks import header_hash
from node.config import NodeConfig
from node.crypto import KeyPair
from node.execution import BlockInvalid, Executed, check_block_txs, execute_block
from node.genesis import Genesis
from node.keys import get_key_problem, get_missing_keys, keys_to_hand
from node.mempool import Mempool, MempoolFull
from node.metrics import NodeMetrics
from node.peers import PeerLink
from node.state import Overlay, StoreState
from node.statetree_live import LiveTree
from node.storage import BlockWrite, StorageError, Store
from node.tx import CheckedTx, TxInvalid, check_tx, tx_hash
from node.wire import (
    certificate_from_proto,
    certificate_to_proto,
    decode_record,
    encode_record,
    wal_key_of,
)
from proto import ledger_pb2, node_pb2

log = logging.getLogger("trustledger.node")

ENDPOINT_SET_EVENT = "membership.validator_endpoint_set"
VALIDATORS_SCHEDULED_EVENT = "membership.validators_scheduled"
VALIDATOR_EVENTS = frozenset((ENDPOINT_SET_EVENT, VALIDATORS_SCHEDULED_EVENT))


def validator_set_of(entries: list[dict[str, str]]) -> ValidatorSet:
    return ValidatorSet(
        tuple(
            sorted(
                (Validator(v["id"], bytes.fromhex(v["public_key"])) for v in entries),
                key=lambda v: v.id,
            )
        )
    )


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass(slots=True)
class Pending:
    """A block this node proposed or validated, kept until it commits."""

    block: ledger_pb2.Block
    executed: Executed


def _check_all(txs: list[ledger_pb2.Transaction], chain_id: str) -> list[CheckedTx | TxInvalid]:
    """Stateless checks of transactions (run on the checker thread: pure)."""
    out: list[CheckedTx | TxInvalid] = []
    for tx in txs:
        try:
            out.append(check_tx(tx, chain_id))
        except TxInvalid as exc:
            out.append(exc)
    return out


def _refusal(exc: TxInvalid) -> SubmitRejected:
    status = (
        grpc.StatusCode.UNAUTHENTICATED
        if exc.code == "bad_signature"
        else grpc.StatusCode.INVALID_ARGUMENT
    )
    return SubmitRejected(status, f"{exc.code}: {exc.message}")


class SubmitRejected(Exception):
    """A client's transaction is refused before it reaches the mempool."""

    def __init__(self, status: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


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
        `config.next_key_paths` (a rotation's new key), in that order."""
        self.config = config
        self.genesis = genesis
        self.chain_id = genesis.chain_id
        self.validators = genesis.validators
        self.keypair = keypair
        sources = [str(p) for p in config.all_key_paths]
        sources += [f"key {i + 1}" for i in range(len(sources), 1 + len(next_keys))]
        self.keys: dict[bytes, str] = {}
        """Public key -> the key file it came from, of every key this node holds."""
        self._signers: dict[bytes, Ed25519Signer] = {}
        for kp, source in zip((keypair, *next_keys), sources, strict=False):
            if kp.public_key in self.keys:
                raise StorageError(f"{source} holds the same key as {self.keys[kp.public_key]}")
            self.keys[kp.public_key] = source
            self._signers[kp.public_key] = Ed25519Signer(config.validator_id, kp.seed)
        self._warned_missing: set[bytes] = set()
        self.store = store
        self.state = StoreState(store)
        self.mempool = Mempool()
        self.metrics = NodeMetrics()
        self.metrics.height.set(store.tip_height())
        store.init_genesis(genesis.hash, genesis.state_writes(), genesis.state_root)
        self._check_key(self._schedule())
        self.verifier = Ed25519Verifier(self.validators)
        self.peers: dict[str, PeerLink] = {}
        self._links_started = False
        self._pending: dict[bytes, Pending] = {}
        # Stateless checks of submitted and forwarded batches (see `admit_batch`).
        self._checker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tx-check")
        self._waiters: dict[bytes, list[asyncio.Future[tuple[int, ledger_pb2.TxResult]]]] = {}
        self._wake = asyncio.Event()
        self._fetching = False
        # Client transactions this node admitted, with the tick they arrived: one still
        # pending after half the view-change timeout is relayed to every peer, so that all
        # replicas see a stalled request and time out the primary together (PBFT 4.4).
        self._relay: OrderedDict[bytes, tuple[int, ledger_pb2.Transaction]] = OrderedDict()
        self._ticks = 0
        self._last_view = 0
        self._last_commit_tick = 0
        self.known_schedule = self._schedule()
        """The validator sets decided in the stored state; ahead of the replica's while
        state transfer applies blocks the replica has not been told of yet."""
        self.replica = self._new_replica(view=0, restore=True)
        self._refresh_peers()

    def _check_key(self, schedule: ValidatorSchedule) -> None:
        """This node's keys must fit its validator (see `node.keys.get_key_problem`): none
        belongs to another validator, and one is the key the validator signs with from the
        next height on, if it signs there. A validator in no set yet (added after genesis,
        on a node that has not caught up) follows the chain as an observer until the set
        that includes it is in force."""
        vid = self.config.validator_id
        next_height = self.store.tip_height() + 1
        problem = get_key_problem(vid, self.keys, schedule, next_height)
        if problem is not None:
            raise StorageError(problem)
        self._warn_missing_keys(schedule, next_height)
        if not any(s.get(vid) is not None for _, s in schedule.entries):
            log.warning(
                "validator %s is in no validator set known at height %d: following the chain"
                " until a set that includes it is decided",
                vid,
                self.store.tip_height(),
            )

    def _warn_missing_keys(self, schedule: ValidatorSchedule, next_height: int) -> None:
        """Log, once per key, each key the chain schedules for this validator that the node
        does not hold: it will not sign those heights."""
        vid = self.config.validator_id
        for activation, key in get_missing_keys(vid, self.keys, schedule, next_height):
            if key in self._warned_missing:
                continue
            self._warned_missing.add(key)
            log.warning(
                "validator %s signs with key %s from height %d, which this node does not"
                " hold: it will not sign there (add its key file to next_key_paths)",
                vid,
                key.hex()[:16],
                activation,
            )

    def _hand_keys(self) -> None:
        """Give the replica every key this node holds that a set in force or scheduled lists
        for its validator: it signs each height with the key of the set in force there."""
        next_height = self.replica.committed_height + 1
        schedule = self.known_schedule
        for key in keys_to_hand(self.config.validator_id, self.keys, schedule, next_height):
            self.replica.add_signer(self._signers[key])
        self._warn_missing_keys(schedule, next_height)

    # ---- peer links --------------------------------------------------------------------

    def _endpoints(self) -> dict[str, str]:
        """Endpoints decided on-chain, by validator id (validators of the latest set)."""
        try:
            found = contract_query(self.state, "membership", "validators", {}, now_ms=0)
            return {str(v["id"]): str(v["endpoint"]) for v in found["validators"] if v["endpoint"]}
        except (ContractError, KeyError, TypeError) as exc:
            log.error("cannot read validator endpoints from state: %s", exc)
            return {}

    def wanted_peers(self) -> dict[str, str]:
        """Validator id -> address of every other validator that signs from the next height
        on (the set in force and those scheduled). The address is the node's configured one
        if it has one (an operator's override), else the one decided on-chain; a member with
        neither cannot be reached (logged)."""
        schedule = self._schedule()
        endpoints = self._endpoints()
        wanted: dict[str, str] = {}
        for validators in schedule.sets_from(self.store.tip_height() + 1):
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

    def _refresh_peers(self) -> None:
        """Open links to validators that joined (or moved), close links to those that left."""
        wanted = self.wanted_peers()
        for pid, link in list(self.peers.items()):
            if wanted.get(pid) != link.address:
                del self.peers[pid]
                log.info("closing peer link to %s at %s", pid, link.address)
                if self._links_started:
                    asyncio.get_running_loop().create_task(link.close(), name=f"close-{pid}")
        for pid, address in wanted.items():
            if pid in self.peers:
                continue
            link = PeerLink(self.config.validator_id, pid, address)
            self.peers[pid] = link
            if self._links_started:
                log.info("opening peer link to %s at %s", pid, address)
                link.start()

    # ---- replica lifecycle -----------------------------------------------------------

    def _block_digest(self, payload: bytes) -> bytes | None:
        block = ledger_pb2.Block()
        try:
            block.ParseFromString(payload)
        except Exception:
            return None
        return header_hash(block.header)

    def _schedule(self) -> ValidatorSchedule:
        """The validator sets in force by height: genesis, then every on-chain decision
        (read back from state, so a restarted node knows them without replaying blocks)."""
        schedule = ValidatorSchedule.starting_with(self.validators)
        try:
            latest = contract_query(self.state, "membership", "validators", {}, now_ms=0)
            for entry in latest["schedule"]:
                height = int(entry["activation_height"])
                if height <= schedule.entries[-1][0]:
                    continue
                found = contract_query(
                    self.state, "membership", "validators", {"height": height}, now_ms=0
                )
                schedule = schedule.with_activation(height, validator_set_of(found["validators"]))
        except (ContractError, KeyError, TypeError, ValueError) as exc:
            log.error("cannot read the validator schedule from state: %s", exc)
        return schedule

    def _new_replica(self, view: int, restore: bool) -> Replica:
        signed = []
        if restore:
            for raw in self.store.wal_records():
                try:
                    signed.append(decode_record(raw))
                except Exception:
                    log.error("unreadable WAL record ignored")
        cfg = ReplicaConfig(
            chain_id=self.chain_id,
            validators=self.validators,
            self_id=self.config.validator_id,
            retransmit_ticks=self.config.retransmit_ticks,
            view_change_timeout_ticks=self.config.view_change_timeout_ticks,
            block_digest=self._block_digest,
        )
        tip = self.store.tip_height()
        tip_head = self.store.tip_head()
        cert = certificate_from_proto(tip_head[1]) if tip_head is not None else None
        schedule = self._schedule()
        handed = keys_to_hand(self.config.validator_id, self.keys, schedule, tip + 1)
        first = handed[0] if handed else self.keypair.public_key
        replica = Replica(
            cfg,
            self._signers[first],
            self.verifier,
            committed_height=tip,
            committed_certificate=cert,
            view=view,
            signed=tuple(signed),
            schedule=schedule,
        )
        for key in handed[1:]:
            replica.add_signer(self._signers[key])
        return replica

    async def start(self) -> None:
        self._links_started = True
        for link in self.peers.values():
            link.start()
        log.info("peer links: %s", ", ".join(f"{p}={k.address}" for p, k in self.peers.items()))
        await self.sync_from_peers()
        self.replica = self._new_replica(view=self.replica.view, restore=True)
        self._refresh_peers()
        self.kick()

    async def close(self) -> None:
        for link in list(self.peers.values()):
            await link.close()
        self._checker.shutdown(wait=False, cancel_futures=True)

    def kick(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """The driver loop: ticks, proposals and Ready processing."""
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
                self._relay_stalled()
                self.replica.set_requests_pending(len(self.mempool) > 0)
                self.replica.tick()
                self.metrics.view.set(self.replica.view)
                self.metrics.mempool.set(len(self.mempool))
            self.drive()

    def drive(self) -> None:
        for _ in range(1000):  # bounded: a broken replica must not spin the loop forever
            if self.replica.can_propose() and len(self.mempool) > 0:
                self._propose()
            if not self.replica.has_ready():
                return
            ready = self.replica.ready()
            self.store.wal_append([(*wal_key_of(r), encode_record(r)) for r in ready.persist])
            for out in ready.send:
                if out.to is None:
                    for link in self.peers.values():
                        link.send(out.message)
                elif (target := self.peers.get(out.to)) is not None:
                    target.send(out.message)
            for committed in ready.committed:
                self._apply(committed)
            self.replica.advance(ready)
            for fetch in ready.fetch:
                self._start_fetch(fetch)
            if self.replica.view != self._last_view:
                self._last_view = self.replica.view
                self._on_new_view()
            for proposal in ready.validate:
                ok = self._validate(proposal)
                self.replica.validated(proposal.view, proposal.height, proposal.digest, ok)
            for rejected in ready.rejected:
                self.metrics.consensus_rejected.labels(type(rejected.message).__name__).inc()
                log.info(
                    "rejected %s from %s: %s",
                    type(rejected.message).__name__,
                    rejected.message.sender,
                    rejected.reason,
                )
        log.error("drive loop hit its bound; continuing on the next wake-up")

    # ---- proposing and validating ------------------------------------------------------

    def tip_header(self) -> ledger_pb2.BlockHeader | None:
        """The tip's header (shared: do not change it); None at height 0."""
        head = self.store.tip_head()
        if head is None:
            assert self.store.tip_height() == 0, "tip block missing: the store is corrupt"
            return None
        return head[0]

    def _prev(self) -> tuple[bytes, int, bytes]:
        """(previous hash, previous time, previous state root) for the next block."""
        header = self.tip_header()
        root = self.store.state_root() or self.genesis.state_root
        if header is None:
            return self.genesis.hash, self.genesis.genesis_time_ms, root
        return header_hash(header), header.time_ms, root

    def _is_committed(self, tx_hash: bytes) -> bool:
        # The mempool never holds a committed transaction (admission refuses them, every
        # commit removes its own), so a pending one needs no database read: the replay
        # check of a block built from the mempool then costs a dict lookup per transaction.
        return tx_hash not in self.mempool and self.store.tx_location(tx_hash) is not None

    def _propose(self) -> None:
        height = self.store.tip_height() + 1
        prev_hash, prev_time, prev_root = self._prev()
        # The mempool never holds a committed transaction: admission refuses them and a
        # commit removes its transactions, so no replay check is needed here.
        candidates = self.mempool.take(limits.PROPOSE_TXS_MAX, limits.BLOCK_BYTES_MAX // 2)
        if not candidates:
            return
        time_ms = max(now_ms(), prev_time)
        started = time.perf_counter()
        executed = execute_block(
            self.state,
            self.chain_id,
            height,
            time_ms,
            prev_root,
            candidates,
            is_committed=self._is_committed,
            tree_nodes=self.store.tree,
        )
        self.metrics.execute_seconds.observe(time.perf_counter() - started)
        header = ledger_pb2.BlockHeader(
            chain_id=self.chain_id,
            height=height,
            prev_hash=prev_hash,
            tx_root=executed.tx_root,
            state_root=executed.state_root,
            proposer=self.config.validator_id,
            view=self.replica.view,
            time_ms=time_ms,
            results_root=executed.results_root,
        )
        block = ledger_pb2.Block(header=header, txs=[c.tx for c in candidates])
        digest = header_hash(header)
        self._pending[digest] = Pending(block, executed)
        self.replica.propose(block.SerializeToString(deterministic=True), digest)
        log.info("proposed height %d with %d txs", height, len(candidates))

    def check_block(
        self,
        block: ledger_pb2.Block,
        *,
        view: int | None,
        digest: bytes,
        certified: bool = False,
        reproposal: bool = False,
    ) -> Executed:
        """Everything a replica checks before voting for (or accepting) a block."""
        prev_hash, prev_time, prev_root = self._prev()
        checked = self._check_header_and_txs(
            block,
            view=view,
            digest=digest,
            height=self.store.tip_height() + 1,
            prev_hash=prev_hash,
            prev_time=prev_time,
            certified=certified,
            reproposal=reproposal,
        )
        executed = self._execute_checked(
            block, checked, self.state, prev_root, self._is_committed, self.store.tree
        )
        if executed.state_root != block.header.state_root:
            raise BlockInvalid("state root does not match local execution")
        return executed

    def _execute_checked(
        self,
        block: ledger_pb2.Block,
        checked: list[CheckedTx],
        base: StoreState | Overlay,
        prev_root: bytes,
        is_committed: Callable[[bytes], bool],
        tree: LiveTree | None,
    ) -> Executed:
        """Execute a checked block on `base` (timed) and compare its transaction and
        results roots with the header's; the state root is the caller's to compare."""
        header = block.header
        started = time.perf_counter()
        executed = execute_block(
            base,
            self.chain_id,
            header.height,
            header.time_ms,
            prev_root,
            checked,
            is_committed=is_committed,
            tree_nodes=tree,
        )
        self.metrics.execute_seconds.observe(time.perf_counter() - started)
        if executed.tx_root != header.tx_root:
            raise BlockInvalid("transaction root does not match")
        if executed.results_root != header.results_root:
            raise BlockInvalid("results root does not match local execution")
        return executed

    def _check_header_and_txs(
        self,
        block: ledger_pb2.Block,
        *,
        view: int | None,
        digest: bytes,
        height: int,
        prev_hash: bytes,
        prev_time: int,
        certified: bool,
        reproposal: bool,
    ) -> list[CheckedTx]:
        """The checks of a block that need no execution: its header against the block it
        follows, and its transactions' stateless checks."""
        header = block.header
        if header.chain_id != self.chain_id:
            raise BlockInvalid("block is for another chain")
        if header.height != height:
            raise BlockInvalid(f"block height {header.height}, expected {height}")
        if header_hash(header) != digest:
            raise BlockInvalid("digest does not match the header")
        if header.prev_hash != prev_hash:
            raise BlockInvalid("previous hash does not match the local tip")
        if view is not None:
            # A block carried over by a view change keeps its original view and proposer.
            if header.view > view if reproposal else header.view != view:
                raise BlockInvalid("block view does not match the consensus view")
            primary = self.replica.schedule.at(header.height).primary(header.view)
            if header.proposer != primary:
                raise BlockInvalid("proposer is not the primary of the block's view")
            if header.time_ms > now_ms() + limits.BLOCK_TIME_DRIFT_MS_MAX:
                raise BlockInvalid("block time is too far in the future")
        if header.time_ms < prev_time:
            raise BlockInvalid("block time goes backwards")
        if len(block.txs) == 0 or len(block.txs) > limits.BLOCK_TXS_MAX:
            raise BlockInvalid(f"block must hold 1..{limits.BLOCK_TXS_MAX} transactions")
        return check_block_txs(
            list(block.txs), self.chain_id, self.mempool.by_signature, certified=certified
        )

    def _validate(self, proposal: Proposal) -> bool:
        if len(proposal.payload) > limits.BLOCK_BYTES_MAX:
            log.warning("proposal %d is oversized", proposal.height)
            return False
        block = ledger_pb2.Block()
        try:
            block.ParseFromString(proposal.payload)
            if block.HasField("commit"):
                raise BlockInvalid("a proposal must not carry a commit certificate")
            executed = self.check_block(
                block, view=proposal.view, digest=proposal.digest, reproposal=proposal.reproposal
            )
        except BlockInvalid as exc:
            log.warning("refusing proposal at height %d: %s", proposal.height, exc)
            self.metrics.proposals_refused.inc()
            return False
        except Exception as exc:
            log.warning("refusing undecodable proposal at height %d: %s", proposal.height, exc)
            return False
        self._pending[proposal.digest] = Pending(block, executed)
        return True

    # ---- committing --------------------------------------------------------------------

    def _apply(self, committed: CommittedBlock) -> None:
        if committed.height <= self.store.tip_height():
            # State transfer (which runs beside the driver) stored it first. The same block,
            # or this replica's ledger and its consensus disagree: stop rather than fork.
            stored = self.store.get_block(committed.height)
            if stored is None or header_hash(stored.header) != committed.digest:
                raise ConsensusError(f"consensus committed another block at {committed.height}")
            self._pending.pop(committed.digest, None)
            return
        pending = self._pending.pop(committed.digest, None)
        if pending is None:
            # Validated before, but the cache was dropped (should not happen): execute again.
            block = ledger_pb2.Block()
            block.ParseFromString(committed.payload)
            executed = self.check_block(block, view=None, digest=committed.digest)
            pending = Pending(block, executed)
        block = pending.block
        block.commit.CopyFrom(certificate_to_proto(committed.certificate))
        self._commit(block, pending.executed)

    def _commit(self, block: ledger_pb2.Block, executed: Executed) -> None:
        assert executed.tree is not None, "a block is committed with its tree update"
        self.store.commit_block(
            block,
            executed.results,
            executed.tx_hashes,
            executed.writes,
            executed.index,
            executed.tree,
        )
        self._after_commit(block, executed)

    def _after_commit(self, block: ledger_pb2.Block, executed: Executed) -> None:
        """What follows a stored block: mempool, metrics, validator decisions, waiters."""
        self._pending.clear()
        self.mempool.remove(executed.tx_hashes)
        height = block.header.height
        log.info("committed height %d (%d txs)", height, len(executed.tx_hashes))
        ok = sum(1 for r in executed.results.results if r.ok)
        self.metrics.height.set(height)
        self.metrics.blocks.inc()
        self.metrics.block_txs.observe(len(executed.tx_hashes))
        self.metrics.txs.labels("ok").inc(ok)
        self.metrics.txs.labels("rejected").inc(len(executed.tx_hashes) - ok)
        self._last_commit_tick = self._ticks
        if self._note_validator_decisions(executed) or any(
            activation == height + 1 for activation, _ in self.known_schedule.entries
        ):
            self._refresh_peers()  # a member joined, left or moved, or a new set starts
        for committed_hash, result in zip(
            executed.tx_hashes, executed.results.results, strict=True
        ):
            for fut in self._waiters.pop(committed_hash, []):
                if not fut.done():
                    fut.set_result((height, result))

    @staticmethod
    def _decides_validators(executed: Executed) -> bool:
        return any(
            event.name in VALIDATOR_EVENTS
            for result in executed.results.results
            for event in result.events
        )

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
                attrs = {a.key: getattr(a, a.WhichOneof("value") or "text") for a in event.attrs}
                try:
                    vset = validator_set_of(json.loads(str(attrs["validators"])))
                    self.replica.schedule_validators(int(attrs["activation_height"]), vset)
                except (KeyError, ValueError, TypeError) as exc:
                    log.error("cannot apply validator decision %s: %s", attrs, exc)
        if changed:
            self.known_schedule = self._schedule()
            self._hand_keys()  # a rotation names a key this node may hold
        return changed

    def _relay_stalled(self) -> None:
        half = max(1, self.config.view_change_timeout_ticks // 2)
        if self._ticks - self._last_commit_tick < half:
            return  # blocks are committing: requests are slow, not stalled
        horizon = self._ticks - half
        relayed = 0
        while self._relay and relayed < limits.FORWARD_ON_VIEW_CHANGE_MAX:
            tx_hash, (tick, tx) = next(iter(self._relay.items()))
            if tick > horizon:
                break
            del self._relay[tx_hash]
            if tx_hash in self.mempool:
                for link in self.peers.values():
                    link.forward(tx)
                relayed += 1

    def _on_new_view(self) -> None:
        """A new primary builds blocks now: hand it what we hold, so nothing is lost."""
        primary = self.replica.schedule.at(self.store.tip_height() + 1).primary(self.replica.view)
        log.info("entered view %d; primary is %s", self.replica.view, primary)
        link = self.peers.get(primary)
        if link is None:
            return
        for checked in self.mempool.take(limits.FORWARD_ON_VIEW_CHANGE_MAX, limits.BLOCK_BYTES_MAX):
            link.forward(checked.tx)

    def _start_fetch(self, fetch: FetchRequest) -> None:
        if self._fetching:
            return
        self._fetching = True
        asyncio.get_running_loop().create_task(self._fetch(fetch), name="state-transfer")

    async def _fetch(self, fetch: FetchRequest) -> None:
        """State transfer: certified blocks from any peer, each checked and re-executed."""
        try:
            await self.sync_from_peers(upto=fetch.to_height)
        finally:
            self._fetching = False
        self.drive()  # what the replica decided meanwhile comes first (synced() requires it)
        tip = self.store.tip_height()
        head = self.store.tip_head()
        if (
            head is not None
            and tip > self.replica.committed_height
            and not self.replica.has_ready()
        ):
            try:
                self.replica.synced(
                    tip, certificate_from_proto(head[1]), schedule=self.known_schedule
                )
                self._hand_keys()
            except (ConsensusError, InvalidCertificate, ValueError) as exc:
                log.warning("state transfer to %d not accepted by consensus: %s", tip, exc)
        self.kick()

    # ---- catching up -------------------------------------------------------------------

    async def sync_from_peers(self, upto: int | None = None) -> int:
        """Fetch and apply blocks above our tip; each is checked against its certificate
        and re-executed, so no single peer is trusted. Returns how many were applied."""
        applied = 0
        for link in list(self.peers.values()):
            # Pipelined: the next range is asked for before this one is applied, so the
            # peer reads and sends it while this node re-executes (one range in flight).
            fetch: asyncio.Task[list[ledger_pb2.Block]] | None = self._fetch_blocks(
                link, self.store.tip_height() + 1
            )
            while fetch is not None:
                blocks = await fetch
                fetch = None
                if not blocks:
                    break
                last = blocks[-1].header.height
                if upto is None or last < upto:
                    fetch = self._fetch_blocks(link, last + 1)
                    await asyncio.sleep(0)  # the request leaves now
                stop = False
                if upto is not None and blocks[-1].header.height > upto:
                    stop = True  # nothing wanted beyond `upto`
                    blocks = [b for b in blocks if b.header.height <= upto]
                applied_here, error = await self.apply_certified_run(blocks)
                if error is not None:
                    log.warning("block from %s refused: %s", link.peer_id, error)
                    stop = True
                applied += applied_here
                if stop or last != self.store.tip_height():
                    # The prefetched range does not follow on from the tip: drop it, and ask
                    # again from the tip unless this range brought nothing that fitted.
                    if fetch is not None:
                        fetch.cancel()
                        fetch = None
                    if not stop and applied_here:
                        fetch = self._fetch_blocks(link, self.store.tip_height() + 1)
        if applied:
            log.info("caught up %d blocks from peers; tip is %d", applied, self.store.tip_height())
        return applied

    def _fetch_blocks(
        self, link: PeerLink, from_height: int
    ) -> asyncio.Task[list[ledger_pb2.Block]]:
        """Ask a peer for certified blocks from `from_height` (empty list on failure)."""

        async def fetch() -> list[ledger_pb2.Block]:
            try:
                resp = await link.stub.GetBlocks(
                    node_pb2.GetBlocksRequest(
                        from_height=from_height, max_blocks=limits.GET_BLOCKS_MAX
                    ),
                    timeout=5.0,
                )
            except grpc.aio.AioRpcError:
                return []
            return list(resp.blocks[: limits.GET_BLOCKS_MAX])

        return asyncio.get_running_loop().create_task(fetch(), name=f"fetch-{link.peer_id}")

    async def apply_certified_run(self, blocks: list[ledger_pb2.Block]) -> tuple[int, str | None]:
        """Apply the certified blocks of `blocks` that follow the tip, several at a time
        (`_apply_certified_group`). Returns how many were applied and, if one was refused,
        why (the blocks before it stay applied)."""
        applied = 0
        while True:
            tip = self.store.tip_height()
            rest = [b for b in blocks if b.header.height > tip]
            if not rest or rest[0].header.height != tip + 1:
                return applied, None
            count, error = await self._apply_certified_group(rest)
            applied += count
            if error is not None or count == 0:
                return applied, error

    async def _apply_certified_group(
        self, blocks: list[ledger_pb2.Block]
    ) -> tuple[int, str | None]:
        """Execute certified blocks following the tip one after the other on an overlay,
        then update the state tree once for all their writes and store them in one batch.

        Why: the tree's top levels are rebuilt once per update rather than once per block,
        and one synced batch replaces many, which is most of what catching up costs. Each
        block is still checked in full (certificate, header chain, transactions, its
        transaction and results roots); the state root is checked for the last block of
        the group, which is what the stored state must match (the blocks' certificates
        vouch for the intermediate roots). A group ends at `CATCHUP_GROUP_TXS_MAX`
        transactions and after any block deciding on validators (later certificates are
        checked against the schedule it sets). The loop serves others between blocks; if
        the tip moved meanwhile (consensus committed), the group is dropped, not applied.
        Returns how many blocks were applied and, if one was refused, why."""
        tip = self.store.tip_height()
        root = self.store.tree.root
        prev_hash, prev_time, _ = self._prev()
        overlay = Overlay(self.state)
        seen: set[bytes] = set()
        done: list[tuple[ledger_pb2.Block, Executed]] = []
        txs = 0
        error: str | None = None
        for block in blocks:
            height = tip + 1 + len(done)
            if block.header.height != height:
                break
            if done and txs + len(block.txs) > limits.CATCHUP_GROUP_TXS_MAX:
                break
            try:
                executed = self._execute_certified(
                    block, height, prev_hash, prev_time, overlay, seen
                )
            except (BlockInvalid, InvalidCertificate) as exc:
                error = f"block {height}: {exc}"
                break
            overlay.apply(tuple(executed.writes))
            seen.update(executed.tx_hashes)
            done.append((block, executed))
            txs += len(block.txs)
            prev_hash, prev_time = header_hash(block.header), block.header.time_ms
            if self._decides_validators(executed):
                break
            await asyncio.sleep(0)  # consensus and clients keep being served
        if not done:
            return 0, error
        if self.store.tip_height() != tip or self.store.tree.root != root:
            return 0, None  # the tip moved while the group executed: the caller goes on
        tree = self.store.tree.update(overlay.writes())
        if tree.root != done[-1][0].header.state_root:
            # Local execution disagrees with the certified chain somewhere in the group:
            # apply block by block, so the node stops at the first block that disagrees.
            applied = 0
            for block, _ in done:
                try:
                    self.apply_certified(block)
                except (BlockInvalid, InvalidCertificate) as exc:
                    return applied, f"block {block.header.height}: {exc}"
                applied += 1
            return applied, error
        self.store.commit_blocks(
            [
                BlockWrite(block, ex.results, ex.tx_hashes, ex.writes, ex.index)
                for block, ex in done
            ],
            tree,
        )
        for block, executed in done:
            self._after_commit(block, executed)
            self.metrics.catchup_blocks.inc()
        return len(done), error

    def _execute_certified(
        self,
        block: ledger_pb2.Block,
        height: int,
        prev_hash: bytes,
        prev_time: int,
        base: Overlay,
        seen: set[bytes],
    ) -> Executed:
        """A certified block's checks and execution on `base` (the blocks of its group
        before it), without the state tree; raises BlockInvalid or InvalidCertificate."""
        cert = certificate_from_proto(block.commit)
        digest = header_hash(block.header)
        if cert.digest != digest or cert.height != block.header.height:
            raise BlockInvalid("certificate is for another block")
        verify_commit_certificate(self.chain_id, self.known_schedule.at(cert.height), cert)
        checked = self._check_header_and_txs(
            block,
            view=None,
            digest=digest,
            height=height,
            prev_hash=prev_hash,
            prev_time=prev_time,
            certified=True,
            reproposal=False,
        )
        return self._execute_checked(
            block, checked, base, b"", lambda h: h in seen or self._is_committed(h), None
        )

    def apply_certified(self, block: ledger_pb2.Block) -> None:
        cert = certificate_from_proto(block.commit)
        commit = ledger_pb2.Block()
        commit.CopyFrom(block)
        commit.ClearField("commit")
        digest = header_hash(block.header)
        if cert.digest != digest or cert.height != block.header.height:
            raise BlockInvalid("certificate is for another block")
        verify_commit_certificate(self.chain_id, self.known_schedule.at(cert.height), cert)
        executed = self.check_block(commit, view=None, digest=digest, certified=True)
        commit.commit.CopyFrom(block.commit)
        self._commit(commit, executed)

    # ---- client submissions ------------------------------------------------------------

    def admit(self, tx: ledger_pb2.Transaction, *, forward: bool) -> CheckedTx:
        known = self._known(tx)
        if known is not None:
            return known  # already pending: no second signature check
        if forward and len(self.mempool) >= limits.MEMPOOL_CLIENT_ADMIT_MAX:
            raise self._busy()
        try:
            checked = check_tx(tx, self.chain_id)
        except TxInvalid as exc:
            raise _refusal(exc) from exc
        return self._admit_checked(tx, checked, forward=forward)

    async def admit_batch(
        self, txs: Sequence[ledger_pb2.Transaction], *, forward: bool
    ) -> list[CheckedTx | SubmitRejected]:
        """`admit` for many transactions, their stateless checks (signatures: most of the
        cost) done on a worker thread in slices, so the loop keeps driving consensus
        meanwhile (libsodium runs without the GIL). Returns, for each, what `admit` would
        have returned or raised."""
        out: list[CheckedTx | SubmitRejected] = []
        loop = asyncio.get_running_loop()
        for start in range(0, len(txs), limits.ADMIT_SLICE_TXS):
            part = list(txs[start : start + limits.ADMIT_SLICE_TXS])
            known = [self._known(tx) for tx in part]
            todo = [i for i, k in enumerate(known) if k is None]
            if forward:
                # Backpressure before any signature check: a flood of client calls must
                # not starve consensus (rounds would outlast the view timeout).
                room = max(0, limits.MEMPOOL_CLIENT_ADMIT_MAX - len(self.mempool))
                busy = set(todo[room:])
                todo = todo[:room]
            else:
                busy = set()
            checks: list[CheckedTx | TxInvalid] = []
            if todo:
                checks = await loop.run_in_executor(
                    self._checker, _check_all, [part[i] for i in todo], self.chain_id
                )
            checked = dict(zip(todo, checks, strict=True))
            for i, tx in enumerate(part):
                k = known[i]
                if k is not None:
                    out.append(k)
                elif i in busy:
                    out.append(self._busy())
                else:
                    check = checked[i]
                    try:
                        if isinstance(check, TxInvalid):
                            raise _refusal(check)
                        out.append(self._admit_checked(tx, check, forward=forward))
                    except SubmitRejected as exc:
                        out.append(exc)
        return out

    def _known(self, tx: ledger_pb2.Transaction) -> CheckedTx | None:
        known = self.mempool.by_signature.get(bytes(tx.signature))
        return known if known is not None and tx_hash(tx) == known.hash else None

    def _busy(self) -> SubmitRejected:
        return SubmitRejected(
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            f"busy: {len(self.mempool)} transactions pending; retry shortly",
        )

    def _admit_checked(
        self, tx: ledger_pb2.Transaction, checked: CheckedTx, *, forward: bool
    ) -> CheckedTx:
        """The stateful half of admission, on the loop: replay, mempool, forwarding."""
        if self._is_committed(checked.hash):
            raise SubmitRejected(
                grpc.StatusCode.ALREADY_EXISTS,
                f"replay: transaction {checked.hash.hex()} is already committed",
            )
        try:
            added = self.mempool.add(checked)
        except MempoolFull as exc:
            raise SubmitRejected(grpc.StatusCode.RESOURCE_EXHAUSTED, str(exc)) from exc
        if added and forward:
            self._relay[checked.hash] = (self._ticks, tx)
            if len(self._relay) > limits.MEMPOOL_TXS_MAX:
                self._relay.popitem(last=False)
            # To every peer, not only the primary: a backup then checks the signature while
            # it waits for the next proposal, and validating the block finds the transaction
            # checked (the mempool's cache), which keeps signature checks off the critical
            # path of a round. Forwards go in batches, so this costs a few RPCs per batch.
            for link in self.peers.values():
                link.forward(tx)
        if added:
            self.kick()
        return checked

    def wait_for(self, tx_hash: bytes) -> asyncio.Future[tuple[int, ledger_pb2.TxResult]]:
        fut: asyncio.Future[tuple[int, ledger_pb2.TxResult]] = (
            asyncio.get_running_loop().create_future()
        )
        self._waiters.setdefault(tx_hash, []).append(fut)
        return fut

    def forget_waiter(
        self, tx_hash: bytes, fut: asyncio.Future[tuple[int, ledger_pb2.TxResult]]
    ) -> None:
        waiters = self._waiters.get(tx_hash)
        if waiters and fut in waiters:
            waiters.remove(fut)
            if not waiters:
                del self._waiters[tx_hash]

    def lookup_tx(self, tx_hash: bytes) -> tuple[int, ledger_pb2.TxResult] | None:
        loc = self.store.tx_location(tx_hash)
        if loc is None:
            return None
        height, index = loc
        results = self.store.get_results(height)
        assert results is not None, "results missing for a committed block"
        return height, results.results[index]
