"""`trustledger demo`: one story a citizen would recognise, on a real 4-validator devnet.

The public-security bureau issues Li Na's ID card and the education bureau her diploma;
a bank asks for the diploma for a loan; she grants it in her wallet; the bank verifies
it over gRPC and reads it; an auditor traces the flow; the bureau revokes the diploma and
the bank's next verification says so. Her social-security record joins her file and the
bank records a check of her ID card; DIR/demo.json lists every id the story used, so the
audit commands can be run on them right after it (docs/auditors.md).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from cli import devnet
from cli.audit_evidence import facts_table, prove_trace
from cli.cert import deliver, issue_certificate, operator_caller, verification_view
from cli.common import DAY_MS
from cli.consent import access_and_read, request_access
from cli.devnet import Devnet
from node.chain.crypto import KeyPair, load_key_file
from node.chain.ids import new_id
from node.sdk.annotation import get_annotation_text
from node.sdk.client import ClientError, LedgerClient, TransactionRejected

console = Console()

# Fictional person; these values live only in her wallet, never on the chain.
ID_CARD = {
    "holder_name": "李娜 Li Na",
    "sex": "女",
    "ethnicity": "汉",
    "birth_date": "1994-03-12",
    "address": "山东省威海市环翠区文化西路 88 号",
    "id_number": "371002199403120022",
    "issuing_authority": "威海市公安局环翠分局",
    "valid_from": "2019-05-01",
    "valid_until": "2039-05-01",
}


def diploma_fields(cert_type_fields: tuple[str, ...]) -> dict[str, str]:
    values = {
        "holder_name": "李娜 Li Na",
        "id_number": "371002199403120022",
        "university": "山东大学 Shandong University",
        "degree": "Bachelor of Engineering 工学学士",
        "major": "Computer Science 计算机科学与技术",
        "graduation_date": "2016-06-30",
        "certificate_number": "104221201605001234",
        "education_level": "本科 undergraduate",
        "study_mode": "全日制 full-time",
    }
    return {f: values.get(f, f"demo {f}") for f in cert_type_fields}


def step(n: int, title: str) -> None:
    console.rule(f"[bold]{n}. {title}")


def wallet_call(
    net: Devnet,
    method: str,
    url: str,
    token: str | None = None,
    body: dict[str, Any] | None = None,
) -> Any:
    """A holder's call to the wallet, over HTTPS checked against the wallet's CA."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    resp = httpx.request(
        method, url, json=body, headers=headers, timeout=30, verify=net.wallet_tls()
    )
    if resp.status_code >= 300:
        raise RuntimeError(f"wallet {method} {url} -> {resp.status_code}: {resp.text}")
    return resp.json()


LI_NA_PASSPHRASE = "li-na-wallet-passphrase"
"""Li Na's wallet passphrase in the demo (printed with `--keep`, to sign in on the page)."""


