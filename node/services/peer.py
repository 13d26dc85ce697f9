"""The Peer service: what validators send each other (consensus messages, forwarded
transactions, certified blocks for state transfer)."""

from __future__ import annotations

from node import limits
from node.admission import SubmitRejected
from node.chain.wire import WireError, message_from_proto
from node.services.common import Context, NodeService, refuse_over
from node.transport.policy import current_caller
from proto import node_pb2, node_pb2_grpc


class PeerService(node_pb2_grpc.PeerServicer, NodeService):
    async def Deliver(self, request: node_pb2.PeerEnvelope, context: Context) -> node_pb2.PeerAck:
        count = len(request.messages)
        await refuse_over(context, count, limits.PEER_ENVELOPE_MESSAGES_MAX, "messages")
        messages = []
        for pb in request.messages:
            try:
                messages.append(message_from_proto(pb))
            except WireError as exc:
                self.node.metrics.consensus_rejected.labels("undecodable").inc()
                self.node.peer_refusals.note(request.from_validator, "undecodable", str(exc))
        self.node.deliver(messages)
        return node_pb2.PeerAck()

    async def ForwardTxs(self, request: node_pb2.TxBatch, context: Context) -> node_pb2.PeerAck:
        await refuse_over(
            context, len(request.txs), limits.FORWARD_BATCH_TXS_MAX, "transactions in one batch"
        )
        peer = current_caller().name  # the policy checked it names a validator in the set
        outcomes = await self.node.admission.admit_batch(request.txs, forward=False, peer=peer)
        for outcome in outcomes:
            if isinstance(outcome, SubmitRejected):
                self.node.metrics.forwarded_refused.labels(peer, outcome.status.name).inc()
                self.node.peer_refusals.note(peer, "forwarded transaction", outcome.message)
        return node_pb2.PeerAck()

    async def GetBlocks(
        self, request: node_pb2.GetBlocksRequest, context: Context
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
