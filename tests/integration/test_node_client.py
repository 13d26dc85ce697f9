"""An agency in another language: examples/node-verify (Node.js, @grpc/grpc-js) asks a
devnet's validator over mutual TLS with the devnet's material and checks every answer from
the documented layouts alone. Its proof code is also run on docs/proofs.md's vector and on
altered copies (tests/unit/test_vectors_proofs.py). On an ``sm2-sm3`` devnet it takes the suite
from genesis: SM3 hashes and SM2 votes (checked by OpenSSL's command line, with the signer id)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from cli.devnet import Devnet
from suites import SM2_SM3
from tests.integration.helpers import DIPLOMA, cli, cli_issue, new_holder, running_devnet
from tests.unit.vectors_support import ROOT

EXAMPLE = ROOT / "examples" / "node-verify"

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (EXAMPLE / "node_modules").is_dir(),
    reason="needs node and the example's packages (`make examples`, run by `make test`)",
)


def run(
    net: Devnet, *cert_ids: str, org: str = "bank", batch: bool = False, folder: Path | None = None
) -> tuple[int, list[dict[str, object]]]:
    """verify.mjs on the devnet's folder (or `folder`, a copy of what it reads)."""
    mode = ["--batch"] if batch else []
    script = str(EXAMPLE / "verify.mjs")
    where = str(folder or net.dir)
    done = subprocess.run(
        ["node", script, "--devnet", where, "--org", org, *mode, *cert_ids],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )
    assert done.stderr == "", done.stderr
    return done.returncode, [json.loads(line) for line in done.stdout.splitlines()]


def test_a_node_js_agency_verifies_and_checks_every_answer(net: Devnet) -> None:
    holder, _ = new_holder(net)
    cert_id = cli_issue(net, "edu", "diploma", holder, DIPLOMA)["cert_id"]
    code, answers = run(net, cert_id, "cert-nothing-here")
    assert code == 0, answers
    found, missing = answers
    assert (found["ok"], found["status"], found["issuer"]) == (True, "valid", "edu")
    assert found["voters"] >= 3 and len(str(found["block_hash"])) == 64
    assert (missing["ok"], missing["status"]) == (True, "unknown")  # proven absent
    revoked = cli_issue(net, "edu", "diploma", holder, DIPLOMA)["cert_id"]
    cli(net, "cert", "revoke", "--org", "edu", "--cert-id", revoked, "--reason", "issued in error")
    code, (answer,) = run(net, revoked)
    assert (code, answer["status"]) == (0, "revoked")
    # One VerifyCertificates call for all three: the same verdicts, one header for all.
    code, batch = run(net, cert_id, "cert-nothing-here", revoked, batch=True)
    assert code == 0, batch
    assert [(a["ok"], a["status"]) for a in batch] == [
        (True, "valid"),
        (True, "unknown"),
        (True, "revoked"),
    ]
    assert len({a["block_hash"] for a in batch}) == 1


def test_a_caller_the_policy_refuses_is_told_so(net: Devnet) -> None:
    """The auditor's role may not call the Agency service: refused, and the example says so."""
    code, (answer,) = run(net, "cert-anything-1", org="audit")
    assert code == 1 and answer["ok"] is False
    assert str(answer["error"]).startswith("7 ")  # PERMISSION_DENIED


def test_a_node_js_agency_checks_an_sm_chains_answers(tmp_path: Path) -> None:
    """The same client on an SM devnet: genesis names ``sm2-sm3``, so the block hash and the
    state proof are SM3 and the votes SM2; an answer that would pass on SHA-256 cannot."""
    with running_devnet(tmp_path / "sm", suite=SM2_SM3) as net:
        holder, _ = new_holder(net)
        cert_id = cli_issue(net, "edu", "diploma", holder, DIPLOMA)["cert_id"]
        code, answers = run(net, cert_id, "cert-nothing-here")
        assert code == 0, answers
        assert [(a["ok"], a["status"]) for a in answers] == [(True, "valid"), (True, "unknown")]
        assert all(int(str(a["voters"])) >= 3 for a in answers)
        code, batch = run(net, cert_id, "cert-nothing-here", batch=True)
        assert code == 0, batch
        assert [(a["ok"], a["status"]) for a in batch] == [(True, "valid"), (True, "unknown")]
        # Read as an Ed25519 chain (a copy whose genesis lost its suite), the answers fail.
        copy = tmp_path / "as-ed25519"
        for part in ("cas", "tls"):
            shutil.copytree(net.dir / part, copy / part)
        shutil.copy(net.dir / "devnet.json", copy / "devnet.json")
        named = json.loads((net.dir / "genesis.json").read_text("utf-8"))
        unnamed = {k: v for k, v in named.items() if k != "suite"}
        (copy / "genesis.json").write_text(json.dumps(unnamed), "utf-8")
        code, (refused,) = run(net, cert_id, folder=copy)
        assert code == 1 and refused == {
            "cert_id": cert_id,
            "ok": False,
            "error": "the commit certifies another block",
        }