def play(net: Devnet) -> DemoIds:
    """The story; the ids it used."""
    from node.sdk.catalogue import get_certificate_type

    pw = devnet.passphrase()
    keys: dict[str, KeyPair] = {
        o: load_key_file(net.org_key_path(o), pw) for o in ("psb", "edu", "bank", "hrss")
    }
    validators = net.genesis.validators
    with net.client() as client:
        step(1, "Li Na opens her wallet (数字保险箱)")
        me = wallet_call(
            net,
            "POST",
            f"{net.wallet_url}/v1/holders",
            body={"passphrase": LI_NA_PASSPHRASE},
        )
        holder, token = str(me["holder_id"]), me["token"]
        console.print(f"her pseudonym on the chain is [cyan]{holder}[/] — no name, no ID number")

        step(2, "The Public Security Bureau issues her resident ID card (居民身份证)")
        id_doc, c = issue_certificate(
            client, keys["psb"], "resident_id_card", holder, ID_CARD, org_id="psb"
        )
        deliver(operator_caller(net, "psb"), net.wallet_url, holder, id_doc)
        console.print(
            f"ID card {id_doc['cert_id']} committed in block {c.height}; the document went to her wallet"
        )

        step(3, "The Education Bureau issues her diploma (高校学历)")
        dip_doc, c = issue_certificate(
            client,
            keys["edu"],
            "diploma",
            holder,
            diploma_fields(get_certificate_type(client, "diploma").fields),
            org_id="edu",
        )
        deliver(operator_caller(net, "edu"), net.wallet_url, holder, dip_doc)
        diploma = dip_doc["cert_id"]
        console.print(f"diploma {diploma} committed in block {c.height}")
        console.print(
            "  its national identifier (GB/T 36904): type code of 高校学历, the Education"
            " Bureau's unified social credit code, serial, version 001, check character"
        )
        meta = client.query("certificates", "metadata", cert_id=diploma)
        shown = client.query("certificates", "type", type_id="diploma")
        console.print(
            f"  the type is the chain's catalogue entry (version {shown['version']}, type code"
            f" {meta['type_code']}); GB/T 36903 metadata on the chain: {meta['name_zh']},"
            f" issuer code {meta['issuer_code']}, block {meta['issued_height']}; the holder's"
            f" name and number stay in the document ({', '.join(meta['off_chain_fields'].values())})"
        )
        certs = wallet_call(net, "GET", f"{net.wallet_url}/v1/holders/{holder}/certificates", token)
        table = Table(title="her wallet")
        for col in ("certificate", "type", "issuer", "status"):
            table.add_column(col)
        for rec in certs:
            table.add_row(rec["cert_id"], rec["cert_type"], rec["issuer"], rec["status"])
        console.print(table)

        step(4, "The bank asks for her diploma, for a loan application")
        now = client.chain_time_ms(net.genesis.genesis_time_ms)
        request_id, c = request_access(
            client,
            keys["bank"],
            holder,
            diploma,
            "personal loan application 个人贷款申请",
            purpose_code="002",  # 金融信贷审核
            max_uses=2,
            expires_at_ms=now + 30 * DAY_MS,
        )
        console.print(
            f"request {request_id} recorded in block {c.height},"
            " purpose 002 金融信贷审核 (申请事由) on the chain"
        )
        try:
            client.call(keys["bank"], "consent", "access", {"request_id": request_id})
        except TransactionRejected as exc:
            console.print(
                f"the bank tries to read before she answers: [red]refused[/] ({exc.code}: {exc.message})"
            )
        else:
            raise RuntimeError("access before a grant was accepted: the consent contract is broken")

        step(5, "She sees the request in her wallet and grants it")
        pending = wallet_call(
            net, "GET", f"{net.wallet_url}/v1/holders/{holder}/requests?status=pending", token
        )
        for req in pending:
            console.print(
                f"  {req['agency']} asks for {req['cert_type']} — purpose: {req['purpose']}, up to {req['max_uses']} uses"
            )
        granted = wallet_call(
            net,
            "POST",
            f"{net.wallet_url}/v1/holders/{holder}/requests/{request_id}/grant",
            token,
            {},
        )
        console.print(f"granted in block {granted['height']}")

        step(6, "The bank verifies the diploma over gRPC and reads it")
        resp = client.verify_certificate(diploma, validators=validators)
        view = verification_view(resp)
        console.print(
            f"status: [green]{view['status']}[/], issuer {view['issuer']}, answer final at height {resp.height} "
            f"({view['commit_signatures']} validator signatures checked against genesis)"
        )
        read = access_and_read(
            client,
            keys["bank"],
            operator_caller(net, "bank"),
            net.wallet_url,
            request_id,
            suite=net.genesis.suite,
        )
        doc = read.document
        bank_name = client.query("membership", "get", org_id="bank")["name"]
        console.print(
            f"access recorded in block {read.committed.height}; the document matches the "
            "on-chain hash, and the copy carries the annotation she signed (加注件):"
        )
        console.print(f"  [bold]{get_annotation_text(read.annotation, bank_name)}[/]")
        for k in ("holder_name", "university", "degree", "graduation_date"):
            if k in doc["fields"]:
                console.print(f"  {k}: {doc['fields'][k]}")

        step(7, "An auditor traces the flow of her data, every event proven")
        _, checked = prove_trace(client, net.genesis, holder)
        console.print(facts_table(f"audit trace of {holder}", checked.facts))
        if checked.unproven:
            raise RuntimeError(f"{len(checked.unproven)} trace entries do not prove")

        step(8, "The Education Bureau revokes the diploma; the bank verifies again")
        c = client.call(
            keys["edu"],
            "certificates",
            "revoke",
            {"cert_id": diploma, "reason": "degree rescinded after review"},
        )
        resp = client.verify_certificate(diploma, validators=validators)
        view = verification_view(resp)
        console.print(
            f"revoked in block {c.height}; the bank's verification now says: [red]{view['status']}[/] "
            f"(reason: {view['revocation_reason']})"
        )
        if view["status"] != "revoked":
            raise RuntimeError("verification after revocation did not say revoked")

        record_id, verification_id = file_and_verify(keys, client, holder, id_doc["cert_id"])
    return DemoIds(
        holders=[holder],
        certificates=[id_doc["cert_id"], diploma],
        organisations=["psb", "edu", "hrss", "bank"],
        requests=[request_id],
        archive_items=[record_id],
        verifications=[verification_id],
    )


