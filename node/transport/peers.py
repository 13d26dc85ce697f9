"""Outbound links to the other validators.

One bounded queue and one sender task per peer. A send that fails is dropped, not
retried here: the replica retransmits its own messages on ticks, which is the single
recovery path for lost messages (the network may lose anything anyway).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque

import grpc

from consensus.messages import Message
from node import limits
from node.chain.wire import message_to_proto
from proto import ledger_pb2, node_pb2, node_pb2_grpc

log = logging.getLogger("trustledger.peers")

# Between validators, reconnect quickly: gRPC's default backoff grows to two minutes, which
# would turn a peer's restart into minutes of silence.
PEER_CHANNEL_OPTIONS = [
    *limits.GRPC_OPTIONS,
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 1000),
]
SEND_TIMEOUT_S = 3.0
FORWARD_LINGER_S = 0.05
"""How long a few forwarded transactions wait for more (single submissions), unless a
consensus message is to go: every forward is one RPC to each peer, ~0.5 ms of CPU apiece."""


class PeerLink:
    def __init__(self, self_id: str, peer_id: str, address: str) -> None:
        self.self_id = self_id
        self.peer_id = peer_id
        self.address = address
        self._channel = grpc.aio.insecure_channel(address, options=PEER_CHANNEL_OPTIONS)
        self.stub = node_pb2_grpc.PeerStub(self._channel)
        self._messages: deque[Message] = deque(maxlen=limits.PEER_QUEUE_MESSAGES_MAX)
        self._txs: deque[ledger_pb2.Transaction] = deque(maxlen=limits.PEER_QUEUE_MESSAGES_MAX)
        self._wake = asyncio.Event()
        self._message_queued = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.failures = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"peer-{self.peer_id}")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
        await self._channel.close()

    def send(self, message: Message) -> None:
        self._messages.append(message)
        self._wake.set()
        self._message_queued.set()

    def forward(self, tx: ledger_pb2.Transaction) -> None:
        self._txs.append(tx)
        self._wake.set()

    async def _run(self) -> None:
        backoff = 0.05
        while True:
            await self._wake.wait()
            self._wake.clear()
            if self._txs and not self._messages and len(self._txs) < limits.ADMIT_SLICE_TXS:
                # Let single submissions coalesce (a batch's slice goes at once), but never
                # hold a consensus message back for it.
                self._message_queued.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._message_queued.wait(), FORWARD_LINGER_S)
            while self._messages or self._txs:
                try:
                    if self._messages:
                        batch = [
                            self._messages.popleft()
                            for _ in range(
                                min(len(self._messages), limits.PEER_ENVELOPE_MESSAGES_MAX)
                            )
                        ]
                        envelope = node_pb2.PeerEnvelope(
                            from_validator=self.self_id,
                            messages=[message_to_proto(m) for m in batch],
                        )
                        await self.stub.Deliver(
                            envelope, timeout=SEND_TIMEOUT_S, wait_for_ready=True
                        )
                    if self._txs:
                        txs = [
                            self._txs.popleft()
                            for _ in range(min(len(self._txs), limits.FORWARD_BATCH_TXS_MAX))
                        ]
                        await self.stub.ForwardTxs(
                            node_pb2.TxBatch(txs=txs), timeout=SEND_TIMEOUT_S, wait_for_ready=True
                        )
                    backoff = 0.05
                except grpc.aio.AioRpcError as exc:
                    self.failures += 1
                    log.debug("send to %s failed: %s", self.peer_id, exc.code())
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 2.0)


class PeerSet:
    """The links to the validators this node talks to, kept in step with the chain: a
    link opens for a validator that joined (or moved) and closes for one that left."""

    def __init__(self, self_id: str) -> None:
        self.self_id = self_id
        self.links: dict[str, PeerLink] = {}
        self._started = False

    def start(self) -> None:
        self._started = True
        for link in self.links.values():
            link.start()
        log.info("peer links: %s", ", ".join(f"{p}={k.address}" for p, k in self.links.items()))

    async def close(self) -> None:
        for link in list(self.links.values()):
            await link.close()

    def refresh(self, wanted: dict[str, str]) -> None:
        """Make the links those of `wanted` (validator id -> address)."""
        for pid, link in list(self.links.items()):
            if wanted.get(pid) != link.address:
                del self.links[pid]
                log.info("closing peer link to %s at %s", pid, link.address)
                if self._started:
                    asyncio.get_running_loop().create_task(link.close(), name=f"close-{pid}")
        for pid, address in wanted.items():
            if pid in self.links:
                continue
            link = PeerLink(self.self_id, pid, address)
            self.links[pid] = link
            if self._started:
                log.info("opening peer link to %s at %s", pid, address)
                link.start()

    def send(self, to: str | None, message: Message) -> None:
        """To one validator, or to all (`to` None); a validator without a link is skipped
        (the replica retransmits, and the link may open later)."""
        if to is None:
            for link in self.links.values():
                link.send(message)
        elif (target := self.links.get(to)) is not None:
            target.send(message)
