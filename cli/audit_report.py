"""`trustledger audit report`: one organisation's figures (issue 13, item 6).

The counting is node/sdk/flows.py's `build_org_report` over the organisation's trail in a
node's audit index; this module prints it as a table, one JSON line (`--json`), or a
self-contained HTML page (`--html FILE`: inline CSS, no script, no font or file fetched
from anywhere, so it opens the same offline and can be archived as it is).
"""

from __future__ import annotations

import datetime as dt
import html
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import RenderableType
from rich.table import Table

from cli.audit_graph import fetch_trail
from cli.common import Output, Session, fail, ledger_command
from node.sdk.client import ClientError
from node.sdk.flows import (
    COUNT_MEANINGS,
    COUNTS,
    Bound,
    FlowError,
    OrgReport,
    Spread,
    build_org_report,
    parse_bound,
)

BOUND_HELP = (
    "{} block of the window: a height (digits) or an ISO 8601 time (UTC if no zone),"
    " both ends included"
)

SPREADS = (
    ("consent request → holder's answer", "consent_answer_blocks", "consent_answer_ms"),
    ("correction request → its answer", "correction_answer_blocks", "correction_answer_ms"),
)
"""The response times a report shows: (what, its Spread in blocks, in block time)."""


def _bound(text: str | None, option: str) -> Bound | None:
    if text is None:
        return None
    try:
        return parse_bound(text)
    except FlowError as exc:
        fail(f"{option}: {exc}", 2)


def duration(ms: int) -> str:
    """Milliseconds as a person reads them: ms below 10 s, then seconds, minutes, hours."""
    if ms < 10_000:
        return f"{ms} ms"
    if ms < 600_000:
        return f"{ms / 1000:.1f} s"
    if ms < 3_600_000:
        return f"{ms / 60_000:.1f} min"
    return f"{ms / 3_600_000:.1f} h"


def _spread_text(spread: Spread, unit: str) -> tuple[str, str]:
    if spread.count == 0:
        return "–", "–"
    if unit == "ms":
        return duration(spread.median or 0), duration(spread.p90 or 0)
    return f"{spread.median} blocks", f"{spread.p90} blocks"


AVERAGE_MEANING = "the mean rating (1 to 5) the applicants gave its shares"


def _average_text(report: OrgReport) -> str:
    average = report.share_rating_average
    return "–" if average is None else f"{average:.2f}"


def report_tables(report: OrgReport, name: str) -> list[Table]:
    counts = Table(title=f"audit report of {report.org} ({name})")
    counts.add_column("figure")
    counts.add_column("count", justify="right")
    counts.add_column("meaning")
    for key in COUNTS:
        counts.add_row(key.replace("_", " "), str(report.counts[key]), COUNT_MEANINGS[key])
    counts.add_row("pending requests", str(report.pending_requests), "its requests not answered")
    counts.add_row(
        "pending corrections", str(report.pending_corrections), "corrections not answered"
    )
    counts.add_row("share rating average", _average_text(report), AVERAGE_MEANING)
    times = Table(title="response times (median and p90, nearest rank)")
    for col in (
        "from → to",
        "answered",
        "median",
        "p90",
        "median (block time)",
        "p90 (block time)",
    ):
        times.add_column(col)
    for label, blocks_key, ms_key in SPREADS:
        blocks: Spread = getattr(report, blocks_key)
        ms: Spread = getattr(report, ms_key)
        times.add_row(
            label, str(blocks.count), *_spread_text(blocks, "blocks"), *_spread_text(ms, "ms")
        )
    return [counts, times]


