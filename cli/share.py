"""`trustledger share`: one agency applies for another agency's data, the owner approves,
narrows or refuses, executes the share and the applicant rates it (contracts/sharing,
docs/sharing.md). What is shared travels off-chain; the chain gets its hash only."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.common import (
    DAY_MS,
    OrgOpt,
    OrgSession,
    Output,
    PurposeCodeOpt,
    Session,
    check_purpose_on_chain,
    fail,
    ledger_command,
    read_input,
    records_table,
    tx_view,
)
from contracts.sharing.records import ShareApplication, compute_state, get_application_key
from node.chain.ids import new_id

app = typer.Typer(
    help="Inter-agency data sharing: apply, approve / narrow / refuse, execute, rate.",
    no_args_is_help=True,
)

ApplicationOpt = Annotated[str, typer.Option("--application", help="the share application id")]
FieldOpt = Annotated[
    list[str] | None,
    typer.Option("--field", help="a field of the data item (repeat for several)"),
]


def _fields_arg(fields: list[str] | None) -> dict[str, str]:
    """The `fields` argument, or nothing for the whole item."""
    return {"fields": json.dumps(sorted(set(fields)))} if fields else {}


def _average(ratings: dict[str, Any]) -> float | None:
    count = int(ratings["count"])
    return round(int(ratings["rating_sum"]) / count, 2) if count else None


@ledger_command(app, "apply", signs=True)
def apply_cmd(
    s: OrgSession,
    owner: Annotated[str, typer.Option(help="the organisation that owns the data")],
    item: Annotated[str, typer.Option(help="the data item (a catalogue id, e.g. diploma)")],
    purpose_code: PurposeCodeOpt,
    legal_basis: Annotated[str, typer.Option(help="the law or regulation the need rests on")],
    field: FieldOpt = None,
    days: Annotated[int, typer.Option(help="how long the data is needed, from today")] = 30,
    holder: Annotated[
        str | None,
        typer.Option(help="the holder the data is about, if personal (needs their consent)"),
    ] = None,
    application_id: Annotated[
        str | None, typer.Option("--id", help="the application id (default: a fresh one)")
    ] = None,
    org: OrgOpt = "bank",
) -> Output:
    """Apply to the data owner for a data item (or some of its fields), for a purpose, a
    legal basis and a period starting now."""
    if days < 1:
        fail("--days must be at least 1")
    check_purpose_on_chain(s.client, purpose_code)
    application_id = application_id or new_id("share")
    start_ms = s.chain_time_ms()
    args: dict[str, str | int] = {
        "application_id": application_id,
        "owner": owner,
        "data_item": item,
        "purpose_code": purpose_code,
        "legal_basis": legal_basis,
        "period_start_ms": start_ms,
        "period_end_ms": start_ms + days * DAY_MS,
        **_fields_arg(field),
        **({"holder": holder} if holder else {}),
    }
    committed = s.call("sharing", "apply", args)
    return Output(
        {"application_id": application_id, **tx_view(committed)},
        f"application {application_id} to {owner} for {item} recorded in block"
        f" {committed.height}; {owner} answers with `share approve|narrow|refuse`",
    )


def _answer(
    s: OrgSession, method: str, args: dict[str, str | int], status: str, *, how: str = ""
) -> Output:
    """The owner's answer to an application (approve, narrow or refuse it), reported as the
    status it leaves the application in."""
    committed = s.call("sharing", method, args)
    application = args["application_id"]
    return Output(
        {"application_id": application, "status": status, **tx_view(committed)},
        f"application {application} {status}{how} in block {committed.height}",
    )


@ledger_command(app, "approve", signs=True)
def approve_cmd(s: OrgSession, application: ApplicationOpt, org: OrgOpt = "edu") -> Output:
    """Approve an application made to the organisation, as asked."""
    return _answer(s, "approve", {"application_id": application}, "approved")


@ledger_command(app, "narrow", signs=True)
def narrow_cmd(
    s: OrgSession,
    application: ApplicationOpt,
    field: FieldOpt = None,
    days: Annotated[
        int | None, typer.Option(help="approve this many days from the asked start only")
    ] = None,
    org: OrgOpt = "edu",
) -> Output:
    """Approve less than was asked: fewer fields, a shorter period."""
    args: dict[str, str | int] = {"application_id": application, **_fields_arg(field)}
    if days is not None:
        asked = s.client.query("sharing", "get", application_id=application)
        args["period_end_ms"] = int(asked["period_start_ms"]) + days * DAY_MS
    if len(args) == 1:
        fail("give --field or --days: what to approve less of")
    return _answer(s, "narrow", args, "approved", how=", narrowed,")


@ledger_command(app, "refuse", signs=True)
def refuse_cmd(
    s: OrgSession,
    application: ApplicationOpt,
    reason: Annotated[str, typer.Option(help="why, recorded on the chain for the applicant")],
    org: OrgOpt = "edu",
) -> Output:
    """Refuse an application made to the organisation, saying why."""
    return _answer(s, "refuse", {"application_id": application, "reason": reason}, "refused")


@ledger_command(app, "execute", signs=True)
def execute_cmd(
    s: OrgSession,
    application: ApplicationOpt,
    file: Annotated[
        Path | None, typer.Option(help="what is sent (its SHA-256 goes on the chain)")
    ] = None,
    content_hash: Annotated[
        str | None, typer.Option(help="the SHA-256 (hex) of what is sent, instead of --file")
    ] = None,
    consent: Annotated[
        str | None,
        typer.Option(help="the holder's consent request granted to the applicant (personal data)"),
    ] = None,
    org: OrgOpt = "edu",
) -> Output:
    """Record the share of an approved application: the hash of what was sent, never the
    data (under the holder's consent when the data is personal)."""
    if (file is None) == (content_hash is None):
        fail("give exactly one of --file and --content-hash")
    if file is not None:
        content_hash = hashlib.sha256(read_input(file)).hexdigest()
    args: dict[str, str | int] = {"application_id": application, "content_hash": str(content_hash)}
    if consent:
        args["consent_request_id"] = consent
    committed = s.call("sharing", "execute", args)
    return Output(
        {
            "application_id": application,
            "content_hash": content_hash,
            "status": "shared",
            **tx_view(committed),
        },
        f"share of {application} recorded in block {committed.height} (sha256 {content_hash})",
    )


@ledger_command(app, "rate", signs=True)
def rate_cmd(
    s: OrgSession,
    application: ApplicationOpt,
    rating: Annotated[int, typer.Option(help="1 (poor) to 5 (excellent)")],
    comment: Annotated[str, typer.Option(help="a short comment (no personal data)")],
    org: OrgOpt = "bank",
) -> Output:
    """Rate a share the organisation received, once."""
    committed = s.call(
        "sharing", "rate", {"application_id": application, "rating": rating, "comment": comment}
    )
    return Output(
        {"application_id": application, "rating": rating, **tx_view(committed)},
        f"share {application} rated {rating} in block {committed.height}",
    )


@ledger_command(app, "ratings")
def ratings_cmd(
    s: Session, owner: Annotated[str, typer.Option(help="the data-owning organisation")]
) -> Output:
    """The ratings of an owner's shares, and their average."""
    ratings = s.client.query("sharing", "ratings", owner=owner)
    average = _average(ratings)
    table = records_table(
        f"ratings of {owner}'s shares",
        {
            "application": "application_id",
            "from": "applicant",
            "item": "data_item",
            "rating": "rating",
            "comment": "comment",
            "block": "rated_height",
        },
        ratings["ratings"],
    )
    summary = f"{ratings['count']} ratings" + (
        "" if average is None else f", average {average:.2f}"
    )
    return Output({**ratings, "average": average}, table, summary)


@ledger_command(app, "status")
def status_cmd(s: Session, application: ApplicationOpt) -> Output:
    """An application's state, proven against a certified header (trusting no node)."""
    value, proven = s.proven_record(
        get_application_key(application), f"share application {application}"
    )
    record = ShareApplication.decode(value)
    state = compute_state(record, s.chain_time_ms())
    out = {**record.to_json(), "state": state, "proven_at_height": proven.height}
    detail = {
        "refused": f": {record.reason}",
        "shared": f" in block {record.shared_height} (sha256 {record.content_hash})",
    }.get(record.status, "")
    rated = f", rated {record.rating}" if record.rated_height else ""
    return Output(
        out,
        f"application {application}: {state}{detail}{rated}; {record.applicant} → {record.owner},"
        f" {record.data_item} (proven against the header of block {proven.height})",
    )
