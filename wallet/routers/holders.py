"""Holder routes: certificates, requests and grants (sign-in: `wallet.routers.signin`)."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field, StringConstraints

from node.chain.crypto import KeyPair
from node.chain.events import event_attrs
from node.chain.ids import new_id
from node.chain.pki import Role
from node.sdk import presentation
from node.sdk.annotation import get_annotation_text, make_annotation, read_annotation
from node.sdk.catalogue import chain_document_hash
from node.sdk.client import ClientError, LedgerClient
from node.sdk.credentials import CredentialRefused, check_issued
from node.sdk.documents import DocumentInvalid, make_partial_copy
from node.sdk.sealing import request_aad, seal
from proto import node_pb2
from suites import InvalidKeyError
from wallet import limits
from wallet.callers import require_org, require_role
from wallet.chain_calls import ask_erasure, node_error, node_query, sign_and_submit
from wallet.deps import (
    CERT_ID_PATTERN,
    CertIdPath,
    CurrentHolder,
    HolderIdPath,
    IdPath,
    Ledger,
    SignedCaller,
    Store,
    WalletClock,
    caller_refusals,
)
from wallet.expiry import expiring_notice
from wallet.proven import prove_certificates
from wallet.qr import render_qr_svg
from wallet.routers import records
from wallet.store import P_CREDENTIALS, P_DOC, WalletStore

router = APIRouter(prefix="/v1", tags=["holders"])


class Document(BaseModel):
    cert_id: str = Field(pattern=CERT_ID_PATTERN)
    cert_type: str = Field(max_length=64)
    fields: dict[str, str] = Field(max_length=limits.DOCUMENT_FIELDS_MAX)
    salt: str = Field(pattern=r"^[0-9a-f]{32,128}$")


class IssuedCredentials(BaseModel):
    """The certificate as open credentials its issuer signed (docs/credentials.md)."""

    vc_jwt: str = Field(max_length=limits.CREDENTIAL_CHARS_MAX, pattern=r"^[A-Za-z0-9_.-]+$")
    sd_jwt: str = Field(max_length=limits.CREDENTIAL_CHARS_MAX, pattern=r"^[A-Za-z0-9_.~-]+$")


class Delivery(BaseModel):
    document: Document
    credentials: IssuedCredentials | None = None


OnBehalfOf = Annotated[
    str | None,
    Query(
        pattern=r"^hd[0-9a-f]{40}$",
        description="act as a delegate (e.g. a guardian) for this holder",
    ),
]


class GrantIn(BaseModel):
    max_uses: int | None = Field(default=None, ge=1, le=1000, description="narrow the uses")
    fields: list[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,47}$")]] | None = (
        Field(
            default=None,
            min_length=1,
            max_length=64,
            description="narrow the fields released: some of those the request names (or of"
            " the certificate's, for a request of the whole certificate)",
        )
    )
    expires_at_ms: int | None = Field(
        default=None,
        ge=1,
        le=2**63 - 1,
        description="end the grant earlier than the request asks (ms since the epoch)",
    )
    record_categories: (
        list[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,47}$")]] | None
    ) = Field(
        default=None,
        min_length=1,
        max_length=16,
        description="for a request of archive record categories: release only some of them",
    )


def consent_delegates(ledger: LedgerClient, store: WalletStore, holder_id: str) -> dict[str, bytes]:
    """Delegates of `holder_id` in force with the consent power who keep a wallet here, each
    with the public key their copies of the holder's documents are sealed to."""
    try:
        delegations = ledger.query(
            "delegation", "list_by_holder", holder=holder_id, side="principal", in_force=True
        )
    except ClientError:
        return {}
    keys: dict[str, bytes] = {}
    for d in delegations:
        record = store.get_holder(d["delegate"]) if "consent" in d.get("actions", []) else None
        if record is not None:
            keys[d["delegate"]] = bytes.fromhex(record["public_key"])
    return dict(sorted(keys.items()))


