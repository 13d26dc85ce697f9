"""`trustledger attest`: attestation certificates confirmed by their sources and their owner
(Haidian's 证明, issue 13; docs/attestations.md). Organisations use these commands; the
holder answers in the wallet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from cli.common import (
    OrgOpt,
    OrgSession,
    Output,
    Session,
    fail,
    ledger_command,
    read_input,
    records_table,
    tx_view,
)
from contracts.attest.records import ATTESTATIONS
from node.chain.ids import new_id
from node.sdk.attestations import (
    AttestationInputInvalid,
    compute_document_hash,
    compute_record_hash,
    get_status_at,
    new_salt,
)

app = typer.Typer(
    help="Attestations (证明) confirmed by their source organisations and their owner.",
    no_args_is_help=True,
)

IdOpt = Annotated[str, typer.Option("--id", help="the attestation id")]


def _source_files(pairs: list[str]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for pair in pairs:
        org, eq, path = pair.partition("=")
        if not eq or not org or not path or org in found:
            fail(f"--record takes ORG=FILE once per source, not {pair!r}")
        found[org] = Path(path)
    return found


@ledger_command(app, "define-type", signs=True)
def define_type_cmd(
    s: OrgSession,
    type_id: Annotated[
        str, typer.Option("--type", help="the new type's id, e.g. address_attestation")
    ],
    name_zh: Annotated[str, typer.Option(help="its Chinese name, e.g. 住址证明")],
    name_en: Annotated[str, typer.Option(help="its English name")],
    source: Annotated[
        list[str], typer.Option(help="an organisation that must confirm its record (repeat)")
    ],
    other_party: Annotated[
        bool, typer.Option("--other-party", help="an attestation of it names another party")
    ] = False,
    org: OrgOpt = "civil",
) -> Output:
    """Define an attestation type this organisation will issue, naming its sources."""
    committed = s.call(
        "attest",
        "define_type",
        {
            "type_id": type_id,
            "name_zh": name_zh,
            "name_en": name_en,
            "sources": json.dumps(source),
            "other_party": other_party,
        },
    )
    return Output(
        {"type_id": type_id, "sources": sorted(source), **tx_view(committed)},
        f"attestation type {type_id} defined in block {committed.height};"
        f" sources: {', '.join(sorted(source))}",
    )


@ledger_command(app, "propose", signs=True)
def propose_cmd(
    s: OrgSession,
    type_id: Annotated[str, typer.Option("--type", help="the attestation type")],
    holder: Annotated[str, typer.Option(help="the owner's holder id, who confirms last")],
    document: Annotated[Path, typer.Option(help="the attestation document (a file)")],
    record: Annotated[
        list[str],
        typer.Option(help="ORG=FILE: the record a source should hold (once per source)"),
    ],
    other_party: Annotated[
        str | None, typer.Option(help="holder id of the other party, where the type has one")
    ] = None,
    days: Annotated[int, typer.Option(help="days the sources and owner have to answer")] = 7,
    attestation_id: Annotated[str | None, typer.Option("--id", help="default: a fresh id")] = None,
    salt: Annotated[str | None, typer.Option(help="hex salt (default: a fresh one)")] = None,
    org: OrgOpt = "civil",
) -> Output:
    """Propose an attestation: its document's and each source's record's salted hashes go on
    chain; give each source the attestation id and the salt printed here."""
    attestation_id = attestation_id or new_id("att")
    salt = salt or new_salt()
    suite = s.net.genesis.suite
    try:
        doc_hash = compute_document_hash(suite, salt, read_input(document))
        hashes = {
            source: compute_record_hash(suite, salt, read_input(path))
            for source, path in _source_files(record).items()
        }
    except AttestationInputInvalid as exc:
        fail(str(exc))
    args: dict[str, str | int] = {
        "attestation_id": attestation_id,
        "type_id": type_id,
        "holder": holder,
        "doc_hash": doc_hash,
        "record_hashes": json.dumps(hashes, sort_keys=True),
        "deadline_ms": s.days_from_now_ms(days),
    }
    if other_party:
        args["other_party"] = other_party
    committed = s.call("attest", "propose", args)
    return Output(
        {
            "attestation_id": attestation_id,
            "salt": salt,
            "doc_hash": doc_hash,
            "record_hashes": hashes,
            "deadline_ms": args["deadline_ms"],
            **tx_view(committed),
        },
        f"attestation {attestation_id} proposed in block {committed.height};"
        f" waiting for {', '.join(sorted(hashes))}",
        f"salt (give it to each source with the id): {salt}",
    )


@ledger_command(app, "confirm", signs=True)
def confirm_cmd(
    s: OrgSession,
    attestation_id: IdOpt,
    record: Annotated[Path, typer.Option(help="the record this organisation holds")],
    salt: Annotated[str, typer.Option(help="the salt the issuer gave with the id")],
    org: OrgOpt = "psb",
) -> Output:
    """As a source: hash the record we hold with the issuer's salt and confirm it (a record
    that differs refuses the attestation)."""
    try:
        record_hash = compute_record_hash(s.net.genesis.suite, salt, read_input(record))
    except AttestationInputInvalid as exc:
        fail(str(exc))
    committed = s.call(
        "attest", "confirm", {"attestation_id": attestation_id, "record_hash": record_hash}
    )
    found = s.client.query("attest", "get", attestation_id=attestation_id)
    return Output(
        {"attestation_id": attestation_id, "status": found["status"], **tx_view(committed)},
        f"attestation {attestation_id}: {found['status']} after our answer"
        f" (block {committed.height})" + (f": {found['reason']}" if found["reason"] else ""),
    )


@ledger_command(app, "refuse", signs=True)
def refuse_cmd(
    s: OrgSession,
    attestation_id: IdOpt,
    reason: Annotated[str, typer.Option(help="why (stored on chain: no personal data)")],
    org: OrgOpt = "psb",
) -> Output:
    """As a source: refuse to confirm, with a reason; the attestation stays unissued."""
    committed = s.call("attest", "refuse", {"attestation_id": attestation_id, "reason": reason})
    return Output(
        {"attestation_id": attestation_id, "status": "refused", **tx_view(committed)},
        f"attestation {attestation_id} refused in block {committed.height}: {reason}",
    )


@ledger_command(app, "expire", signs=True)
def expire_cmd(s: OrgSession, attestation_id: IdOpt, org: OrgOpt = "civil") -> Output:
    """Record that an attestation passed its deadline unanswered (both parties are told)."""
    committed = s.call("attest", "expire", {"attestation_id": attestation_id})
    return Output(
        {"attestation_id": attestation_id, "status": "timed_out", **tx_view(committed)},
        f"attestation {attestation_id} timed out (recorded in block {committed.height})",
    )


@ledger_command(app, "status")
def status_cmd(s: Session, attestation_id: IdOpt) -> Output:
    """An attestation's state, proven against a certified header (trusting no node)."""
    value, proven = s.proven_record(
        ATTESTATIONS.key(attestation_id), f"attestation {attestation_id}"
    )
    record = json.loads(value)
    status = get_status_at(record, proven.time_ms)
    waiting = [src["org"] for src in record["sources"] if not src["answer"]]
    out = {
        "attestation_id": attestation_id,
        "type_id": record["type_id"],
        "issuer": record["issuer"],
        "holder": record["holder"],
        "other_party": record["other_party"],
        "status": status,
        "reason": record["reason"],
        "sources": {src["org"]: src["answer"] or "pending" for src in record["sources"]},
        "deadline_ms": record["deadline_ms"],
        "proven_at_height": proven.height,
    }
    detail = f": {record['reason']}" if record["reason"] else ""
    if status == "awaiting_sources":
        detail = f", waiting for {', '.join(waiting)}"
    return Output(
        out,
        f"attestation {attestation_id} ({record['type_id']}): {status}{detail}"
        f" (proven against the header of block {proven.height})",
        *(f"  {org}: {answer}" for org, answer in out["sources"].items()),
    )


@ledger_command(app, "list")
def list_cmd(
    s: Session,
    org_id: Annotated[str, typer.Option("--of", help="the organisation (issuer or source)")],
    open_only: Annotated[bool, typer.Option("--open", help="only those still waiting")] = False,
) -> Output:
    """The attestations an organisation proposed or must answer for."""
    listed = s.client.query("attest", "list_by_org", org=org_id, open=open_only)
    return Output(
        {"org": org_id, "attestations": listed},
        records_table(
            f"attestations of {org_id}",
            {
                "id": "attestation_id",
                "type": "type_id",
                "status": "status",
                "waiting for": "waiting_for",
                "reason": "reason",
            },
            listed,
        ),
    )
