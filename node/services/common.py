"""What every RPC handler shares: contract errors as gRPC status codes, and the ledger
reads several services answer with (proven state, the audit trail)."""

from __future__ import annotations

import logging
from typing import Any

import grpc

from node.chain.stateproof import Proof, encode_proof, verify_proof
from node.ledger.execution import actor_of
from node.ledger.store import REJECTED_EVENT, StorageError
from node.runtime import Node
from proto import ledger_pb2, node_pb2

log = logging.getLogger("trustledger.services")

CONTRACT_STATUS = {
    "invalid_argument": grpc.StatusCode.INVALID_ARGUMENT,
    "not_found": grpc.StatusCode.NOT_FOUND,
    "permission_denied": grpc.StatusCode.PERMISSION_DENIED,
    "already_exists": grpc.StatusCode.ALREADY_EXISTS,
    "failed_precondition": grpc.StatusCode.FAILED_PRECONDITION,
    "unknown_method": grpc.StatusCode.UNIMPLEMENTED,
}


Context = grpc.aio.ServicerContext[Any, Any]
"""A handler's call context (the request and reply types are in each handler's signature)."""


class NodeService:
    """What every servicer holds: the validator it answers for."""

    def __init__(self, node: Node) -> None:
        self.node = node


async def refuse_over(context: Context, count: int, limit: int, what: str) -> None:
    """Abort with RESOURCE_EXHAUSTED when a request carries more than `limit` items."""
    if count > limit:
        await context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, f"too many {what}")


def contract_status(code: str) -> grpc.StatusCode:
    """The gRPC status for a contract's error code."""
    return CONTRACT_STATUS.get(code, grpc.StatusCode.UNKNOWN)


STATE_KEY_BYTES_MAX = 256


def checked_proof(node: Node, key: bytes) -> tuple[bytes | None, Proof]:
    """`key`'s value at the tip and its proof against the tip's state root, checked."""
    root = node.store.tree.root
    proof = node.store.tree.prove(key)
    value = node.store.state_get(key)
    if not verify_proof(root, key, value, proof, node.genesis.suite):
        # The tree is rebuilt from the stored state and moves with it in the same commit;
        # a disagreement means damage, and a wrong proof must never leave the node.
        log.error("state tree and stored state disagree on %r", key[:64])
        raise RuntimeError("the node's state tree does not match its stored state")
    return value, proof


def proven_state(node: Node, key: bytes) -> node_pb2.ProvenState:
    """`key`'s value (or its absence) proven against the tip's state root, with the tip's
    header and commit certificate. One loop owns the store, so tip and tree agree."""
    height = node.store.tip_height()
    value, proof = checked_proof(node, key)
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
            if block is None or results is None:
                raise StorageError(f"the audit index points at missing block {entry.height}")
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
