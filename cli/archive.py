"""`trustledger archive`: one file per person and per enterprise (一人一档 / 一企一档).

A source department returns a record into a holder's file: only the content hash goes
on-chain, the content itself stays with the source (or the holder's wallet). Holders claim
records and ask for corrections in their wallet; the source resolves each correction with a
new version or a reasoned refusal, and the history is never deleted.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated

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

app = typer.Typer(
    help="Return records into holders' files; resolve correction requests.", no_args_is_help=True
)


def content_hash_of(content_file: Path | None, content_hash: str) -> str:
    if content_file is not None:
        try:
            return hashlib.sha256(content_file.read_bytes()).hexdigest()
        except OSError as exc:
            fail(f"cannot read {content_file}: {exc}")
    if len(content_hash) != 64:
        fail("give --content-file, or --content-hash as 64 hex characters")
    return content_hash.lower()


@app.command("append")
def append_cmd(
    subject: Annotated[str, typer.Option(help="holder or enterprise pseudonym (hd…)")],
    category: Annotated[
        str, typer.Option(help="record category, e.g. social_security, enterprise_registration")
    ],
    source_department: Annotated[str, typer.Option(help="the department that produced the record")],
    content_file: Annotated[
        Path | None, typer.Option(help="file whose SHA-256 is recorded")
    ] = None,
    content_hash: Annotated[str, typer.Option(help="or the SHA-256 (hex) of the content")] = "",
    org: OrgOpt = "hrss",
    dir: DirOpt = Path("devnet"),
    node: NodeOpt = None,
    key: KeyOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Return a record into a holder's file (数据返还)."""
    digest = content_hash_of(content_file, content_hash)
    net = open_devnet(dir)
    keypair = load_org_key(net, org, key)
    record_id = new_id("rec")
    with ledger(net, node) as client:
        c = client.call(
            keypair,
            "archives",
            "append",
            {
                "record_id": record_id,
                "subject": subject,
                "category": category,
                "source_department": source_department,
                "content_hash": digest,
            },
        )
    if json_out:
        emit_json(
            {
                "record_id": record_id,
                "content_hash": digest,
                "tx_hash": c.tx_hash.hex(),
                "height": c.height,
            }
        )
    else:
        console.print(
            f"record {record_id} ({category}) appended to {subject}'s file in block {c.height}"
        )


@app.command("list")
def list_cmd(
    subject: Annotated[str, typer.Option(help="holder or enterprise pseudonym")],
    dir: DirOpt = Path("devnet"),
    node: NodeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """A holder's file: records with their versions (readable by auditors and tools)."""
    net = open_devnet(dir)
    with ledger(net, node) as client:
        records = client.query("archives", "list_by_subject", subject=subject, with_history=True)
    if json_out:
        emit_json({"subject": subject, "records": records})
        return
    table = Table(title=f"archive of {subject}")
    for col in ("record", "category", "source", "version", "claimed"):
        table.add_column(col)
    for r in records:
        table.add_row(
            r.get("record_id", ""),
            r.get("category", ""),
            r.get("source", ""),
            str(r.get("version", "")),
            str(r.get("claimed", "")),
        )
    console.print(table)


@app.command("corrections")
def corrections_cmd(
    org: OrgOpt = "hrss",
    status: Annotated[str, typer.Option(help="pending, corrected or refused")] = "pending",
    dir: DirOpt = Path("devnet"),
    node: NodeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Correction requests addressed to a source department."""
    net = open_devnet(dir)
    with ledger(net, node) as client:
        items = client.query("archives", "corrections_by_source", org_id=org, status=status)
    if json_out:
        emit_json({"org": org, "corrections": items})
        return
    table = Table(title=f"{status} corrections for {org}")
    for col in ("correction", "record", "reason", "status"):
        table.add_column(col)
    for c in items:
        table.add_row(
            c.get("correction_id", ""),
            c.get("record_id", ""),
            c.get("reason", ""),
            c.get("status", ""),
        )
    console.print(table)


@app.command("resolve")
def resolve_cmd(
    correction_id: Annotated[str, typer.Option(help="the correction request")],
    outcome: Annotated[str, typer.Option(help="corrected (with the new content) or refused")],
    reason: Annotated[str, typer.Option(help="the answer to the holder (no personal data)")],
    content_file: Annotated[
        Path | None, typer.Option(help="corrected content (for outcome corrected)")
    ] = None,
    content_hash: Annotated[str, typer.Option(help="or its SHA-256 (hex)")] = "",
    org: OrgOpt = "hrss",
    dir: DirOpt = Path("devnet"),
    node: NodeOpt = None,
    key: KeyOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Answer a correction: a new version of the record, or a reasoned refusal."""
    if outcome not in ("corrected", "refused"):
        fail("--outcome must be corrected or refused")
    args = {"correction_id": correction_id, "outcome": outcome, "reason": reason}
    if outcome == "corrected":
        args["content_hash"] = content_hash_of(content_file, content_hash)
    net = open_devnet(dir)
    keypair = load_org_key(net, org, key)
    with ledger(net, node) as client:
        c = client.call(keypair, "archives", "resolve_correction", args)
    if json_out:
        emit_json({**args, "tx_hash": c.tx_hash.hex(), "height": c.height})
    else:
        console.print(f"correction {correction_id} {outcome} in block {c.height}")
