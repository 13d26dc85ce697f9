"""`trustledger consent`: an agency asks for a holder's data and reads what was granted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

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
from contracts.consent.records import get_request_key
from node.chain.crypto import KeyPair
from node.chain.ids import new_id
from node.sdk.client import Committed, LedgerClient
from node.sdk.documents import DocumentInvalid, document_hash
from node.sdk.sealing import open_sealed

app = typer.Typer(
    help="Request access to a holder's certificate, and read it once granted.", no_args_is_help=True
)

DAY_MS = 86_400_000


def request_access(
    client: LedgerClient,
    keypair: KeyPair,
    holder: str,
    cert_id: str,
    purpose: str,
    *,
    max_uses: int,
    expires_at_ms: int,
    request_id: str | None = None,
) -> tuple[str, Committed]:
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
            "max_uses": max_uses,
            "expires_at_ms": expires_at_ms,
        },
    )
    return request_id, committed


class DisclosureError(Exception):
    pass


def access_and_read(
    client: LedgerClient, keypair: KeyPair, wallet_url: str, request_id: str
) -> tuple[dict[str, Any], Committed]:
    """Record the access on-chain (the contract checks the grant), then collect the document
    the holder sealed to us from their wallet and check it against the on-chain hash."""
    committed = client.call(keypair, "consent", "access", {"request_id": request_id})
    resp = httpx.get(
        f"{wallet_url}/v1/disclosures/{request_id}",
        params={"access_tx": committed.tx_hash.hex()},
        timeout=30,
    )
    if resp.status_code != 200:
        raise DisclosureError(f"wallet refused the disclosure ({resp.status_code}): {resp.text}")
    doc = json.loads(open_sealed(keypair.seed, bytes.fromhex(resp.json()["sealed_document"])))
    onchain = client.query("certificates", "status", cert_id=doc["cert_id"])
    try:
        if document_hash(doc) != onchain["doc_hash"]:
            raise DisclosureError("the disclosed document does not match the hash on the chain")
    except DocumentInvalid as exc:
        raise DisclosureError(f"the disclosed document is malformed: {exc}") from exc
    return doc, committed


@app.command("request")
def request_cmd(
    holder: Annotated[str, typer.Option(help="holder pseudonym")],
    cert_id: Annotated[str, typer.Option(help="the certificate wanted")],
    purpose: Annotated[
        str, typer.Option(help="why, shown to the holder (e.g. 'loan application')")
    ],
    max_uses: Annotated[int, typer.Option(help="how many reads")] = 1,
    days: Annotated[int, typer.Option(help="how long the grant may last")] = 30,
    org: OrgOpt = "bank",
    dir: DirOpt = Path("devnet"),
    node: NodeOpt = None,
    key: KeyOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Ask a holder for access to one certificate, for a purpose, a number of uses and a time."""
    net = open_devnet(dir)
    keypair = load_org_key(net, org, key)
    with ledger(net, node) as client:
        now = (
            client.get_block(0).block.header.time_ms
            if client.status().height
            else net.genesis.genesis_time_ms
        )
        request_id, committed = request_access(
            client,
            keypair,
            holder,
            cert_id,
            purpose,
            max_uses=max_uses,
            expires_at_ms=now + days * DAY_MS,
        )
    if json_out:
        emit_json(
            {
                "request_id": request_id,
                "tx_hash": committed.tx_hash.hex(),
                "height": committed.height,
            }
        )
    else:
        console.print(
            f"request {request_id} sent to {holder} (block {committed.height}); the holder answers in the wallet"
        )


@app.command("access")
def access_cmd(
    request_id: Annotated[str, typer.Option(help="the granted request")],
    org: OrgOpt = "bank",
    dir: DirOpt = Path("devnet"),
    node: NodeOpt = None,
    key: KeyOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Use a grant: the access is an on-chain event; the document comes from the holder's wallet."""
    net = open_devnet(dir)
    keypair = load_org_key(net, org, key)
    with ledger(net, node) as client:
        try:
            doc, committed = access_and_read(client, keypair, net.wallet_url, request_id)
        except (DisclosureError, httpx.HTTPError) as exc:
            fail(str(exc))
    if json_out:
        emit_json(
            {
                "request_id": request_id,
                "tx_hash": committed.tx_hash.hex(),
                "height": committed.height,
                "document": doc,
            }
        )
    else:
        console.print(
            f"access recorded in block {committed.height}; document {doc['cert_id']} ({doc['cert_type']}) matches the chain"
        )
        for k, v in doc["fields"].items():
            console.print(f"  {k}: {v}")


@app.command("status")
def status_cmd(
    request_id: Annotated[str, typer.Option(help="consent request id")],
    dir: DirOpt = Path("devnet"),
    node: NodeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """A request's grant state, proven against a certified header (trusting no node)."""
    net = open_devnet(dir)
    with ledger(net, node) as client:
        validators = client.get_validator_schedule(net.genesis.validators)
        proven = client.get_proven_state(get_request_key(request_id), validators)
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
    if json_out:
        emit_json(out)
    else:
        console.print(
            f"request {request_id}: {out['status']}, {out['uses_left']} uses left, agency {out['agency']} "
            f"(proven against the header of block {proven.height})"
        )
