"""`trustledger cert`: issue, verify and revoke certificates (电子证照)."""

from __future__ import annotations

import json
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
from contracts.certificates.commitments import compute_field_commitments, encode_field_hashes
from node.chain.crypto import KeyPair
from node.chain.ids import new_id
from node.sdk.client import LedgerClient
from node.sdk.documents import DocumentInvalid, document_hash, new_document
from node.sdk.presentation import PresentationInvalid, check_presentation
from proto import node_pb2

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
    cert_id = cert_id or new_id("cert")
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
            "field_hashes": field_hashes(doc),
            "valid_until_ms": valid_until_ms,
        },
    )
    return doc, committed


def field_hashes(doc: dict[str, Any]) -> str:
    """Per-field salted commitments, published so a holder can disclose single fields."""
    return encode_field_hashes(
        compute_field_commitments(doc["cert_type"], doc["fields"], bytes.fromhex(doc["salt"]))
    )


def parse_fields(cert_type: str, items: list[str]) -> dict[str, str]:
    if cert_type not in CERTIFICATE_TYPES:
        fail(f"unknown certificate type {cert_type!r}; known: {', '.join(CERTIFICATE_TYPES)}")
    fields: dict[str, str] = {}
    for item in items:
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
    return fields


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
    ] = [],
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
    fields = parse_fields(cert_type, field)
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
    """Verify a certificate over gRPC and check the answer's commit certificate against the
    validator sets followed from genesis."""
    net = open_devnet(dir)
    with ledger(net, node) as client:
        validators = client.get_validator_schedule(net.genesis.validators)
        resp = client.verify_certificate(cert_id, doc_hash, validators=validators)
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


def _now_ms(client: LedgerClient, fallback_ms: int) -> int:
    return client.get_block(0).block.header.time_ms if client.status().height else fallback_ms


def _lifecycle(
    dir: Path,
    node: str | None,
    org: str,
    key: Path | None,
    method: str,
    args: dict[str, Any],
    json_out: bool,
) -> None:
    net = open_devnet(dir)
    keypair = load_org_key(net, org, key)
    with ledger(net, node) as client:
        committed = client.call(keypair, "certificates", method, args)
    if json_out:
        emit_json({**args, "tx_hash": committed.tx_hash.hex(), "height": committed.height})
    else:
        console.print(f"{method} {args['cert_id']}: committed in block {committed.height}")


ReasonOpt = Annotated[str, typer.Option(help="why, for the holder and auditors (no personal data)")]
CertIdOpt = Annotated[str, typer.Option(help="certificate id")]


