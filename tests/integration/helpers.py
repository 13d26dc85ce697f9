"""Small helpers for driving the real APIs in integration tests."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
from typer.testing import CliRunner

from cli.devnet import Devnet, node_status, passphrase
from cli.devnet import agreed_view as devnet_agreed_view
from node.chain.crypto import KeyPair, load_key_file

HOLDER_PASSPHRASE = "correct horse battery staple"


def org_key(net: Devnet, org: str) -> KeyPair:
    return load_key_file(net.org_key_path(org), passphrase())


def new_holder(net: Devnet) -> tuple[str, str]:
    resp = httpx.post(
        f"{net.wallet_url}/v1/holders", json={"passphrase": HOLDER_PASSPHRASE}, timeout=30
    )
    resp.raise_for_status()
    body = resp.json()
    return body["holder_id"], body["token"]


def wallet(
    method: str, net: Devnet, path: str, token: str | None = None, **kw: Any
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.request(method, f"{net.wallet_url}{path}", headers=headers, timeout=30, **kw)


DIPLOMA = {
    "holder_name": "王伟 Wang Wei",
    "id_number": "110105199001011234",
    "university": "北京大学 Peking University",
    "degree": "Master of Science",
    "major": "Statistics",
    "graduation_date": "2015-07-01",
}

ID_CARD = {
    "holder_name": "王伟 Wang Wei",
    "sex": "男",
    "ethnicity": "汉",
    "birth_date": "1990-01-01",
    "address": "北京市海淀区中关村大街 1 号 电话 13800138000",
    "id_number": "110105199001011234",
    "issuing_authority": "北京市公安局海淀分局",
    "valid_from": "2015-01-01",
    "valid_until": "2035-01-01",
}


def wait_all_at(net: Devnet, height: int, timeout_s: float = 20.0) -> None:
    """Wait until every validator has committed `height` (replicas may lag by a message)."""
    deadline = time.monotonic() + timeout_s
    while True:
        rows = node_status(net)
        if all(r["up"] and r["height"] >= height for r in rows):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"validators did not reach height {height}: {rows}")
        time.sleep(0.1)


def agreed_view(net: Devnet, timeout_s: float = 20.0) -> tuple[int, str]:
    """Wait until a quorum of validators works in one view; its (view, primary)."""
    deadline = time.monotonic() + timeout_s
    while True:
        rows = node_status(net)
        agreed = devnet_agreed_view(rows)
        if agreed is not None:
            return agreed
        if time.monotonic() > deadline:
            raise AssertionError(f"no quorum of validators agrees on a view: {rows}")
        time.sleep(0.1)


runner = CliRunner()


def cli(net: Devnet, *args: str) -> dict[str, Any]:
    """Run `trustledger ARGS --dir DIR --json`; it must succeed; return its JSON."""
    from cli.main import app

    result = runner.invoke(app, [*args, "--dir", str(net.dir), "--json"])
    assert result.exit_code == 0, result.output
    doc: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return doc


def cli_fails(net: Devnet, *args: str) -> str:
    """Run `trustledger ARGS --dir DIR`; it must fail; return what it printed."""
    from cli.main import app

    result = runner.invoke(app, [*args, "--dir", str(net.dir)])
    assert result.exit_code != 0, result.output
    return result.output


def fields_args(fields: dict[str, str]) -> list[str]:
    return [a for k, v in fields.items() for a in ("--field", f"{k}={v}")]
