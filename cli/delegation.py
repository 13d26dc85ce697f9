"""`trustledger delegation`: a registrar records a guardianship (监护: a child for an elderly
parent, a parent for a minor) or an enterprise's legal representative (法定代表人). Holders
appoint, accept, decline and revoke in the wallet, which keeps their keys: an enterprise's
legal representative appoints an agent (`POST /v1/holders/{id}/delegations`) and the agent
accepts it (`POST /v1/holders/{id}/delegations/{delegation id}/accept`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from cli.common import (
    DirOpt,
    JsonOpt,
    KeyOpt,
    NodeOpt,
    OrgOpt,
    console,
    emit_json,
    ledger,
    load_org_key,
)
from cli.devnet import open_devnet
from node.chain.ids import new_id

app = typer.Typer(help="Register guardianships and legal representatives.", no_args_is_help=True)


@app.command("register")
def register_cmd(
    kind: Annotated[str, typer.Option(help="guardian or legal_representative")],
    principal: Annotated[str, typer.Option(help="pseudonym of the person or enterprise acted for")],
    delegate: Annotated[str, typer.Option(help="pseudonym of the one who acts")],
    actions: Annotated[
        str, typer.Option(help="comma list of: consent, archives, appoint_agents")
    ] = "consent",
    days: Annotated[int, typer.Option(help="how long it is in force")] = 365,
    org: OrgOpt = "civil",
    dir: DirOpt = Path("devnet"),
    node: NodeOpt = None,
    key: KeyOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Register a delegation as a registrar organisation (civil affairs, market regulation)."""
    net = open_devnet(dir)
    keypair = load_org_key(net, org, key)
    delegation_id = new_id("dlg")
    with ledger(net, node) as client:
        now = (
            client.get_block(0).block.header.time_ms
            if client.status().height
            else net.genesis.genesis_time_ms
        )
        c = client.call(
            keypair,
            "delegation",
            "register",
            {
                "delegation_id": delegation_id,
                "kind": kind,
                "principal": principal,
                "delegate": delegate,
                "actions": json.dumps(sorted(a.strip() for a in actions.split(",") if a.strip())),
                "expires_at_ms": now + days * 86_400_000,
            },
        )
    if json_out:
        emit_json({"delegation_id": delegation_id, "tx_hash": c.tx_hash.hex(), "height": c.height})
    else:
        console.print(
            f"{kind} {delegate} for {principal} registered as {delegation_id} in block {c.height}"
        )
