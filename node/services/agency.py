"""The Agency service: what a verifying agency asks of the chain."""

from __future__ import annotations

import grpc

from contracts.certificates.records import get_cert_key
from contracts.framework.errors import ContractError
from node.chain.certstatus import STATUS_BY_NAME
from node.services.common import Context, NodeService, contract_status, proven_state
from proto import node_pb2, node_pb2_grpc


class AgencyService(node_pb2_grpc.AgencyServicer, NodeService):
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
        node = self.node
        height = node.store.tip_height()
        resp = node_pb2.VerifyCertificateResponse(cert_id=cert_id, height=height)
        head = node.store.tip_head()
        if head is not None:
            resp.header.CopyFrom(head[0])
            resp.commit.CopyFrom(head[1])
        resp.proof.CopyFrom(proven_state(node, get_cert_key(cert_id)))
        try:
            record = node.world.query("certificates", "status", {"cert_id": cert_id})
        except ContractError as exc:
            if exc.code == "not_found":
                resp.status = node_pb2.CERTIFICATE_STATUS_UNKNOWN
                return resp
            await context.abort(contract_status(exc.code), exc.message)
        if not isinstance(record, dict):
            await context.abort(grpc.StatusCode.INTERNAL, "the status query answered no record")
        resp.status = STATUS_BY_NAME.get(
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
