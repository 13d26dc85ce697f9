"""`trustledger evidence`: anchor facts on the chain (Lanzhou's 存证), fetch the proof that
they were anchored, and check fact + receipt + proof offline (docs/anchoring.md).

Facts never leave the organisation: the CLI salts and hashes them locally, anchors one
Merkle root over the batch, and writes a receipt per fact (salt, fact hash, index and path
in the batch). `prove` fetches from a node the evidence package of the anchor (the same
proofs `audit trace` checks); `check` needs no node.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from cli.audit_evidence import pinned_genesis_hash, prove_trace, refuse_offline
from cli.common import JsonOpt, OrgOpt, OrgSession, Output, Session, fail, ledger_command
from contracts.anchoring.records import KINDS, anchor_id_of, is_anchor_id
from contracts.framework import limits
from node.chain.events import event_attrs
from node.sdk.anchoring import (
    ANCHORED_EVENT,
    FACT_BYTES_MAX,
    RECEIPT_BYTES_MAX,
    Anchored,
    AnchorError,
    Batch,
    check_anchor,
    check_kind,
    encode_receipt,
    make_batch,
    make_receipt,
)
from node.sdk.evidence import EVIDENCE_BYTES_MAX, encode_package
from suites import Suite

app = typer.Typer(
    help="Anchor facts (salted hashes only), prove and check that they were anchored.",
    no_args_is_help=True,
)


def _read(path: Path, limit: int, what: str) -> bytes:
    try:
        size = path.stat().st_size
        if size > limit:
            fail(f"{what} {path} is {size} bytes; the limit is {limit}")
        return path.read_bytes()
    except OSError as exc:
        fail(f"cannot read {what} {path}: {exc.strerror}")


def _json_lines(raw: bytes, where: str) -> list[tuple[str, bytes]]:
    """Each non-empty line of a JSON-lines input: its bytes (the fact) as given."""
    facts: list[tuple[str, bytes]] = []
    for number, line in enumerate(raw.split(b"\n"), 1):
        line = line.removesuffix(b"\r")
        if not line.strip():
            continue
        try:
            json.loads(line)
        except (ValueError, RecursionError):
            fail(f"{where} line {number} is not JSON: nothing anchored")
        facts.append((f"{where}:{number}", line))
    return facts


def read_facts(
    files: list[Path], directory: Path | None, jsonl: Path | None, stdin: bool
) -> list[tuple[str, bytes]]:
    """(source, bytes) of every fact given, in order: files, a directory's files by name,
    JSON lines from a file or stdin."""
    facts = [(str(f), _read(f, FACT_BYTES_MAX, "fact file")) for f in files]
    if directory is not None:
        if not directory.is_dir():
            fail(f"{directory} is not a directory")
        for f in sorted(p for p in directory.iterdir() if p.is_file()):
            facts.append((str(f), _read(f, FACT_BYTES_MAX, "fact file")))
    if jsonl is not None:
        facts += _json_lines(_read(jsonl, FACT_BYTES_MAX, "JSON-lines file"), str(jsonl))
    if stdin:
        raw = sys.stdin.buffer.read(FACT_BYTES_MAX + 1)
        if len(raw) > FACT_BYTES_MAX:
            fail(f"stdin holds more than {FACT_BYTES_MAX} bytes: nothing anchored")
        facts += _json_lines(raw, "stdin")
    if not facts:
        fail("no fact given: --file, --from-dir, --jsonl or --stdin")
    if len(facts) > limits.ANCHOR_FACTS_MAX:
        fail(f"{len(facts)} facts; one anchor covers at most {limits.ANCHOR_FACTS_MAX}")
    return facts


def write_receipts(
    batch: Batch, anchored: Anchored, suite: Suite, sources: list[str], out: Path
) -> list[str]:
    """Each fact's receipt: with `out` ending in `.jsonl`, one file holding receipt i on line
    i + 1 (a batch of a hundred thousand facts is one file, not a hundred thousand);
    otherwise `fact-<index>.receipt.json` files in the folder `out`. Each file is whole or
    absent: written aside, then renamed."""
    receipts = [
        encode_receipt(make_receipt(batch, index, anchored, suite, source))
        for index, source in enumerate(sources)
    ]
    if out.suffix == ".jsonl":
        out.parent.mkdir(parents=True, exist_ok=True)
        _write_whole(out, b"".join(receipts))
        return [f"{out}:{index + 1}" for index in range(len(receipts))]
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for index, receipt in enumerate(receipts):
        path = out / f"fact-{index:06d}.receipt.json"
        _write_whole(path, receipt)
        written.append(str(path))
    return written


def _check_writable(out: Path) -> None:
    """Fail before anything is anchored if the receipts cannot be written where asked."""
    folder = out.parent if out.suffix == ".jsonl" else out
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".trustledger-write-check"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        fail(f"cannot write receipts in {folder}: {exc.strerror}: nothing anchored")


def _write_whole(path: Path, content: bytes) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(content)
    os.replace(tmp, path)


@ledger_command(app, "anchor", signs=True)
def anchor_cmd(
    s: OrgSession,
    kind: Annotated[str, typer.Option(help=f"what the facts are: {', '.join(KINDS)}")],
    case_ref: Annotated[
        str, typer.Option(help="case reference (案号), free text; nothing personal")
    ],
    receipts: Annotated[
        Path,
        typer.Option(
            help="folder for the receipts (a file per fact), or a .jsonl file (a line per fact)"
        ),
    ],
    file: Annotated[
        list[Path] | None, typer.Option("--file", help="a fact file; repeat for several")
    ] = None,
    from_dir: Annotated[
        Path | None, typer.Option("--from-dir", help="every file of this folder is a fact")
    ] = None,
    jsonl: Annotated[Path | None, typer.Option(help="JSON lines: each line is a fact")] = None,
    stdin: Annotated[bool, typer.Option(help="JSON lines from stdin: each is a fact")] = False,
    org: OrgOpt = "hrss",
) -> Output:
    """Salt and hash every fact locally, anchor the batch's Merkle root (one transaction),
    and write each fact's receipt. Only the root, the count, the kind and the case
    reference reach the chain."""
    try:
        check_kind(kind)
    except ValueError as exc:
        fail(str(exc))
    facts = read_facts(file or [], from_dir, jsonl, stdin)
    _check_writable(receipts)  # the salts live only in the receipts: no anchor without them
    suite = s.net.genesis.suite
    batch = make_batch([f for _, f in facts], suite)
    root = batch.root.hex()
    c = s.call(
        "anchoring",
        "anchor",
        {"root": root, "count": len(batch), "kind": kind, "case_ref": case_ref},
    )
    event = next(e for e in c.result.events if e.name == ANCHORED_EVENT)
    anchored = Anchored(kind, case_ref, str(event_attrs(event)["org"]), c.height, c.tx_hash)
    written = write_receipts(batch, anchored, suite, [source for source, _ in facts], receipts)
    doc = {
        "anchor_id": anchor_id_of(root),
        "root": root,
        "count": len(batch),
        "org": anchored.org,
        "height": c.height,
        "tx_hash": c.tx_hash.hex(),
        "receipts": written,
    }
    return Output(
        doc,
        f"anchored {len(batch)} fact(s) as {doc['anchor_id']} by {escape(anchored.org)}"
        f" in block {c.height}; receipts in {receipts}",
    )


def read_receipt(path: Path, line: int) -> bytes:
    """The receipt in `path`, or on its line `line` (from 1) if it is a receipts file of a
    batch: read line by line, so a batch's file of any size is never loaded whole."""
    if not line:
        return _read(path, RECEIPT_BYTES_MAX, "receipt")
    try:
        with path.open("rb") as lines:
            for _ in range(line):
                found = lines.readline(RECEIPT_BYTES_MAX + 1)
                if not found:
                    fail(f"{path} has no line {line}")
            return found
    except OSError as exc:
        fail(f"cannot read receipt {path}: {exc.strerror}")


