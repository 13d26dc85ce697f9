"""The one table of field labels (node/sdk/field_labels.py) reaches both pages: the wallet
and the window service serve the same module, which a browser's module loader accepts
(checked with Node), and the pages import it rather than keep a copy."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from node.sdk.field_labels import FIELD_LABELS_ZH, MODULE_NAME, labels_module

from .test_window_app import Browserish, clock, node  # noqa: F401  (fixtures)
from .test_window_app import client as window_client  # noqa: F401  (fixture)
from .wallet_support import Wallet, running_wallet

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def wallet(tmp_path: Path) -> Iterator[Wallet]:
    with running_wallet(tmp_path) as w:
        yield w


def test_the_wallet_and_the_window_serve_the_same_module(
    wallet: Wallet,
    window_client: Browserish,  # noqa: F811
) -> None:
    from_wallet = wallet.http.request("GET", f"/app/{MODULE_NAME}")
    from_window = window_client.get(f"/window/{MODULE_NAME}")
    for resp in (from_wallet, from_window):
        assert resp.status_code == 200, resp.text
        assert resp.headers["content-type"].startswith("text/javascript")
        assert resp.text == labels_module()
    # The static files around it are still served.
    assert wallet.http.request("GET", "/app/app.js").status_code == 200
    assert window_client.get("/window/window.js").status_code == 200


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js not installed (make tools)")
def test_the_module_loads_and_names_fields_in_chinese_else_as_written(tmp_path: Path) -> None:
    module = tmp_path / "labels.mjs"
    module.write_text(labels_module(), encoding="utf-8")
    probe = (
        f"import {{ FIELD_LABELS, fieldLabel }} from {json.dumps(module.as_uri())};\n"
        "console.log(JSON.stringify([FIELD_LABELS, fieldLabel('degree', 'zh'),"
        " fieldLabel('degree', 'en'), fieldLabel('constructor', 'zh'), fieldLabel('x', 'zh')]));\n"
    )
    out = subprocess.run(
        ["node", "--input-type=module", "-e", probe], capture_output=True, text=True, check=True
    )
    table, zh, en, builtin, unknown = json.loads(out.stdout)
    assert table == {name: {"zh": label} for name, label in FIELD_LABELS_ZH.items()}
    assert (zh, en, builtin, unknown) == ("学位", "degree", "constructor", "x")


def test_the_pages_import_the_module_and_keep_no_copy_of_the_table() -> None:
    for page in ("wallet/static/app/app.js", "window/static/window/window.js"):
        text = (ROOT / page).read_text(encoding="utf-8")
        assert f'from "./{MODULE_NAME}"' in text, page
    for script in (ROOT / "wallet/static/app").glob("*.js"):
        assert "公民身份号码" not in script.read_text(encoding="utf-8"), script
    assert "公民身份号码" not in (ROOT / "window/static/window/window.js").read_text("utf-8")
