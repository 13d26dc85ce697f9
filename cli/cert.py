"""`trustledger cert`: issue, verify and revoke certificates (电子证照)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.table import Table

from cli.common import (
    DirOpt,
    JsonOpt,
    KeyOpt,
    NodeOpt,
    OrgOpt,
    console,
    emit_json,
    fail,
    ledger,
    load_org_key,
)
from cli.devnet import open_devnet
from contracts.catalogue import CERTIFICATE_TYPES
from node.client import LedgerClient
from node.crypto import KeyPair
from proto import node_pb2
from wallet.documents import DocumentInvalid, document_hash, new_document

app = typer.Typer(help="Issue, verify and revoke electronic certificates.", no_args_is_help=True)

STATUS_NAMES = {
    node_pb2.CERTIFICATE_STATUS_VALID: "valid",
    node_pb2.CERTIFICATE_STATUS_REVOKED: "revoked",
    node_pb2.CERTIFICATE_STATUS_UNKNOWN: "unknown",
    node_pb2.CERTIFICATE_STATUS_EXPIRED: "expired",
    node_pb2.CERTIFICATE_STATUS_SUSPENDED: "suspended",
    node_pb2.CERTIFICATE_STATUS_SUPERSEDED: "superseded",
}


def issue_certificate(
    client: LedgerClient,
    keypair: KeyPair,
    cert_type: str,
    holder: str,
    fields: dict[str, str],
    *,
    valid_until_ms: int = 0,
    cert_id: str | None = None,
) -> tuple[dict[str, Any], Any]:
    """Build the salted document off-chain and put only its hash on-chain."""
    cert_id = cert_id or f"cert-{uuid.uuid4().hex}"
    doc = new_document(cert_id, cert_type, fields)
    committed = client.call(
        keypair,
        "certificates",
        "issue",
        {
            "cert_id": cert_id,
            "cert_type": cert_type,
            "holder": holder,
            "doc_hash": document_hash(doc),
            "valid_until_ms": valid_until_ms,
        },
    )
    return doc, committed


def deliver(wallet_url: str, holder: str, doc: dict[str, Any]) -> dict[str, Any]:
    resp = httpx.post(
        f"{wallet_url}/v1/holders/{holder}/certificates", json={"document": doc}, timeout=30
    )
    if resp.status_code >= 300:
        raise RuntimeError(f"wallet refused the delivery ({resp.status_code}): {resp.text}")
    result: dict[str, Any] = resp.json()
    return result


def verification_view(resp: node_pb2.VerifyCertificateResponse) -> dict[str, Any]:
    return {
        "cert_id": resp.cert_id,
        "status": STATUS_NAMES.get(resp.status, "unspecified"),
        "cert_type": resp.cert_type,
        "issuer": resp.issuer,
        "holder": resp.holder,
        "doc_hash": resp.doc_hash,
        "revocation_reason": resp.revocation_reason,
        "issued_height": resp.issued_height,
        "status_height": resp.status_height,
        "height": resp.height,
        "commit_signatures": len(resp.commit.votes),
    }


@app.command("issue")
def issue_cmd(
    cert_type: Annotated[
        str, typer.Option("--type", help=f"one of: {', '.join(CERTIFICATE_TYPES)}")
    ],
    holder: Annotated[str, typer.Option(help="holder pseudonym (hd…) from the wallet")],
    field: Annotated[
        list[str], typer.Option("--field", help="document field as name=value; repeat")
    ] = [],  # noqa: B006
    org: OrgOpt = "psb",
    valid_days: Annotated[int, typer.Option(help="validity in days; 0 = no expiry")] = 0,
    deliver_to_wallet: Annotated[
        bool, typer.Option("--deliver/--no-deliver", help="send the document to the devnet wallet")
    ] = True,
    dir: DirOpt = Path("devnet"),
    node: NodeOpt = None,
    key: KeyOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Issue a certificate: its salted hash goes on-chain, the document to the holder's wallet."""
    if cert_type not in CERTIFICATE_TYPES:
        fail(f"unknown certificate type {cert_type!r}; known: {', '.join(CERTIFICATE_TYPES)}")
    fields: dict[str, str] = {}
    for item in field:
        name, sep, value = item.partition("=")
        if not sep:
            fail(f"--field must be name=value, got {item!r}")
        fields[name] = value
    expected = set(CERTIFICATE_TYPES[cert_type].fields)
    if set(fields) != expected:
        fail(
            f"a {cert_type} needs exactly the fields: {', '.join(CERTIFICATE_TYPES[cert_type].fields)}"
            f" (missing: {', '.join(sorted(expected - set(fields))) or '-'};"
            f" unknown: {', '.join(sorted(set(fields) - expected)) or '-'})"
        )
    net = open_devnet(dir)
    keypair = load_org_key(net, org, key)
    with ledger(net, node) as client:
        header = client.get_block(0).block.header if client.status().height else None
        now_ms = header.time_ms if header is not None else net.genesis.genesis_time_ms
        valid_until = 0 if valid_days == 0 else now_ms + valid_days * 86_400_000
        try:
            doc, committed = issue_certificate(
                client, keypair, cert_type, holder, fields, valid_until_ms=valid_until
            )
        except DocumentInvalid as exc:
            fail(str(exc))
    delivered = None
    if deliver_to_wallet:
        try:
            delivered = deliver(net.wallet_url, holder, doc)
        except (RuntimeError, httpx.HTTPError) as exc:
            fail(f"issued on-chain, but delivery to the wallet failed: {exc}")
    out = {
        "cert_id": doc["cert_id"],
        "tx_hash": committed.tx_hash.hex(),
        "height": committed.height,
        "doc_hash": document_hash(doc),
        "delivered": delivered is not None,
    }
    if json_out:
        emit_json(out)
    else:
        console.print(
            f"[green]issued[/] {cert_type} {doc['cert_id']} to {holder} in block {committed.height}"
            + (" and delivered to the wallet" if delivered else "")
        )