def _anchor_id(anchor: str | None, receipt: Path | None) -> str:
    if receipt is not None:
        try:
            found = json.loads(read_receipt(receipt, 1 if receipt.suffix == ".jsonl" else 0)).get(
                "anchor_id"
            )
        except (ValueError, AttributeError):
            found = None
        if not isinstance(found, str):
            fail(f"{receipt} is not a receipt (no anchor_id)")
        anchor = found
    if anchor is None:
        fail("give --anchor or --receipt")
    if not is_anchor_id(anchor):
        fail("an anchor id is 'an' followed by 64 hex digits (the root)")
    return anchor


@ledger_command(app, "prove", calls_as="audit")
def prove_cmd(
    s: Session,
    out: Annotated[Path, typer.Option(help="the proof to write (an evidence package, JSON)")],
    anchor: Annotated[str | None, typer.Option(help="anchor id (an…)")] = None,
    receipt: Annotated[Path | None, typer.Option(help="or a receipt naming it")] = None,
) -> Output:
    """Fetch the proof that the anchor's root was anchored at height H by organisation O:
    its event, transaction and result under a block header certified by a quorum of the
    validator set in force (followed from genesis), as `audit export-evidence` packs it.
    Checked before it is written; nothing written if it does not prove."""
    anchor_id = _anchor_id(anchor, receipt)
    gathered, checked = prove_trace(s.client, s.net.genesis, anchor_id)
    proven = [f for f in checked.facts if f.action == ANCHORED_EVENT and f.ok]
    if not proven:
        fail(f"no proven anchor {anchor_id} on this chain: nothing written")
    raw = encode_package(gathered.package)
    tmp = out.with_name(out.name + ".part")
    tmp.write_bytes(raw)
    os.replace(tmp, out)
    fact = proven[0]
    doc = {
        "out": str(out),
        "anchor_id": anchor_id,
        "height": fact.height,
        "org": fact.details.get("org"),
        "time_ms": fact.time_ms,
        "bytes": len(raw),
    }
    return Output(
        doc,
        f"wrote {out}: {anchor_id[:18]}… anchored at height {fact.height} by"
        f" {escape(str(doc['org']))} ({len(raw)} bytes)",
    )


