"""The catalogue governed on the chain, end to end through the CLI (issue 17, part 2): the
defining body proposes a new certificate type, the consortium approves it, `catalogue show`
lists it, an issuer given it by `set_roles` issues a certificate of it under a national
identifier (and the wallet accepts the document, checked against the chain's type); another
body may not propose a type under someone else's code; once retired, nothing new is issued
under it and what was issued still verifies. A purpose of use, proposed by any member, is
listed and retired the same way.

One devnet for the module; the steps build on each other, so they are one test.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cli.devnet import CREDIT_CODES, ORGANISATIONS, Devnet
from cli.main import app
from tests.integration.helpers import cli, cli_fails, cli_issue, new_holder, runner

TYPE_ID = "fishing_licence"
PSB_CODE = CREDIT_CODES["psb"]
DEFINITION: dict[str, Any] = {
    "id": TYPE_ID,
    "name_zh": "捕捞许可证",
    "name_en": "Fishing licence",
    "holder_kinds": ["person"],
    "type_code": PSB_CODE + "101",  # psb's own code: psb is the defining body
    "fields": [
        {"name": "certificate_number", "disclosure": "public"},
        {"name": "holder_name"},
        {"name": "id_number", "kind": "resident_id", "disclosure": "sensitive"},
        {"name": "fishing_area", "length_max": 200},
        {"name": "issue_date", "kind": "date"},
    ],
}
FIELDS = {
    "certificate_number": "鲁威渔捕 2026-0042",
    "holder_name": "王伟 Wang Wei",
    "id_number": "110105199001011232",
    "fishing_area": "威海近海 Weihai coastal waters",
    "issue_date": "2026-12-01",
}
APPROVERS = ("edu", "amr", "hrss", "bdc", "civil")
"""With the proposer, 6 of the devnet's 8 members: more than two-thirds."""


def _approve(net: Devnet, proposal_id: str) -> dict[str, Any]:
    """Every approver in turn; the last approval's JSON (the proposal applied)."""
    answers = [
        cli(net, "governance", "approve", "--org", org, "--proposal-id", proposal_id)
        for org in APPROVERS
    ]
    assert [a["status"] for a in answers] == ["open"] * (len(APPROVERS) - 1) + ["applied"]
    return answers[-1]


