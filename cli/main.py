"""The `trustledger` command."""

from __future__ import annotations

import typer

from cli import (
    archive,
    attest,
    audit,
    audit_anomalies,
    catalogue,
    cert,
    consent,
    delegation,
    demo,
    devnet,
    evidence,
    governance,
    pki,
    share,
    validators,
)

app = typer.Typer(
    help="TrustLedger: a permissioned PBFT chain for electronic certificates (电子证照) and archives.",
    no_args_is_help=True,
)
devnet.app.command("add-validator")(validators.add_validator_cmd)
devnet.app.command("rotate-validator-key")(validators.rotate_validator_key_cmd)
devnet.app.command("remove-validator")(validators.remove_validator_cmd)
devnet.app.command("retire-validator")(validators.retire_validator_cmd)
app.add_typer(devnet.app, name="devnet")
app.add_typer(cert.app, name="cert")
app.add_typer(consent.app, name="consent")
app.add_typer(archive.app, name="archive")
app.add_typer(delegation.app, name="delegation")
app.add_typer(share.app, name="share")
app.add_typer(attest.app, name="attest")
app.add_typer(governance.app, name="governance")
audit_anomalies.register(audit.app)
app.add_typer(audit.app, name="audit")
app.add_typer(pki.app, name="pki")
app.add_typer(evidence.app, name="evidence")
app.add_typer(catalogue.app, name="catalogue")
app.command("demo")(demo.demo_cmd)


def main() -> None:
    app()
