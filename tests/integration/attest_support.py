"""What the attestation tests on a devnet share (tests/integration/test_attestations.py and
test_citizen_page_attestations.py): the records and document as files, and the CLI steps of
the issuer and the sources (docs/attestations.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cli.devnet import Devnet
from tests.integration.helpers import cli, runner

PROPERTY_RECORD = (
    "不动产权证书 鲁(2024)威海市不动产权第 0001234 号 环翠区 1 号 3 单元 502 室".encode()
)
HOUSEHOLD_RECORD = "户籍登记 环翠区 1 号 3 单元 502 室 户主".encode()
DOCUMENT = "不动产权属证明 property attestation: 环翠区 1 号 3 单元 502 室".encode()


def files(tmp_path: Path) -> dict[str, Path]:
    files = {
        "document": tmp_path / "attestation.txt",
        "amr": tmp_path / "property.txt",
        "psb": tmp_path / "household.txt",
        "other": tmp_path / "other-household.txt",
    }
    files["document"].write_bytes(DOCUMENT)
    files["amr"].write_bytes(PROPERTY_RECORD)
    files["psb"].write_bytes(HOUSEHOLD_RECORD)
    files["other"].write_bytes(HOUSEHOLD_RECORD + b" (moved)")
    return files


def define(net: Devnet) -> None:
    """Civil affairs defines the property attestation (once per devnet: a second definition
    is refused as already existing, which is fine here)."""
    from cli.main import app

    args = [
        "attest",
        "define-type",
        "--org",
        "civil",
        "--type",
        "property_attestation",
        "--name-zh",
        "不动产权属证明",
        "--name-en",
        "Property attestation",
        "--source",
        "amr",
        "--source",
        "psb",
        "--other-party",
        "--dir",
        str(net.dir),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0 or "already_exists" in result.output, result.output


def propose(net: Devnet, files: dict[str, Path], owner: str, other: str) -> dict[str, Any]:
    return cli(
        net,
        "attest",
        "propose",
        "--org",
        "civil",
        "--type",
        "property_attestation",
        "--holder",
        owner,
        "--other-party",
        other,
        "--document",
        str(files["document"]),
        "--record",
        f"amr={files['amr']}",
        "--record",
        f"psb={files['psb']}",
    )


def confirm(net: Devnet, org: str, att: dict[str, Any], record: Path) -> dict[str, Any]:
    return cli(
        net,
        "attest",
        "confirm",
        "--org",
        org,
        "--id",
        att["attestation_id"],
        "--record",
        str(record),
        "--salt",
        att["salt"],
    )


def status(net: Devnet, att: dict[str, Any]) -> dict[str, Any]:
    return cli(net, "attest", "status", "--id", att["attestation_id"])
