"""The Ledger service: submitting transactions, reading blocks, state, status, queries
and the audit trail."""

from __future__ import annotations

import asyncio

import grpc

from contracts.framework.codec import canonical_json
from contracts.framework.errors import ContractError
from node import limits
from node.admission import SubmitRejected
from node.chain.headers import header_hash
from node.chain.tx import TxInvalid, decode_args
from node.services.common import (
    STATE_KEY_BYTES_MAX,
    Context,
    NodeService,
    audit_trace,
    committed_response,
    contract_status,
    proven_state,
)
from proto import node_pb2, node_pb2_grpc


class LedgerService(node_pb2_grpc.LedgerServicer, NodeService):
    async def SubmitTransaction(
        self, request: node_pb2.SubmitRequest, context: Context
    ) -> node_pb2.SubmitResponse:
        if not request.HasField("tx"):
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "request has no transaction")
        try:
            checked = self.node.admission.admit(request.tx, forward=True)
        except SubmitRejected as exc:
            self.node.metrics.admission_rejected.labels(exc.status.name).inc()
            await context.abort(exc.status, exc.message)
        found = self.node.world.lookup_tx(checked.hash)
        if found is not None:
            return committed_response(checked.hash, *found)
        if not request.wait_for_commit:
            return node_pb2.SubmitResponse(tx_hash=checked.hash, status=node_pb2.TX_STATUS_PENDING)
        remaining = context.time_remaining()
        wait_s = (
            limits.SUBMIT_WAIT_S_MAX
            if remaining is None
            else min(remaining, limits.SUBMIT_WAIT_S_MAX)
        )
        fut = self.node.wait_for(checked.hash)
        try:
            height, result = await asyncio.wait_for(asyncio.shield(fut), wait_s)
        except TimeoutError:
            self.node.forget_waiter(checked.hash, fut)
            await context.abort(
                grpc.StatusCode.DEADLINE_EXCEEDED,
                f"transaction {checked.hash.hex()} is pending but not yet committed",
            )
        return committed_response(checked.hash, height, result)

    async def SubmitTransactions(
        self, request: node_pb2.SubmitBatchRequest, context: Context
    ) -> node_pb2.SubmitBatchResponse:
        if len(request.txs) > limits.SUBMIT_BATCH_TXS_MAX:
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT,
                f"at most {limits.SUBMIT_BATCH_TXS_MAX} transactions per batch",
            )
        resp = node_pb2.SubmitBatchResponse()
        for outcome in await self.node.admission.admit_batch(request.txs, forward=True):
            if isinstance(outcome, SubmitRejected):
                self.node.metrics.admission_rejected.labels(outcome.status.name).inc()
                resp.items.add(accepted=False, error=outcome.message)
            else:
                resp.items.add(tx_hash=outcome.hash, accepted=True)
        resp.pending = len(self.node.mempool)
        return resp

    async def GetTransaction(
        self, request: node_pb2.GetTransactionRequest, context: Context
    ) -> node_pb2.SubmitResponse:
        tx_hash = bytes(request.tx_hash)
        found = self.node.world.lookup_tx(tx_hash)
        if found is not None:
            return committed_response(tx_hash, *found)
        status = (
            node_pb2.TX_STATUS_PENDING
            if tx_hash in self.node.mempool
            else node_pb2.TX_STATUS_UNKNOWN
        )
        return node_pb2.SubmitResponse(tx_hash=tx_hash, status=status)

    async def GetBlock(
        self, request: node_pb2.GetBlockRequest, context: Context
    ) -> node_pb2.GetBlockResponse:
        height = request.height or self.node.store.tip_height()
        block = self.node.store.get_block(height) if height else None
        if block is None:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"no committed block at height {height}")
        results = self.node.store.get_results(height)
        return node_pb2.GetBlockResponse(block=block, results=results)

    async def GetStatus(
        self, request: node_pb2.StatusRequest, context: Context
    ) -> node_pb2.StatusResponse:
        node = self.node
        header = node.world.tip_header()
        consensus = node.consensus_status()
        return node_pb2.StatusResponse(
            chain_id=node.chain_id,
            validator=node.config.validator_id,
            height=node.world.tip_height(),
            view=consensus.view,
            primary=consensus.primary,
            last_block_hash=header_hash(header, node.genesis.suite)
            if header is not None
            else node.genesis.hash,
            mempool_size=len(node.mempool),
            state_root=node.store.state_root() or b"",
            view_changing=consensus.view_changing,
        )

    async def Query(
        self, request: node_pb2.QueryRequest, context: Context
    ) -> node_pb2.QueryResponse:
        try:
            args = decode_args(request.args)
        except TxInvalid as exc:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, exc.message)
        height = self.node.store.tip_height()
        try:
            result = self.node.world.query(request.contract, request.method, args)
        except ContractError as exc:
            await context.abort(contract_status(exc.code), f"{exc.code}: {exc.message}")
        return node_pb2.QueryResponse(result_json=canonical_json(result), height=height)

    async def GetProvenState(
        self, request: node_pb2.ProvenStateRequest, context: Context
    ) -> node_pb2.ProvenState:
        key = bytes(request.key)
        if not 1 <= len(key) <= STATE_KEY_BYTES_MAX:
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT, f"key must be 1..{STATE_KEY_BYTES_MAX} bytes"
            )
        return proven_state(self.node, key)

    async def AuditTrace(
        self, request: node_pb2.AuditTraceRequest, context: Context
    ) -> node_pb2.AuditTraceResponse:
        subject = request.subject
        if not subject or len(subject) > 128 or "\x00" in subject:
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT, "subject must be 1..128 characters"
            )
        limit = min(request.limit or limits.AUDIT_TRACE_ENTRIES_MAX, limits.AUDIT_TRACE_ENTRIES_MAX)
        return audit_trace(self.node, subject, limit)