@app.command("suspend")
def suspend_cmd(
    cert_id: CertIdOpt,
    reason: ReasonOpt,
    org: OrgOpt = "psb",
    dir: DirOpt = Path("devnet"),
    node: NodeOpt = None,
    key: KeyOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Suspend a certificate (it verifies as suspended until reinstated)."""
    _lifecycle(dir, node, org, key, "suspend", {"cert_id": cert_id, "reason": reason}, json_out)


@app.command("reinstate")
def reinstate_cmd(
    cert_id: CertIdOpt,
    reason: ReasonOpt = "reinstated",
    org: OrgOpt = "psb",
    dir: DirOpt = Path("devnet"),
    node: NodeOpt = None,
    key: KeyOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Reinstate a suspended certificate."""
    _lifecycle(dir, node, org, key, "reinstate", {"cert_id": cert_id, "reason": reason}, json_out)


@app.command("renew")
def renew_cmd(
    cert_id: CertIdOpt,
    valid_days: Annotated[int, typer.Option(help="new validity from now, in days")],
    org: OrgOpt = "psb",
    dir: DirOpt = Path("devnet"),
    node: NodeOpt = None,
    key: KeyOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Renew a certificate: a new end of validity."""
    net = open_devnet(dir)
    with ledger(net, node) as client:
        until = _now_ms(client, net.genesis.genesis_time_ms) + valid_days * 86_400_000
    _lifecycle(
        dir, node, org, key, "renew", {"cert_id": cert_id, "valid_until_ms": until}, json_out
    )


def _replace_document(
    *,
    method: str,
    cert_id: str,
    cert_type: str,
    field: list[str],
    reason: str,
    org: str,
    dir: Path,
    node: str | None,
    key: Path | None,
    json_out: bool,
    valid_days: int = 0,
) -> None:
    """amend (same id, new version) or reissue (a new id supersedes the old one)."""
    fields = parse_fields(cert_type, field)
    net = open_devnet(dir)
    keypair = load_org_key(net, org, key)
    with ledger(net, node) as client:
        current = client.query("certificates", "status", cert_id=cert_id)
        if current["cert_type"] != cert_type:
            fail(f"{cert_id} is a {current['cert_type']}, not a {cert_type}")
        new_cert_id = cert_id if method == "amend" else new_id("cert")
        doc = new_document(new_cert_id, cert_type, fields)
        args: dict[str, Any] = {
            "cert_id": cert_id,
            "doc_hash": document_hash(doc),
            "field_hashes": field_hashes(doc),
            "reason": reason,
        }
        if method == "reissue":
            until = (
                0
                if valid_days == 0
                else _now_ms(client, net.genesis.genesis_time_ms) + valid_days * 86_400_000
            )
            args.update(new_cert_id=new_cert_id, valid_until_ms=until)
        committed = client.call(keypair, "certificates", method, args)
    try:
        deliver(net.wallet_url, current["holder"], doc)
    except (RuntimeError, httpx.HTTPError) as exc:
        fail(f"{method} committed, but delivery to the wallet failed: {exc}")
    out = {
        "cert_id": new_cert_id,
        "replaces": cert_id,
        "tx_hash": committed.tx_hash.hex(),
        "height": committed.height,
    }
    if json_out:
        emit_json(out)
    else:
        console.print(
            f"{method}: {new_cert_id} committed in block {committed.height} and delivered to the wallet"
        )


FieldsOpt = Annotated[
    list[str], typer.Option("--field", help="document field as name=value; repeat")
]


@app.command("amend")
def amend_cmd(
    cert_id: CertIdOpt,
    cert_type: Annotated[str, typer.Option("--type", help="certificate type")],
    reason: ReasonOpt,
    field: FieldsOpt = [],
    org: OrgOpt = "psb",
    dir: DirOpt = Path("devnet"),
    node: NodeOpt = None,
    key: KeyOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Amend a certificate's document: a new version under the same id; history is kept."""
    _replace_document(
        method="amend",
        cert_id=cert_id,
        cert_type=cert_type,
        field=field,
        reason=reason,
        org=org,
        dir=dir,
        node=node,
        key=key,
        json_out=json_out,
    )


@app.command("reissue")
def reissue_cmd(
    cert_id: CertIdOpt,
    cert_type: Annotated[str, typer.Option("--type", help="certificate type")],
    reason: ReasonOpt,
    field: FieldsOpt = [],
    valid_days: int = 0,
    org: OrgOpt = "psb",
    dir: DirOpt = Path("devnet"),
    node: NodeOpt = None,
    key: KeyOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Reissue (补发): a new certificate id supersedes the old one."""
    _replace_document(
        method="reissue",
        cert_id=cert_id,
        cert_type=cert_type,
        field=field,
        reason=reason,
        org=org,
        dir=dir,
        node=node,
        key=key,
        json_out=json_out,
        valid_days=valid_days,
    )


@app.command("check-presentation")
def check_presentation_cmd(
    file: Annotated[Path, typer.Option(help="presentation JSON shown by the holder (亮证)")],
    record_as: Annotated[
        str, typer.Option(help="verifier org: also record the check on-chain (验证记录)")
    ] = "",
    purpose: Annotated[
        str, typer.Option(help="purpose recorded with the verification")
    ] = "verification",
    dir: DirOpt = Path("devnet"),
    node: NodeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Check the fields a holder disclosed against the chain, without seeing the others."""
    net = open_devnet(dir)
    try:
        presentation = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        fail(f"cannot read presentation {file}: {exc}")
    with ledger(net, node) as client:
        try:
            validators = client.get_validator_schedule(net.genesis.validators)
            checked = check_presentation(client, presentation, validators)
            result = "passed" if checked.status == "valid" else "failed"
        except PresentationInvalid as exc:
            checked, result = None, "failed"
            problem = str(exc)
        recorded = None
        if record_as:
            cert_id = str(presentation.get("cert_id", ""))
            c = client.call(
                load_org_key(net, record_as, None),
                "certificates",
                "record_verification",
                {
                    "cert_id": cert_id,
                    "verification_id": new_id("ver"),
                    "result": result,
                    "purpose": purpose,
                },
            )
            recorded = c.height
    if checked is None:
        fail(
            f"presentation refused: {problem}"
            + (f" (recorded in block {recorded})" if recorded else "")
        )
    out = {
        "cert_id": checked.cert_id,
        "cert_type": checked.cert_type,
        "status": checked.status,
        "issuer": checked.issuer,
        "fields": checked.fields,
        "height": checked.height,
        "result": result,
        "recorded_height": recorded,
    }
    if json_out:
        emit_json(out)
        return
    console.print(
        f"{checked.cert_type} {checked.cert_id} from {checked.issuer}: status {checked.status}; "
        f"disclosed fields match the chain (proof at height {checked.height})"
    )
    for k, v in checked.fields.items():
        console.print(f"  {k}: {v}")
