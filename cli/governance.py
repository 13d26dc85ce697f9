"""`trustledger governance`: member organisations change the consortium by proposals that
apply once a quorum of them approves (by default more than two-thirds): add or remove an
organisation, set roles, rotate keys, add, remove or rotate validators (scheduled at a
defined height), activate a contract version."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

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
from node.chain.ids import new_id

app = typer.Typer(help="Propose and approve changes to the consortium.", no_args_is_help=True)


def _parse_params(items: list[str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            fail(f"--param must be name=value, got {item!r}")
        params[name] = (
            int(value)
            if value.isdigit() and name.endswith(("_ms", "version", "numerator", "denominator"))
            else value
        )
    return params


@app.command("propose")
def propose_cmd(
    action: Annotated[
        str,
        typer.Option(
            help="add_org, remove_org, set_roles, rotate_org_key, add_validator, remove_validator, rotate_validator_key, activate_contract_version, set_quorum"
        ),
    ],
    param: Annotated[
        list[str],
        typer.Option("--param", help="action argument as name=value; repeat (lists as JSON)"),
    ] = [],
    org: OrgOpt = "psb",
    dir: DirOpt = Path("devnet"),
    node: NodeOpt = None,
    key: KeyOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Propose a change; the proposer's own approval counts."""
    net = open_devnet(dir)
    keypair = load_org_key(net, org, key)
    proposal_id = new_id("prop")
    with ledger(net, node) as client:
        c = client.call(
            keypair,
            "membership",
            "propose",
            {"proposal_id": proposal_id, "action": action, **_parse_params(param)},
        )
        state = client.query("membership", "proposal", proposal_id=proposal_id)
    if json_out:
        emit_json({"proposal_id": proposal_id, "status": state.get("status"), "height": c.height})
    else:
        console.print(
            f"proposal {proposal_id} ({action}) in block {c.height}: {state.get('status')}"
        )


@app.command("approve")
def approve_cmd(
    proposal_id: Annotated[str, typer.Option(help="the proposal")],
    org: OrgOpt = "edu",
    dir: DirOpt = Path("devnet"),
    node: NodeOpt = None,
    key: KeyOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Approve a proposal; it applies when the quorum is reached."""
    net = open_devnet(dir)
    keypair = load_org_key(net, org, key)
    with ledger(net, node) as client:
        c = client.call(keypair, "membership", "approve", {"proposal_id": proposal_id})
        state = client.query("membership", "proposal", proposal_id=proposal_id)
    if json_out:
        emit_json({"proposal_id": proposal_id, "status": state.get("status"), "height": c.height})
    else:
        console.print(f"approved {proposal_id} in block {c.height}: now {state.get('status')}")


@app.command("list")
def list_cmd(
    status: Annotated[str, typer.Option(help="open, applied or failed; empty for all")] = "",
    dir: DirOpt = Path("devnet"),
    node: NodeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Proposals and their approvals."""
    net = open_devnet(dir)
    with ledger(net, node) as client:
        items = client.query("membership", "proposals", **({"status": status} if status else {}))
    if json_out:
        emit_json({"proposals": items})
        return
    table = Table(title="proposals")
    for col in ("proposal", "action", "status", "approvals"):
        table.add_column(col)
    for p in items:
        table.add_row(
            p.get("proposal_id", ""),
            p.get("action", ""),
            p.get("status", ""),
            ", ".join(p.get("approvals", [])),
        )
    console.print(table)
