"""Agency route: collect a document the holder granted, after an on-chain access.

The request is signed with a certificate of role verifier of the agency the holder granted
(docs/wallet-requests.md), and the wallet releases the share only against a committed,
successful `consent.access` transaction for this request, so every release is an on-chain
event by an authenticated agency. The share is sealed to the agency's key: nobody else can
read it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query

from node.chain.pki import Role
from node.sdk.client import ClientError
from proto import node_pb2
from wallet.callers import CallerRefused, require_org, require_role
from wallet.deps import IdPath, Ledger, SignedCaller, Store, refusal
from wallet.routers.holders import node_error

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
    if not any(e.name == "consent.accessed" and request_id in e.subjects for e in result.events):
        raise HTTPException(403, "that access is for another request")
    return {
        "request_id": request_id,
        "agency": share["agency"],
        "sealed_document": share["sealed"],
        "annotation": share.get("annotation"),
    }
