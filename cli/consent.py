"""`trustledger consent`: an agency asks for a holder's data and reads what was granted."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

import httpx
import typer

from cli.cert import operator_caller
from cli.common import (
    OrgOpt,
    OrgSession,
    Output,
    PurposeCodeOpt,
    Session,
    check_purpose_on_chain,
    fail,
    field_lines,
    ledger_command,
    tx_view,
)
from contracts.consent.records import get_request_key
from node.chain.crypto import KeyPair
from node.chain.ids import new_id
from node.chain.pki import get_identity
from node.sdk.annotation import (
    Annotation,
    AnnotationRefused,
    check_released_copy,
    get_annotation_text,
)
from node.sdk.catalogue import chain_document_hash
from node.sdk.client import Committed, LedgerClient
from node.sdk.documents import (
    DocumentInvalid,
    check_partial_copy,
    is_partial_copy,
)
from node.sdk.sealing import released_record_aad, request_aad, unseal
from node.sdk.wallet_requests import WalletCaller
from suites import Suite

Released = TypeVar("Released", "Disclosure", "RecordDisclosure")
"""What a holder released to an agency: a certificate's document or an archive record."""

app = typer.Typer(
    help="Request access to a holder's certificate, and read it once granted.", no_args_is_help=True
)


def request_access(
    client: LedgerClient,
    keypair: KeyPair,
    holder: str,
    cert_id: str,
    purpose: str,
    *,
    purpose_code: str,
    max_uses: int,
    expires_at_ms: int,
    request_id: str | None = None,
    record_categories: list[str] | None = None,
) -> tuple[str, Committed]:
    """Ask `holder` for `cert_id`, or with `record_categories` (and an empty `cert_id`) for
    their archive records of those categories, for a purpose (its code from the catalogue,
    and text)."""
    request_id = request_id or new_id("req")
    wanted: dict[str, str] = (
        {"scope": json.dumps([{"record_category": c} for c in record_categories])}
        if record_categories
        else {"cert_id": cert_id}
    )
    committed = client.call(
        keypair,
        "consent",
        "request",
        {
            "request_id": request_id,
            "holder": holder,
            **wanted,
            "purpose": purpose,
            "purpose_code": purpose_code,
            "max_uses": max_uses,
            "expires_at_ms": expires_at_ms,
        },
    )
    return request_id, committed


class DisclosureError(Exception):
    pass


def record_access_and_fetch(
    client: LedgerClient,
    keypair: KeyPair,
    caller: WalletCaller,
    wallet_url: str,
    access_args: dict[str, Any],
) -> tuple[Committed, dict[str, Any]]:
    """Record the access on-chain first (`consent.access`: the contract checks the grant, so
    a refused read leaves no disclosure behind), then ask the holder's wallet for what it
    sealed to us, naming that access transaction; the committed access and the wallet's
    answer, not yet opened or checked."""
    request_id = access_args["request_id"]
    committed = client.call(keypair, "consent", "access", access_args)
    resp = caller.request(
        "GET",
        f"{wallet_url}/v1/disclosures/{request_id}",
        params={"access_tx": committed.tx_hash.hex()},
    )
    if resp.status_code != 200:
        raise DisclosureError(f"wallet refused the disclosure ({resp.status_code}): {resp.text}")
    body: dict[str, Any] = resp.json()
    return committed, body


def _unseal(suite: Suite, keypair: KeyPair, body: dict[str, Any], what: str, aad: bytes) -> bytes:
    """The `what` (document or record) the wallet's answer `body` holds sealed to us, opened
    with our key under `aad` (what binds it to the request)."""
    try:
        return unseal(suite, keypair.seed, bytes.fromhex(body[f"sealed_{what}"]), aad)
    except ValueError as exc:  # SealError, InvalidKeyError (SuiteErrors), bad hex
        raise DisclosureError(f"the sealed {what} does not open for this request: {exc}") from exc


@dataclass(frozen=True, slots=True)
class Disclosure:
    """A document a holder released to us, checked against the chain, with its annotation."""

    document: dict[str, Any]
    committed: Committed
    annotation: Annotation


