"""Small helpers for driving the real APIs in integration tests."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from typer.testing import CliRunner

from cli import devnet
from cli.cert import issue_certificate, operator_caller
from cli.common import DAY_MS
from cli.consent import Disclosure, access_and_read, request_access
from cli.devnet import Devnet, node_status, passphrase
from cli.devnet import agreed_view as devnet_agreed_view
from node.chain.crypto import KeyPair, load_key_file
from node.sdk.client import LedgerClient
from suites import Suite

HOLDER_PASSPHRASE = "correct horse battery staple"


@contextmanager
def running_devnet(folder: Path, suite: Suite | None = None) -> Iterator[Devnet]:
    """A devnet made and started quietly in `folder` on free ports (on a chain of `suite`,
    ed25519-sha256 by default), stopped on the way out: the one-per-module devnet of
    tests/integration and tests/caps."""
    started = devnet.up(folder, base_port=0, show=False, suite=suite)
    try:
        yield started
    finally:
        devnet.down(folder)


def org_key(net: Devnet, org: str) -> KeyPair:
    return load_key_file(net.org_key_path(org), passphrase())


def wallet_store_files(net: Devnet) -> bytes:
    """Every file of the devnet wallet's LevelDB store, concatenated: what an erasure must
    leave nothing readable in (docs/erasure.md)."""
    folder = net.dir / "wallet" / "db"
    return b"".join(p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file())


def new_holder(net: Devnet) -> tuple[str, str]:
    resp = httpx.post(
        f"{net.wallet_url}/v1/holders",
        json={"passphrase": HOLDER_PASSPHRASE},
        timeout=30,
        verify=net.wallet_tls(),
    )
    resp.raise_for_status()
    body = resp.json()
    return body["holder_id"], body["token"]


def wallet(
    method: str, net: Devnet, path: str, token: str | None = None, **kw: Any
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.request(
        method,
        f"{net.wallet_url}{path}",
        headers=headers,
        timeout=30,
        verify=net.wallet_tls(),
        **kw,
    )


def wallet_presents(
    net: Devnet, holder: str, token: str, cert_id: str, fields: list[str], **more: Any
) -> httpx.Response:
    """The wallet's answer to a holder asking for a presentation of some fields (the QR text
    in `presentation`); `more` adds the body's other keys (e.g. `verifier`)."""
    return wallet(
        "POST",
        net,
        f"/v1/holders/{holder}/certificates/{cert_id}/presentation",
        token,
        json={"fields": fields, **more},
    )


def signed(method: str, net: Devnet, org: str, path: str, **kw: Any) -> httpx.Response:
    """A request to a wallet service route, signed with `org`'s operator certificate."""
    return operator_caller(net, org).request(method, f"{net.wallet_url}{path}", **kw)


