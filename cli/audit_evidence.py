"""`trustledger audit trace | export-evidence | check-evidence`: a subject's events, each
printed only once its proof checked (node/sdk/trace.py gathers, node/sdk/evidence.py
checks), and the same proofs as a file a court checks with no node (docs/evidence.md)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cli.common import (
    Exiting,
    JsonOpt,
    Output,
    Session,
    emit_json,
    err_console,
    fail,
    ledger_command,
)
from node.genesis import Genesis, GenesisError
from node.sdk.evidence import (
    EVIDENCE_BYTES_MAX,
    Bound,
    Checked,
    EvidenceError,
    Fact,
    Unproven,
    check_file,
    check_package,
    encode_package,
    parse_bound,
)
from node.sdk.trace import Gathered, TraceSource, gather

SUBJECT_HELP = (
    "holder pseudonym (hd…), certificate id (cert-…), request id (req-…), organisation id"
    " archive item id or anchor id (an…)"
)
BOUND_HELP = (
    "{} block: a height (digits, e.g. 120) or a block time in ISO 8601 (2026-12-04,"
    " 2026-12-04T10:00:00+08:00; no zone = UTC), the block's own certified time; included"
)

SubjectOpt = Annotated[str, typer.Option(help=SUBJECT_HELP)]
SinceOpt = Annotated[str | None, typer.Option(help=BOUND_HELP.format("first"))]
UntilOpt = Annotated[str | None, typer.Option(help=BOUND_HELP.format("last"))]


@contextmanager
def bar(label: str, shown: bool = True) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr (gone when done), advanced by `(done, total)`."""
    if not shown:
        yield None
        return
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as progress:
        task = progress.add_task(label, total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield advance


def bounds(since: str | None, until: str | None) -> tuple[Bound | None, Bound | None]:
    try:
        return (
            parse_bound(since) if since is not None else None,
            parse_bound(until) if until is not None else None,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def facts_table(title: str, facts: list[Fact]) -> Table:
    table = Table(title=title)
    for col in ("block", "time (UTC)", "actor", "action", "details"):
        table.add_column(col)
    for f in facts:
        doc = f.to_json()
        details = f.error or ", ".join(f"{k}={v}" for k, v in f.details.items())
        actor = f.actor or f"{f.actor_claimed}? (unproven; key {f.actor_key.hex()[:12]}…)"
        table.add_row(
            f"{f.height}",
            doc["time"].replace("+00:00", ""),
            escape(actor),
            escape(f.action),
            escape(details),
            style="" if f.ok else "red",
        )
    return table


def unproven_table(unproven: list[Unproven]) -> Table:
    table = Table(title="[red]NOT PROVEN[/] — listed by the node, not shown as facts")
    for col in ("block", "tx", "why"):
        table.add_column(col)
    for u in unproven:
        table.add_row(str(u.height), str(u.tx_index), escape(u.reason))
    return table


def prove_trace(
    source: TraceSource,
    genesis: Genesis,
    subject: str,
    since: Bound | None = None,
    until: Bound | None = None,
    limit: int = 0,
    *,
    bars: bool = False,
) -> tuple[Gathered, Checked]:
    """The subject's entries fetched and checked; what does not prove is in
    `Checked.unproven` (with the gathering's own failures), in block order."""
    with bar("fetching blocks", bars) as advance:
        gathered = gather(
            source, genesis, subject, since=since, until=until, limit=limit, progress=advance
        )
    with bar("checking proofs", bars) as advance:
        checked = check_package(gathered.package, strict=False, progress=advance)
    checked.unproven = sorted(
        [*gathered.unproven, *checked.unproven], key=lambda u: (u.height, u.tx_index)
    )
    return gathered, checked


def run_gather(
    s: Session, subject: str, since: Bound | None, until: Bound | None, limit: int
) -> tuple[Gathered, Checked]:
    try:
        gathered, checked = prove_trace(
            s.client, s.net.genesis, subject, since, until, limit, bars=True
        )
    except EvidenceError as exc:
        fail(f"the node's validator history does not check: {exc}")
    if not gathered.listed:
        fail(f"unknown subject: no event on this chain names {subject!r} (in the range asked)")
    return gathered, checked


def schedule_doc(checked: Checked) -> list[dict[str, Any]]:
    return [
        {"from_height": a, "validators": [v.id for v in members.validators]}
        for a, members in checked.schedule.entries
    ]


def trace_body(
    s: Session,
    subject: SubjectOpt,
    since: SinceOpt = None,
    until: UntilOpt = None,
    limit: Annotated[
        int, typer.Option(help="at most this many of the node's entries (0 = its limit)")
    ] = 0,
) -> Output:
    """Every event naming the subject, each printed only after its proof checked: its
    transaction and result under a block header that a quorum of the validator set in force
    at that height signed (the sets followed from genesis). What the node lists but cannot
    prove is shown apart, as not proven, and the exit code is then 1."""
    gathered, checked = run_gather(s, subject, *bounds(since, until), limit)
    doc = {
        "subject": subject,
        "since": since,
        "until": until,
        "genesis_hash": checked.genesis_hash.hex(),
        "validator_sets": schedule_doc(checked),
        "entries": [f.to_json() for f in checked.facts],
        "unproven": [
            {"height": u.height, "tx_index": u.tx_index, "reason": u.reason}
            for u in checked.unproven
        ],
        "truncated": gathered.truncated,
    }
    human: list[Any] = [facts_table(f"audit trace of {subject} (proven)", checked.facts)]
    if checked.unproven:
        human.append(unproven_table(checked.unproven))
    if gathered.truncated:
        human.append("[yellow]the node cut its trace short (its limit); use --since/--until[/]")
    human.append(
        f"{len(checked.facts)} events proven against genesis {checked.genesis_hash.hex()[:16]}…"
        f" and {len(checked.schedule.entries)} validator set(s)"
    )
    return Exiting(1 if checked.unproven else 0, doc, *human)


def export_body(
    s: Session,
    subject: SubjectOpt,
    out: Annotated[Path, typer.Option(help="the evidence package to write (JSON)")],
    since: SinceOpt = None,
    until: UntilOpt = None,
) -> Output:
    """Write the subject's events and everything that proves them (genesis, validator
    changes, headers, commit certificates, transactions, results, Merkle paths, a manifest)
    to one file that `audit check-evidence` checks offline. Refused, writing nothing, if
    any event the node lists does not prove."""
    gathered, checked = run_gather(s, subject, *bounds(since, until), 0)
    if gathered.truncated:
        fail("the node cut its trace short (its limit): narrow with --since/--until")
    if checked.unproven:
        lines = "; ".join(f"block {u.height} tx {u.tx_index}: {u.reason}" for u in checked.unproven)
        fail(f"nothing written: {len(checked.unproven)} entries do not prove ({lines})")
    raw = encode_package(gathered.package)
    check_file(raw)  # what is written must check as the court will check it
    tmp = out.with_name(out.name + ".part")
    tmp.write_bytes(raw)
    os.replace(tmp, out)
    doc = {
        "out": str(out),
        "bytes": len(raw),
        "events": len(checked.facts),
        "blocks": len(gathered.package.blocks),
        "validator_changes": len(gathered.package.validator_changes),
        "genesis_hash": checked.genesis_hash.hex(),
    }
    return Output(
        doc,
        f"wrote {out}: {doc['events']} events, {doc['blocks']} blocks,"
        f" {doc['validator_changes']} validator changes, {len(raw)} bytes"
        f" (genesis {checked.genesis_hash.hex()[:16]}…)",
    )


def check_evidence_cmd(
    file: Annotated[Path, typer.Argument(help="an evidence package (audit export-evidence)")],
    genesis: Annotated[
        Path | None,
        typer.Option(help="the chain's genesis.json as you obtained it: the package's must be it"),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Check an evidence package offline, with no node and no network: manifest, genesis,
    validator history, every commit certificate, every transaction's signature and every
    Merkle path. Exit code 1 names the first thing that fails."""
    try:
        size = file.stat().st_size
        if size > EVIDENCE_BYTES_MAX:
            raise EvidenceError("file", f"{size} bytes; the limit is {EVIDENCE_BYTES_MAX}")
        raw = file.read_bytes()
    except OSError as exc:
        refuse_offline(json_out, "file", f"cannot read {file}: {exc.strerror}")
    except EvidenceError as exc:
        refuse_offline(json_out, exc.part, exc.detail)
    try:
        with bar("checking evidence") as advance:
            package, checked = check_file(raw, progress=advance)
        if genesis is not None:
            pinned = pinned_genesis_hash(genesis)
            if pinned != checked.genesis_hash:
                raise EvidenceError(
                    "genesis",
                    f"the package starts from genesis {checked.genesis_hash.hex()}, not from"
                    f" {pinned.hex()} ({genesis})",
                )
    except EvidenceError as exc:
        refuse_offline(json_out, exc.part, exc.detail)
    doc = {
        "ok": True,
        "subject": package.subject,
        "since": package.since,
        "until": package.until,
        "chain_id": checked.chain_id,
        "genesis_hash": checked.genesis_hash.hex(),
        "genesis_pinned": genesis is not None,
        "validator_sets": schedule_doc(checked),
        "entries": [f.to_json() for f in checked.facts],
    }
    Output(
        doc,
        facts_table(f"evidence for {package.subject} (proven)", checked.facts),
        f"[green]OK[/]: {len(checked.facts)} events proven on chain {escape(checked.chain_id)}"
        f" from genesis {checked.genesis_hash.hex()}"
        + (
            " (the genesis given)"
            if genesis is not None
            else " — compare this hash with the chain's published genesis (or pass --genesis)"
        ),
    ).print(json_out)


def refuse_offline(json_out: bool, part: str, detail: str) -> NoReturn:
    """End an offline check that failed at `part`: `{"ok": false, ...}` with --json (a
    script reads the verdict, not an error line), else the error line; exit code 1."""
    if json_out:
        emit_json({"ok": False, "part": part, "detail": detail})
        raise typer.Exit(1)
    fail(f"REFUSED: {part}: {detail}")


def pinned_genesis_hash(path: Path) -> bytes:
    """The hash of the genesis file an offline check was given to start from (the one its
    user obtained from the consortium); an unreadable file ends the command."""
    try:
        return Genesis.load(path).hash
    except GenesisError as exc:
        fail(str(exc))


def register(audit: typer.Typer) -> None:
    """Add the three commands to the `audit` group."""
    ledger_command(audit, "trace", calls_as="audit")(trace_body)
    ledger_command(audit, "export-evidence", calls_as="audit")(export_body)
    audit.command("check-evidence")(check_evidence_cmd)