def put_copies(
    store: WalletStore, delegates: dict[str, bytes], cert_id: str, plaintext: bytes
) -> None:
    """A copy of a holder's document sealed to each of `delegates`, so that a guardian can
    answer requests for the holder; the chain decides whether their answer counts."""
    for delegate_id, public_key in delegates.items():
        sealed = store.seal_document(delegate_id, cert_id, public_key, plaintext, P_DOC)
        store.put_document(delegate_id, cert_id, sealed)


def delegations_held(ledger: LedgerClient, delegate: str) -> list[dict[str, Any]]:
    """The delegations in force that `delegate` holds (as the chain lists them)."""
    found: list[dict[str, Any]] = node_query(
        ledger,
        "delegation",
        "list_by_holder",
        holder=delegate,
        side="delegate",
        in_force=True,
        limit=limits.LIST_ITEMS_MAX,
    )
    return found


def check_consent_delegate(ledger: LedgerClient, principal: str, delegate: str) -> None:
    """Refuse (403) unless `delegate` holds a delegation from `principal` in force with the
    consent action. Transactions are checked by the contract; this guards what the wallet
    reads for a delegate (a principal's requests name agencies and purposes)."""
    delegations = delegations_held(ledger, delegate)
    if not any(
        d["principal"] == principal and "consent" in d.get("actions", []) for d in delegations
    ):
        raise HTTPException(
            403, "you hold no delegation in force to answer consent requests for this holder"
        )


def delegated_categories(
    ledger: LedgerClient, principal: str, delegate: str
) -> frozenset[str] | None:
    """The archive record categories `delegate` may act on in `principal`'s file, under
    delegations in force with the archives action (None: every category); refuse (403)
    if there is none. Claims and corrections are checked by the contract; this guards what
    the wallet reads for a delegate (a file's records name departments and reasons)."""
    delegations = delegations_held(ledger, delegate)
    covering = [
        d for d in delegations if d["principal"] == principal and "archives" in d.get("actions", [])
    ]
    if not covering:
        raise HTTPException(403, "you hold no delegation in force to act on this holder's file")
    if any(not d.get("record_categories") for d in covering):
        return None
    return frozenset(c for d in covering for c in d["record_categories"])


def consent_owner(
    holder_id: HolderIdPath, session: CurrentHolder, ledger: Ledger, on_behalf_of: OnBehalfOf = None
) -> str:
    """Whose certificates and requests a route reads, once the session is checked: the
    holder's own, or with on_behalf_of those of a holder this one is a consent delegate for
    (a delegation in force, else 403)."""
    if on_behalf_of and on_behalf_of != holder_id:
        check_consent_delegate(ledger, on_behalf_of, holder_id)
        return on_behalf_of
    return holder_id


ConsentOwner = Annotated[str, Depends(consent_owner)]


def file_of(
    holder_id: HolderIdPath, session: CurrentHolder, ledger: Ledger, on_behalf_of: OnBehalfOf = None
) -> tuple[str, frozenset[str] | None]:
    """Whose file a route reads, once the session is checked (the holder's, or with
    on_behalf_of a delegator's) and, for a delegator's, the categories the delegation
    covers (None: all; no delegation in force with the archives action: 403)."""
    if on_behalf_of and on_behalf_of != holder_id:
        return on_behalf_of, delegated_categories(ledger, on_behalf_of, holder_id)
    return holder_id, None


HolderFile = Annotated[tuple[str, frozenset[str] | None], Depends(file_of)]


