"""`trustledger catalogue`: the catalogue (电子证照目录, 数据目录) as the chain states it, and
proposals to change it.

Certificate types, archive record categories and purposes of use are chain state
(contracts/catalogue): `list` and `show` read them from a validator, `propose` submits a
governance proposal (membership `propose`) to register an entry from a JSON definition (its
first version, or the next) or to retire one. Like every governance change, a quorum of member
organisations approves it with `trustledger governance approve`; it is in force from the block
after the approval. A certificate type is proposed only by its defining body: the organisation
whose unified social credit code opens the type code.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from cli.common import DAY_MS, OrgSession, Output, Session, fail, ledger_command, records_table
from contracts.catalogue.definitions import (
    parse_certificate_type,
    parse_purpose,
    parse_record_category,
)
from contracts.framework.errors import ContractError
from node.chain.ids import new_id
from node.sdk.catalogue import ListedType, TypeNotInCatalogue, fetch_type_versions

app = typer.Typer(
    help="The catalogue on the chain: certificate types, record categories, purposes of use.",
    no_args_is_help=True,
)


class Kind(StrEnum):
    """Which shelf of the catalogue."""

    types = "types"
    categories = "categories"
    purposes = "purposes"


_ACTIONS: Mapping[Kind, tuple[str, str, Callable[[object], Any]]] = {
    Kind.types: ("register_certificate_type", "retire_certificate_type", parse_certificate_type),
    Kind.categories: ("register_record_category", "retire_record_category", parse_record_category),
    Kind.purposes: ("register_purpose", "retire_purpose", parse_purpose),
}
"""For each kind: the governance action that registers an entry, the one that retires it,
and the contracts' reader of a definition (checked here before anything is sent)."""

KindOpt = Annotated[
    Kind,
    typer.Option(
        "--kind",
        help="types (certificate types), categories (archive record categories) or"
        " purposes (purposes of use, 申请事由)",
    ),
]


def _retired(height: int) -> str:
    return f"retired at {height}" if height else "in force"


def _validity(listed: Mapping[str, Any]) -> str:
    days = int(listed["validity_ms_max"]) // DAY_MS
    longest = f"at most {days} days" if listed["validity_ms_max"] else "no longest validity"
    return ("an end of validity required, " if listed["validity_required"] else "") + longest


@ledger_command(app, "list")
def list_cmd(s: Session, kind: KindOpt = Kind.types) -> Output:
    """The catalogue's entries of one kind: current versions, retired ones included."""
    if kind is Kind.types:
        items = s.client.query("certificates", "types")
        table = Table(title=f"catalogue: types ({len(items)})")
        table.add_column("id", no_wrap=True)
        table.add_column("type code", no_wrap=True)
        table.add_column("名称")
        table.add_column("fields", justify="right")
        table.add_column("standing")
        for t in items:
            table.add_row(
                t["id"],
                t["type_code"] or "-",
                t["name_zh"],
                str(len(t["fields"])),
                f"v{t['version']} from {t['from_height']}, {_retired(t['retired_height'])}",
            )
        return Output({"kind": kind.value, "entries": items}, table)
    if kind is Kind.categories:
        items = s.client.query("archives", "categories")
        rows = [
            {
                **c,
                "standing": f"v{c['version']} from {c['from_height']},"
                f" {_retired(c['retired_height'])}",
            }
            for c in items
        ]
        columns = {
            "id": "id",
            "名称": "name_zh",
            "name": "name_en",
            "files": "subject_kinds",
            "standing": "standing",
        }
    else:
        items = s.client.query("certificates", "purposes")
        rows = [{**p, "standing": _retired(p["retired_height"])} for p in items]
        columns = {"code": "id", "名称": "name_zh", "name": "name_en", "standing": "standing"}
    return Output(
        {"kind": kind.value, "entries": items},
        records_table(f"catalogue: {kind.value} ({len(items)})", columns, rows),
    )


