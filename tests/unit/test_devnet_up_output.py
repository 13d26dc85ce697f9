"""`trustledger devnet up` says where the citizen's page and the bank's window page are
(issue 12): in its text, and as `wallet_app_url` and `window_url` in `--json`, next to the
wallet's API. The devnet itself is not started here
(tests/integration/test_citizen_page*.py open that URL on a running one)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import devnet
from cli.main import app
from consensus.validators import Validator, ValidatorSet
from node.genesis import Genesis
from suites import Suite

WALLET = "https://127.0.0.1:27200"
WINDOW = "https://127.0.0.1:27250"


def _started(monkeypatch: pytest.MonkeyPatch, folder: Path) -> devnet.Devnet:
    net = devnet.Devnet(
        dir=folder,
        chain_id="trustledger-devnet-test",
        addresses={"val-0": "127.0.0.1:27000"},
        wallet_url=WALLET,
        metrics={},
        window_url=WINDOW,
    )

    Genesis(
        chain_id=net.chain_id,
        genesis_time_ms=1,
        validators=ValidatorSet((Validator("val-0", b"\x01" * 32),)),
        organisations=(),
    ).save(folder / "genesis.json")

    def up(
        dir: Path, base_port: int = 0, show: bool = True, suite: Suite | None = None
    ) -> devnet.Devnet:
        assert dir == folder and suite is None  # none named: the devnet's own
        return net

    monkeypatch.setattr(devnet, "up", up)
    return net


def test_the_page_url_is_the_wallets_app_folder(tmp_path: Path) -> None:
    net = devnet.Devnet(tmp_path, "c", {}, "https://10.77.0.20:8443", {})
    assert net.wallet_app_url == "https://10.77.0.20:8443/app/"


def test_up_json_includes_the_page_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _started(monkeypatch, tmp_path)
    result = CliRunner().invoke(app, ["devnet", "up", "--dir", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["wallet_url"] == WALLET
    assert doc["wallet_app_url"] == f"{WALLET}/app/"
    assert doc["window_url"] == f"{WINDOW}/window/"
    assert doc["suite"] == "ed25519-sha256"  # the chain's, from its genesis


def test_an_unknown_suite_ends_up_with_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["devnet", "up", "--dir", str(tmp_path), "--suite", "sm9"])
    assert result.exit_code == 2
    assert "ed25519-sha256, sm2-sm3" in result.output
    assert not (tmp_path / "genesis.json").exists()  # nothing made


def test_up_prints_the_page_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _started(monkeypatch, tmp_path)
    result = CliRunner().invoke(app, ["devnet", "up", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert any(
        line.split() == ["page:", f"{WALLET}/app/", "(the", "citizen's", "page)"] for line in lines
    ), result.stdout
    window = next(line for line in lines if line.split()[:1] == ["window:"])
    assert window.split()[1] == f"{WINDOW}/window/"
    clerk = next(line for line in lines if line.split()[:1] == ["clerk:"])
    assert clerk.split() == [
        "clerk:",
        devnet.WINDOW_CLERK,
        "passphrase:",
        devnet.WINDOW_CLERK_PASSPHRASE,
    ]


def test_a_devnet_without_a_window_says_so(tmp_path: Path) -> None:
    """The docker and hosts layouts run no window service: no URL, not a broken one."""
    net = devnet.Devnet(tmp_path, "c", {}, WALLET, {})
    assert (net.window_url, net.window_page_url) == ("", "")
