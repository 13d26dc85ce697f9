"""`trustledger governance`: member organisations change the consortium by proposals that
apply once a quorum of them approves (by default more than two-thirds): add or remove an
organisation, set roles, rotate keys, add, remove or rotate validators (scheduled at a
defined height), activate a contract version."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cli.common import OrgOpt, OrgSession, Output, Session, fail, ledger_command, records_table
from node.chain.ids import new_id

app = typer.Typer(help="Propose and approve changes to the consortium.", no_args_is_help=True)


def _parse_params(items: list[str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            fail(f"--param must be name=value, got {item!r}")
        if value.startswith("@"):
            try:  # name=@file: the file's text (a CA certificate for add_org)
                value = Path(value[1:]).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                fail(f"--param {name}: cannot read {value[1:]}: {exc}")
        params[name] = (
            int(value)
            if value.isdigit() and name.endswith(("_ms", "version", "numerator", "denominator"))
            else value
        )
    return params


@ledger_command(app, "propose", signs=True)
def propose_cmd(
    s: OrgSession,
    action: Annotated[
        str,
        typer.Option(
            help="add_org, remove_org, set_roles, rotate_org_key, set_credit_code, add_validator, remove_validator, rotate_validator_key, activate_contract_version, set_quorum"
        ),
    ],
    param: Annotated[
        list[str],
        typer.Option(
            "--param",
            help="action argument as name=value; repeat (lists as JSON); name=@file reads"
            " the value from a file (e.g. ca_certificate=@ca.pem)",
        ),
    ] = [],
    org: OrgOpt = "psb",
) -> Output:
    """Propose a change; the proposer's own approval counts."""
    proposal_id = new_id("prop")
    height, status = _decide(
        s, "propose", {"proposal_id": proposal_id, "action": action, **_parse_params(param)}
    )
    return Output(
        {"proposal_id": proposal_id, "status": status, "height": height},
        f"proposal {proposal_id} ({action}) in block {height}: {status}",
    )


@ledger_command(app, "approve", signs=True)
def approve_cmd(
    s: OrgSession,
    proposal_id: Annotated[str, typer.Option(help="the proposal")],
    org: OrgOpt = "edu",
) -> Output:
    """Approve a proposal; it applies when the quorum is reached."""
    height, status = _decide(s, "approve", {"proposal_id": proposal_id})
    return Output(
        {"proposal_id": proposal_id, "status": status, "height": height},
        f"approved {proposal_id} in block {height}: now {status}",
    )


def _decide(s: OrgSession, method: str, args: dict[str, Any]) -> tuple[int, Any]:
    """Propose or approve: the block it landed in and the proposal's status after it."""
    committed = s.call("membership", method, args)
    state = s.client.query("membership", "proposal", proposal_id=args["proposal_id"])
    return committed.height, state.get("status")


@ledger_command(app, "list")
def list_cmd(
    s: Session,
    status: Annotated[str, typer.Option(help="open, applied or failed; empty for all")] = "",
) -> Output:
    """Proposals and their approvals."""
    items = s.client.query("membership", "proposals", **({"status": status} if status else {}))
    columns = {
        "proposal": "proposal_id",
        "action": "action",
        "status": "status",
        "approvals": "approvals",
    }
    return Output({"proposals": items}, records_table("proposals", columns, items))
