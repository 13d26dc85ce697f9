"""The Agency service: what a verifying agency asks of the chain."""

from __future__ import annotations

import time
from typing import Any

import grpc

from contracts.certificates.records import get_cert_key
from contracts.framework.errors import ContractError
from contracts.framework.limits import LIST_LIMIT_MAX
from node.chain.certstatus import STATUS_BY_NAME
from node.runtime import Node
from node.sdk.presentation import QR_CHARACTERS_MAX, PresentationRefused
from node.sdk.presentation_check import NonceBook, check_offline, check_record
from node.services.common import Context, NodeService, contract_status, proven_state
from node.transport.policy import current_caller
from proto import node_pb2, node_pb2_grpc


class AgencyService(node_pb2_grpc.AgencyServicer, NodeService):
    def __init__(self, node: Node) -> None:
        super().__init__(node)
        self.nonces = NonceBook()
        """Presentations this node accepted, until they expire (in memory: see
        docs/presentations.md)."""

    async def VerifyCertificate(
        self, request: node_pb2.VerifyCertificateRequest, context: Context
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
        try:
            resp, _ = certificate_answer(self.node, cert_id)
        except ContractError as exc:
            await context.abort(contract_status(exc.code), exc.message)
        if request.doc_hash and resp.status != node_pb2.CERTIFICATE_STATUS_UNKNOWN:
            resp.doc_hash_matches = request.doc_hash.lower() == resp.doc_hash
        return resp

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
        now_ms = time.time_ns() // 1_000_000
        resp = node_pb2.VerifyPresentationResponse()
        try:
            p = check_offline(request.presentation, verifier=current_caller().org, now_ms=now_ms)
            resp.signer, resp.expires_at_ms = p.holder, p.expires_at_ms
            certificate, record = certificate_answer(self.node, p.cert_id)
            resp.certificate.CopyFrom(certificate)
            check_record(p, record, self._is_delegate)
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


def certificate_answer(
    node: Node, cert_id: str
) -> tuple[node_pb2.VerifyCertificateResponse, dict[str, Any] | None]:
    """The certificate's status at the tip with the certified head and the proof of its
    record, and the record itself (None when the chain has no such certificate). Raises
    ContractError for any refusal of the status query but `not_found`."""
    resp = node_pb2.VerifyCertificateResponse(cert_id=cert_id, height=node.store.tip_height())
    head = node.store.tip_head()
    if head is not None:
        resp.header.CopyFrom(head[0])
        resp.commit.CopyFrom(head[1])
    resp.proof.CopyFrom(proven_state(node, get_cert_key(cert_id)))
    try:
        record = node.world.query("certificates", "status", {"cert_id": cert_id})
    except ContractError as exc:
        if exc.code != "not_found":
            raise
        resp.status = node_pb2.CERTIFICATE_STATUS_UNKNOWN
        return resp, None
    if not isinstance(record, dict):
        raise RuntimeError("the status query answered no record")  # a contract bug
    resp.status = STATUS_BY_NAME.get(str(record["status"]), node_pb2.CERTIFICATE_STATUS_UNSPECIFIED)
    resp.cert_type = str(record["cert_type"])
    resp.issuer = str(record["issuer"])
    resp.holder = str(record["holder"])
    resp.doc_hash = str(record["doc_hash"])
    resp.revocation_reason = str(record.get("reason", ""))
    resp.issued_height = int(record["issued_height"])
    resp.status_height = int(record["status_height"])
    return resp, record
