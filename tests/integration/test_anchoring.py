"""`trustledger evidence anchor | prove | check` on a real devnet (issue 13, Lanzhou's evidence
anchoring): a batch anchored as one root, the proof fetched from a node, each fact checked
offline against its receipt and the proof with the chain's genesis alone; an altered fact,
receipt or proof refused, naming which; bad input anchors nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.devnet import Devnet
from cli.main import app
from node.sdk.anchoring import encode_receipt
from suites import SM2_SM3
from tests.integration.helpers import running_devnet

runner = CliRunner()
LINES = [b'{"decision": "fine", "case": 1}', b'{"decision": "warning", "case": 2}', b"[3]"]
CASE_REF = "(2026)甘0102行罚47号"


def invoke(*args: str, stdin: bytes | None = None) -> tuple[int, dict[str, Any], str]:
    """The command's exit code, its JSON (when it printed any) and its stderr."""
    result = runner.invoke(app, [*args, "--json"], input=stdin)
    lines = result.stdout.strip().splitlines()
    doc: dict[str, Any] = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}
    return result.exit_code, doc, result.stderr


@pytest.fixture(scope="module")
def anchored(net: Devnet, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Three JSON lines and one file anchored by hrss as one batch, and its proof."""
    work = tmp_path_factory.mktemp("anchoring")
    (work / "facts.jsonl").write_bytes(b"\n".join(LINES) + b"\n\n")
    (work / "report.pdf").write_bytes(b"%PDF-1.7 an inspection report\x00\xff")
    code, doc, err = invoke(
        "evidence", "anchor", "--kind", "decision", "--case-ref", CASE_REF,
        "--jsonl", str(work / "facts.jsonl"), "--file", str(work / "report.pdf"),
        "--receipts", str(work / "receipts"), "--org", "hrss", "--dir", str(net.dir),
    )  # fmt: skip
    assert code == 0, err
    proof = work / "proof.json"
    code, proved, err = invoke(
        "evidence", "prove", "--receipt", doc["receipts"][0], "--out", str(proof),
        "--dir", str(net.dir),
    )  # fmt: skip
    assert code == 0, err
    genesis = work / "genesis.json"
    shutil.copy(net.dir / "genesis.json", genesis)
    return {"work": work, "doc": doc, "proved": proved, "proof": proof, "genesis": genesis}


def check(
    a: dict[str, Any], fact: Path, receipt: str | Path, *more: str
) -> tuple[int, dict[str, Any], str]:
    return invoke(
        "evidence", "check", "--fact", str(fact), "--receipt", str(receipt),
        "--proof", str(a["proof"]), "--genesis", str(a["genesis"]), *more,
    )  # fmt: skip


def test_a_batch_is_one_anchor_with_a_receipt_per_fact(anchored: dict[str, Any]) -> None:
    doc = anchored["doc"]
    assert doc["count"] == 4 and doc["org"] == "hrss"
    assert doc["anchor_id"] == "an" + doc["root"]
    assert [Path(r).name for r in doc["receipts"]] == [
        f"fact-{i:06d}.receipt.json" for i in range(4)
    ]
    receipts = [json.loads(Path(r).read_bytes()) for r in doc["receipts"]]
    assert [r["index"] for r in receipts] == [0, 1, 2, 3]
    assert {r["root"] for r in receipts} == {doc["root"]}
    assert len({r["salt"] for r in receipts}) == 4
    assert receipts[0]["source"].endswith("report.pdf")  # files first, then lines
    assert receipts[3]["source"].endswith("facts.jsonl:3")
    proved = anchored["proved"]
    assert (proved["anchor_id"], proved["height"], proved["org"]) == (
        doc["anchor_id"],
        doc["height"],
        "hrss",
    )


def test_every_fact_checks_offline_with_the_genesis_alone(anchored: dict[str, Any]) -> None:
    work, doc = anchored["work"], anchored["doc"]
    for line in (1, 2, 3):
        code, verdict, err = check(
            anchored, work / "facts.jsonl", doc["receipts"][line], "--line", str(line)
        )
        assert code == 0, err
        assert (verdict["ok"], verdict["genesis_pinned"], verdict["index"]) == (
            True,
            True,
            line,
        )
        assert (verdict["height"], verdict["org"], verdict["actor"]) == (
            doc["height"],
            "hrss",
            "hrss",
        )
        assert (verdict["kind"], verdict["case_ref"], verdict["count"]) == ("decision", CASE_REF, 4)
    code, verdict, _ = check(anchored, work / "report.pdf", doc["receipts"][0])
    assert (code, verdict["root"], verdict["tx_hash"]) == (0, doc["root"], doc["tx_hash"])
    shown = runner.invoke(
        app,
        ["evidence", "check", "--fact", str(work / "report.pdf"), "--receipt",
         doc["receipts"][0], "--proof", str(anchored["proof"])],
    )  # fmt: skip
    flat = " ".join(shown.stdout.split())  # rich wraps long lines
    assert shown.exit_code == 0 and flat.startswith("OK: fact ")
    assert f"at height {doc['height']} by hrss" in flat
    assert "compare with the chain's published genesis" in flat


def test_the_anchor_is_in_the_audit_trace_of_the_anchor_and_of_the_org(
    net: Devnet, anchored: dict[str, Any]
) -> None:
    doc = anchored["doc"]
    for subject in (doc["anchor_id"], "hrss"):
        code, traced, _ = invoke("audit", "trace", "--subject", subject, "--dir", str(net.dir))
        assert code == 0 and traced["unproven"] == []
        mine = [e for e in traced["entries"] if e["details"].get("root") == doc["root"]]
        assert [(e["action"], e["actor"], e["height"]) for e in mine] == [
            ("anchoring.anchored", "hrss", doc["height"])
        ]


def _flip(raw: bytes, at: int) -> bytes:
    return raw[:at] + bytes([raw[at] ^ 1]) + raw[at + 1 :]


def _other_hex_digit(raw: bytes, at: int) -> bytes:
    """`raw` with the hex digit at `at` replaced by another hex digit (still well formed)."""
    return raw[:at] + (b"1" if raw[at : at + 1] == b"0" else b"0") + raw[at + 1 :]


def test_an_altered_fact_receipt_or_proof_is_refused_naming_it(anchored: dict[str, Any]) -> None:
    work, doc = anchored["work"], anchored["doc"]
    fact, receipt = work / "report.pdf", Path(doc["receipts"][0])
    altered = work / "altered"
    altered.mkdir(exist_ok=True)
    bad_fact = altered / "report.pdf"
    bad_fact.write_bytes(_flip(fact.read_bytes(), 5))
    code, refused, _ = check(anchored, bad_fact, receipt)
    assert (code, refused["ok"], refused["part"]) == (1, False, "fact")

    raw = receipt.read_bytes()
    doc_r = json.loads(raw)
    cases = {
        "salt": (_other_hex_digit(raw, raw.index(doc_r["salt"].encode()) + 3), "fact"),
        "path": (_other_hex_digit(raw, raw.index(doc_r["path"][0].encode()) + 3), "receipt"),
        "spacing": (raw.replace(b'","', b'", "', 1), "receipt"),
        "case": (encode_receipt({**doc_r, "case_ref": "(2026)甘0102行罚48号"}), "receipt"),
        "truncated": (raw[: len(raw) // 2], "receipt"),
    }
    bad_receipt = altered / "receipt.json"
    for name, (content, part) in cases.items():
        bad_receipt.write_bytes(content)
        code, refused, _ = check(anchored, fact, bad_receipt)
        assert (code, refused.get("part")) == (1, part), name

    proof = anchored["proof"].read_bytes()
    at = proof.index(b'"events":[') + 300
    bad_proof = altered / "proof.json"
    for content in (_flip(proof, at), proof[: len(proof) // 2]):
        bad_proof.write_bytes(content)
        code, refused, _ = invoke(
            "evidence", "check", "--fact", str(fact), "--receipt", str(receipt),
            "--proof", str(bad_proof),
        )  # fmt: skip
        assert (code, refused["part"]) == (1, "proof")
        assert refused["detail"].split(":")[0] in ("file", "manifest")


def test_a_batch_from_stdin_with_its_receipts_in_one_file(
    net: Devnet, anchored: dict[str, Any], tmp_path: Path
) -> None:
    receipts = tmp_path / "receipts.jsonl"
    code, doc, err = invoke(
        "evidence", "anchor", "--kind", "notice", "--case-ref", "notice 2026-12",
        "--stdin", "--receipts", str(receipts), "--org", "psb", "--dir", str(net.dir),
        stdin=b'{"served": true}\n{"served": false}\n',
    )  # fmt: skip
    assert (code, doc.get("count"), doc.get("org")) == (0, 2, "psb"), err
    assert doc["receipts"] == [f"{receipts}:1", f"{receipts}:2"]
    assert len(receipts.read_bytes().splitlines()) == 2
    proof = tmp_path / "proof.json"
    code, _, err = invoke(
        "evidence", "prove", "--receipt", str(receipts), "--out", str(proof), "--dir", str(net.dir)
    )
    assert code == 0, err
    fact = tmp_path / "served.json"
    fact.write_bytes(b'{"served": false}')
    code, verdict, err = invoke(
        "evidence", "check", "--fact", str(fact), "--receipt", str(receipts),
        "--receipt-line", "2", "--proof", str(proof),
    )  # fmt: skip
    assert (code, verdict.get("index"), verdict.get("org")) == (0, 1, "psb"), err
    code, refused, _ = invoke(
        "evidence", "check", "--fact", str(fact), "--receipt", str(receipts),
        "--receipt-line", "1", "--proof", str(proof),
    )  # fmt: skip
    assert (code, refused["part"]) == (1, "fact")
    # The first batch's proof does not prove this anchor.
    code, refused, _ = invoke(
        "evidence", "check", "--fact", str(fact), "--receipt", str(receipts),
        "--receipt-line", "2", "--proof", str(anchored["proof"]),
    )  # fmt: skip
    assert (code, refused["part"]) == (1, "proof")
    assert "not an" + doc["root"] in refused["detail"]
    code, _, err = invoke(
        "evidence", "check", "--fact", str(fact), "--receipt", str(receipts),
        "--receipt-line", "3", "--proof", str(proof),
    )  # fmt: skip
    assert code == 1 and "has no line 3" in err


def test_bad_input_anchors_nothing(net: Devnet, tmp_path: Path) -> None:
    fact = tmp_path / "f.txt"
    fact.write_bytes(b"fact")
    base = ["evidence", "anchor", "--file", str(fact), "--dir", str(net.dir)]
    for more, says in [
        (["--kind", "gossip", "--case-ref", "x"], "kind must be one of"),
        (["--kind", "notice", "--case-ref", "张晓梅 138.0531.0123"], "personal"),
    ]:
        receipts = tmp_path / "none"
        code, _, err = invoke(*base, *more, "--receipts", str(receipts))
        assert code == 1 and says in err and not list(receipts.glob("*")), err
    code, _, err = invoke(
        *base, "--kind", "notice", "--case-ref", "x", "--receipts", str(fact / "receipts")
    )
    assert code == 1 and "cannot write receipts" in err and "nothing anchored" in err
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"ok": 1}\n{not json\n')
    code, _, err = invoke(
        "evidence", "anchor", "--kind", "notice", "--case-ref", "x", "--jsonl", str(bad),
        "--receipts", str(tmp_path / "r2"), "--dir", str(net.dir),
    )  # fmt: skip
    assert code == 1 and "line 2 is not JSON" in err
    out = tmp_path / "proof.json"
    code, _, err = invoke(
        "evidence", "prove", "--anchor", "an" + "0" * 64, "--out", str(out), "--dir", str(net.dir)
    )
    assert code == 1 and not out.exists(), err


def test_an_sm2_sm3_chain_anchors_proves_and_checks_with_sm3(tmp_path: Path) -> None:
    with running_devnet(tmp_path / "sm", suite=SM2_SM3) as sm:
        fact = tmp_path / "notice.txt"
        fact.write_bytes("送达回证 2026-12-05".encode())
        receipts = tmp_path / "receipts.jsonl"
        code, doc, err = invoke(
            "evidence", "anchor", "--kind", "notice", "--case-ref", "送达 2026-12",
            "--file", str(fact), "--receipts", str(receipts), "--org", "hrss",
            "--dir", str(sm.dir),
        )  # fmt: skip
        assert code == 0, err
        receipt = json.loads(receipts.read_bytes())
        assert receipt["suite"] == "sm2-sm3"
        assert (
            receipt["fact_hash"]
            == SM2_SM3.hash(
                b"trustledger-fact/1\x00" + bytes.fromhex(receipt["salt"]) + fact.read_bytes()
            ).hex()
        )
        proof = tmp_path / "proof.json"
        code, _, err = invoke(
            "evidence", "prove", "--anchor", doc["anchor_id"], "--out", str(proof),
            "--dir", str(sm.dir),
        )  # fmt: skip
        assert code == 0, err
        code, verdict, err = invoke(
            "evidence", "check", "--fact", str(fact), "--receipt", str(receipts),
            "--receipt-line", "1", "--proof", str(proof),
            "--genesis", str(sm.dir / "genesis.json"),
        )  # fmt: skip
        assert (code, verdict.get("height"), verdict.get("org")) == (0, doc["height"], "hrss"), err