@dataclass(frozen=True)
class DemoIds:
    """The ids the demo used, written to DIR/demo.json so each audit command can be run on
    its data right after it (docs/auditors.md)."""

    holders: list[str]
    certificates: list[str]
    organisations: list[str]
    requests: list[str]
    archive_items: list[str]
    verifications: list[str]


def file_and_verify(
    keys: Mapping[str, KeyPair], client: LedgerClient, holder: str, id_card: str
) -> tuple[str, str]:
    """Step 9: more of her file for the auditor's graph and reports: the HR & Social
    Security Bureau returns a record into her file (一人一档), and the bank records its
    check of her ID card (验证记录). The record's id and the verification's."""
    step(9, "Her social-security record joins her file; the bank records a check")
    record_id, verification_id = new_id("rec"), new_id("ver")
    c = client.call(
        keys["hrss"],
        "archives",
        "append",
        {
            "record_id": record_id,
            "subject": holder,
            "category": "social_security",
            "source_department": "社会保险经办处 social insurance office",
            "content_hash": hashlib.sha256(b"demo social-security record").hexdigest(),
        },
    )
    console.print(f"record {record_id} (social_security) appended to her file in block {c.height}")
    c = client.call(
        keys["bank"],
        "certificates",
        "record_verification",
        {
            "cert_id": id_card,
            "verification_id": verification_id,
            "result": "passed",
            "purpose": "account opening 开户核验",
            "purpose_code": "002",
        },
    )
    console.print(f"verification {verification_id} of her ID card recorded in block {c.height}")
    return record_id, verification_id