DIPLOMA = {
    "holder_name": "王伟 Wang Wei",
    "id_number": "110105199001011232",
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
    "id_number": "110105199001011232",
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


def hrss_delivers(net: Devnet, subject: str, content: Path, text: str) -> str:
    """The social security bureau (社保中心) files a record of ``text`` (written to
    ``content``) in ``subject``'s file and delivers its content to the wallet: its id."""
    content.write_text(text)
    filed = hrss_appends(net, subject, "社保中心", "--content-file", str(content), "--deliver")
    record_id: str = filed["record_id"]
    return record_id


def hrss_appends(net: Devnet, subject: str, department: str, *content: str) -> dict[str, Any]:
    """`trustledger archive append` by the social security bureau: a social-security record
    in `subject`'s file from `department`; `content` is `--content-file PATH` or
    `--content-hash HEX`. The command's JSON."""
    return cli(
        net,
        "archive",
        "append",
        "--org",
        "hrss",
        "--subject",
        subject,
        "--category",
        "social_security",
        "--source-department",
        department,
        *content,
    )


def hrss_resolves(
    net: Devnet, correction_id: str, outcome: str, reason: str, *more: str
) -> dict[str, Any]:
    """`trustledger archive resolve` by the social security bureau (`more`: e.g. the
    corrected `--content-file`). The command's JSON."""
    return cli(
        net,
        "archive",
        "resolve",
        "--org",
        "hrss",
        "--correction-id",
        correction_id,
        "--outcome",
        outcome,
        "--reason",
        reason,
        *more,
    )


def fields_args(fields: dict[str, str]) -> list[str]:
    return [a for k, v in fields.items() for a in ("--field", f"{k}={v}")]


def cli_issue(
    net: Devnet, org: str, cert_type: str, holder: str, fields: dict[str, str], *more: str
) -> dict[str, Any]:
    """`trustledger cert issue` by `org` to `holder`; the command's JSON."""
    return cli(
        net,
        "cert",
        "issue",
        "--org",
        org,
        "--type",
        cert_type,
        "--holder",
        holder,
        *fields_args(fields),
        *more,
    )


def bank_requests(
    net: Devnet, holder: str, cert_id: str, purpose: str, *more: str
) -> dict[str, Any]:
    """`trustledger consent request`: the bank asks `holder` for `cert_id`, for a loan
    review (purpose code 002) unless `more` names another; the JSON."""
    return _bank_asks(net, holder, ("--cert-id", cert_id), purpose, more)


def bank_requests_records(net: Devnet, holder: str, *more: str) -> dict[str, Any]:
    """`trustledger consent request`: the bank asks `holder` for its 社保 (social_security)
    archive records, for a loan review (贷款审核, purpose code 002); the JSON."""
    return _bank_asks(net, holder, ("--record-category", "social_security"), "贷款审核", more)


def _bank_asks(
    net: Devnet, holder: str, wanted: tuple[str, str], purpose: str, more: tuple[str, ...]
) -> dict[str, Any]:
    code = () if "--purpose-code" in more else ("--purpose-code", "002")
    return cli(
        net, "consent", "request", "--org", "bank", "--holder", holder, *wanted,
        "--purpose", purpose, *code, *more,
    )  # fmt: skip


def issue_and_deliver(
    net: Devnet,
    client: LedgerClient,
    org: str,
    cert_type: str,
    holder: str,
    fields: dict[str, str],
) -> dict[str, Any]:
    """Issue through the SDK and hand the document to the holder's wallet, which accepts
    it (201) once it has checked it against the chain; the document."""
    doc, _ = issue_certificate(client, org_key(net, org), cert_type, holder, fields, org_id=org)
    resp = signed("POST", net, org, f"/v1/holders/{holder}/certificates", json={"document": doc})
    assert resp.status_code == 201, resp.text
    return doc


def issued_diploma(net: Devnet, client: LedgerClient) -> tuple[str, str, str, dict[str, Any]]:
    """A new holder of the wallet with a diploma issued and delivered to it: (holder, its
    session token, the certificate id, the document)."""
    holder, token = new_holder(net)
    doc = issue_and_deliver(net, client, "edu", "diploma", holder, DIPLOMA)
    return holder, token, str(doc["cert_id"]), doc


def sdk_bank_request(
    net: Devnet, client: LedgerClient, holder: str, cert_id: str, purpose: str, max_uses: int = 1
) -> str:
    """The bank asks `holder` for `cert_id` through the SDK, for a day of chain time; the
    request id."""
    request_id, _ = request_access(
        client,
        org_key(net, "bank"),
        holder,
        cert_id,
        purpose,
        purpose_code="002",
        max_uses=max_uses,
        expires_at_ms=client.chain_time_ms(net.genesis.genesis_time_ms) + DAY_MS,
    )
    return request_id


def answer(
    net: Devnet, holder: str, token: str, request_id: str, how: str, **kw: Any
) -> httpx.Response:
    """`holder` grants, refuses or revokes (`how`) a request in the wallet."""
    if how == "grant":
        kw.setdefault("json", {})
    path = f"/v1/holders/{holder}/requests/{request_id}/{how}"
    return wallet("POST", net, path, token, **kw)


def sdk_bank_grant(
    net: Devnet,
    client: LedgerClient,
    holder: str,
    token: str,
    cert_id: str,
    purpose: str,
    max_uses: int = 1,
) -> str:
    """`sdk_bank_request`, then the holder grants it in the wallet; the request id."""
    request_id = sdk_bank_request(net, client, holder, cert_id, purpose, max_uses)
    resp = answer(net, holder, token, request_id, "grant")
    assert resp.status_code == 200, resp.text
    return request_id


def bank_reads(net: Devnet, client: LedgerClient, request_id: str) -> Disclosure:
    """The bank records its access under `request_id` on the chain, collects what the holder
    released from the wallet and checks it against the chain (`access_and_read`)."""
    return access_and_read(
        client,
        org_key(net, "bank"),
        operator_caller(net, "bank"),
        net.wallet_url,
        request_id,
        suite=net.genesis.suite,
    )


def new_holders(net: Devnet, count: int) -> list[tuple[str, str]]:
    """`count` new holders in the devnet's wallet: (holder id, session token) each."""
    return [new_holder(net) for _ in range(count)]


def block_hashes(net: Devnet, address: str, upto: int) -> list[bytes]:
    """The hashes of blocks 1..upto as the validator at `address` has them."""
    with net.client(address) as c:
        return [bytes(c.get_block(h).block.commit.block_hash) for h in range(1, upto + 1)]