def _fields_table(listed: Mapping[str, Any]) -> Table:
    table = Table(
        title=f"version {listed['version']}: from block {listed['from_height']},"
        f" {_retired(listed['retired_height'])}; {_validity(listed)}"
    )
    for heading in ("field", "kind", "length max", "disclosure"):
        table.add_column(heading)
    for name in listed["fields"]:
        table.add_row(
            name,
            listed["field_kinds"][name],
            str(listed["field_lengths_max"][name]),
            listed["field_disclosures"][name],
        )
    return table


@ledger_command(app, "show")
def show_cmd(
    s: Session,
    type_id: Annotated[str, typer.Argument(help="the certificate type's id, e.g. diploma")],
) -> Output:
    """One certificate type: every version, its fields, and who may issue it.

    Each version with its fields (kind, longest value, disclosure class), validity rules and
    the heights it is in force from and retired at; the organisations that may issue it are
    the issuers whose certificate types include it (governance set_roles)."""
    try:
        versions: list[ListedType] = fetch_type_versions(s.client, type_id)
    except TypeNotInCatalogue as exc:
        fail(str(exc))
    answer = s.client.query("certificates", "type", type_id=type_id)
    members = s.client.query("membership", "list", limit=1000)
    issuers = sorted(
        org["id"]
        for org in members
        if type_id in org.get("cert_types", []) and "issuer" in org.get("roles", [])
    )
    current = versions[-1]
    summary = (
        f"[bold]{type_id}[/] {current.entry.name_zh} / {current.entry.name_en}:"
        f" type code {current.entry.type_code or '-'},"
        f" held by {', '.join(current.entry.holder_kinds)};"
        f" {len(versions)} version(s), {_retired(current.retired_height)}"
    )
    return Output(
        {**answer, "issuers": issuers},
        summary,
        *(_fields_table(version) for version in answer["versions"]),
        f"may issue it: {', '.join(issuers) or 'no organisation yet (governance set_roles)'}",
    )


def _read_definition(path: Path, kind: Kind) -> str:
    """The definition in `path`, checked by the contracts' own reader (the chain reads it
    again); as compact JSON text."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {path}: {exc}")
    except ValueError as exc:
        fail(f"{path} is not JSON: {exc}")
    try:
        _ACTIONS[kind][2](value)
    except ContractError as exc:
        fail(f"{path}: {exc.message}")
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@ledger_command(app, "propose", signs=True)
def propose_cmd(
    s: OrgSession,
    kind: KindOpt = Kind.types,
    definition: Annotated[
        Path | None,
        typer.Option(
            help="JSON file of the entry's definition (docs/conventions.md): registers it,"
            " or its next version if the id is in the catalogue"
        ),
    ] = None,
    retire: Annotated[
        str,
        typer.Option(help="id of the entry to retire (nothing new under it; the old stays valid)"),
    ] = "",
    org: Annotated[
        str,
        typer.Option(
            "--org",
            "--as",
            help="proposing organisation (its key in DIR/keys/orgs signs); for a certificate"
            " type, its defining body: the organisation whose credit code opens the type code",
        ),
    ] = "psb",
) -> Output:
    """Propose to register (or change) or retire a catalogue entry.

    The proposer's approval counts; the other members approve with `trustledger governance
    approve --proposal-id ...`, and the change is in force from the block after the quorum's
    approval. A certificate type is proposed only by its defining body."""
    if (definition is None) == (not retire):
        fail("give either --definition FILE or --retire ID", 2)
    register, retiring, _ = _ACTIONS[kind]
    if definition is not None:
        action, params = register, {"definition": _read_definition(definition, kind)}
    else:
        action, params = retiring, {"entry_id": retire}
    proposal_id = new_id("prop")
    committed = s.call(
        "membership", "propose", {"proposal_id": proposal_id, "action": action, **params}
    )
    status = s.client.query("membership", "proposal", proposal_id=proposal_id).get("status")
    return Output(
        {
            "proposal_id": proposal_id,
            "action": action,
            "status": status,
            "height": committed.height,
        },
        f"proposal {proposal_id} ({action}) in block {committed.height}: {status}"
        + (
            "; in force from the block after the approval"
            if status == "applied"
            else "; other members approve it with `trustledger governance approve`"
        ),
    )
