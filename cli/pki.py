"""`trustledger pki`: an organisation's certificate authority, for operators.

An organisation joining the consortium makes its CA on its own machine (`pki ca`), hands
the CA certificate (never the key) to the members, who add it with the organisation
(`governance propose --action add_org ... ca_certificate=...` or `membership.set_ca`), and
then issues certificates to its validators, services and operators (`pki issue`). The
devnet does all of this by itself (cli/identities.py).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Annotated

import typer

from cli.common import (
    JsonOpt,
    OrgOpt,
    OrgSession,
    Output,
    Session,
    fail,
    ledger_command,
    records_table,
    tx_view,
)
from cli.identities import CA_DAYS, CERT_DAYS
from node.chain import pki

app = typer.Typer(
    help="Make an organisation's CA and issue its certificates.", no_args_is_help=True
)

OutOpt = Annotated[Path, typer.Option("--out", help="folder the files are written to")]


def _write(path: Path, data: bytes, *, secret: bool) -> None:
    if path.exists():
        typer.echo(f"error: {path} exists; not overwriting it", err=True)
        raise typer.Exit(2)
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    with os.fdopen(os.open(path, flags, 0o600 if secret else 0o644), "wb") as f:
        f.write(data)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


@app.command("ca")
def ca_cmd(
    org: Annotated[str, typer.Option(help="organisation id, as on the chain")],
    out: OutOpt,
    days: Annotated[int, typer.Option(help="how long the CA is valid")] = CA_DAYS,
    json_out: JsonOpt = False,
) -> None:
    """Make the organisation's CA: OUT/ca.pem (public, goes on-chain) and OUT/ca.key (keep
    it offline; mode 0600)."""
    try:
        cert, key = pki.make_ca(org, dt.datetime.now(dt.UTC), days)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    _write(out / "ca.key", key, secret=True)
    _write(out / "ca.pem", cert, secret=False)
    Output(
        {"org": org, "ca_certificate": str(out / "ca.pem"), "ca_key": str(out / "ca.key")},
        f"CA of {org}: {out / 'ca.pem'} (key {out / 'ca.key'})",
    ).print(json_out)


@app.command("issue")
def issue_cmd(
    ca_dir: Annotated[Path, typer.Option("--ca-dir", help="folder with ca.pem and ca.key")],
    org: Annotated[str, typer.Option(help="the CA's organisation id")],
    role: Annotated[str, typer.Option(help=f"one of: {', '.join(pki.Role)}", show_default=False)],
    name: Annotated[
        str, typer.Option(help="validator id for a validator; else a service or operator name")
    ],
    out: OutOpt,
    host: Annotated[
        list[str] | None,
        typer.Option("--host", help="host name or IP it serves on (repeat); none for a client"),
    ] = None,
    days: Annotated[int, typer.Option(help="how long it is valid")] = CERT_DAYS,
    json_out: JsonOpt = False,
) -> None:
    """Issue a certificate: OUT/NAME.pem and OUT/NAME.key (mode 0600). A validator's
    certificate names its validator id among its hosts, as its peers check."""
    try:
        ca_cert = (ca_dir / "ca.pem").read_bytes()
        ca_key = (ca_dir / "ca.key").read_bytes()
    except OSError as exc:
        raise _fail(f"cannot read the CA in {ca_dir}: {exc.strerror or exc}") from None
    hosts = list(host or ())
    if role == pki.Role.VALIDATOR and name not in hosts:
        hosts.insert(0, name)
    try:
        cert, key = pki.issue(
            ca_cert, ca_key, org, role, name, hosts, dt.datetime.now(dt.UTC), days
        )
    except ValueError as exc:
        raise _fail(str(exc)) from None
    _write(out / f"{name}.key", key, secret=True)
    _write(out / f"{name}.pem", cert, secret=False)
    serial = pki.get_identity(cert).serial
    Output(
        {
            "org": org,
            "role": role,
            "name": name,
            "certificate": str(out / f"{name}.pem"),
            "key": str(out / f"{name}.key"),
            "serial": f"{serial:x}",
        },
        f"{role} {name} of {org}: {out / f'{name}.pem'} (serial {serial:x})",
    ).print(json_out)


# ---- on-chain trust: the CAs in force and the revoked serials --------------------------


@ledger_command(app, "set-ca", signs=True)
def set_ca_cmd(
    s: OrgSession,
    ca_file: Annotated[Path, typer.Option("--ca-file", help="the new CA certificate (PEM)")],
    org: OrgOpt = "psb",
) -> Output:
    """Set or replace the organisation's own CA on the chain (in force from the next block).
    Certificates of the old CA are refused from then on: issue new ones first."""
    try:
        pem = ca_file.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {ca_file}: {exc}", 2)
    c = s.call("membership", "set_ca", {"ca_certificate": pem})
    return Output(tx_view(c), f"{org}'s CA is set in block {c.height}")


@ledger_command(app, "revoke", signs=True)
def revoke_cmd(
    s: OrgSession,
    serial: Annotated[str, typer.Option(help="serial number in hex, as `pki issue` printed it")],
    org: OrgOpt = "psb",
) -> Output:
    """Revoke one of the organisation's certificates (refused from the next block on)."""
    c = s.call("membership", "revoke_certificate", {"serial": serial.lower()})
    return Output(
        {**tx_view(c), "serial": serial.lower()},
        f"{org} revoked certificate {serial.lower()} in block {c.height}",
    )


@ledger_command(app, "trust")
def trust_cmd(s: Session) -> Output:
    """The CAs in force and each organisation's revoked serials, as the chain has them."""
    orgs = s.client.query("membership", "trust")["organisations"]
    rows = [
        {
            "org_id": o["org_id"],
            "ca_set_height": o["ca_set_height"],
            "revoked": len(o["revoked_serials"]),
        }
        for o in orgs
    ]
    return Output(
        {"organisations": orgs},
        records_table(
            "CAs in force",
            {"organisation": "org_id", "since block": "ca_set_height", "revoked": "revoked"},
            rows,
        ),
    )
