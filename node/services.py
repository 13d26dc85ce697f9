"""gRPC servicers. Each RPC validates its input, delegates to the node or to plain
query functions, and maps failures to status codes that say what went wrong."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

import grpc

from contracts.certificates.records import get_cert_key
from contracts.framework.codec import canonical_json
from contracts.framework.errors import ContractError
from contracts.runtime import query as contract_query
from node import limits
from node.blocks import header_hash
from node.client import STATUS_BY_NAME
from node.execution import actor_of
from node.runtime import Node, SubmitRejected
from node.statetree import encode_proof, verify_proof
from node.storage import REJECTED_EVENT
from node.tx import ArgValue, TxInvalid, decode_args
from node.wire import WireError, message_from_proto
from proto import ledger_pb2, node_pb2, node_pb2_grpc

log = logging.getLogger("trustledger.services")

CONTRACT_STATUS = {
    "invalid_argument": grpc.StatusCode.INVALID_ARGUMENT,
    "not_found": grpc.StatusCode.NOT_FOUND,
    "permission_denied": grpc.StatusCode.PERMISSION_DENIED,
    "already_exists": grpc.StatusCode.ALREADY_EXISTS,
    "failed_precondition": grpc.StatusCode.FAILED_PRECONDITION,
    "unknown_method": grpc.StatusCode.UNIMPLEMENTED,
}

CERT_STATUS = STATUS_BY_NAME


def tip_time_ms(node: Node) -> int:
    header = node.tip_header()
    return node.genesis.genesis_time_ms if header is None else header.time_ms


def run_query(node: Node, contract: str, method: str, args: Mapping[str, ArgValue]) -> object:
    return contract_query(node.state, contract, method, args, now_ms=tip_time_ms(node))


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
        for pb in request.messages:
            try:
                message = message_from_proto(pb)
            except WireError as exc:
                log.info("undecodable message from %s: %s", request.from_validator, exc)
                continue
            self.node.replica.step(message)
        self.node.kick()
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
        await self.node.admit_batch(request.txs, forward=False)
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


class LedgerService(node_pb2_grpc.LedgerServicer):
    def __init__(self, node: Node) -> None:
        self.node = node

    async def SubmitTransaction(
        self,
        request: node_pb2.SubmitRequest,
        context: grpc.aio.ServicerContext[node_pb2.SubmitRequest, node_pb2.SubmitResponse],
    ) -> node_pb2.SubmitResponse:
        if not request.HasField("tx"):
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "request has no transaction")
        try:
            checked = self.node.admit(request.tx, forward=True)
        except SubmitRejected as exc:
            self.node.metrics.admission_rejected.labels(exc.status.name).inc()
            await context.abort(exc.status, exc.message)
        found = self.node.lookup_tx(checked.hash)
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
        self,
        request: node_pb2.SubmitBatchRequest,
        context: grpc.aio.ServicerContext[
            node_pb2.SubmitBatchRequest, node_pb2.SubmitBatchResponse
        ],
    ) -> node_pb2.SubmitBatchResponse:
        if len(request.txs) > limits.SUBMIT_BATCH_TXS_MAX:
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT,
                f"at most {limits.SUBMIT_BATCH_TXS_MAX} transactions per batch",
            )
        resp = node_pb2.SubmitBatchResponse()
        for outcome in await self.node.admit_batch(request.txs, forward=True):
            if isinstance(outcome, SubmitRejected):
                self.node.metrics.admission_rejected.labels(outcome.status.name).inc()
                resp.items.add(accepted=False, error=outcome.message)
            else:
                resp.items.add(tx_hash=outcome.hash, accepted=True)
        resp.pending = len(self.node.mempool)
        return resp

    async def GetTransaction(
        self,
        request: node_pb2.GetTransactionRequest,
        context: grpc.aio.ServicerContext[node_pb2.GetTransactionRequest, node_pb2.SubmitResponse],
    ) -> node_pb2.SubmitResponse:
        tx_hash = bytes(request.tx_hash)
        found = self.node.lookup_tx(tx_hash)
        if found is not None:
            return committed_response(tx_hash, *found)
        status = (
            node_pb2.TX_STATUS_PENDING
            if tx_hash in self.node.mempool
            else node_pb2.TX_STATUS_UNKNOWN
        )
        return node_pb2.SubmitResponse(tx_hash=tx_hash, status=status)

    async def GetBlock(
        self,
        request: node_pb2.GetBlockRequest,
        context: grpc.aio.ServicerContext[node_pb2.GetBlockRequest, node_pb2.GetBlockResponse],
    ) -> node_pb2.GetBlockResponse:
        height = request.height or self.node.store.tip_height()
        block = self.node.store.get_block(height) if height else None
        if block is None:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"no committed block at height {height}")
        results = self.node.store.get_results(height)
        return node_pb2.GetBlockResponse(block=block, results=results)

    async def GetStatus(
        self,
        request: node_pb2.StatusRequest,
        context: grpc.aio.ServicerContext[node_pb2.StatusRequest, node_pb2.StatusResponse],
    ) -> node_pb2.StatusResponse:
        node = self.node
        header = node.tip_header()
        return node_pb2.StatusResponse(
            chain_id=node.chain_id,
            validator=node.config.validator_id,
            height=node.store.tip_height(),
            view=node.replica.view,
            primary=node.replica.schedule.at(node.store.tip_height() + 1).primary(
                node.replica.view
            ),
            last_block_hash=header_hash(header) if header is not None else node.genesis.hash,
            mempool_size=len(node.mempool),
            state_root=node.store.state_root() or b"",
            view_changing=node.replica.in_view_change,
        )

    async def Query(
        self,
        request: node_pb2.QueryRequest,
        context: grpc.aio.ServicerContext[node_pb2.QueryRequest, node_pb2.QueryResponse],
    ) -> node_pb2.QueryResponse:
        try:
            args = decode_args(request.args)
        except TxInvalid as exc:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, exc.message)
        height = self.node.store.tip_height()
        try:
            result = run_query(self.node, request.contract, request.method, args)
        except ContractError as exc:
            await context.abort(
                CONTRACT_STATUS.get(exc.code, grpc.StatusCode.UNKNOWN), f"{exc.code}: {exc.message}"
            )
        return node_pb2.QueryResponse(result_json=canonical_json(result), height=height)

    async def GetProvenState(
        self,
        request: node_pb2.ProvenStateRequest,
        context: grpc.aio.ServicerContext[node_pb2.ProvenStateRequest, node_pb2.ProvenState],
    ) -> node_pb2.ProvenState:
        key = bytes(request.key)
        if not 1 <= len(key) <= STATE_KEY_BYTES_MAX:
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT, f"key must be 1..{STATE_KEY_BYTES_MAX} bytes"
            )
        return proven_state(self.node, key)

    async def AuditTrace(
        self,
        request: node_pb2.AuditTraceRequest,
        context: grpc.aio.ServicerContext[node_pb2.AuditTraceRequest, node_pb2.AuditTraceResponse],
    ) -> node_pb2.AuditTraceResponse:
        subject = request.subject
        if not subject or len(subject) > 128 or "\x00" in subject:
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT, "subject must be 1..128 characters"
            )
        limit = min(request.limit or limits.AUDIT_TRACE_ENTRIES_MAX, limits.AUDIT_TRACE_ENTRIES_MAX)
        return audit_trace(self.node, subject, limit)


STATE_KEY_BYTES_MAX = 256


def proven_state(node: Node, key: bytes) -> node_pb2.ProvenState:
    """`key`'s value (or its absence) proven against the tip's state root, with the tip's
    header and commit certificate. One loop owns the store, so tip and tree agree."""
    height = node.store.tip_height()
    root = node.store.tree.root
    proof = node.store.tree.prove(key)
    value = node.store.state_get(key)
    if not verify_proof(root, key, value, proof):
        # The tree is rebuilt from the stored state and moves with it in the same commit;
        # a disagreement means damage, and a wrong proof must never leave the node.
        log.error("state tree and stored state disagree on %r", key[:64])
        raise RuntimeError("the node's state tree does not match its stored state")
    out = node_pb2.ProvenState(
        key=key,
        present=value is not None,
        value=value or b"",
        proof=encode_proof(proof),
        height=height,
    )
    head = node.store.tip_head()
    if head is not None:
        out.header.CopyFrom(head[0])
        out.commit.CopyFrom(head[1])
    return out


def committed_response(
    tx_hash: bytes, height: int, result: ledger_pb2.TxResult
) -> node_pb2.SubmitResponse:
    return node_pb2.SubmitResponse(
        tx_hash=tx_hash, status=node_pb2.TX_STATUS_COMMITTED, height=height, result=result
    )


def audit_trace(node: Node, subject: str, limit: int) -> node_pb2.AuditTraceResponse:
    """The chronological flow of everything that happened to or was attempted on `subject`."""
    entries = node.store.index_scan(subject, limit + 1)
    resp = node_pb2.AuditTraceResponse(
        height=node.store.tip_height(), truncated=len(entries) > limit
    )
    cache: dict[int, tuple[ledger_pb2.Block, ledger_pb2.BlockResults]] = {}
    actors: dict[bytes, str] = {}
    for entry in entries[:limit]:
        if entry.height not in cache:
            block = node.store.get_block(entry.height)
            results = node.store.get_results(entry.height)
            assert block is not None and results is not None, "index points at a missing block"
            cache[entry.height] = (block, results)
        block, results = cache[entry.height]
        result = results.results[entry.tx_index]
        submitter = bytes(result.submitter)
        if submitter not in actors:
            actors[submitter] = actor_of(node.state, submitter)
        out = resp.entries.add(
            height=entry.height,
            tx_index=entry.tx_index,
            time_ms=block.header.time_ms,
            tx_hash=result.tx_hash,
            actor=actors[submitter],
            contract=result.contract,
            method=result.method,
            ok=result.ok,
            error_code=result.error_code,
            error_message=result.error_message,
        )
        if entry.event_index != REJECTED_EVENT:
            out.event.CopyFrom(result.events[entry.event_index])
    return resp


class AgencyService(node_pb2_grpc.AgencyServicer):
    def __init__(self, node: Node) -> None:
        self.node = node

    async def VerifyCertificate(
        self,
        request: node_pb2.VerifyCertificateRequest,
        context: grpc.aio.ServicerContext[
            node_pb2.VerifyCertificateRequest, node_pb2.VerifyCertificateResponse
        ],
    ) -> node_pb2.VerifyCertificateResponse:
        cert_id = request.cert_id
        if not cert_id or len(cert_id) > 64 or not cert_id.isascii():
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT, "cert_id must be 1..64 ASCII characters"
            )
        if request.doc_hash and len(request.doc_hash) != 64:
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT, "doc_hash must be 64 hex characters"
            )
        node = self.node
        height = node.store.tip_height()
        resp = node_pb2.VerifyCertificateResponse(cert_id=cert_id, height=height)
        head = node.store.tip_head()
        if head is not None:
            resp.header.CopyFrom(head[0])
            resp.commit.CopyFrom(head[1])
        resp.proof.CopyFrom(proven_state(node, get_cert_key(cert_id)))
        try:
            record = run_query(node, "certificates", "status", {"cert_id": cert_id})
        except ContractError as exc:
            if exc.code == "not_found":
                resp.status = node_pb2.CERTIFICATE_STATUS_UNKNOWN
                return resp
            await context.abort(CONTRACT_STATUS.get(exc.code, grpc.StatusCode.UNKNOWN), exc.message)
        assert isinstance(record, dict)
        resp.status = CERT_STATUS.get(
            str(record["status"]), node_pb2.CERTIFICATE_STATUS_UNSPECIFIED
        )
        resp.cert_type = str(record["cert_type"])
        resp.issuer = str(record["issuer"])
        resp.holder = str(record["holder"])
        resp.doc_hash = str(record["doc_hash"])
        resp.revocation_reason = str(record.get("reason", ""))
        resp.issued_height = int(record["issued_height"])
        resp.status_height = int(record["status_height"])
        if request.doc_hash:
            resp.doc_hash_matches = request.doc_hash.lower() == resp.doc_hash
        return resp
