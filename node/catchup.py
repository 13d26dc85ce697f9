"""State transfer: fetch certified blocks from peers and apply them, trusting no peer.

Each block is checked against its commit certificate (a quorum of the validators in force
at its height) and its link to the previous block, then re-executed; a peer that sends
anything else is dropped for the rest of the run. Blocks are applied in groups: executed
one after the other on an overlay, then one state-tree update and one synced batch for
the group, which is most of what catching up costs (see `_apply_group`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping

import grpc

from consensus.errors import InvalidCertificate
from consensus.validators import ValidatorSchedule, verify_commit_certificate
from node import limits
from node.blocks import Blocks, Parent
from node.chain.events import VALIDATOR_EVENTS
from node.chain.headers import header_hash
from node.chain.wire import certificate_from_proto
from node.ledger.execution import BlockInvalid, Executed
from node.ledger.state import Overlay
from node.ledger.world import World
from node.transport.peers import PeerLink
from proto import ledger_pb2, node_pb2

log = logging.getLogger("trustledger.node")

Committed = Callable[[ledger_pb2.Block, Executed], None]
"""Called after each block is stored (mempool, metrics, validator decisions, waiters)."""


def decides_validators(executed: Executed) -> bool:
    """Whether a block decided on validators (later certificates depend on it)."""
    return any(
        event.name in VALIDATOR_EVENTS
        for result in executed.results.results
        for event in result.events
    )


class CatchUp:
    """Applies certified blocks above the tip, from peers or handed in."""

    def __init__(
        self,
        world: World,
        blocks: Blocks,
        schedule: Callable[[], ValidatorSchedule],
        committed: Committed,
    ) -> None:
        """`schedule` gives the validator sets decided in the stored state (ahead of the
        replica's while blocks are applied here)."""
        self.world = world
        self.blocks = blocks
        self.schedule = schedule
        self.committed = committed
        self.chain_id = world.genesis.chain_id
        self.suite = world.genesis.suite

    async def sync_from_peers(self, peers: Mapping[str, PeerLink], upto: int | None = None) -> int:
        """Fetch and apply blocks above our tip from each peer in turn. Returns how many
        were applied."""
        applied = 0
        for link in list(peers.values()):
            # Pipelined: the next range is asked for before this one is applied, so the
            # peer reads and sends it while this node re-executes (one range in flight).
            fetch: asyncio.Task[list[ledger_pb2.Block]] | None = _fetch_blocks(
                link, self.world.tip_height() + 1
            )
            while fetch is not None:
                blocks = await fetch
                fetch = None
                if not blocks:
                    break
                last = blocks[-1].header.height
                if upto is None or last < upto:
                    fetch = _fetch_blocks(link, last + 1)
                    await asyncio.sleep(0)  # the request leaves now
                stop = False
                if upto is not None and blocks[-1].header.height > upto:
                    stop = True  # nothing wanted beyond `upto`
                    blocks = [b for b in blocks if b.header.height <= upto]
                applied_here, error = await self.apply_run(blocks)
                if error is not None:
                    log.warning("block from %s refused: %s", link.peer_id, error)
                    stop = True
                applied += applied_here
                if stop or last != self.world.tip_height():
                    # The prefetched range does not follow on from the tip: drop it, and ask
                    # again from the tip unless this range brought nothing that fitted.
                    if fetch is not None:
                        fetch.cancel()
                        fetch = None
                    if not stop and applied_here:
                        fetch = _fetch_blocks(link, self.world.tip_height() + 1)
        if applied:
            log.info("caught up %d blocks from peers; tip is %d", applied, self.world.tip_height())
        return applied

    async def apply_run(self, blocks: list[ledger_pb2.Block]) -> tuple[int, str | None]:
        """Apply the certified blocks of `blocks` that follow the tip, several at a time.
        Returns how many were applied and, if one was refused, why (the blocks before it
        stay applied)."""
        applied = 0
        while True:
            tip = self.world.tip_height()
            rest = [b for b in blocks if b.header.height > tip]
            if not rest or rest[0].header.height != tip + 1:
                return applied, None
            count, error = await self._apply_group(rest)
            applied += count
            if error is not None or count == 0:
                return applied, error

    async def _apply_group(self, blocks: list[ledger_pb2.Block]) -> tuple[int, str | None]:
        """Execute certified blocks following the tip one after the other on an overlay,
        then update the state tree once for all their writes and store them in one batch.

        Why: the tree's top levels are rebuilt once per update rather than once per block,
        and one synced batch replaces many. Each block is still checked in full
        (certificate, header chain, transactions, its transaction and results roots); the
        state root is checked for the last block of the group, which is what the stored
        state must match (the blocks' certificates vouch for the intermediate roots). A
        group ends at `CATCHUP_GROUP_TXS_MAX` transactions and after any block deciding on
        validators (later certificates are checked against the schedule it sets). The loop
        serves others between blocks; if the tip moved meanwhile (consensus committed),
        the group is dropped, not applied. Returns how many blocks were applied and, if
        one was refused, why."""
        world = self.world
        tip = world.tip_height()
        root = world.tree.root
        parent = self.blocks.parent()
        overlay = Overlay(world.state)
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
                executed = self._execute_certified(block, height, parent, overlay, seen)
            except (BlockInvalid, InvalidCertificate) as exc:
                error = f"block {height}: {exc}"
                break
            overlay.apply(tuple(executed.writes))
            seen.update(executed.tx_hashes)
            done.append((block, executed))
            txs += len(block.txs)
            parent = Parent(header_hash(block.header, self.suite), block.header.time_ms, b"")
            if decides_validators(executed):
                break
            await asyncio.sleep(0)  # consensus and clients keep being served
        if not done:
            return 0, error
        if world.tip_height() != tip or world.tree.root != root:
            return 0, None  # the tip moved while the group executed: the caller goes on
        tree = world.tree.update(overlay.writes())
        if tree.root != done[-1][0].header.state_root:
            # Local execution disagrees with the certified chain somewhere in the group:
            # apply block by block, so the node stops at the first block that disagrees.
            applied = 0
            for block, _ in done:
                try:
                    self.apply_one(block)
                except (BlockInvalid, InvalidCertificate) as exc:
                    return applied, f"block {block.header.height}: {exc}"
                applied += 1
            return applied, error
        world.commit_group(done, tree)
        for block, executed in done:
            self.committed(block, executed)
            self.blocks.metrics.catchup_blocks.inc()
        return len(done), error

    def _check_certificate(self, block: ledger_pb2.Block) -> bytes:
        """The block's digest, once its certificate is shown to be a quorum's for it."""
        cert = certificate_from_proto(block.commit)
        digest = header_hash(block.header, self.suite)
        if cert.digest != digest or cert.height != block.header.height:
            raise BlockInvalid("certificate is for another block")
        verify_commit_certificate(self.chain_id, self.schedule().at(cert.height), cert, self.suite)
        return digest

    def _execute_certified(
        self,
        block: ledger_pb2.Block,
        height: int,
        parent: Parent,
        base: Overlay,
        seen: set[bytes],
    ) -> Executed:
        """A certified block's checks and execution on `base` (the blocks of its group
        before it), without the state tree; raises BlockInvalid or InvalidCertificate."""
        digest = self._check_certificate(block)
        checked = self.blocks.check_header_and_txs(
            block,
            view=None,
            digest=digest,
            height=height,
            parent=parent,
            certified=True,
            reproposal=False,
        )
        is_committed = self.blocks.is_committed
        return self.blocks.execute_checked(
            block, checked, base, b"", lambda h: h in seen or is_committed(h), None
        )

    def apply_one(self, block: ledger_pb2.Block) -> None:
        """Check, execute and store one certified block following the tip."""
        digest = self._check_certificate(block)
        commit = ledger_pb2.Block()
        commit.CopyFrom(block)
        commit.ClearField("commit")
        executed = self.blocks.check(commit, view=None, digest=digest, certified=True)
        commit.commit.CopyFrom(block.commit)
        self.world.commit(commit, executed)
        self.committed(commit, executed)


def _fetch_blocks(link: PeerLink, from_height: int) -> asyncio.Task[list[ledger_pb2.Block]]:
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
