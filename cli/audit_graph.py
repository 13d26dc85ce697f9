"""`trustledger audit graph`: a picture of where a holder's data went (issue 13, item 5).

The counting is node/sdk/flows.py's; this module fetches the holder's trail from a node's
audit index, names the organisations as the chain registers them, and writes the graph as
DOT, or as SVG or PNG through Graphviz's `dot` (Debian's `graphviz`, which `make tools`
installs). docs/auditors.md shows an example.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Annotated, Final

import typer

from cli.common import Output, Session, fail, ledger_command
from node.sdk.client import ClientError, LedgerClient
from node.sdk.flows import (
    EDGE_KINDS,
    GRAPH_FORMATS,
    FlowEntry,
    FlowError,
    build_flow_graph,
    check_holder,
    entries_from_trace,
    render_dot,
)

DOT_TIMEOUT_S: Final = 60
"""How long Graphviz may take to lay out one graph (a holder's graph is small: well under
a second here)."""


def _check_format(value: str) -> str:
    if value not in GRAPH_FORMATS:
        raise typer.BadParameter(f"{value!r} is no format: one of {', '.join(GRAPH_FORMATS)}")
    return value


def check_writable(out: Path) -> None:
    """End the command before any call if `out` cannot be written: its folder must exist
    and take files, and `out` must not be a folder. Nothing is created until the graph is
    drawn: a refused subject leaves no empty file behind."""
    folder = out.parent if str(out.parent) else Path(".")
    if out.is_dir():
        fail(f"--out {out} is a folder: name a file", 2)
    if not folder.is_dir():
        fail(f"--out {out}: folder {folder} does not exist", 2)
    if not os.access(out if out.exists() else folder, os.W_OK):
        fail(f"--out {out} cannot be written (permission denied)", 2)


def fetch_trail(client: LedgerClient, subject: str) -> list[FlowEntry]:
    """Every entry of `subject`'s trail in the node's audit index; a trail the node cut
    short ends the command (a graph or report of part of it would mislead)."""
    resp = client.audit_trace(subject, 0)
    if resp.truncated:
        fail(
            f"the node cut {subject}'s trail at {len(resp.entries)} entries (its limit):"
            " the figures would be incomplete"
        )
    return entries_from_trace(resp)


def org_names(client: LedgerClient, orgs: list[str]) -> dict[str, str]:
    """Organisations' names as the chain registers them (an id the chain does not know
    any more keeps its id)."""
    names: dict[str, str] = {}
    for org in orgs:
        try:
            names[org] = str(client.query("membership", "get", org_id=org)["name"])
        except ClientError:
            names[org] = org
    return names


def render(dot_text: str, fmt: str) -> bytes:
    """The DOT text itself, or Graphviz's rendering of it as `fmt`."""
    if fmt == "dot":
        return dot_text.encode()
    dot = shutil.which("dot")
    if dot is None:
        fail(
            "Graphviz's `dot` is not installed (`make tools` or `apt-get install graphviz`);"
            " --format dot needs no Graphviz"
        )
    try:
        done = subprocess.run(
            [dot, f"-T{fmt}"],
            input=dot_text.encode(),
            capture_output=True,
            timeout=DOT_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        fail(f"Graphviz took more than {DOT_TIMEOUT_S} s")
    if done.returncode != 0:
        fail(f"Graphviz failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def register(app: typer.Typer) -> None:
    """Add `graph` to the audit group."""

    @ledger_command(app, "graph", calls_as="audit")
    def graph_cmd(
        s: Session,
        subject: Annotated[str, typer.Option(help="holder pseudonym (hd…)")],
        out: Annotated[Path, typer.Option(help="file to write the graph to")],
        format: Annotated[
            str,
            typer.Option(
                help=f"{' | '.join(GRAPH_FORMATS)} (svg and png need Graphviz's `dot`)",
                callback=_check_format,
            ),
        ] = "svg",
    ) -> Output:
        """The data flow around a holder: the organisations that issued her certificates
        and appended her archive records, those items, and the organisations they went to
        (grant, verify, access; refused attempts), each edge with its count. Only ids and
        organisation names appear, never a document's contents."""
        check_writable(out)
        try:
            check_holder(subject)
            graph = build_flow_graph(subject, fetch_trail(s.client, subject))
        except FlowError as exc:
            fail(str(exc))
        dot_text = render_dot(graph, org_names(s.client, graph.organisations()))
        data = render(dot_text, format)
        try:
            out.write_bytes(data)
        except OSError as exc:
            fail(f"--out {out} cannot be written: {exc.strerror or exc}", 2)
        counts = {kind: graph.count(kind) for kind in EDGE_KINDS}
        doc = {
            "subject": subject,
            "format": format,
            "out": str(out),
            "bytes": len(data),
            "items": [{"id": i.item_id, "kind": i.kind, "type": i.type} for i in graph.items],
            "organisations": graph.organisations(),
            "edges": [
                {"from": a, "to": b, "kind": k, "count": n}
                for (a, b, k), n in sorted(graph.edges.items())
            ],
            "counts": counts,
        }
        summary = ", ".join(f"{k} {n}" for k, n in counts.items() if n)
        return Output(
            doc,
            f"wrote {out} ({format}, {len(data)} bytes): {len(graph.items)} items,"
            f" {len(graph.organisations())} organisations; {summary or 'no flows'}",
        )
