"""Outbound links to the other validators.

One bounded queue and one sender task per peer. A send that fails is dropped, not
retried here: the replica retransmits its own messages on ticks, which is the single
recovery path for lost messages (the network may lose anything anyway).

Every link is mutual TLS (issue 11): the node presents its own validator certificate, and
accepts as the server only a certificate issued by the CA of the organisation the chain
names as that peer's operator (the only root given) and naming the peer's validator id
(the name checked, `channel_options(server_name=...)`). So the handshake proves the server
is that validator of that organisation, whatever address it was reached at. A link keeps
its channel for its whole life (one handshake, then calls reuse the connection); it is
replaced when the peer's address or its operator's CA changes, and closed when the peer
leaves the sets or its operator has no CA in force.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

import grpc

from consensus.messages import Message
from node import limits
from node.chain.wire import message_to_proto
from node.sdk.tls import channel_credentials, channel_options
from proto import ledger_pb2, node_pb2, node_pb2_grpc

log = logging.getLogger("trustledger.peers")

PEER_KEEPALIVE_TIME_MS = 2000
"""A link pings its peer after this long without hearing from it, calls in flight or not."""
PEER_KEEPALIVE_TIMEOUT_MS = 4000
"""A ping unanswered this long closes the connection, and the link dials again.

Why: a connection open when a cable is pulled or a switch port fails stays "open" on both
sides through the partition and carries nothing until TCP's retransmission, backed off
while the link was down, fires again: a validator cut off for 40 s was heard again only
10-25 s after the heal (docs/operators.md). With pings, a dead connection is closed within
TIME + TIMEOUT (6 s), the link redials every second at most (the backoff below), and the
first dial after the heal succeeds. Pings are HTTP/2 frames answered by gRPC's core, not
by the busy Python loop, so a loaded peer still answers them."""
PEER_PING_INTERVAL_MS_MIN = 1500
"""The server's side (`SERVER_KEEPALIVE_OPTIONS`): pings closer together than this, with no
data between them, count as abuse (gRPC's default policy allows one every 5 minutes and
answers a few early pings with GOAWAY "too_many_pings", which would cut every idle peer
link within seconds). Below the links' interval, so timer jitter never counts as a strike; a
client pinging faster still gets GOAWAY."""

# Between validators, reconnect quickly: gRPC's default backoff grows to two minutes, which
# would turn a peer's restart into minutes of silence.
PEER_CHANNEL_OPTIONS = [
    *limits.GRPC_OPTIONS,
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 1000),
    ("grpc.keepalive_time_ms", PEER_KEEPALIVE_TIME_MS),
    ("grpc.keepalive_timeout_ms", PEER_KEEPALIVE_TIMEOUT_MS),
    # Any ping, not only keepalive's: a keepalive ping is not sent while another ping (gRPC's
    # own, to size its windows) waits for its answer, and that one waits a minute by default.
    ("grpc.http2.ping_timeout_ms", PEER_KEEPALIVE_TIMEOUT_MS),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.max_pings_without_data", 0),  # an idle link keeps pinging
]
SERVER_KEEPALIVE_OPTIONS = [
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.min_ping_interval_without_data_ms", PEER_PING_INTERVAL_MS_MIN),
]
"""What a validator's server accepts from the links' pings (node/transport/server.py)."""
if PEER_PING_INTERVAL_MS_MIN >= PEER_KEEPALIVE_TIME_MS:
    raise RuntimeError("the server must accept the peer links' pings")
SEND_TIMEOUT_S = 3.0
FORWARD_LINGER_S = 0.05
"""How long a few forwarded transactions wait for more (single submissions), unless a
consensus message is to go: every forward is one RPC to each peer, ~0.5 ms of CPU apiece."""


@dataclass(frozen=True, slots=True)
class OwnTls:
    """The node's own certificate and key (NodeConfig.tls_cert_path / tls_key_path)."""

    cert_pem: bytes
    key_pem: bytes


@dataclass(frozen=True, slots=True)
class PeerTarget:
    """Where a peer is and who must answer there."""

    address: str
    """host:port dialled."""
    operator: str
    """The organisation the chain names as the peer's operator."""
    operator_ca: bytes
    """That organisation's CA certificate in force (PEM): the only root accepted."""


def get_peer_targets(
    addresses: Mapping[str, str], operators: Mapping[str, str], cas: Mapping[str, bytes]
) -> dict[str, PeerTarget]:
    """The links to open: each peer (validator id -> address) with its operator (validator
    id -> org id, from the chain) and that operator's CA in force. A peer whose operator is
    unnamed or has no CA in force gets no link (logged): no certificate could prove it."""
    targets: dict[str, PeerTarget] = {}
    for peer_id, address in addresses.items():
        operator = operators.get(peer_id, "")
        ca = cas.get(operator) if operator else None
        if ca is None:
            log.warning(
                "no link to validator %s: its operator %s has no CA in force",
                peer_id,
                operator or "(none named on the chain)",
            )
            continue
        targets[peer_id] = PeerTarget(address, operator, ca)
    return targets


class PeerLink:
    def __init__(self, self_id: str, peer_id: str, target: PeerTarget, own: OwnTls) -> None:
        self.self_id = self_id
        self.peer_id = peer_id
        self.target = target
        self.address = target.address
        credentials = channel_credentials(
            own.cert_pem, own.key_pem, {target.operator: target.operator_ca}
        )
        self._channel = grpc.aio.secure_channel(
            target.address,
            credentials,
            options=[*PEER_CHANNEL_OPTIONS, *channel_options(server_name=peer_id)],
        )
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

    def __init__(self, self_id: str, own: OwnTls) -> None:
        self.self_id = self_id
        self.own = own
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

    def refresh(self, wanted: Mapping[str, PeerTarget]) -> None:
        """Make the links those of `wanted` (validator id -> target): a link whose address
        or operator CA changed is closed and opened again, one not wanted is closed."""
        for pid, link in list(self.links.items()):
            if wanted.get(pid) != link.target:
                del self.links[pid]
                log.info("closing peer link to %s at %s", pid, link.address)
                if self._started:
                    asyncio.get_running_loop().create_task(link.close(), name=f"close-{pid}")
        for pid, target in wanted.items():
            if pid in self.links:
                continue
            link = PeerLink(self.self_id, pid, target, self.own)
            self.links[pid] = link
            if self._started:
                log.info(
                    "opening peer link to %s at %s (operator %s)",
                    pid,
                    target.address,
                    target.operator,
                )
                link.start()

    def send(self, to: str | None, message: Message) -> None:
        """To one validator, or to all (`to` None); a validator without a link is skipped
        (the replica retransmits, and the link may open later)."""
        if to is None:
            for link in self.links.values():
                link.send(message)
        elif (target := self.links.get(to)) is not None:
            target.send(message)