@router.post("/holders/{holder_id}/certificates", status_code=201)
def deliver_certificate(
    holder_id: HolderIdPath, body: Delivery, caller: SignedCaller, store: Store, ledger: Ledger
) -> dict[str, Any]:
    """An issuer delivers a certificate document, in a request signed with a certificate of
    role issuer of the organisation that issued it on-chain (docs/wallet-requests.md). It is
    accepted only if the chain holds a certificate with this id, for this holder, whose hash
    matches the document."""
    with caller_refusals():
        require_role(caller, Role.ISSUER, "delivering a certificate")
    record = store.get_holder(holder_id)
    if record is None:
        raise HTTPException(404, "no such holder in this wallet")
    doc = body.document.model_dump()
    try:  # checked against its type as the chain states it (a type may be new)
        digest = chain_document_hash(ledger, doc)
    except DocumentInvalid as exc:
        raise HTTPException(422, f"invalid document: {exc}") from exc
    except ClientError as exc:
        raise node_error(exc) from exc
    onchain = node_query(ledger, "certificates", "status", cert_id=body.document.cert_id)
    with caller_refusals():
        require_org(
            caller, onchain["issuer"], "deliver it", "the certificate's issuer on the chain"
        )
    if onchain["holder"] != holder_id:
        raise HTTPException(409, "the certificate on the chain belongs to another holder")
    if onchain["doc_hash"] != digest or onchain["cert_type"] != body.document.cert_type:
        raise HTTPException(409, "document does not match the hash on the chain")
    plaintext = json.dumps(doc, sort_keys=True).encode()
    sealed_credentials = None
    if body.credentials is not None:
        issuer = node_query(ledger, "membership", "get", org_id=onchain["issuer"])
        for text in (body.credentials.vc_jwt, body.credentials.sd_jwt):
            try:
                check_issued(
                    text,
                    ledger.chain_id,
                    issuer["id"],
                    bytes.fromhex(issuer["public_key"]),
                    doc,
                    expected_doc_hash=digest,
                )
            except CredentialRefused as exc:
                raise HTTPException(422, f"the delivered credentials: {exc}") from None
        sealed_credentials = store.seal_document(
            holder_id,
            body.document.cert_id,
            bytes.fromhex(record["public_key"]),
            json.dumps(body.credentials.model_dump(), sort_keys=True).encode(),
            P_CREDENTIALS,
        )
    public_key = bytes.fromhex(record["public_key"])
    store.put_document(
        holder_id,
        body.document.cert_id,
        store.seal_document(holder_id, body.document.cert_id, public_key, plaintext, P_DOC),
    )
    # An amendment's document replaces the old one: so do its credentials, or none.
    if sealed_credentials is None:
        store.delete_credentials(holder_id, body.document.cert_id)
    else:
        store.put_credentials(holder_id, body.document.cert_id, sealed_credentials)
    put_copies(store, consent_delegates(ledger, store, holder_id), body.document.cert_id, plaintext)
    return {
        "cert_id": body.document.cert_id,
        "doc_hash": digest,
        "status": onchain["status"],
        "credentials": sealed_credentials is not None,
    }


@router.get("/holders/{holder_id}/certificates")
def list_certificates(
    holder_id: HolderIdPath,
    owner: ConsentOwner,
    session: CurrentHolder,
    store: Store,
    ledger: Ledger,
    request: Request,
    clock: WalletClock,
    prove: bool = False,
) -> list[dict[str, Any]]:
    """The holder's certificates as the chain knows them, with the documents received and
    `expiring` (the end of validity is within the type's notice period, wallet/expiry.py).
    With `prove`, each also carries `proven`: its status checked against a quorum-signed
    header (`height`, `time_ms`, `status`), or `error` when that check could not be made
    (wallet/proven.py). With `on_behalf_of`, the certificates of a holder this one is a
    consent delegate for (a delegation in force, else 403), with the copies of their
    documents this wallet keeps for the delegate."""
    records = node_query(ledger, "certificates", "list_by_holder", holder=owner)
    records = records[: limits.LIST_ITEMS_MAX]
    proofs = (
        prove_certificates(
            ledger, request.app.state.genesis.validators, [r["cert_id"] for r in records]
        )
        if prove
        else {}
    )
    now_ms = clock.now_ms()
    out = []
    for rec in records:
        sealed = store.get_document(holder_id, rec["cert_id"])
        document = (
            None
            if sealed is None
            else json.loads(store.open_document(holder_id, rec["cert_id"], session.seed, sealed))
        )
        item = {**rec, "document": document, "expiring": expiring_notice(rec, now_ms) is not None}
        if prove:
            item["proven"] = proofs[rec["cert_id"]]
        out.append(item)
    return out


