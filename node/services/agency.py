"""The Agency service: what a verifying agency asks of the chain."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import grpc

from contracts.catalogue import lookup
from contracts.certificates.records import get_cert_key
from contracts.framework import formats
from contracts.framework.errors import ContractError
from contracts.framework.interface import StateReader
from contracts.framework.limits import CERT_ID_LENGTH_MAX, LIST_LIMIT_MAX
from node.chain.batchproof import NodeTable, encode_batch_proof
from node.chain.certstatus import STATUS_BY_NAME
from node.limits import (
    VERIFY_BATCH_CERTS_MAX,
    VERIFY_STREAM_BATCHES_MAX,
    VERIFY_STREAMS_MAX,
    VERIFY_STREAMS_PER_CALLER_MAX,
    WATCH_POLL_S,
    WATCHERS_MAX,
    WATCHERS_PER_CALLER_MAX,
)
from node.runtime import Node
from node.sdk.presentation import QR_CHARACTERS_MAX, PresentationRefused
from node.sdk.presentation_check import NonceBook, check_offline, check_record
from node.services.common import (
    Context,
    NodeService,
    checked_proof,
    contract_status,
    proven_state,
)
from node.services.slots import StreamSlots
from node.services.watch import Followed
from node.transport.policy import current_caller
from proto import node_pb2, node_pb2_grpc


class AgencyService(node_pb2_grpc.AgencyServicer, NodeService):
    def __init__(self, node: Node) -> None:
        super().__init__(node)
        self.watchers = StreamSlots("watchers", WATCHERS_MAX, WATCHERS_PER_CALLER_MAX)
        self.verify_streams = StreamSlots(
            "verification streams", VERIFY_STREAMS_MAX, VERIFY_STREAMS_PER_CALLER_MAX
        )
        self.nonces = NonceBook()
        """Presentations this node accepted, until they expire (in memory: see
        docs/presentations.md)."""

    async def VerifyCertificate(
        self, request: node_pb2.VerifyCertificateRequest, context: Context
    ) -> node_pb2.VerifyCertificateResponse:
        cert_id = request.cert_id
        if not _is_cert_id(cert_id):
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT, "cert_id must be 1..64 ASCII characters"
            )
        if request.doc_hash and len(request.doc_hash) != 64:
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT, "doc_hash must be 64 hex characters"
            )
        if problem := get_purpose_code_problem(self.node.world.state, request.purpose_code):
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, problem)
        try:
            resp, _ = certificate_answer(self.node, cert_id)
        except ContractError as exc:
            await context.abort(contract_status(exc.code), exc.message)
        if request.doc_hash and resp.status != node_pb2.CERTIFICATE_STATUS_UNKNOWN:
            resp.doc_hash_matches = request.doc_hash.lower() == resp.doc_hash
        resp.purpose_code = request.purpose_code
        return resp

    async def VerifyCertificates(
        self, request: node_pb2.VerifyCertificatesRequest, context: Context
    ) -> node_pb2.VerifyCertificatesResponse:
        try:
            return batch_answer(self.node, list(request.cert_ids))
        except BatchRefused as refused:
            await context.abort(refused.code, str(refused))
            raise  # abort raises; this only satisfies the type checker

    async def VerifyStream(
        self, requests: AsyncIterator[node_pb2.VerifyCertificatesRequest], context: Context
    ) -> AsyncIterator[node_pb2.VerifyCertificatesResponse]:
        """Batches on one stream, answered one at a time in order: the next request is read
        only once the answer to the last was handed to the transport, so a client that sends
        faster than it reads waits on HTTP/2 flow control, and the node holds one batch of
        it at a time. Such a stream stays open, so how many are open is capped
        (node/services/slots.py)."""
        caller = current_caller().org
        if refusal := self.verify_streams.get_refusal(caller):
            await context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, refusal)
        served = 0
        with self.verify_streams.held(caller):
            async for request in requests:
                served += 1
                if served > VERIFY_STREAM_BATCHES_MAX:
                    await context.abort(
                        grpc.StatusCode.RESOURCE_EXHAUSTED,
                        f"at most {VERIFY_STREAM_BATCHES_MAX} batches on one stream: open another",
                    )
                try:
                    yield batch_answer(self.node, list(request.cert_ids))
                except BatchRefused as refused:
                    await context.abort(refused.code, str(refused))

    async def WatchStatus(
        self, request: node_pb2.WatchStatusRequest, context: Context
    ) -> AsyncIterator[node_pb2.StatusChange]:
        """Replays the blocks after `from_height`, then follows new ones (polling the tip:
        the node's loop is not held by a watcher). Each change is written before the next
        block is read, so a client that does not read holds only its own stream back."""
        ids = list(dict.fromkeys(request.cert_ids))
        try:
            _check_ids(ids)
        except BatchRefused as refused:
            await context.abort(refused.code, str(refused))
        caller = current_caller().org
        if refusal := self.watchers.get_refusal(caller):
            await context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, refusal)
        store = self.node.store
        until: dict[str, int] = {}
        for i, cert_id in enumerate(ids):
            record = read_record(self.node, cert_id)
            if record is None:
                await context.abort(
                    grpc.StatusCode.NOT_FOUND, f"cert_ids[{i}] is not a certificate on the chain"
                )
            until[cert_id] = int(record["valid_until_ms"]) if record else 0
        followed = Followed(until)
        next_height = (request.from_height or store.tip_height()) + 1
        with self.watchers.held(caller):
            while True:
                while next_height <= store.tip_height():
                    block, results = store.get_block(next_height), store.get_results(next_height)
                    if block is None or results is None:
                        await context.abort(
                            grpc.StatusCode.OUT_OF_RANGE,
                            f"block {next_height} is not kept here (pruned or not synced)",
                        )
                    time_ms = block.header.time_ms
                    for change in followed.changes(next_height, time_ms, results):
                        yield change
                    next_height += 1
                    await asyncio.sleep(0)  # a long replay shares the loop
                await asyncio.sleep(WATCH_POLL_S)

    async def VerifyPresentation(
        self, request: node_pb2.VerifyPresentationRequest, context: Context
    ) -> node_pb2.VerifyPresentationResponse:
        """Checks 1-6 need no chain; 7-9 read the certificate's record here; the nonce is
        used up last, by an accepted presentation only (docs/presentations.md)."""
        if len(request.presentation) > QR_CHARACTERS_MAX:
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT,
                f"a presentation is at most {QR_CHARACTERS_MAX} characters",
            )
        if problem := get_purpose_code_problem(self.node.world.state, request.purpose_code):
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, problem)
        now_ms = time.time_ns() // 1_000_000
        resp = node_pb2.VerifyPresentationResponse(purpose_code=request.purpose_code)
        try:
            p = check_offline(request.presentation, verifier=current_caller().org, now_ms=now_ms)
            resp.signer, resp.expires_at_ms = p.holder, p.expires_at_ms
            certificate, record = certificate_answer(self.node, p.cert_id)
            resp.certificate.CopyFrom(certificate)
            check_record(p, record, self._is_delegate, self.node.genesis.suite)
            self.nonces.claim(p, now_ms)
        except PresentationRefused as refused:
            resp.refusal, resp.message = refused.reason.value, str(refused)
            return resp
        except ContractError as exc:
            await context.abort(contract_status(exc.code), exc.message)
        resp.accepted = True
        resp.fields.update({f.name: f.value for f in p.fields})
        return resp

    def _is_delegate(self, principal: str, holder: str) -> bool:
        delegations = self.node.world.query(
            "delegation",
            "list_by_holder",
            {"holder": holder, "side": "delegate", "in_force": True, "limit": LIST_LIMIT_MAX},
        )
        return isinstance(delegations, list) and any(
            d.get("principal") == principal and "consent" in d.get("actions", [])
            for d in delegations
        )


def get_purpose_code_problem(state: StateReader, code: str) -> str:
    """Why a verification's optional purpose code (申请事由) is refused, or "" for none given
    or a code of the chain's purpose list not retired. A read records nothing: the code is
    echoed in the answer for the agency's own log (docs/agencies.md)."""
    listed = lookup.PURPOSE_CODES.get(state, code) if formats.is_purpose_code(code) else None
    if not code or (listed is not None and not listed.standing.retired_height):
        return ""
    in_force = [
        entry.entry.id
        for entry in lookup.PURPOSE_CODES.get_all(state)
        if not entry.standing.retired_height
    ]
    # The value is not repeated: whatever was typed there may be personal.
    return f"purpose_code is not a code of the purpose list ({', '.join(in_force)})"


class BatchRefused(Exception):
    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code


def _check_ids(ids: list[str]) -> None:
    if not 1 <= len(ids) <= VERIFY_BATCH_CERTS_MAX:
        raise BatchRefused(
            grpc.StatusCode.INVALID_ARGUMENT,
            f"name 1 to {VERIFY_BATCH_CERTS_MAX} certificates at once",
        )
    bad = next((i for i, c in enumerate(ids) if not _is_cert_id(c)), None)
    if bad is not None:
        raise BatchRefused(
            grpc.StatusCode.INVALID_ARGUMENT, f"cert_ids[{bad}] must be 1..64 ASCII characters"
        )


def batch_answer(node: Node, ids: list[str]) -> node_pb2.VerifyCertificatesResponse:
    """One header, commit certificate and sibling table for the whole batch: computed
    without yielding the loop, so every proof is against the same state root."""
    _check_ids(ids)
    resp = node_pb2.VerifyCertificatesResponse(height=node.store.tip_height())
    head = node.store.tip_head()
    if head is not None:
        resp.header.CopyFrom(head[0])
        resp.commit.CopyFrom(head[1])
    table = NodeTable()
    try:
        for cert_id in ids:
            answer = node_pb2.CertificateAnswer(cert_id=cert_id)
            value, proof = checked_proof(node, get_cert_key(cert_id))
            answer.present, answer.value = value is not None, value or b""
            answer.proof = encode_batch_proof(proof, table)
            fill_status(answer, read_record(node, cert_id))
            resp.answers.append(answer)
    except ContractError as exc:
        raise BatchRefused(contract_status(exc.code), exc.message) from exc
    resp.nodes.extend(table.hashes)
    return resp


def _is_cert_id(cert_id: str) -> bool:
    return 1 <= len(cert_id) <= CERT_ID_LENGTH_MAX and cert_id.isascii()


def read_record(node: Node, cert_id: str) -> dict[str, Any] | None:
    """The certificate's status record at the tip, or None when the chain has none. Raises
    ContractError for any refusal of the status query but `not_found`."""
    try:
        record = node.world.query("certificates", "status", {"cert_id": cert_id})
    except ContractError as exc:
        if exc.code != "not_found":
            raise
        return None
    if not isinstance(record, dict):
        raise RuntimeError("the status query answered no record")  # a contract bug
    return record


def fill_status(
    out: node_pb2.VerifyCertificateResponse | node_pb2.CertificateAnswer,
    record: dict[str, Any] | None,
) -> None:
    if record is None:
        out.status = node_pb2.CERTIFICATE_STATUS_UNKNOWN
        return
    out.status = STATUS_BY_NAME.get(str(record["status"]), node_pb2.CERTIFICATE_STATUS_UNSPECIFIED)
    out.cert_type = str(record["cert_type"])
    out.issuer = str(record["issuer"])
    out.holder = str(record["holder"])
    out.doc_hash = str(record["doc_hash"])
    out.revocation_reason = str(record.get("reason", ""))
    out.issued_height = int(record["issued_height"])
    out.status_height = int(record["status_height"])


def certificate_answer(
    node: Node, cert_id: str
) -> tuple[node_pb2.VerifyCertificateResponse, dict[str, Any] | None]:
    """The certificate's status at the tip with the certified head and the proof of its
    record, and the record itself (None when the chain has no such certificate)."""
    resp = node_pb2.VerifyCertificateResponse(cert_id=cert_id, height=node.store.tip_height())
    head = node.store.tip_head()
    if head is not None:
        resp.header.CopyFrom(head[0])
        resp.commit.CopyFrom(head[1])
    resp.proof.CopyFrom(proven_state(node, get_cert_key(cert_id)))
    record = read_record(node, cert_id)
    fill_status(resp, record)
    return resp, record
