"""`trustledger archive`: one file per person and per enterprise (一人一档 / 一企一档).

A source department returns a record into a holder's file: only the content hash goes
on-chain, the content itself stays with the source (or the holder's wallet). Holders claim
records and ask for corrections in their wallet; the source resolves each correction with a
new version or a reasoned refusal, and the history is never deleted.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Annotated

import httpx
import typer

from cli.cert import operator_caller
from cli.common import (
    OrgOpt,
    OrgSession,
    Output,
    Session,
    fail,
    ledger_command,
    records_table,
    tx_view,
)
from node.chain.ids import new_id

app = typer.Typer(
    help="Return records into holders' files; resolve correction requests.", no_args_is_help=True
)

# Table headings and the record keys shown under them.
RECORD_COLUMNS = {
    "record": "record_id",
    "category": "category",
    "source": "source",
    "version": "version",
    "claimed": "claimed",
}
CORRECTION_COLUMNS = {
    "correction": "correction_id",
    "record": "record_id",
    "reason": "reason",
    "status": "status",
}


# A record's content, given either way; `content_hash_of` reads the pair.
ContentFileOpt = Annotated[
    Path | None, typer.Option(help="file with the record's content; its SHA-256 is recorded")
]
ContentHashOpt = Annotated[str, typer.Option(help="or the SHA-256 (hex) of the content")]


def content_hash_of(content_file: Path | None, content_hash: str) -> str:
    """The SHA-256 (lowercase hex) of --content-file, else --content-hash as given."""
    if content_file is not None:
        try:
            return hashlib.sha256(content_file.read_bytes()).hexdigest()
        except OSError as exc:
            fail(f"cannot read {content_file}: {exc}")
    if len(content_hash) != 64:
        fail("give --content-file, or --content-hash as 64 hex characters")
    return content_hash.lower()


@ledger_command(app, "append", signs=True)
def append_cmd(
    s: OrgSession,
    subject: Annotated[str, typer.Option(help="holder or enterprise pseudonym (hd…)")],
    category: Annotated[
        str, typer.Option(help="record category, e.g. social_security, enterprise_registration")
    ],
    source_department: Annotated[str, typer.Option(help="the department that produced the record")],
    content_file: ContentFileOpt = None,
    content_hash: ContentHashOpt = "",
    deliver_to_wallet: Annotated[
        bool,
        typer.Option(
            "--deliver/--no-deliver",
            help="also send the --content-file to the holder's devnet wallet, so that the"
            " holder can grant it to an agency (docs/erasure.md, 'Archive records')",
        ),
    ] = False,
    org: OrgOpt = "hrss",
) -> Output:
    """Return a record into a holder's file (数据返还)."""
    if deliver_to_wallet and content_file is None:
        fail("--deliver sends the content: give it with --content-file")
    digest = content_hash_of(content_file, content_hash)
    record_id = new_id("rec")
    c = s.call(
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
    if deliver_to_wallet and content_file is not None:
        deliver_record(s, org, subject, record_id, content_file.read_bytes(), c.height)
    return Output(
        {
            "record_id": record_id,
            "content_hash": digest,
            "delivered": deliver_to_wallet,
            **tx_view(c),
        },
        f"record {record_id} ({category}) appended to {subject}'s file in block {c.height}"
        + (" and its content delivered to the wallet" if deliver_to_wallet else ""),
    )


def deliver_record(
    s: OrgSession, org: str, subject: str, record_id: str, content: bytes, height: int
) -> None:
    """Send a record's content to the holder's devnet wallet, in a request signed with the
    source's operator certificate (docs/wallet-requests.md); the wallet checks it against
    the record's hash on the chain."""
    try:
        resp = operator_caller(s.net, org).request(
            "POST",
            f"{s.net.wallet_url}/v1/holders/{subject}/archive/{record_id}/content",
            json={"content": base64.b64encode(content).decode("ascii")},
        )
    except httpx.HTTPError as exc:
        fail(f"appended in block {height}, but delivery to the wallet failed: {exc}")
    if resp.status_code >= 300:
        fail(
            f"appended in block {height}, but the wallet refused the content"
            f" ({resp.status_code}): {resp.text}"
        )


@ledger_command(app, "list", calls_as="audit")
def list_cmd(
    s: Session, subject: Annotated[str, typer.Option(help="holder or enterprise pseudonym")]
) -> Output:
    """A holder's file: records with their versions (readable by auditors and tools)."""
    records = s.client.query("archives", "list_by_subject", subject=subject, with_history=True)
    return Output(
        {"subject": subject, "records": records},
        records_table(f"archive of {subject}", RECORD_COLUMNS, records),
    )


@ledger_command(app, "corrections", calls_as="audit")
def corrections_cmd(
    s: Session,
    org: OrgOpt = "hrss",
    status: Annotated[str, typer.Option(help="pending, corrected or refused")] = "pending",
) -> Output:
    """Correction requests addressed to a source department."""
    items = s.client.query("archives", "corrections_by_source", org_id=org, status=status)
    return Output(
        {"org": org, "corrections": items},
        records_table(f"{status} corrections for {org}", CORRECTION_COLUMNS, items),
    )


@ledger_command(app, "resolve", signs=True)
def resolve_cmd(
    s: OrgSession,
    correction_id: Annotated[str, typer.Option(help="the correction request")],
    outcome: Annotated[str, typer.Option(help="corrected (with the new content) or refused")],
    reason: Annotated[str, typer.Option(help="the answer to the holder (no personal data)")],
    content_file: ContentFileOpt = None,
    content_hash: ContentHashOpt = "",
    deliver_to_wallet: Annotated[
        bool,
        typer.Option(
            "--deliver/--no-deliver",
            help="also send the corrected --content-file to the holder's devnet wallet",
        ),
    ] = False,
    org: OrgOpt = "hrss",
) -> Output:
    """Answer a correction: a new version of the record, or a reasoned refusal."""
    if outcome not in ("corrected", "refused"):
        fail("--outcome must be corrected or refused")
    if deliver_to_wallet and (outcome != "corrected" or content_file is None):
        fail("--deliver sends a corrected version's content: give it with --content-file")
    args = {"correction_id": correction_id, "outcome": outcome, "reason": reason}
    if outcome == "corrected":
        args["content_hash"] = content_hash_of(content_file, content_hash)
    c = s.call("archives", "resolve_correction", args)
    if deliver_to_wallet and content_file is not None:
        correction = s.client.query("archives", "correction", correction_id=correction_id)
        record = s.client.query("archives", "get", record_id=correction["record_id"])
        deliver_record(
            s, org, record["subject"], record["record_id"], content_file.read_bytes(), c.height
        )
    return Output(
        {**args, **tx_view(c)}, f"correction {correction_id} {outcome} in block {c.height}"
    )
