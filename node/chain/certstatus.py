"""Certificate statuses as the Agency service reports them: the contract's status names
mapped to the wire enum (one table for the node that answers and the client that reads)."""

from __future__ import annotations

from proto import node_pb2

UNKNOWN_STATUS = node_pb2.CERTIFICATE_STATUS_UNKNOWN
STATUS_BY_NAME = {
    "valid": node_pb2.CERTIFICATE_STATUS_VALID,
    "revoked": node_pb2.CERTIFICATE_STATUS_REVOKED,
    "expired": node_pb2.CERTIFICATE_STATUS_EXPIRED,
    "suspended": node_pb2.CERTIFICATE_STATUS_SUSPENDED,
    "superseded": node_pb2.CERTIFICATE_STATUS_SUPERSEDED,
}
