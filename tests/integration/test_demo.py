"""`make demo` is what a newcomer runs first: the `trustledger demo` command, as installed,
plays the whole story on a fresh devnet of its own and leaves no process behind."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import httpx
from typer.testing import CliRunner

from cli import devnet
from cli.demo import LI_NA_PASSPHRASE
from cli.main import app


def run_demo(folder: Path, *more: str) -> tuple[int, str]:
    """`trustledger demo --dir FOLDER`, as installed; its exit code and its output."""
    trustledger = Path(sys.executable).with_name("trustledger")
    result = subprocess.run(
        [str(trustledger), "demo", "--dir", str(folder), *more],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )
    return result.returncode, result.stdout + result.stderr


def test_the_demo_plays_its_story_and_stops_its_devnet(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    code, out = run_demo(folder)
    assert code == 0, out
    assert "demo finished: every step checked against the chain" in out
    # The copy the bank read carries the annotation the holder signed (issue 17).
    # v2: the purpose code's name (002 金融信贷审核), then the bank's words.
    assert (
        "仅供 Weihai City Commercial Bank 威海市商业银行 办理 "
        "金融信贷审核（personal loan application 个人贷款申请） 使用，有效期至 "
    ) in out
    assert "revoked (reason: degree rescinded after review)" in out
    # The diploma's type is the chain's catalogue entry, its metadata the chain's (issue 17).
    flat = " ".join(out.split())  # rich wraps long lines
    assert "the type is the chain's catalogue entry (version 1, type code" in flat
    assert "GB/T 36903 metadata on the chain: 高校学历" in flat
    assert "stay in the document (holder_name, id_number)" in flat
    assert devnet.running(folder) == {}


def test_with_keep_the_demo_leaves_its_devnet_for_a_person_to_sign_in(tmp_path: Path) -> None:
    folder = tmp_path / "kept"
    code, out = run_demo(folder, "--keep")
    try:
        assert code == 0, out
        net = devnet.Devnet.load(folder)
        assert f"Open {net.wallet_app_url}" in out
        holder = re.search(r"wallet id:\s+(hd[0-9a-f]{40})", out)
        assert holder is not None, out
        # What it prints signs Li Na in on the running wallet, and the page is served.
        signed_in = httpx.post(
            f"{net.wallet_url}/v1/sessions",
            json={"holder_id": holder.group(1), "passphrase": LI_NA_PASSPHRASE},
            verify=net.wallet_tls(),
            timeout=30,
        )
        assert signed_in.status_code == 200, signed_in.text
        page = httpx.get(net.wallet_app_url, verify=net.wallet_tls(), timeout=30)
        assert page.status_code == 200 and "我的数字保险箱" in page.text
        # And the clerk's sign-in it prints opens the bank's window page.
        clerk = re.search(r"clerk id:\s+(\S+)\s+passphrase:\s+(\S+)", out)
        assert clerk is not None, out
        assert f"open {net.window_page_url}" in out
        with httpx.Client(base_url=net.window_url, verify=net.window_tls(), timeout=30) as w:
            at_window = w.post(
                "/api/signin",
                json={"clerk": clerk.group(1), "passphrase": clerk.group(2)},
                headers={"X-Window": "1"},
            )
            assert at_window.status_code == 200, at_window.text
            assert w.get("/api/me").json()["org"] == devnet.WINDOW_ORG
        assert "窗口核验" in httpx.get(net.window_page_url, verify=net.window_tls()).text
        assert_demo_ids_resolve(net, holder.group(1))
    finally:
        devnet.down(folder)
    assert devnet.running(folder) == {}


def assert_demo_ids_resolve(net: devnet.Devnet, holder: str) -> None:
    """DIR/demo.json names what the demo used, each id as the chain knows it, and the audit
    commands it lists run on them (issue 13's "Done when")."""
    ids = json.loads((net.dir / "demo.json").read_text())
    assert ids["chain_id"] == net.chain_id and ids["holders"] == [holder]
    with net.client(org="audit") as client:
        held = {c["cert_id"] for c in client.query("certificates", "list_by_holder", holder=holder)}
        assert set(ids["certificates"]) <= held and len(ids["certificates"]) == 2
        for request_id in ids["requests"]:
            assert client.query("consent", "get", request_id=request_id)["holder"] == holder
        for record_id in ids["archive_items"]:
            assert client.query("archives", "get", record_id=record_id)["subject"] == holder
        checked = client.query("certificates", "verifications", holder=holder)
        assert set(ids["verifications"]) <= {v["verification_id"] for v in checked}
        for org in ids["organisations"]:
            assert client.query("membership", "get", org_id=org)["id"] == org
    graph = CliRunner().invoke(
        app,
        [
            "audit",
            "graph",
            "--dir",
            str(net.dir),
            "--subject",
            holder,
            "--format",
            "dot",
            "--out",
            str(net.dir / "flows.dot"),
            "--json",
        ],
    )
    assert graph.exit_code == 0, graph.output
    counts = json.loads(graph.stdout.strip().splitlines()[-1])["counts"]
    assert counts == {"issue": 2, "append": 1, "grant": 1, "verify": 1, "access": 1, "refused": 1}
    assert any(c.startswith("trustledger audit report") for c in ids["commands"])
