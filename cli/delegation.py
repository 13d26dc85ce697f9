"""`trustledger delegation`: a registrar records a guardianship (监护: a child for an elderly
parent, a parent for a minor) or an enterprise's legal representative (法定代表人). Holders
appoint, accept, decline and revoke in the wallet, which keeps their keys: an enterprise's
legal representative appoints an agent (`POST /v1/holders/{id}/delegations`) and the agent
accepts it (`POST /v1/holders/{id}/delegations/{delegation id}/accept`)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from cli.common import OrgOpt, OrgSession, Output, ledger_command, tx_view
from node.chain.ids import new_id

app = typer.Typer(help="Register guardianships and legal representatives.", no_args_is_help=True)


@ledger_command(app, "register", signs=True)
def register_cmd(
    s: OrgSession,
    kind: Annotated[str, typer.Option(help="guardian or legal_representative")],
    principal: Annotated[str, typer.Option(help="pseudonym of the person or enterprise acted for")],
    delegate: Annotated[str, typer.Option(help="pseudonym of the one who acts")],
    actions: Annotated[
        str, typer.Option(help="comma list of: consent, archives, appoint_agents")
    ] = "consent",
    days: Annotated[int, typer.Option(help="how long it is in force")] = 365,
    org: OrgOpt = "civil",
) -> Output:
    """Register a delegation as a registrar organisation (civil affairs, market regulation)."""
    delegation_id = new_id("dlg")
    c = s.call(
        "delegation",
        "register",
        {
            "delegation_id": delegation_id,
            "kind": kind,
            "principal": principal,
            "delegate": delegate,
            "actions": json.dumps(sorted(a.strip() for a in actions.split(",") if a.strip())),
            "expires_at_ms": s.days_from_now_ms(days),
        },
    )
    return Output(
        {"delegation_id": delegation_id, **tx_view(c)},
        f"{kind} {delegate} for {principal} registered as {delegation_id} in block {c.height}",
    )
