"""The Peer service: what validators send each other (consensus messages, forwarded
transactions, certified blocks for state transfer)."""

from __future__ import annotations

import logging

import grpc

from node import limits
from node.chain.wire import WireError, message_from_proto
from node.runtime import Node
from proto import node_pb2, node_pb2_grpc

log = logging.getLogger("trustledger.services")


class PeerService(node_pb2_grpc.PeerServicer):
    def __init__(self, node: Node) -> None:
        self.node = node

    async def Deliver(
        self,
        request: node_pb2.PeerEnvelope,
        context: grpc.aio.ServicerContext[node_pb2.PeerEnvelope, node_pb2.PeerAck],
    ) -> node_pb2.PeerAck:
        if len(request.messages) > limits.PEER_ENVELOPE_MESSAGES_MAX:
            await context.abort(
                grpc.StatusCode.RESOURCE_EXHAUSTED, "too many messages in one envelope"
            )
        messages = []
        for pb in request.messages:
            try:
                messages.append(message_from_proto(pb))
            except WireError as exc:
                log.info("undecodable message from %s: %s", request.from_validator, exc)
        self.node.deliver(messages)
        return node_pb2.PeerAck()

    async def ForwardTxs(
        self,
        request: node_pb2.TxBatch,
        context: grpc.aio.ServicerContext[node_pb2.TxBatch, node_pb2.PeerAck],
    ) -> node_pb2.PeerAck:
        if len(request.txs) > limits.FORWARD_BATCH_TXS_MAX:
            await context.abort(
                grpc.StatusCode.RESOURCE_EXHAUSTED, "too many transactions in one batch"
            )
        await self.node.admission.admit_batch(request.txs, forward=False)
        return node_pb2.PeerAck()

    async def GetBlocks(
        self,
        request: node_pb2.GetBlocksRequest,
        context: grpc.aio.ServicerContext[node_pb2.GetBlocksRequest, node_pb2.GetBlocksResponse],
    ) -> node_pb2.GetBlocksResponse:
        count = min(max(request.max_blocks, 1), limits.GET_BLOCKS_MAX)
        tip = self.node.store.tip_height()
        resp = node_pb2.GetBlocksResponse()
        start = max(request.from_height, 1)
        budget = limits.GRPC_MESSAGE_BYTES_MAX // 2
        for height in range(start, min(tip, start + count - 1) + 1):
            block = self.node.store.get_block(height)
            if block is None:
                break
            budget -= block.ByteSize()
            if budget < 0 and resp.blocks:
                break  # the next call fetches the rest
            resp.blocks.append(block)
        return resp
