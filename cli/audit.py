"""`trustledger audit`: trace every flow of a subject's data."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer
from rich.table import Table

from cli.common import Output, Session, ledger_command
from node.chain.events import event_attrs
from proto import node_pb2

app = typer.Typer(help="Trace the flow of a holder's or certificate's data.", no_args_is_help=True)


def entry_view(e: node_pb2.AuditEntry) -> dict[str, Any]:
    return {
        "height": e.height,
        "tx_index": e.tx_index,
        "time": dt.datetime.fromtimestamp(e.time_ms / 1000, dt.UTC).isoformat(timespec="seconds"),
        "tx_hash": e.tx_hash.hex(),
        "actor": e.actor,
        "action": e.event.name if e.HasField("event") else f"{e.contract}.{e.method} REJECTED",
        "ok": e.ok,
        "error": f"{e.error_code}: {e.error_message}" if not e.ok else "",
        "details": event_attrs(e.event),
    }


def trace(client: Any, subject: str, limit: int = 0) -> list[dict[str, Any]]:
    resp = client.audit_trace(subject, limit)
    return [entry_view(e) for e in resp.entries]


@ledger_command(app, "trace", calls_as="audit")
def trace_cmd(
    s: Session,
    subject: Annotated[
        str, typer.Option(help="holder pseudonym, certificate id, request id or organisation id")
    ],
    limit: Annotated[
        int, typer.Option(help="at most this many entries (0 = the server's limit)")
    ] = 0,
) -> Output:
    """The chronological flow: issued, requested, granted, accessed, revoked — by whom, in which block."""
    rows = trace(s.client, subject, limit)
    table = Table(title=f"audit trace of {subject}")
    for col in ("block", "time (UTC)", "actor", "action", "details"):
        table.add_column(col)
    for r in rows:
        details = r["error"] or ", ".join(f"{k}={v}" for k, v in r["details"].items())
        style = "" if r["ok"] else "red"
        table.add_row(str(r["height"]), r["time"], r["actor"], r["action"], details, style=style)
    return Output(
        {"subject": subject, "entries": rows},
        table,
        *([] if rows else ["no entries for this subject"]),
    )
