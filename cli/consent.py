"""`trustledger consent`: an agency asks for a holder's data and reads what was granted."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Annotated, Any

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
from node.sdk.sealing import request_aad, unseal
from node.sdk.wallet_requests import WalletCaller
from suites import Suite

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
) -> tuple[str, Committed]:
    """Ask `holder` for `cert_id`, for a purpose (its code from the catalogue, and text)."""
    request_id = request_id or new_id("req")
    committed = client.call(
        keypair,
        "consent",
        "request",
        {
            "request_id": request_id,
            "holder": holder,
            "cert_id": cert_id,
            "purpose": purpose,
            "purpose_code": purpose_code,
            "max_uses": max_uses,
            "expires_at_ms": expires_at_ms,
        },
    )
    return request_id, committed


class DisclosureError(Exception):
    pass


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
    committed = client.call(keypair, "consent", "access", {"request_id": request_id})
    resp = caller.request(
        "GET",
        f"{wallet_url}/v1/disclosures/{request_id}",
        params={"access_tx": committed.tx_hash.hex()},
    )
    if resp.status_code != 200:
        raise DisclosureError(f"wallet refused the disclosure ({resp.status_code}): {resp.text}")
    body = resp.json()
    try:
        plaintext = unseal(
            suite, keypair.seed, bytes.fromhex(body["sealed_document"]), request_aad(request_id)
        )
    except ValueError as exc:  # SealError, InvalidKeyError (SuiteErrors), bad hex
        raise DisclosureError(f"the sealed document does not open for this request: {exc}") from exc
    doc = json.loads(plaintext)
    onchain = client.query("certificates", "status", cert_id=doc["cert_id"])
    try:
        if is_partial_copy(doc):  # only the fields granted, each checked on its own
            check_partial_copy(doc, onchain)
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
    cert_id: Annotated[str, typer.Option(help="the certificate wanted")],
    purpose: Annotated[
        str, typer.Option(help="why, shown to the holder (e.g. 'loan application')")
    ],
    purpose_code: PurposeCodeOpt,
    max_uses: Annotated[int, typer.Option(help="how many reads")] = 1,
    days: Annotated[int, typer.Option(help="how long the grant may last")] = 30,
    org: OrgOpt = "bank",
) -> Output:
    """Ask a holder for access to one certificate, for a purpose, a number of uses and a time."""
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
    )
    return Output(
        {"request_id": request_id, **tx_view(committed)},
        f"request {request_id} sent to {holder} (block {committed.height}); the holder answers in the wallet",
    )


@ledger_command(app, "access", signs=True)
def access_cmd(
    s: OrgSession,
    request_id: Annotated[str, typer.Option(help="the granted request")],
    org: OrgOpt = "bank",
) -> Output:
    """Use a grant: the access is an on-chain event; the document comes from the holder's wallet."""
    try:
        read = access_and_read(
            s.client,
            s.keypair,
            operator_caller(s.net, org),
            s.net.wallet_url,
            request_id,
            suite=s.net.genesis.suite,
        )
    except (DisclosureError, httpx.HTTPError) as exc:
        fail(str(exc))
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


@ledger_command(app, "status", calls_as="bank")
def status_cmd(
    s: Session, request_id: Annotated[str, typer.Option(help="consent request id")]
) -> Output:
    """A request's grant state, proven against a certified header (trusting no node)."""
    proven = s.client.get_proven_state(get_request_key(request_id), s.validator_schedule())
    if proven.value is None:
        fail(
            f"no consent request {request_id} on the chain (proven absent at height {proven.height})"
        )
    record = json.loads(proven.value)
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