@app.command("verify")
def verify_cmd(
    cert_id: Annotated[str, typer.Option(help="certificate id")],
    doc_hash: Annotated[
        str, typer.Option(help="hex hash of the document you hold (optional)")
    ] = "",
    dir: DirOpt = Path("devnet"),
    node: NodeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Verify a certificate over gRPC and check the answer's commit certificate against genesis."""
    net = open_devnet(dir)
    with ledger(net, node) as client:
        resp = client.verify_certificate(cert_id, doc_hash, validators=net.genesis.validators)
    view = verification_view(resp)
    if doc_hash:
        view["doc_hash_matches"] = resp.doc_hash_matches
    if json_out:
        emit_json(view)
        return
    colour = {"valid": "green", "revoked": "red", "expired": "yellow"}.get(
        view["status"], "magenta"
    )
    table = Table(title=f"certificate {cert_id}", show_header=False)
    for k, v in view.items():
        table.add_row(k, f"[{colour}]{v}[/]" if k == "status" else str(v))
    console.print(table)
    console.print(
        f"answer at height {resp.height} is final: {len(resp.commit.votes)} validator signatures checked against genesis"
    )


@app.command("revoke")
def revoke_cmd(
    cert_id: Annotated[str, typer.Option(help="certificate id")],
    reason: Annotated[
        str, typer.Option(help="why, for the holder and auditors (no personal data)")
    ],
    org: OrgOpt = "psb",
    dir: DirOpt = Path("devnet"),
    node: NodeOpt = None,
    key: KeyOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Revoke a certificate; only its issuer may."""
    net = open_devnet(dir)
    keypair = load_org_key(net, org, key)
    with ledger(net, node) as client:
        committed = client.call(
            keypair, "certificates", "revoke", {"cert_id": cert_id, "reason": reason}
        )
    if json_out:
        emit_json(
            {"cert_id": cert_id, "tx_hash": committed.tx_hash.hex(), "height": committed.height}
        )
    else:
        console.print(f"[red]revoked[/] {cert_id} in block {committed.height}")