@router.get("/holders/{holder_id}/requests")
def list_requests(
    owner: ConsentOwner, ledger: Ledger, store: Store, status: str | None = None
) -> list[dict[str, Any]]:
    """Agencies' requests for the holder's data (status: pending, granted, refused, revoked);
    with on_behalf_of, those of a person or enterprise this holder is a consent delegate for
    (a delegation in force: pending, revoked or expired ones do not count). A request this
    wallet released a copy for, until the grant is revoked, has ``annotation_text``: the
    line the copy carries (加注件)."""
    args: dict[str, str] = {"holder": owner}
    if status:
        args["status"] = status
    result: list[dict[str, Any]] = node_query(ledger, "consent", "list_by_holder", **args)
    return with_annotation_lines(ledger, store, result)


def with_annotation_lines(
    ledger: LedgerClient, store: WalletStore, requests: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The requests, each one whose copy this wallet keeps with ``annotation_text``: the
    line printed on it, read from the annotation the holder signed, the agency named as the
    chain names it (docs/annotated-copies.md, "The printed line")."""
    names: dict[str, str] = {}
    listed: list[dict[str, Any]] = []
    for request in requests:
        share = store.get_share(str(request["request_id"]))
        if share is None or share.get("annotation") is None:
            listed.append(request)
            continue
        annotation = read_annotation(
            share["annotation"], ledger.suite
        )  # signed here: refusal is a bug
        if annotation.agency not in names:
            agency = node_query(ledger, "membership", "get", org_id=annotation.agency)
            names[annotation.agency] = str(agency["name"])
        text = get_annotation_text(annotation, names[annotation.agency])
        listed.append({**request, "annotation_text": text})
    return listed


def holder_request(
    holder_id: HolderIdPath, request_id: IdPath, ledger: Ledger, on_behalf_of: OnBehalfOf = None
) -> dict[str, Any]:
    """The consent request a route answers: one addressed to the holder, or with
    on_behalf_of to the holder a delegate acts for (whether the delegate may is the
    contract's to decide); any other is 404."""
    req: dict[str, Any] = node_query(ledger, "consent", "get", request_id=request_id)
    if req["holder"] != (on_behalf_of or holder_id):
        raise HTTPException(404, "no such request for this holder")
    return req


def requested_fields(req: dict[str, Any]) -> list[str] | None:
    """The fields of its certificate a request names, or None for the whole certificate."""
    return next(
        (
            list(item["fields"])
            for item in req.get("scope", [])
            if item.get("cert_id") == req["cert_id"] and "fields" in item
        ),
        None,
    )


def narrowed_scope(req: dict[str, Any], plaintext: bytes, fields: list[str]) -> list[Any]:
    """The request's scope with its certificate's item narrowed to ``fields``; 422 unless they
    are some of the fields it asks for (all of the document's, for a whole certificate)."""
    asked = requested_fields(req)
    allowed = set(asked) if asked is not None else set(json.loads(plaintext)["fields"])
    if not set(fields) <= allowed:
        raise HTTPException(422, "fields may narrow the request's fields, never add one")
    narrowed = {"cert_id": req["cert_id"], "fields": sorted(set(fields))}
    items = req.get("scope") or [{"cert_id": req["cert_id"]}]
    return [narrowed if item.get("cert_id") == req["cert_id"] else item for item in items]


def release_for(
    ledger: LedgerClient, req: dict[str, Any], plaintext: bytes, fields: list[str] | None = None
) -> bytes:
    """What the agency of `req` receives: the whole document, or, when the request names some
    fields of the certificate (最小够用) or the holder narrowed it to some (``fields``), only
    those fields with their own salts (`make_partial_copy`), which the agency checks against
    the chain's field commitments. 409 when the issuer published no commitments to check
    single fields against."""
    names = sorted(set(fields)) if fields is not None else requested_fields(req)
    if names is None:
        return plaintext
    onchain = node_query(ledger, "certificates", "status", cert_id=req["cert_id"])
    if not onchain.get("field_hashes"):
        raise HTTPException(
            409,
            "the request names some fields, but this certificate's issuer published no"
            " commitments to check single fields against: refuse it, or ask for a new request",
        )
    copy = make_partial_copy(json.loads(plaintext), names, suite=ledger.suite)
    return json.dumps(copy, sort_keys=True).encode()


def _document_hash(ledger: LedgerClient, plaintext: bytes) -> str:
    """The hash of a document this wallet accepted (so it fits its type on the chain)."""
    try:
        return chain_document_hash(ledger, json.loads(plaintext))
    except DocumentInvalid as exc:
        raise HTTPException(409, f"the stored document no longer checks: {exc}") from exc
    except ClientError as exc:
        raise node_error(exc) from exc


# Declared after the session in a route, so that an unauthenticated call is refused (401)
# before the node is asked anything.
HolderRequest = Annotated[dict[str, Any], Depends(holder_request)]


@router.post("/holders/{holder_id}/requests/{request_id}/grant")
def grant(
    holder_id: HolderIdPath,
    request_id: IdPath,
    body: GrantIn,
    session: CurrentHolder,
    req: HolderRequest,
    store: Store,
    ledger: Ledger,
) -> dict[str, Any]:
    """Grant a request, as asked or narrowed (fewer fields, fewer uses, an earlier end): the
    agency receives only the fields granted (a partial copy), and the document is
    sealed to the agency's key with an annotation the granting holder signs (加注件: this
    agency, this purpose and its code, until the grant's end; layout v1, without a code,
    only for a request the chain holds without one; node/sdk/annotation.py), and the grant
    goes on-chain. A delegate (guardian) grants with
    on_behalf_of; the contract checks the delegation, the document is the copy sealed to the
    delegate at delivery, and the delegate signs the annotation."""
    if req["status"] != "pending":
        raise HTTPException(409, f"request is {req['status']}, not pending")
    until = req["expires_at_ms"] if body.expires_at_ms is None else body.expires_at_ms
    if until > req["expires_at_ms"]:
        raise HTTPException(422, "expires_at_ms may end the grant earlier, never later")
    if records.requested_categories(req) is not None:
        return _grant_records(holder_id, request_id, body, session.seed, req, store, ledger)
    if body.record_categories is not None:
        raise HTTPException(422, "record_categories narrow a request for archive records only")
    sealed_doc = store.get_document(holder_id, req["cert_id"])
    if sealed_doc is None:
        raise HTTPException(
            409, "this wallet has not received the requested certificate's document"
        )
    agency = node_query(ledger, "membership", "get", org_id=req["agency"])
    plaintext = store.open_document(holder_id, req["cert_id"], session.seed, sealed_doc)
    scope = None if body.fields is None else narrowed_scope(req, plaintext, body.fields)
    released = release_for(ledger, req, plaintext, body.fields)
    annotation = make_annotation(
        KeyPair(session.seed, ledger.suite),
        cert_id=req["cert_id"],
        document_hash=_document_hash(ledger, plaintext),
        agency=req["agency"],
        purpose=req["purpose"],
        purpose_code=req.get("purpose_code"),
        request_id=request_id,
        expires_at_ms=until,
    )
    try:  # to the agency's key on the chain, bound to this request (node/sdk/sealing.py)
        sealed = seal(
            store.suite, bytes.fromhex(agency["public_key"]), released, request_aad(request_id)
        )
    except InvalidKeyError:
        raise HTTPException(
            409, f"the agency's key on the chain is not a {store.suite.name} key: nothing sealed"
        ) from None
    store.put_share(
        request_id,
        {
            "agency": req["agency"],
            "cert_id": req["cert_id"],  # what an erasure of the certificate destroys
            "sealed": sealed.hex(),
            "annotation": annotation,
        },
    )
    args: dict[str, Any] = {"request_id": request_id}
    if body.max_uses is not None:
        args["max_uses"] = body.max_uses
    if body.expires_at_ms is not None:
        args["expires_at_ms"] = body.expires_at_ms
    if scope is not None:
        args["scope"] = json.dumps(scope, ensure_ascii=False)
    try:
        return sign_and_submit(ledger, session.seed, "grant", args)
    except HTTPException:
        store.delete_share(request_id)
        raise


def _grant_records(
    holder_id: str,
    request_id: str,
    body: GrantIn,
    seed: bytes,
    req: dict[str, Any],
    store: WalletStore,
    ledger: LedgerClient,
) -> dict[str, Any]:
    """A grant of a request for archive record categories (wallet/routers/records.py): by
    the holder only, since the records' copies are sealed to the holder."""
    if req["holder"] != holder_id:
        raise HTTPException(
            409, "a delegate cannot release a holder's archive records: the holder grants it"
        )
    if body.fields is not None:
        raise HTTPException(422, "fields narrow a certificate's request, not one for records")
    args: dict[str, Any] = {"request_id": request_id}
    if body.max_uses is not None:
        args["max_uses"] = body.max_uses
    if body.expires_at_ms is not None:
        args["expires_at_ms"] = body.expires_at_ms
    return records.grant_records(ledger, store, holder_id, seed, req, args, body.record_categories)


@router.post("/holders/{holder_id}/requests/{request_id}/refuse")
def refuse(
    request_id: IdPath, session: CurrentHolder, req: HolderRequest, ledger: Ledger
) -> dict[str, Any]:
    return sign_and_submit(ledger, session.seed, "refuse", {"request_id": request_id})


@router.post("/holders/{holder_id}/requests/{request_id}/revoke")
def revoke(
    request_id: IdPath, session: CurrentHolder, req: HolderRequest, store: Store, ledger: Ledger
) -> dict[str, Any]:
    """Revoke a grant: the chain refuses further access and the wallet drops the share."""
    out = sign_and_submit(ledger, session.seed, "revoke", {"request_id": request_id})
    store.delete_share(request_id)
    return out


def get_feed_entries(
    holder_id: str, entries: Sequence[node_pb2.AuditEntry]
) -> list[node_pb2.AuditEntry]:
    """The entries of a holder's trace that belong in their own feed: every accepted one
    (a contract let its actor act on the holder's records: an issuer, an agency the holder
    answered, a delegate, the holder), and the refused attempts of those same parties or of
    the holder. A refused transaction is indexed under every holder its arguments name, so
    without this anyone could fill a holder's feed with refusals naming them; those stay
    in the chain's audit trace (`AuditTrace`), where auditors look for them."""
    parties = {holder_id} | {e.actor for e in entries if e.ok}
    return [e for e in entries if e.ok or e.actor in parties]


@router.get("/holders/{holder_id}/activity")
def activity(
    holder_id: HolderIdPath, session: CurrentHolder, ledger: Ledger, limit: int = 200
) -> list[dict[str, Any]]:
    """使用知情: every flow of the holder's data as the chain recorded it, newest first —
    issued, requested, granted, accessed (by whom, in which block), and the refused
    attempts of parties with standing (`get_feed_entries`)."""
    try:
        trace = ledger.audit_trace(holder_id, limits.LIST_ITEMS_MAX)
    except ClientError as exc:
        raise node_error(exc) from exc
    entries = get_feed_entries(holder_id, trace.entries)
    out = [
        {
            "height": e.height,
            "time_ms": e.time_ms,
            "actor": e.actor,
            "action": e.event.name if e.HasField("event") else f"{e.contract}.{e.method}",
            "ok": e.ok,
            "error": f"{e.error_code}: {e.error_message}" if not e.ok else "",
            "details": event_attrs(e.event),
            "tx_hash": e.tx_hash.hex(),
        }
        for e in entries
    ]
    return out[::-1][: max(1, min(limit, limits.LIST_ITEMS_MAX))]


class PresentationIn(BaseModel):
    fields: list[str] = Field(min_length=1, max_length=presentation.FIELDS_MAX)
    verifier: str = Field(
        default="",
        pattern=r"^([a-z0-9-]{2,32})?$",
        description="the organisation the presentation is shown to, if it asked; empty: any",
    )
    ttl_s: int = Field(
        default=presentation.TTL_MS_DEFAULT // 1000, ge=30, le=presentation.TTL_MS_MAX // 1000
    )


@router.post("/holders/{holder_id}/certificates/{cert_id}/presentation")
def present(
    holder_id: HolderIdPath,
    cert_id: CertIdPath,
    body: PresentationIn,
    session: CurrentHolder,
    store: Store,
    ledger: Ledger,
    clock: WalletClock,
) -> dict[str, Any]:
    """亮证: a presentation disclosing only the chosen fields, signed with the holder's key,
    short-lived and optionally bound to one verifier (docs/presentations.md); the app shows
    `qr_svg`. A verifier checks it against the chain without seeing the other fields.

    A copy of another holder's certificate (shared to a guardian or an enterprise's agent)
    is presented only while a consent delegation from that holder is in force: revoking
    through this wallet withdraws the copy, but a delegation also ends by expiry or by a
    revocation made elsewhere, and then the copy is withdrawn here, at its next use."""
    sealed = store.get_document(holder_id, cert_id)
    if sealed is None:
        raise HTTPException(404, "this wallet holds no document for that certificate")
    owner = node_query(ledger, "certificates", "status", cert_id=cert_id)["holder"]
    if owner != holder_id:
        try:
            check_consent_delegate(ledger, owner, holder_id)
        except HTTPException as exc:
            if exc.status_code == 403:  # not when the node is merely out of reach
                store.delete_document(holder_id, cert_id)
            raise
    document = json.loads(store.open_document(holder_id, cert_id, session.seed, sealed))
    now_ms = clock.now_ms()
    try:
        text = presentation.make_presentation(
            KeyPair(session.seed, ledger.suite),
            document,
            body.fields,
            nonce=os.urandom(presentation.NONCE_BYTES),
            now_ms=now_ms,
            verifier=body.verifier,
            ttl_ms=body.ttl_s * 1000,
        )
    except presentation.PresentationInvalid as exc:
        raise HTTPException(422, str(exc)) from exc
    return {
        "presentation": text,
        "expires_at_ms": now_ms + body.ttl_s * 1000,
        "qr_svg": render_qr_svg(text),
    }


@router.get("/holders/{holder_id}/archive")
def archive_file(
    file: HolderFile, ledger: Ledger, store: Store, category: str | None = None
) -> list[dict[str, Any]]:
    """一人一档: the records agencies returned into the holder's file, with their versions,
    each with ``held``: whether this wallet keeps a copy of its content (its source delivered
    it: wallet/routers/records.py); with on_behalf_of, those of a delegator's file in the
    categories of a delegation in force with the archives action (else 403)."""
    subject, covered = file
    args: dict[str, Any] = {"subject": subject, "with_history": True}
    if category:
        args["category"] = category
    result: list[dict[str, Any]] = node_query(ledger, "archives", "list_by_subject", **args)
    return [
        {**r, "held": store.get_record(subject, r["record_id"]) is not None}
        for r in result
        if covered is None or r["category"] in covered
    ]


@router.get("/holders/{holder_id}/archive/corrections")
def archive_corrections(
    file: HolderFile,
    ledger: Ledger,
    status: Literal["pending", "corrected", "refused"] | None = None,
) -> list[dict[str, Any]]:
    """The corrections asked for in the holder's file (by them or a delegate), each with its
    state and, once the source answered, its resolution: what the page follows. With
    on_behalf_of, those of a delegator's file, as for the file itself."""
    subject, covered = file
    args: dict[str, Any] = {"subject": subject, "limit": limits.LIST_ITEMS_MAX}
    if status:
        args["status"] = status
    result: list[dict[str, Any]] = node_query(ledger, "archives", "corrections_by_subject", **args)
    return [c for c in result if covered is None or c["category"] in covered]


@router.post("/holders/{holder_id}/archive/{record_id}/claim")
def claim_record(
    holder_id: HolderIdPath, record_id: IdPath, session: CurrentHolder, ledger: Ledger
) -> dict[str, Any]:
    """数据申领: the holder claims a record returned into their file, or a delegate one of a
    delegator's (the contract checks the delegation for the record's category)."""
    return sign_and_submit(
        ledger, session.seed, "claim", {"record_id": record_id}, contract="archives"
    )


class CorrectionIn(BaseModel):
    reason: str = Field(
        min_length=1, max_length=200, description="what is wrong (no personal data)"
    )


@router.post("/holders/{holder_id}/archive/{record_id}/corrections", status_code=201)
def request_correction(
    holder_id: HolderIdPath,
    record_id: IdPath,
    body: CorrectionIn,
    session: CurrentHolder,
    ledger: Ledger,
) -> dict[str, Any]:
    """数据纠错: ask the source department to correct a record; it answers with a new
    version or a reasoned refusal, and the history is kept."""
    correction_id = new_id("cor")
    out = sign_and_submit(
        ledger,
        session.seed,
        "request_correction",
        {"correction_id": correction_id, "record_id": record_id, "reason": body.reason},
        contract="archives",
    )
    return {**out, "correction_id": correction_id}


def released_request_ids(ledger: LedgerClient, holder_id: str, cert: dict[str, Any]) -> list[str]:
    """The holder's consent requests whose grant covered ``cert`` (whose shares this wallet
    may keep), as the chain lists them."""
    requests = node_query(ledger, "consent", "list_by_holder", holder=holder_id)
    return [
        req["request_id"]
        for req in requests
        if req["cert_id"] == cert["cert_id"]
        or any(
            item.get("cert_id") == cert["cert_id"] or item.get("cert_type") == cert["cert_type"]
            for item in req.get("granted_scope", []) + req.get("scope", [])
        )
    ]


@router.post("/holders/{holder_id}/certificates/{cert_id}/erase")
def erase_certificate(
    holder_id: HolderIdPath,
    cert_id: CertIdPath,
    session: CurrentHolder,
    store: Store,
    ledger: Ledger,
) -> dict[str, Any]:
    """删除 (PIPL right to deletion, docs/erasure.md): ask on the chain every agency the
    certificate was released to to destroy its copy (`consent.erase`; none if it was never
    released), then destroy every copy this wallet keeps — the per-document keys, the
    documents (the holder's and delegates'), the credentials and the shares — and compact
    the store. The certificate itself stays on the chain (its hash reveals nothing without
    the erased salt)."""
    cert = node_query(ledger, "certificates", "status", cert_id=cert_id)
    if cert["holder"] != holder_id:
        raise HTTPException(404, "no such certificate for this holder")
    erasure_id = new_id("era")
    submitted = ask_erasure(ledger, session.seed, {"erasure_id": erasure_id, "cert_id": cert_id})
    share_ids = released_request_ids(ledger, holder_id, cert)
    deleted = store.erase_certificate(cert_id, share_ids)
    return {
        "cert_id": cert_id,
        "erasure_id": erasure_id if submitted is not None else None,
        "chain": submitted,
        "rows_deleted": deleted,
    }


@router.get("/holders/{holder_id}/erasures")
def list_erasures(
    holder_id: HolderIdPath, session: CurrentHolder, ledger: Ledger
) -> list[dict[str, Any]]:
    """The holder's erasure requests with their progress (`acknowledged` of `agencies`)."""
    return list(node_query(ledger, "consent", "list_erasures_by_holder", holder=holder_id))


@router.post("/holders/{holder_id}/delegations/share")
def share_with_delegates(
    holder_id: HolderIdPath, session: CurrentHolder, store: Store, ledger: Ledger
) -> dict[str, Any]:
    """Give the holder's in-force consent delegates (e.g. a guardian) sealed copies of the
    documents already in the wallet; later deliveries copy them automatically."""
    delegates = consent_delegates(ledger, store, holder_id)
    certs = node_query(ledger, "certificates", "list_by_holder", holder=holder_id)
    shared = 0
    for rec in certs:
        sealed = store.get_document(holder_id, rec["cert_id"])
        if sealed is None:
            continue
        plaintext = store.open_document(holder_id, rec["cert_id"], session.seed, sealed)
        put_copies(store, delegates, rec["cert_id"], plaintext)
        shared += len(delegates)
    return {"delegates": list(delegates), "documents_shared": shared}