def access_and_read(
    client: LedgerClient,
    keypair: KeyPair,
    caller: WalletCaller,
    wallet_url: str,
    request_id: str,
    *,
    suite: Suite,
) -> Disclosure:
    """Record the access on-chain (the contract checks the grant), then collect the document
    the holder sealed to us from their wallet, in a request signed with our certificate, and
    check it and its annotation (加注件) against the chain. ``suite`` is the chain's (its
    genesis's): the document is sealed with it, bound to ``request_id``."""
    committed, body = record_access_and_fetch(
        client, keypair, caller, wallet_url, {"request_id": request_id}
    )
    doc = json.loads(_unseal(suite, keypair, body, "document", request_aad(request_id)))
    onchain = client.query("certificates", "status", cert_id=doc["cert_id"])
    try:
        if is_partial_copy(doc):  # only the fields granted, each checked on its own
            check_partial_copy(doc, onchain, suite=client.suite)
        elif chain_document_hash(client, doc) != onchain["doc_hash"]:
            raise DisclosureError("the disclosed document does not match the hash on the chain")
    except DocumentInvalid as exc:
        raise DisclosureError(f"the disclosed document is malformed: {exc}") from exc
    agency = get_identity(caller.cert_pem).org
    try:
        annotation = check_released_copy(
            client, body.get("annotation"), doc, agency=agency, now_ms=int(time.time() * 1000)
        )
    except AnnotationRefused as exc:
        raise DisclosureError(f"the copy's annotation is refused ({exc.reason}): {exc}") from exc
    if annotation.request_id != request_id:
        raise DisclosureError("the copy's annotation is for another request")
    return Disclosure(doc, committed, annotation)


@ledger_command(app, "request", signs=True)
def request_cmd(
    s: OrgSession,
    holder: Annotated[str, typer.Option(help="holder pseudonym")],
    purpose: Annotated[
        str, typer.Option(help="why, shown to the holder (e.g. 'loan application')")
    ],
    purpose_code: PurposeCodeOpt,
    cert_id: Annotated[str, typer.Option(help="the certificate wanted")] = "",
    record_category: Annotated[
        list[str] | None,
        typer.Option(help="or archive records of this category (repeatable), e.g. social_security"),
    ] = None,
    max_uses: Annotated[int, typer.Option(help="how many reads")] = 1,
    days: Annotated[int, typer.Option(help="how long the grant may last")] = 30,
    org: OrgOpt = "bank",
) -> Output:
    """Ask a holder for access to one certificate, or to their archive records of some
    categories, for a purpose, a number of uses and a time."""
    if bool(cert_id) == bool(record_category):
        fail("give --cert-id, or --record-category (one or more), not both")
    check_purpose_on_chain(s.client, purpose_code)
    request_id, committed = request_access(
        s.client,
        s.keypair,
        holder,
        cert_id,
        purpose,
        purpose_code=purpose_code,
        max_uses=max_uses,
        expires_at_ms=s.days_from_now_ms(days),
        record_categories=record_category,
    )
    return Output(
        {"request_id": request_id, **tx_view(committed)},
        f"request {request_id} sent to {holder} (block {committed.height}); the holder answers in the wallet",
    )


@dataclass(frozen=True, slots=True)
class RecordDisclosure:
    """An archive record's content a holder released to us, checked against the chain."""

    record: dict[str, Any]
    """The record as the chain holds it (its category, source, version, content hash)."""
    content: bytes
    committed: Committed


def access_and_read_record(
    client: LedgerClient,
    keypair: KeyPair,
    caller: WalletCaller,
    wallet_url: str,
    request_id: str,
    record_id: str,
    *,
    suite: Suite,
) -> RecordDisclosure:
    """Record an access naming archive record ``record_id`` on-chain (the contract checks it
    lies within the granted categories), then collect the record the holder sealed to us for
    this request and record, and check its content against the hash on the chain."""
    committed, body = record_access_and_fetch(
        client, keypair, caller, wallet_url, {"request_id": request_id, "record_id": record_id}
    )
    if body.get("record_id") != record_id or "sealed_record" not in body:
        raise DisclosureError("the wallet answered with something other than the record named")
    content = _unseal(suite, keypair, body, "record", released_record_aad(request_id, record_id))
    record = client.query("archives", "get", record_id=record_id)
    if hashlib.sha256(content).hexdigest() != record["content_hash"]:
        raise DisclosureError("the disclosed record does not match its hash on the chain")
    return RecordDisclosure(record, content, committed)


@ledger_command(app, "access", signs=True)
def access_cmd(
    s: OrgSession,
    request_id: Annotated[str, typer.Option(help="the granted request")],
    record_id: Annotated[
        str, typer.Option(help="for a grant of archive records: the record to read")
    ] = "",
    out: Annotated[
        Path | None, typer.Option(help="write the record's content to this file")
    ] = None,
    org: OrgOpt = "bank",
) -> Output:
    """Use a grant: the access is an on-chain event; the document (or, with --record-id, the
    archive record) comes from the holder's wallet."""
    if record_id:
        return _access_record(s, org, request_id, record_id, out)
    read = _read_released(s, org, access_and_read, request_id)
    doc = read.document
    agency_name = s.client.query("membership", "get", org_id=read.annotation.agency)["name"]
    return Output(
        {
            "request_id": request_id,
            **tx_view(read.committed),
            "document": doc,
            "annotation": get_annotation_text(read.annotation, agency_name),
        },
        f"access recorded in block {read.committed.height}; document {doc['cert_id']} ({doc['cert_type']}) matches the chain",
        f"annotation: {get_annotation_text(read.annotation, agency_name)}",
        *field_lines(doc["fields"]),
    )