PAGE_CSS = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #111827; max-width: 60rem; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #d1d5db; padding: .35rem .6rem; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f3f4f6; }
p.note { color: #4b5563; font-size: .9rem; }
"""


def report_html(report: OrgReport, name: str, doc: dict[str, object]) -> str:
    """The report as one HTML page that needs nothing else: every style inline, no
    script, no link to anything."""
    e = html.escape
    rows = "".join(
        f"<tr><th>{e(k.replace('_', ' '))}</th><td class=n>{report.counts[k]}</td>"
        f"<td>{e(COUNT_MEANINGS[k])}</td></tr>"
        for k in COUNTS
    )
    rows += (
        f"<tr><th>pending requests</th><td class=n>{report.pending_requests}</td>"
        "<td>its requests not answered</td></tr>"
        f"<tr><th>pending corrections</th><td class=n>{report.pending_corrections}</td>"
        "<td>corrections not answered</td></tr>"
        f"<tr><th>share rating average</th><td class=n>{e(_average_text(report))}</td>"
        f"<td>{e(AVERAGE_MEANING)}</td></tr>"
    )
    times = ""
    for label, blocks_key, ms_key in SPREADS:
        blocks: Spread = getattr(report, blocks_key)
        ms: Spread = getattr(report, ms_key)
        cells = "".join(
            f"<td class=n>{e(t)}</td>"
            for t in (*_spread_text(blocks, "blocks"), *_spread_text(ms, "ms"))
        )
        times += f"<tr><th>{e(label)}</th><td class=n>{blocks.count}</td>{cells}</tr>"
    window = f"{doc['since'] or 'genesis'} to {doc['until'] or 'the tip'}"
    return (
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
        f"<title>audit report of {e(report.org)}</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{PAGE_CSS}</style></head><body>"
        f"<h1>Audit report of {e(name)} ({e(report.org)})</h1>"
        f"<p>Window: {e(window)}. Read from node {e(str(doc['node']))} at height"
        f" {doc['height']}, made {e(str(doc['made_at']))}.</p>"
        "<h2>Figures</h2><table><thead><tr><th>figure</th><th>count</th><th>meaning</th>"
        f"</tr></thead><tbody>{rows}</tbody></table>"
        "<h2>Response times</h2><table><thead><tr><th>from → to</th><th>answered</th>"
        "<th>median</th><th>p90</th><th>median (block time)</th><th>p90 (block time)</th>"
        f"</tr></thead><tbody>{times}</tbody></table>"
        "<p class=\"note\">Blocks: the answer's height minus the request's. Block time: the"
        " difference of the two blocks' times, as their proposers stamped them. Median and"
        " p90 by nearest rank (always one of the measured values). An answer counts when it"
        " is in the window, even if its request is older.</p>"
        "</body></html>\n"
    )


def register(app: typer.Typer) -> None:
    """Add `report` to the audit group."""

    @ledger_command(app, "report", calls_as="audit")
    def report_cmd(
        s: Session,
        org: Annotated[str, typer.Option("--org", help="organisation id")],
        since: Annotated[str | None, typer.Option(help=BOUND_HELP.format("first"))] = None,
        until: Annotated[str | None, typer.Option(help=BOUND_HELP.format("last"))] = None,
        html_out: Annotated[
            Path | None,
            typer.Option("--html", help="also write a self-contained HTML page to this file"),
        ] = None,
    ) -> Output:
        """An organisation's figures: consent requests, grants, refusals, accesses, refused
        attempts, verifications, certificates issued, archive records appended, corrections
        asked and answered, data-sharing applications, approvals, refusals, shares and their
        average rating, and response times (median and p90, in blocks and in block
        time) from a request to its answer."""
        first, last = _bound(since, "--since"), _bound(until, "--until")
        if html_out is not None:
            folder = html_out.parent if str(html_out.parent) else Path(".")
            if html_out.is_dir() or not folder.is_dir() or not os.access(folder, os.W_OK):
                fail(f"--html {html_out} cannot be written (no such folder, or a folder)", 2)
        try:
            name = str(s.client.query("membership", "get", org_id=org)["name"])
        except ClientError as exc:
            if exc.code in ("NOT_FOUND", "INVALID_ARGUMENT"):
                fail(f"unknown organisation {org!r}: the chain has no such member")
            raise
        status = s.client.status()
        report = build_org_report(org, fetch_trail(s.client, org), first, last)
        doc: dict[str, object] = {
            **report.as_dict(),
            "name": name,
            "since": since,
            "until": until,
            "node": status.validator,
            "height": int(status.height),
            "made_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        human: list[RenderableType] = list(report_tables(report, name))
        if html_out is not None:
            try:
                html_out.write_text(report_html(report, name, doc), encoding="utf-8")
            except OSError as exc:
                fail(f"--html {html_out} cannot be written: {exc.strerror or exc}", 2)
            human.append(f"wrote {html_out}")
        return Output(doc, *human)