def _write(tmp_path: Path, name: str, definition: dict[str, Any]) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(definition, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_a_type_proposed_approved_issued_and_retired(net: Devnet, tmp_path: Path) -> None:
    # The defining body proposes; the consortium approves; in force from the next block.
    proposed = cli(
        net, "catalogue", "propose", "--definition", _write(tmp_path, "t.json", DEFINITION),
        "--as", "psb",
    )  # fmt: skip
    assert (proposed["action"], proposed["status"]) == ("register_certificate_type", "open")
    applied = _approve(net, proposed["proposal_id"])
    shown = cli(net, "catalogue", "show", TYPE_ID)
    assert (shown["version"], shown["from_height"]) == (1, applied["height"] + 1)
    assert shown["type_code"] == PSB_CODE + "101" and shown["retired_height"] == 0
    assert shown["field_kinds"]["id_number"] == "resident_id"
    assert shown["field_disclosures"]["id_number"] == "sensitive"
    assert shown["field_lengths_max"]["fishing_area"] == 200
    assert [v["version"] for v in shown["versions"]] == [1]
    assert shown["issuers"] == []  # no organisation has it among its types yet
    listed = cli(net, "catalogue", "list")
    assert TYPE_ID in [t["id"] for t in listed["entries"]]

    # Another body may not propose a type under psb's code: refused, with the reason.
    squatted = {**DEFINITION, "id": "fishing_licence_edu", "type_code": PSB_CODE + "102"}
    refused = cli_fails(
        net, "catalogue", "propose", "--definition", _write(tmp_path, "s.json", squatted),
        "--as", "edu",
    )  # fmt: skip
    assert "permission_denied" in refused and "defining body" in refused
    assert "fishing_licence_edu" not in [t["id"] for t in cli(net, "catalogue", "list")["entries"]]

    # psb may issue it once governance sets its roles so.
    psb_types = next(row[3] for row in ORGANISATIONS if row[0] == "psb")
    roles = cli(
        net, "governance", "propose", "--org", "psb", "--action", "set_roles",
        "--param", "org_id=psb", "--param", 'roles=["issuer","validator_operator"]',
        "--param", f"cert_types={json.dumps([*psb_types, TYPE_ID])}",
    )  # fmt: skip
    _approve(net, roles["proposal_id"])
    assert cli(net, "catalogue", "show", TYPE_ID)["issuers"] == ["psb"]

    # A certificate of the new type, under a national identifier; the wallet accepts the
    # document (checked against the chain's type, which this code's tables do not hold).
    holder, _ = new_holder(net)
    bad_id = {**FIELDS, "id_number": "110105199001011233"}
    assert "GB 11643" in cli_fails(
        net, "cert", "issue", "--org", "psb", "--type", TYPE_ID, "--holder", holder,
        *[a for k, v in bad_id.items() for a in ("--field", f"{k}={v}")],
    )  # fmt: skip
    issued = cli_issue(net, "psb", TYPE_ID, holder, FIELDS)
    assert issued["delivered"] is True
    cert_id = issued["cert_id"]
    assert cert_id.startswith(f"1.2.156.3005.2.{PSB_CODE}101.{PSB_CODE}.")

    # Retired by its defining body and the consortium: nothing new under it.
    retiring = cli(net, "catalogue", "propose", "--retire", TYPE_ID, "--org", "psb")
    assert retiring["action"] == "retire_certificate_type"
    retired = _approve(net, retiring["proposal_id"])
    shown = cli(net, "catalogue", "show", TYPE_ID)
    assert shown["retired_height"] == retired["height"] + 1
    refused = cli_fails(
        net, "cert", "issue", "--org", "psb", "--type", TYPE_ID, "--holder", holder,
        *[a for k, v in FIELDS.items() for a in ("--field", f"{k}={v}")],
    )  # fmt: skip
    assert "retired" in refused and "nothing changed" in refused
    # ... and the certificate issued under it still verifies.
    verified = cli(net, "cert", "verify", "--cert-id", cert_id)
    assert (verified["status"], verified["cert_type"]) == ("valid", TYPE_ID)


def test_the_other_shelves_and_unknown_types(net: Devnet, tmp_path: Path) -> None:
    purposes = cli(net, "catalogue", "list", "--kind", "purposes")["entries"]
    assert ("002", 0) in [(p["id"], p["retired_height"]) for p in purposes]
    # Any member proposes a purpose; the consortium approves; it is listed, then retired.
    purpose = {"id": "012", "name_zh": "出入境证件办理", "name_en": "Exit and entry documents"}
    proposed = cli(
        net, "catalogue", "propose", "--kind", "purposes",
        "--definition", _write(tmp_path, "p.json", purpose), "--as", "bank",
    )  # fmt: skip
    assert proposed["action"] == "register_purpose"
    _approve(net, proposed["proposal_id"])
    listed = cli(net, "catalogue", "list", "--kind", "purposes")["entries"]
    assert {**purpose, "retired_height": 0} in listed
    retiring = cli(
        net, "catalogue", "propose", "--kind", "purposes", "--retire", "012", "--as", "bank"
    )
    retired = _approve(net, retiring["proposal_id"])
    listed = cli(net, "catalogue", "list", "--kind", "purposes")["entries"]
    assert {**purpose, "retired_height": retired["height"] + 1} in listed
    categories = cli(net, "catalogue", "list", "--kind", "categories")["entries"]
    assert "social_security" in [c["id"] for c in categories]
    assert "no_such_type is not in the chain's catalogue" in cli_fails(
        net, "catalogue", "show", "no_such_type"
    )
    assert "either --definition FILE or --retire ID" in cli_fails(net, "catalogue", "propose")
    shown = runner.invoke(app, ["catalogue", "show", "diploma", "--dir", str(net.dir)])
    assert shown.exit_code == 0, shown.output
    assert "11100000000000002Q001" in shown.output and "may issue it: edu" in shown.output
    assert "id_number" in shown.output and "resident_id" in shown.output