@app.command("check")
def check_cmd(
    fact: Annotated[Path, typer.Option(help="the fact file (or a JSON-lines file with --line)")],
    receipt: Annotated[Path, typer.Option(help="its receipt (evidence anchor)")],
    proof: Annotated[Path, typer.Option(help="the proof (evidence prove)")],
    line: Annotated[
        int, typer.Option(help="the fact is this line (from 1) of a JSON-lines --fact")
    ] = 0,
    receipt_line: Annotated[
        int, typer.Option(help="the receipt is this line (from 1) of a batch's .jsonl --receipt")
    ] = 0,
    genesis: Annotated[
        Path | None,
        typer.Option(help="the chain's genesis.json as you obtained it: the proof's must be it"),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Check offline, with no node, that the fact was anchored: the proof (genesis,
    validator history, commit certificates, signatures, Merkle paths), the fact's salted
    hash, its path to the batch root, and the receipt against the chain's anchor. Exit
    code 1 names the first thing that fails."""
    raw_fact = _read(fact, FACT_BYTES_MAX, "fact file")
    if line:
        lines = raw_fact.split(b"\n")
        if not 1 <= line <= len(lines):
            fail(f"{fact} has no line {line}")
        raw_fact = lines[line - 1].removesuffix(b"\r")
    pinned = None if genesis is None else pinned_genesis_hash(genesis)
    try:
        verdict = check_anchor(
            raw_fact,
            read_receipt(receipt, receipt_line),
            _read(proof, EVIDENCE_BYTES_MAX, "proof"),
            pinned,
        )
    except AnchorError as exc:
        refuse_offline(json_out, exc.part, exc.detail)
    by = (
        verdict.org if verdict.actor == verdict.org else f"{verdict.org} (recorded by the contract)"
    )
    Output(
        {"ok": True, "genesis_pinned": pinned is not None, **verdict.to_json()},
        f"[green]OK[/]: fact {verdict.fact_hash[:16]}… (#{verdict.index} of {verdict.count})"
        f" anchored as {escape(verdict.kind)} '{escape(verdict.case_ref)}' at height"
        f" {verdict.height} by {escape(by)} on chain {escape(verdict.chain_id)}, genesis"
        f" {verdict.genesis_hash}"
        + ("" if pinned is not None else " — compare with the chain's published genesis"),
    ).print(json_out)
