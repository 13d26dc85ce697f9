"""Agency route: collect a document the holder granted (or the archive record an access
under a grant of record categories named), after an on-chain access.

The request is signed with a certificate of role verifier of the agency the holder granted
(docs/wallet-requests.md), and the wallet releases the share only against a committed,
successful `consent.access` transaction for this request, so every release is an on-chain
event by an authenticated agency. The share is sealed to the agency's key: nobody else can
read it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, HTTPException, Query

from node.chain.events import event_attrs
from node.chain.pki import Role
from node.sdk.client import ClientError
from proto import node_pb2
from wallet.callers import CallerRefused, require_org, require_role
from wallet.chain_calls import node_error
from wallet.deps import IdPath, Ledger, SignedCaller, Store, refusal

router = APIRouter(prefix="/v1", tags=["agencies"])


@router.get("/disclosures/{request_id}")
def disclosure(
    request_id: IdPath,
    caller: SignedCaller,
    store: Store,
    ledger: Ledger,
    access_tx: str = Query(
        pattern=r"^[0-9a-f]{64}$", description="hash of the committed consent.access"
    ),
) -> dict[str, Any]:
    try:
        require_role(caller, Role.VERIFIER, "collecting a disclosure")
        share = store.get_share(request_id)
        if share is None:
            raise HTTPException(
                404, "no share for this request (refused, revoked or never granted)"
            )
        require_org(caller, share["agency"], "collect it", "the agency the holder granted")
    except CallerRefused as exc:
        raise refusal(exc) from None
    try:
        resp = ledger.get_transaction(bytes.fromhex(access_tx))
    except ClientError as exc:
        raise node_error(exc) from exc
    if resp.status != node_pb2.TX_STATUS_COMMITTED:
        raise HTTPException(404, "access transaction is not committed")
    result = resp.result
    if not (result.ok and result.contract == "consent" and result.method == "access"):
        raise HTTPException(403, "that transaction is not a successful consent access")
    accessed = [
        e for e in result.events if e.name == "consent.accessed" and request_id in e.subjects
    ]
    if not accessed:
        raise HTTPException(403, "that access is for another request")
    if "records" in share:  # a grant of record categories: the record the access named
        return record_disclosure(request_id, share, event_attrs(accessed[0]), accessed[0].subjects)
    return {
        "request_id": request_id,
        "agency": share["agency"],
        "sealed_document": share["sealed"],
        "annotation": share.get("annotation"),
    }


def record_disclosure(
    request_id: str, share: dict[str, Any], attrs: dict[str, Any], subjects: Sequence[str]
) -> dict[str, Any]:
    """The one record an access under a grant of record categories named (its event's
    subjects are the holder, the record, the agency and the request), sealed to the agency
    for this request and this record; 404 if this wallet released no such record (one filed
    after the grant, or erased since)."""
    if attrs.get("target") != "record":
        raise HTTPException(403, "that access read a certificate, not an archive record")
    record_id = subjects[1]
    sealed = share["records"].get(record_id)
    if sealed is None:
        raise HTTPException(404, f"no copy of record {record_id} was released for this request")
    return {
        "request_id": request_id,
        "agency": share["agency"],
        "record_id": record_id,
        "sealed_record": sealed,
    }