def write_demo_ids(workdir: Path, chain_id: str, ids: DemoIds) -> Path:
    """DIR/demo.json: the ids the demo used, and the audit commands to run on them."""
    d, holder, org = str(workdir), ids.holders[0], ids.organisations[-1]
    doc = {
        "chain_id": chain_id,
        **dataclasses.asdict(ids),
        "commands": [
            f"trustledger devnet up --dir {d}",
            f"trustledger audit trace --dir {d} --subject {holder}",
            f"trustledger audit graph --dir {d} --subject {holder} --format svg --out flows.svg",
            f"trustledger audit report --dir {d} --org {org}",
            f"trustledger audit verify-chain --dir {d}",
            f"trustledger audit anomalies --dir {d}",
            f"trustledger devnet down --dir {d}",
        ],
    }
    path = workdir / "demo.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def show_trust_boundary(net: Devnet) -> None:
    """Who may call: the organisations' CAs the chain holds, and a call without a
    certificate refused."""
    with net.client(org=devnet.OPS_ORG) as client:
        orgs = client.query("membership", "trust")["organisations"]
    console.print(
        f"{len(orgs)} organisations, each with its own CA on the chain "
        f"({', '.join(o['org_id'] for o in orgs)}); every call below goes over mutual TLS "
        "with the certificate of the organisation making it."
    )
    try:
        with LedgerClient(
            net.node_address, net.chain_id, None, timeout_s=5, suite=net.genesis.suite
        ) as anonymous:
            anonymous.status()
    except ClientError as exc:
        console.print(f"a call without a certificate is refused: [red]{exc.code}[/]")
    else:
        raise RuntimeError("a validator answered a call without a certificate")


def demo_cmd(
    dir: Annotated[
        Path | None, typer.Option("--dir", help="keep the devnet's data in this folder")
    ] = None,
    keep: Annotated[
        bool,
        typer.Option(
            "--keep",
            help="leave the devnet running after the story and print how to sign in to the"
            " citizen's page as Li Na and to the bank's window page as its clerk (stop it with"
            " `trustledger devnet down --dir DIR`)",
        ),
    ] = False,
    suite: devnet.SuiteOpt = None,
) -> None:
    """Start a fresh devnet, play the certificate story end to end, shut everything down
    (or, with --keep, leave it running for a person to try the pages)."""
    workdir = dir or Path(tempfile.mkdtemp(prefix="trustledger-demo-"))
    if dir is not None and (dir / "devnet.json").exists():
        console.print(f"reusing the devnet in {dir}")
    console.print(
        Panel.fit("TrustLedger demo: 4 validators (PBFT), a wallet, and a certificate's whole life")
    )
    try:
        net = devnet.up(workdir, base_port=0, suite=devnet.suite_of(suite))
        console.print(
            f"devnet {net.chain_id} ({net.genesis.suite.name}) up in {workdir}: {', '.join(net.addresses.values())}; wallet {net.wallet_url}"
        )
        console.print(f"the citizen's page: {net.wallet_app_url}")
        if net.window_url:
            console.print(f"the bank's window page: {net.window_page_url}")
        show_trust_boundary(net)
        ids = play(net)
        holder = ids.holders[0]
        written = write_demo_ids(workdir, net.chain_id, ids)
        console.print(Panel.fit("[green]demo finished: every step checked against the chain[/]"))
        console.print(f"the ids it used, and the audit commands to run on them: {written}")
    except Exception as exc:
        console.print(f"[red]demo failed:[/] {exc}  (logs in {workdir}/logs)")
        devnet.down(workdir)
        raise typer.Exit(1) from exc
    if keep:
        console.print(
            f"the devnet keeps running. Open {net.wallet_app_url} (its certificate is from the"
            f" devnet's CA, {workdir}/cas/bdc.pem) and sign in as Li Na:\n"
            f"  wallet id:  {holder}\n  passphrase: {LI_NA_PASSPHRASE}"
        )
        if net.window_url:
            console.print(
                f"The bank's window page: open {net.window_page_url} (its certificate is from"
                f" {workdir}/cas/{devnet.WINDOW_ORG}.pem) and sign in as its clerk:\n"
                f"  clerk id:   {devnet.WINDOW_CLERK}\n"
                f"  passphrase: {devnet.WINDOW_CLERK_PASSPHRASE}\n"
                "then upload a screenshot of Li Na's 亮证 QR code, or paste its text."
            )
        console.print(f"stop it with: trustledger devnet down --dir {workdir}")
        return
    devnet.down(workdir)
    if dir is None:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        console.print(f"devnet data kept in {workdir}")