def _read_released(s: OrgSession, org: str, read: Callable[..., Released], *ids: str) -> Released:
    """What the holder released to `org` (`read` is `access_and_read`, `ids` the request's;
    or `access_and_read_record`, `ids` the request's and the record's), read with the
    organisation's operator certificate; a refusal by the contract or the wallet, or a copy
    that does not check, ends the command."""
    try:
        return read(
            s.client,
            s.keypair,
            operator_caller(s.net, org),
            s.net.wallet_url,
            *ids,
            suite=s.net.genesis.suite,
        )
    except (DisclosureError, httpx.HTTPError) as exc:
        fail(str(exc))


def _access_record(
    s: OrgSession, org: str, request_id: str, record_id: str, out: Path | None
) -> Output:
    read = _read_released(s, org, access_and_read_record, request_id, record_id)
    if out is not None:
        out.write_bytes(read.content)
    record = read.record
    return Output(
        {
            "request_id": request_id,
            **tx_view(read.committed),
            "record_id": record_id,
            "category": record["category"],
            "version": record["version"],
            "content_hash": record["content_hash"],
            "content_bytes": len(read.content),
            **({} if out is None else {"written": str(out)}),
        },
        f"access recorded in block {read.committed.height}; record {record_id}"
        f" ({record['category']}, version {record['version']}) matches the chain",
        f"{len(read.content)} bytes" + ("" if out is None else f" written to {out}"),
    )


@ledger_command(app, "status", calls_as="bank")
def status_cmd(
    s: Session, request_id: Annotated[str, typer.Option(help="consent request id")]
) -> Output:
    """A request's grant state, proven against a certified header (trusting no node)."""
    value, proven = s.proven_record(get_request_key(request_id), f"consent request {request_id}")
    record = json.loads(value)
    out = {
        k: record.get(k)
        for k in (
            "request_id",
            "agency",
            "holder",
            "status",
            "uses_left",
            "expires_at_ms",
            "purpose",
        )
    }
    out["proven_at_height"] = proven.height
    return Output(
        out,
        f"request {request_id}: {out['status']}, {out['uses_left']} uses left, agency {out['agency']} "
        f"(proven against the header of block {proven.height})",
    )


ErasureOrgOpt = Annotated[
    str,
    typer.Option(
        "--org", "--as", help="the agency whose key signs (its key file in DIR/keys/orgs)"
    ),
]


@ledger_command(app, "erase-ack", signs=True)
def erase_ack_cmd(
    s: OrgSession,
    erasure_id: Annotated[
        str, typer.Option("--erasure", "--request", help="the holder's erasure request id")
    ],
    org: ErasureOrgOpt = "bank",
) -> Output:
    """Acknowledge a holder's erasure request (docs/erasure.md), once the agency destroyed its
    copy: the document the wallet disclosed, sealed to the agency's key, and everything the
    agency kept of it (decrypted copies, exports, caches, backups it can reach)."""
    committed = s.call("consent", "acknowledge_erasure", {"erasure_id": erasure_id})
    erasure = s.client.query("consent", "get_erasure", erasure_id=erasure_id)
    acknowledged, agencies = len(erasure["acknowledged"]), len(erasure["agencies"])
    return Output(
        {
            "erasure_id": erasure_id,
            **tx_view(committed),
            "acknowledged": acknowledged,
            "agencies": agencies,
        },
        f"erasure {erasure_id} of {erasure['cert_id']} acknowledged in block {committed.height}"
        f" ({acknowledged} of {agencies} agencies)",
    )


@ledger_command(app, "erasures", signs=True)
def erasures_cmd(
    s: OrgSession,
    all_: Annotated[bool, typer.Option("--all", help="acknowledged ones too")] = False,
    org: ErasureOrgOpt = "bank",
) -> Output:
    """The erasure requests naming the agency that it has not acknowledged yet (with --all,
    every one): what it must destroy, then acknowledge with `consent erase-ack`."""
    listed = s.client.query("consent", "list_erasures_by_agency", agency=org, pending=not all_)
    lines = [
        f"{e['erasure_id']}: {e['cert_id']} ({e['cert_type']}) of {e['holder']}, "
        f"{len(e['acknowledged'])} of {len(e['agencies'])} acknowledged"
        for e in listed
    ]
    return Output(
        {"agency": org, "erasures": listed}, *(lines or [f"no pending erasure requests for {org}"])
    )
