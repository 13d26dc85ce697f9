"""Issue 4's user paths on real processes: the certificate lifecycle, selective disclosure
with verification records, proofs any agency can check, and the one-person file with
claims and corrections."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import grpc
import pytest

from cli.devnet import Devnet
from contracts.certificates.records import get_cert_key
from node.sdk.client import ClientError, LedgerClient
from node.sdk.documents import DocumentInvalid, check_partial_copy
from node.sdk.finality import FinalityError, check_proven_state
from node.sdk.tls import ClientTls
from proto import node_pb2, node_pb2_grpc
from suites import ED25519_SHA256
from tests.integration.helpers import (
    DIPLOMA,
    ID_CARD,
    answer,
    bank_reads,
    bank_requests,
    cli,
    cli_fails,
    cli_issue,
    fields_args,
    hrss_appends,
    hrss_resolves,
    issue_and_deliver,
    new_holder,
    new_holders,
    org_key,
    runner,
    wait_all_at,
    wallet,
    wallet_presents,
)


def test_certificate_lifecycle(net: Devnet) -> None:
    holder, token = new_holder(net)
    cert = cli_issue(net, "psb", "resident_id_card", holder, ID_CARD, "--valid-days", "365")
    cert_id = cert["cert_id"]

    cli(net, "cert", "suspend", "--org", "psb", "--cert-id", cert_id, "--reason", "reported lost")
    assert cli(net, "cert", "verify", "--cert-id", cert_id)["status"] == "suspended"
    cli(net, "cert", "reinstate", "--org", "psb", "--cert-id", cert_id, "--reason", "found again")
    assert cli(net, "cert", "verify", "--cert-id", cert_id)["status"] == "valid"
    # A purpose of use on the read-only verification: checked by the node, echoed (issue 17).
    verified = cli(net, "cert", "verify", "--cert-id", cert_id, "--purpose-code", "001")
    assert (verified["status"], verified["purpose_code"]) == ("valid", "001")
    cli(net, "cert", "renew", "--org", "psb", "--cert-id", cert_id, "--valid-days", "3650")

    moved = {**ID_CARD, "address": "山东省济南市历下区 1 号"}

    def replace_id_card(method: str, reason: str) -> dict[str, Any]:
        """amend or reissue the card, with the new address."""
        args = ["--org", "psb", "--cert-id", cert_id, "--type", "resident_id_card"]
        return cli(net, "cert", method, *args, "--reason", reason, *fields_args(moved))

    amended = replace_id_card("amend", "address change")
    assert amended["cert_id"] == cert_id
    with net.client() as client:
        history = client.query("certificates", "history", cert_id=cert_id)
    assert len(history["versions"]) == 2  # the old version stays queryable
    # A wrong GB 11643 check character is refused before anything is sent (issue 17).
    wrong = {**moved, "id_number": moved["id_number"][:17] + "0"}
    args = ["--org", "psb", "--cert-id", cert_id, "--type", "resident_id_card"]
    out = cli_fails(net, "cert", "amend", *args, "--reason", "typo", *fields_args(wrong))
    assert "field id_number" in out and wrong["id_number"] not in out
    with net.client() as client:
        assert len(client.query("certificates", "history", cert_id=cert_id)["versions"]) == 2

    reissued = replace_id_card("reissue", "card damaged")
    new_id = reissued["cert_id"]
    assert new_id != cert_id
    assert cli(net, "cert", "verify", "--cert-id", cert_id)["status"] == "superseded"
    assert cli(net, "cert", "verify", "--cert-id", new_id)["status"] == "valid"
    # The wallet received the new document and checked it against the chain.
    listed = {
        c["cert_id"]: c
        for c in wallet("GET", net, f"/v1/holders/{holder}/certificates", token).json()
    }
    assert listed[new_id]["document"]["fields"]["address"] == moved["address"]
    # Only the issuer may change it.
    assert "permission_denied" in cli_fails(
        net, "cert", "suspend", "--org", "edu", "--cert-id", new_id, "--reason", "x"
    )


def test_selective_disclosure_and_verification_record(net: Devnet, tmp_path: Path) -> None:
    holder, token = new_holder(net)
    cert_id = cli_issue(net, "edu", "diploma", holder, DIPLOMA)["cert_id"]
    resp = wallet_presents(net, holder, token, cert_id, ["university", "degree"], verifier="bank")
    assert resp.status_code == 200, resp.text
    shown = resp.json()
    text = shown["presentation"]
    assert text.startswith("TLP1.") and shown["qr_svg"].startswith("<svg")
    assert DIPLOMA["id_number"] not in resp.text

    path = tmp_path / "pres.json"
    path.write_text(json.dumps(shown))  # the wallet's answer as it is
    checked = cli(
        net,
        "cert",
        "check-presentation",
        "--file",
        str(path),
        "--verifier",
        "bank",
        "--record-as",
        "bank",
        "--purpose",
        "loan",
        "--purpose-code",
        "002",
    )
    assert checked["fields"] == {"university": DIPLOMA["university"], "degree": DIPLOMA["degree"]}
    assert checked["status"] == "valid" and checked["result"] == "passed"
    assert checked["holder"] == holder
    with net.client() as client:
        records = client.query("certificates", "verifications", cert_id=cert_id)
    assert [(r["verifier"], r["result"], r["purpose_code"]) for r in records] == [
        ("bank", "passed", "002")
    ]
    # Recording needs a purpose code; one not in the chain's list is refused before any
    # transaction.
    for missing_or_bad in ((), ("--purpose-code", "777")):
        error = cli_fails(
            net,
            "cert",
            "check-presentation",
            "--file",
            str(path),
            "--record-as",
            "bank",
            *missing_or_bad,
        )
        assert "purpose" in error.lower()

    # The node checks it too (VerifyPresentation): as the bank it is bound to, once.
    with net.client(org="bank") as bank:
        schedule = bank.get_validator_schedule(net.genesis.validators)
        answer = bank.verify_presentation(text, schedule)
        assert answer.accepted and answer.signer == holder
        assert dict(answer.fields) == {
            "university": DIPLOMA["university"],
            "degree": DIPLOMA["degree"],
        }
        assert answer.certificate.status == node_pb2.CERTIFICATE_STATUS_VALID
        # A node that lies about the fields, the signer or the certificate is caught.
        for lie in (
            lambda r: r.fields.__setitem__("degree", "Doctor of Philosophy"),
            lambda r: setattr(r, "signer", "hd" + "0" * 40),
            lambda r: setattr(r.certificate, "status", node_pb2.CERTIFICATE_STATUS_REVOKED),
        ):
            told = node_pb2.VerifyPresentationResponse()
            told.CopyFrom(answer)
            lie(told)
            with pytest.raises(FinalityError):
                bank.check_presentation_answer(text, told, schedule)
        again = bank.verify_presentation(text, schedule)
        assert (again.accepted, again.refusal) == (False, "replayed")
    with net.client(org="edu") as other:
        refused_there = other.verify_presentation(text)
        assert (refused_there.accepted, refused_there.refusal) == (False, "verifier")

    # Shown to another verifier than it is bound to, or with a byte changed: refused.
    path.write_text(text)
    refused = cli_fails(
        net, "cert", "check-presentation", "--file", str(path), "--verifier", "hospital"
    )
    assert "(verifier)" in refused
    raw = bytearray(base64.urlsafe_b64decode(text[5:] + "=" * (-len(text[5:]) % 4)))
    raw[-1] ^= 1
    path.write_text("TLP1." + base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("="))
    assert "(signature)" in cli_fails(net, "cert", "check-presentation", "--file", str(path))
    # Asking the wallet for a field the certificate does not have is a clear error.
    bad = wallet_presents(net, holder, token, cert_id, ["salary"])
    assert bad.status_code == 422


def test_answers_are_proven_against_certified_headers(net: Devnet) -> None:
    holder, _ = new_holder(net)
    cert_id = cli_issue(net, "edu", "diploma", holder, DIPLOMA)["cert_id"]
    validators = net.genesis.validators
    with grpc.secure_channel(net.node_address, net.tls("bank").credentials()) as channel:
        stub = node_pb2_grpc.AgencyStub(channel)
        resp = stub.VerifyCertificate(
            node_pb2.VerifyCertificateRequest(cert_id=cert_id), timeout=10
        )
        key = get_cert_key(cert_id)
        value = check_proven_state(
            net.chain_id, validators, resp.proof, key, suite=net.genesis.suite
        )
        assert value is not None and cert_id.encode() in value
        # A node that lies about the value, the key or the proof is caught.
        for mutate in (
            lambda p: setattr(p, "value", p.value.replace(b'"valid"', b'"revoked"')),
            lambda p: setattr(p, "present", False),
            lambda p: setattr(p, "proof", p.proof[:-1] + bytes([p.proof[-1] ^ 1])),
            lambda p: setattr(p.header, "state_root", b"\x00" * 32),
        ):
            lie = node_pb2.ProvenState()
            lie.CopyFrom(resp.proof)
            mutate(lie)
            with pytest.raises(FinalityError):
                check_proven_state(net.chain_id, validators, lie, key, suite=net.genesis.suite)
        # An unknown certificate is proven absent.
        missing = stub.VerifyCertificate(
            node_pb2.VerifyCertificateRequest(cert_id="cert-nothing-here"), timeout=10
        )
        assert missing.status == node_pb2.CERTIFICATE_STATUS_UNKNOWN
        assert (
            check_proven_state(
                net.chain_id,
                validators,
                missing.proof,
                get_cert_key("cert-nothing-here"),
                suite=net.genesis.suite,
            )
            is None
        )
    # Many at once: one header and commit certificate, proofs sharing their hashes.
    other = cli_issue(net, "edu", "diploma", holder, DIPLOMA)["cert_id"]
    asked = [cert_id, "cert-nothing-here", other]
    with net.client(org="bank") as bank:
        batch = bank.verify_certificates(asked, validators)
        assert [a.status for a in batch.answers] == [
            node_pb2.CERTIFICATE_STATUS_VALID,
            node_pb2.CERTIFICATE_STATUS_UNKNOWN,
            node_pb2.CERTIFICATE_STATUS_VALID,
        ]
        for lie in (
            lambda r: setattr(r.answers[0], "status", node_pb2.CERTIFICATE_STATUS_REVOKED),
            lambda r: setattr(
                r.answers[2], "value", r.answers[2].value.replace(b"valid", b"revok")
            ),
            lambda r: r.nodes.__setitem__(0, bytes(32)),
            lambda r: setattr(r.header, "time_ms", r.header.time_ms + 1),
            lambda r: r.answers.pop(),
        ):
            told = node_pb2.VerifyCertificatesResponse()
            told.CopyFrom(batch)
            lie(told)
            with pytest.raises(FinalityError):
                bank.check_certificates_answer(asked, told, validators)
        with pytest.raises(ClientError) as too_many:
            bank.verify_certificates([cert_id] * 1001)
        assert too_many.value.code == "INVALID_ARGUMENT"
        # The same on one stream, batch after batch, each answer checked as it comes.
        streamed = list(bank.verify_stream([asked, [other], asked], validators))
        assert [len(r.answers) for r in streamed] == [3, 1, 3]
        assert streamed[1].answers[0].status == node_pb2.CERTIFICATE_STATUS_VALID
        answers = bank.verify_stream([[cert_id], [], [cert_id]], validators)
        assert next(answers).answers[0].cert_id == cert_id
        with pytest.raises(ClientError) as empty:
            next(answers)  # an empty batch ends the stream with its reason
        assert empty.value.code == "INVALID_ARGUMENT"
    # Following them: every status change from before the first issue, then as it comes.
    start = cli_issue(net, "edu", "diploma", holder, DIPLOMA)
    followed = start["cert_id"]
    cli(net, "cert", "suspend", "--org", "edu", "--cert-id", followed, "--reason", "check")
    cli(net, "cert", "reinstate", "--org", "edu", "--cert-id", followed, "--reason", "ok")
    with net.client(org="bank") as bank:
        stream = bank.watch_status([followed], from_height=int(start["height"]) - 1)
        try:
            seen = [(c.status, c.event) for c in (next(stream), next(stream), next(stream))]
            cli(net, "cert", "revoke", "--org", "edu", "--cert-id", followed, "--reason", "x")
            live = next(stream)
        finally:
            stream.cancel()
        assert seen == [
            (node_pb2.CERTIFICATE_STATUS_VALID, "certificate.issued"),
            (node_pb2.CERTIFICATE_STATUS_SUSPENDED, "certificate.suspended"),
            (node_pb2.CERTIFICATE_STATUS_VALID, "certificate.reinstated"),
        ]
        assert (live.cert_id, live.status) == (followed, node_pb2.CERTIFICATE_STATUS_REVOKED)
        with pytest.raises(grpc.RpcError) as unknown:
            next(bank.watch_status(["cert-nothing-here"]))
        assert unknown.value.code() == grpc.StatusCode.NOT_FOUND
    # The SDK and the CLI check all of it.
    assert cli(net, "cert", "verify", "--cert-id", cert_id)["status"] == "valid"
    request = bank_requests(net, holder, cert_id, "loan")
    status = cli(net, "consent", "status", "--request-id", request["request_id"])
    assert status["status"] == "pending" and status["agency"] == "bank"


def test_one_person_file_claim_and_correction(net: Devnet, tmp_path: Path) -> None:
    holder, token = new_holder(net)
    content = tmp_path / "contributions.json"
    content.write_text('{"months": 120, "base": "5000"}')
    rec = hrss_appends(
        net, holder, "社保中心 social insurance centre", "--content-file", str(content)
    )
    record_id = rec["record_id"]
    # Only a source for that category may append.
    assert "permission_denied" in cli_fails(
        net,
        "archive",
        "append",
        "--org",
        "edu",
        "--subject",
        holder,
        "--category",
        "social_security",
        "--source-department",
        "x",
        "--content-hash",
        "ab" * 32,
    )
    file = wallet("GET", net, f"/v1/holders/{holder}/archive", token).json()
    assert [r["record_id"] for r in file] == [record_id]

    assert (
        wallet("POST", net, f"/v1/holders/{holder}/archive/{record_id}/claim", token).status_code
        == 200
    )
    resp = wallet(
        "POST",
        net,
        f"/v1/holders/{holder}/archive/{record_id}/corrections",
        token,
        json={"reason": "two months missing in 2019"},
    )
    assert resp.status_code == 201, resp.text
    correction_id = resp.json()["correction_id"]
    pending = cli(net, "archive", "corrections", "--org", "hrss")["corrections"]
    assert correction_id in [c["correction_id"] for c in pending]

    content.write_text('{"months": 122, "base": "5000"}')
    hrss_resolves(
        net, correction_id, "corrected", "contributions restored", "--content-file", str(content)
    )
    with net.client() as client:
        history = client.query("archives", "history", record_id=record_id)
    versions = history["versions"] if isinstance(history, dict) else history
    assert len(versions) == 2  # corrected by a new version; the old one is kept
    trace = cli(net, "audit", "trace", "--subject", holder)["entries"]
    actions = [(e["actor"], e["action"]) for e in trace]
    assert actions[:3] == [
        ("hrss", "archive.appended"),
        ("edu", "archives.append REJECTED"),  # the refused attempt is visible to auditors
        (holder, "archive.claimed"),
    ]
    assert ("hrss", "archive.corrected") in actions


def test_personal_data_is_refused_before_the_chain(net: Devnet) -> None:
    holder, _ = new_holder(net)
    cert_id = cli_issue(net, "edu", "diploma", holder, DIPLOMA)["cert_id"]
    out = cli_fails(
        net,
        "cert",
        "revoke",
        "--org",
        "edu",
        "--cert-id",
        cert_id,
        "--reason",
        "holder 110105199001011232 asked",
    )
    assert "personal_data" in out
    assert cli(net, "cert", "verify", "--cert-id", cert_id)["status"] == "valid"


def test_guardian_answers_for_an_elderly_parent(net: Devnet) -> None:
    (parent, _), (child, child_token), (stranger, stranger_token) = new_holders(net, 3)
    cli(
        net,
        "delegation",
        "register",
        "--org",
        "civil",
        "--kind",
        "guardian",
        "--principal",
        parent,
        "--delegate",
        child,
        "--actions",
        "consent",
    )
    cert_id = cli_issue(net, "psb", "resident_id_card", parent, ID_CARD)["cert_id"]
    request_id = bank_requests(net, parent, cert_id, "pension account")["request_id"]

    behalf = {"on_behalf_of": parent}
    pending = wallet(
        "GET",
        net,
        f"/v1/holders/{child}/requests",
        child_token,
        params={**behalf, "status": "pending"},
    ).json()
    assert [r["request_id"] for r in pending] == [request_id]
    # Someone who is not the guardian is refused by the contract.
    refused = answer(net, stranger, stranger_token, request_id, "refuse", params=behalf)
    assert refused.status_code == 403, refused.text
    assert "permission_denied" in refused.json()["detail"]
    granted = answer(net, child, child_token, request_id, "grant", params=behalf)
    assert granted.status_code == 200, granted.text

    with net.client() as client:
        read = bank_reads(net, client, request_id)
    doc = read.document
    assert doc["fields"]["id_number"] == ID_CARD["id_number"]
    # The guardian released the copy: the annotation is the guardian's, for the bank's purpose.
    assert (read.annotation.holder, read.annotation.agency) == (child, "bank")
    assert (read.annotation.purpose, read.annotation.purpose_code) == ("pension account", "002")
    trace = cli(net, "audit", "trace", "--subject", parent)["entries"]
    assert (child, "consent.granted") in [(e["actor"], e["action"]) for e in trace]


def test_governance_applies_only_at_quorum(net: Devnet, tmp_path: Path) -> None:
    """An organisation added by governance, with its CA: its certificates are refused
    before the decision and served from the block after it (issue 11)."""
    from cli.main import app
    from node.chain.crypto import KeyPair

    new_key = KeyPair.generate().public_key.hex()
    made = [
        runner.invoke(app, ["pki", "ca", "--org", "audit2", "--out", str(tmp_path)]),
        runner.invoke(app, ["pki", "issue", "--ca-dir", str(tmp_path), "--org", "audit2",
                            "--role", "auditor", "--name", "desk-1", "--out", str(tmp_path)]),
    ]  # fmt: skip
    assert [r.exit_code for r in made] == [0, 0], [r.output for r in made]
    desk = ClientTls.load(tmp_path / "desk-1.pem", tmp_path / "desk-1.key", [tmp_path / "ca.pem"])
    desk = replace(desk, cas=net.tls().cas)  # it checks the validators against theirs
    with LedgerClient(net.node_address, net.chain_id, desk, suite=net.genesis.suite) as stranger:
        with pytest.raises(ClientError) as refused:
            stranger.status()
        assert refused.value.code == "UNAVAILABLE"  # the handshake fails: no such CA
    prop = cli(
        net,
        "governance",
        "propose",
        "--org",
        "psb",
        "--action",
        "add_org",
        "--param",
        "org_id=audit2",
        "--param",
        "name=Provincial Audit Office",
        "--param",
        f"public_key={new_key}",
        "--param",
        'roles=["auditor"]',
        "--param",
        f"ca_certificate=@{tmp_path / 'ca.pem'}",
    )
    pid = prop["proposal_id"]
    # 8 member organisations, more than two-thirds needed: 6 approvals in all.
    for org in ("edu", "amr", "hrss", "bdc"):
        assert (
            cli(net, "governance", "approve", "--org", org, "--proposal-id", pid)["status"]
            == "open"
        )
    with net.client() as client:
        assert "audit2" not in [o["id"] for o in client.query("membership", "list")]
    assert "already_exists" in cli_fails(
        net, "governance", "approve", "--org", "edu", "--proposal-id", pid
    )
    applied = cli(net, "governance", "approve", "--org", "civil", "--proposal-id", pid)
    assert applied["status"] == "applied"
    with net.client() as client:
        org = client.query("membership", "get", org_id="audit2")
    assert org["roles"] == ["auditor"] and org["public_key"] == new_key
    wait_all_at(net, applied["height"])
    for address in net.addresses.values():
        with LedgerClient(address, net.chain_id, desk, suite=net.genesis.suite) as member:
            assert list(member.audit_trace("hd" + "0" * 40).entries) == []


def test_a_request_for_some_fields_releases_only_those_fields(net: Devnet) -> None:
    """最小够用: the bank asks for the degree alone; the holder's wallet seals only that field,
    with its own salt, and the bank checks it against the chain's field commitments."""
    holder, token = new_holder(net)
    with net.client() as client:
        doc = issue_and_deliver(net, client, "edu", "diploma", holder, DIPLOMA)
        bank = org_key(net, "bank")
        request_id = "req-fields-degree-1"
        client.call(
            bank,
            "consent",
            "request",
            {
                "request_id": request_id,
                "holder": holder,
                "scope": json.dumps([{"cert_id": doc["cert_id"], "fields": ["degree"]}]),
                "purpose": "学历核验 degree check",
                "purpose_code": "003",
                "max_uses": 1,
                "expires_at_ms": client.chain_time_ms(net.genesis.genesis_time_ms) + 86_400_000,
            },
        )
        resp = answer(net, holder, token, request_id, "grant")
        assert resp.status_code == 200, resp.text
        read = bank_reads(net, client, request_id)
    assert read.document["fields"] == {"degree": DIPLOMA["degree"]}
    assert "salt" not in read.document  # the document's salt would open every field
    assert set(read.document["field_salts"]) == {"degree"}
    assert read.annotation.request_id == request_id
    # A field altered in the copy is refused against the chain's commitments.
    forged = {**read.document, "fields": {"degree": "Doctor of Philosophy"}}
    with net.client() as client:
        onchain = client.query("certificates", "status", cert_id=doc["cert_id"])
    with pytest.raises(DocumentInvalid):
        check_partial_copy(forged, onchain, suite=ED25519_SHA256)
    check_partial_copy(read.document, onchain, suite=ED25519_SHA256)  # the copy as released passes
