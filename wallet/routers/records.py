"""Archive records in the wallet (一人一档): the content a source returns into the holder's
wallet, released to an agency under a grant of its category, and erased (docs/erasure.md,
"Archive records").

The chain keeps a record's SHA-256 content hash and its category; the content itself is
delivered by the source in a request signed by the source (docs/wallet-requests.md), checked
against that hash, and sealed like a certificate's document, to a key pair of its own whose
private key is sealed to the holder's key (crypto-shredding). A grant of a request for record
categories seals to the agency, with the chain's suite, the current content of each of the
holder's records in the categories granted that this wallet keeps, each bound to the request
and the record; the agency collects one per on-chain access naming it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from node.chain.crypto import KeyPair
from node.chain.ids import new_id
from node.chain.pki import Role
from node.sdk.client import ClientError, LedgerClient, TransactionRejected
from node.sdk.sealing import released_record_aad, seal
from suites import InvalidKeyError
from wallet import limits
from wallet.callers import CallerRefused, require_org, require_role
from wallet.chain_calls import node_error, node_query, sign_and_submit
from wallet.deps import (
    CurrentHolder,
    HolderIdPath,
    IdPath,
    Ledger,
    SignedCaller,
    Store,
    refusal,
)
from wallet.store import P_RECORD, WalletStore

router = APIRouter(prefix="/v1", tags=["records"])

RECORD_CATEGORY = "record_category"


class RecordContent(BaseModel):
    content: str = Field(
        min_length=4,
        max_length=(limits.RECORD_BYTES_MAX + 2) // 3 * 4,
        pattern=r"^[A-Za-z0-9+/]+={0,2}$",
        description="the record's content, base64 (standard alphabet, padded); its SHA-256"
        " must be the content hash of the record's current version on the chain",
    )


def decode_content(text: str) -> bytes:
    """The bytes of a delivery's base64 content; 422 unless they are well formed and within
    ``RECORD_BYTES_MAX``."""
    try:
        content = base64.b64decode(text, validate=True)
    except binascii.Error:
        raise HTTPException(422, "content is not base64 (standard alphabet, padded)") from None
    if len(content) > limits.RECORD_BYTES_MAX:
        raise HTTPException(422, f"content is over {limits.RECORD_BYTES_MAX} bytes")
    return content


@router.post("/holders/{holder_id}/archive/{record_id}/content", status_code=201)
def deliver_record(
    holder_id: HolderIdPath,
    record_id: IdPath,
    body: RecordContent,
    caller: SignedCaller,
    store: Store,
    ledger: Ledger,
) -> dict[str, Any]:
    """数据返还 into the wallet: the source that appended the record delivers its content, in
    a request signed with a certificate of role issuer of that organisation. It is kept only
    if the record is in this holder's file and the content's SHA-256 is the current
    version's hash on the chain; a new version's content replaces the old one (and its key)."""
    try:
        require_role(caller, Role.ISSUER, "delivering a record's content")
    except CallerRefused as exc:
        raise refusal(exc) from None
    holder = store.get_holder(holder_id)
    if holder is None:
        raise HTTPException(404, "no such holder in this wallet")
    content = decode_content(body.content)
    record = node_query(ledger, "archives", "get", record_id=record_id)
    try:
        require_org(caller, record["source"], "deliver it", "the record's source on the chain")
    except CallerRefused as exc:
        raise refusal(exc) from None
    if record["subject"] != holder_id:
        raise HTTPException(409, "the record on the chain is in another holder's file")
    if hashlib.sha256(content).hexdigest() != record["content_hash"]:
        raise HTTPException(409, "content does not match the record's hash on the chain")
    public_key = bytes.fromhex(holder["public_key"])
    sealed = store.seal_document(holder_id, record_id, public_key, content, P_RECORD)
    store.put_record(holder_id, record_id, sealed)
    return {
        "record_id": record_id,
        "version": record["version"],
        "content_hash": record["content_hash"],
    }


def requested_categories(req: dict[str, Any]) -> list[str] | None:
    """The record categories a request's scope names, when it names nothing else (a request
    for records); None for any other request."""
    items = req.get("scope") or []
    if not items or any(set(item) != {RECORD_CATEGORY} for item in items):
        return None
    return sorted(item[RECORD_CATEGORY] for item in items)


def granted_categories(req: dict[str, Any], narrowed: list[str] | None) -> list[str]:
    """The categories a grant releases: those the request names, or some of them; 422 for
    one it does not name."""
    asked = requested_categories(req) or []
    if narrowed is None:
        return asked
    if not set(narrowed) <= set(asked):
        raise HTTPException(422, "record_categories may narrow the request's, never add one")
    return sorted(set(narrowed))


def released_records(
    ledger: LedgerClient,
    store: WalletStore,
    holder_id: str,
    seed: bytes,
    categories: list[str],
) -> dict[str, bytes]:
    """The current content of each of the holder's records in ``categories`` this wallet
    keeps, by record id: a copy of an older version (its source has not delivered the new
    one) is not released, since the agency could not check it against the chain."""
    found: dict[str, bytes] = {}
    for category in categories:
        file = node_query(
            ledger, "archives", "list_by_subject", subject=holder_id, category=category
        )
        for record in file[: limits.LIST_ITEMS_MAX]:
            sealed = store.get_record(holder_id, record["record_id"])
            if sealed is None:
                continue
            content = store.open_document(holder_id, record["record_id"], seed, sealed, P_RECORD)
            if hashlib.sha256(content).hexdigest() == record["content_hash"]:
                found[record["record_id"]] = content
    return found


def grant_records(
    ledger: LedgerClient,
    store: WalletStore,
    holder_id: str,
    seed: bytes,
    req: dict[str, Any],
    args: dict[str, Any],
    narrowed: list[str] | None,
) -> dict[str, Any]:
    """Grant a request for record categories (``args``: the grant's other arguments): each
    record released is sealed to the agency's key on the chain, bound to the request and the
    record, kept as the request's share, and the grant goes on-chain (narrowed to
    ``narrowed`` categories, if given). 409 when this wallet keeps no current record of the
    categories granted: the agency would get nothing."""
    categories = granted_categories(req, narrowed)
    contents = released_records(ledger, store, holder_id, seed, categories)
    if not contents:
        raise HTTPException(
            409,
            "this wallet keeps no record of the categories asked for (its source has not"
            " delivered the content, or not its current version): nothing to release",
        )
    agency = node_query(ledger, "membership", "get", org_id=req["agency"])
    request_id = req["request_id"]
    try:
        sealed = {
            record_id: seal(
                store.suite,
                bytes.fromhex(agency["public_key"]),
                content,
                released_record_aad(request_id, record_id),
            ).hex()
            for record_id, content in contents.items()
        }
    except InvalidKeyError:
        raise HTTPException(
            409, f"the agency's key on the chain is not a {store.suite.name} key: nothing sealed"
        ) from None
    store.put_share(request_id, {"agency": req["agency"], "records": sealed})
    if narrowed is not None:
        scope = [{RECORD_CATEGORY: c} for c in categories]
        args = {**args, "scope": json.dumps(scope, ensure_ascii=False)}
    try:
        out = sign_and_submit(ledger, seed, "grant", args)
    except HTTPException:
        store.delete_share(request_id)
        raise
    return {**out, "records": sorted(sealed)}


@router.post("/holders/{holder_id}/archive/{record_id}/erase")
def erase_record(
    holder_id: HolderIdPath, record_id: IdPath, session: CurrentHolder, store: Store, ledger: Ledger
) -> dict[str, Any]:
    """删除 of an archive record (docs/erasure.md): ask on the chain every agency a grant of
    the record's category released it to to destroy its copy (`consent.erase`; none if it was
    never released), then destroy the wallet's copy of its content, its key and what was
    released of it, and compact the store. The record stays in the source's file."""
    record = node_query(ledger, "archives", "get", record_id=record_id)
    if record["subject"] != holder_id:
        raise HTTPException(404, "no such record in this holder's file")
    erasure_id = new_id("era")
    submitted: dict[str, Any] | None = None
    try:
        committed = ledger.call(
            KeyPair(session.seed, ledger.suite),
            "consent",
            "erase",
            {"erasure_id": erasure_id, "record_id": record_id},
        )
        submitted = {"tx_hash": committed.tx_hash.hex(), "height": committed.height}
    except TransactionRejected as exc:
        if exc.code != "failed_precondition":  # not released: nothing to ask of agencies
            raise node_error(exc) from exc
    except ClientError as exc:
        raise node_error(exc) from exc
    deleted = store.erase_record(holder_id, record_id)
    return {
        "record_id": record_id,
        "erasure_id": erasure_id if submitted is not None else None,
        "chain": submitted,
        "rows_deleted": deleted,
    }
