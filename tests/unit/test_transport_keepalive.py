"""Peer links ping their peers (node/transport/peers.py): a connection that goes silent, as
when a cable is pulled, is closed and dialled again, instead of staying "open" until TCP's
backed-off retransmission; and a validator's server accepts the pings of an idle link
rather than answering GOAWAY "too_many_pings" (gRPC's default policy)."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import grpc

from node.transport.peers import PEER_KEEPALIVE_TIME_MS, PeerLink, PeerTarget
from proto import node_pb2
from tests.unit.node_support import TEST_CA
from tests.unit.test_transport_node import own_tls, run, validator

LEFT_READY_TIMEOUT_S = 30.0
"""A generous bound for the link to give up a silent connection (pings take ~6 s)."""


class Cable:
    """A TCP relay between a link and its peer that can be unplugged: unplugged, it drops
    every byte both ways without closing anything (a half-open connection, as after a pulled
    cable) and closes new connections at once (the peer cannot be reached)."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.plugged = True
        self.connections = 0
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> Cable:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in self._tasks:
            task.cancel()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.plugged:
            writer.close()
            return
        self.connections += 1
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        for src, dst in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pipe(src, dst))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pipe(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            while data := await src.read(65536):
                if self.plugged:
                    dst.write(data)
                    await dst.drain()
        dst.close()


async def blocks_call(link: PeerLink) -> grpc.StatusCode:
    try:
        await link.stub.GetBlocks(
            node_pb2.GetBlocksRequest(from_height=1), timeout=10, wait_for_ready=True
        )
    except grpc.aio.AioRpcError as exc:
        return exc.code()
    return grpc.StatusCode.OK


async def left_ready(channel: grpc.aio.Channel, timeout_s: float) -> grpc.ChannelConnectivity:
    """The channel's state once it is no longer READY, or READY after `timeout_s`."""
    state = channel.get_state()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout_s):
            while state is grpc.ChannelConnectivity.READY:
                await channel.wait_for_state_change(state)
                state = channel.get_state()
    return state


def test_a_silent_peer_connection_is_closed_and_dialled_again(tmp_path: Path) -> None:
    async def check(home: Path) -> None:
        async with validator(home) as (_, port):
            cable = await Cable(port).start()
            target = PeerTarget(f"127.0.0.1:{cable.port}", "edu", TEST_CA.ca)
            link = PeerLink("val-0", "val-0", target, own_tls(home))
            try:
                assert await blocks_call(link) is grpc.StatusCode.OK
                # Idle for several ping intervals: the server takes the pings, so the one
                # connection stays up (with gRPC's default server policy, a GOAWAY would end
                # it and the link would dial a second one).
                await asyncio.sleep(5 * PEER_KEEPALIVE_TIME_MS / 1000)
                assert link._channel.get_state() is grpc.ChannelConnectivity.READY
                assert await blocks_call(link) is grpc.StatusCode.OK
                assert cable.connections == 1

                cable.plugged = False
                state = await left_ready(link._channel, LEFT_READY_TIMEOUT_S)
                assert state is not grpc.ChannelConnectivity.READY

                cable.plugged = True
                assert await blocks_call(link) is grpc.StatusCode.OK
                assert cable.connections == 2
            finally:
                await link.close()
                await cable.close()

    run(check, tmp_path)
