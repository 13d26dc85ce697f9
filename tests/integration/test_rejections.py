"""Bad input against the real processes: each gets a clear error and changes nothing."""

from __future__ import annotations

import time

import grpc
import httpx
import pytest
from typer.testing import CliRunner

from cli.cert import issue_certificate
from cli.devnet import Devnet
from cli.main import app
from contracts.framework.limits import CERT_ID_LENGTH_MAX
from node import limits
from node.chain.crypto import KeyPair
from node.chain.tx import build_tx, tx_hash
from node.sdk.client import (
    ClientError,
    FinalityError,
    LedgerClient,
    TransactionRejected,
    check_finality,
)
from proto import ledger_pb2, node_pb2
from tests.integration.helpers import (
    DIPLOMA,
    ID_CARD,
    answer,
    issued_diploma,
    new_holder,
    org_key,
    sdk_bank_grant,
    sdk_bank_request,
    signed,
    wait_all_at,
    wallet,
)


def snapshot(client: LedgerClient) -> tuple[bytes, int]:
    st = client.status()
    return bytes(st.state_root), st.height


def expect_rejected(
    client: LedgerClient,
    keypair: KeyPair,
    contract: str,
    method: str,
    args: dict[str, object],
    code: str,
) -> TransactionRejected:
    root_before, height_before = snapshot(client)
    with pytest.raises(TransactionRejected) as info:
        client.call(keypair, contract, method, args)  # type: ignore[arg-type]
    assert info.value.code == code, info.value
    root_after, height_after = snapshot(client)
    # The rejected transaction is in a block (for auditors) but the state did not change.
    assert height_after == info.value.height > height_before
    assert root_after == root_before
    return info.value


def test_bank_without_grant_is_refused_and_state_unchanged(net: Devnet) -> None:
    with net.client() as client:
        holder, _, cert_id, _ = issued_diploma(net, client)
        bank = org_key(net, "bank")
        request_id = sdk_bank_request(net, client, holder, cert_id, "account opening")
        err = expect_rejected(
            client, bank, "consent", "access", {"request_id": request_id}, "permission_denied"
        )
        assert "pending" in err.message
        # An access id that was never requested at all.
        expect_rejected(
            client, bank, "consent", "access", {"request_id": "req-never-made-123"}, "not_found"
        )
        # The auditor sees the attempt under the holder's trace.
        trace = client.audit_trace(holder)
        assert any(
            not e.ok and e.method == "access" and e.error_code == "permission_denied"
            for e in trace.entries
        )


def test_refused_and_revoked_grants_are_enforced(net: Devnet) -> None:
    with net.client() as client:
        holder, token, cert_id, _ = issued_diploma(net, client)
        bank = org_key(net, "bank")
        refused_id = sdk_bank_request(net, client, holder, cert_id, "credit check", 3)
        assert answer(net, holder, token, refused_id, "refuse").status_code == 200
        expect_rejected(
            client, bank, "consent", "access", {"request_id": refused_id}, "permission_denied"
        )

        granted_id = sdk_bank_grant(net, client, holder, token, cert_id, "credit check", 3)
        client.call(bank, "consent", "access", {"request_id": granted_id})
        assert answer(net, holder, token, granted_id, "revoke").status_code == 200
        expect_rejected(
            client, bank, "consent", "access", {"request_id": granted_id}, "permission_denied"
        )


def test_unauthorised_issuers_and_revokers(net: Devnet) -> None:
    with net.client() as client:
        holder, _, cert_id, _ = issued_diploma(net, client)
        # A bank is no issuer; the PSB may not issue diplomas; only the issuer revokes.
        fields = {
            "cert_id": "cert-forged-000001",
            "cert_type": "diploma",
            "holder": holder,
            "doc_hash": "ab" * 32,
            "valid_until_ms": 0,
        }
        expect_rejected(
            client, org_key(net, "bank"), "certificates", "issue", fields, "permission_denied"
        )
        expect_rejected(
            client, org_key(net, "psb"), "certificates", "issue", fields, "permission_denied"
        )
        expect_rejected(
            client,
            org_key(net, "psb"),
            "certificates",
            "revoke",
            {"cert_id": cert_id, "reason": "not mine"},
            "permission_denied",
        )
        # A holder key that is not the certificate's holder cannot grant someone else's request.
        stranger = KeyPair.generate()
        request_id = sdk_bank_request(net, client, holder, cert_id, "loan")
        expect_rejected(
            client, stranger, "consent", "grant", {"request_id": request_id}, "permission_denied"
        )
        assert client.verify_certificate(cert_id).status == node_pb2.CERTIFICATE_STATUS_VALID


def test_forged_signature_is_unauthenticated(net: Devnet) -> None:
    with net.client() as client:
        before = snapshot(client)
        tx = build_tx(
            net.chain_id,
            org_key(net, "psb"),
            "certificates",
            "revoke",
            {"cert_id": "cert-anything-1", "reason": "x"},
        )
        forged = bytearray(tx.signature)
        forged[0] ^= 0x01
        tx.signature = bytes(forged)
        with pytest.raises(ClientError) as info:
            client.submit(tx)
        assert info.value.code == "UNAUTHENTICATED"
        assert "signature" in info.value.message
        # A valid signature by one key over a body naming another submitter is forged too.
        tx2 = build_tx(
            net.chain_id,
            KeyPair.generate(),
            "certificates",
            "revoke",
            {"cert_id": "cert-anything-1", "reason": "x"},
        )
        tx2.body.submitter = org_key(net, "psb").public_key
        with pytest.raises(ClientError) as info:
            client.submit(tx2)
        assert info.value.code == "UNAUTHENTICATED"
        assert snapshot(client) == before


def test_replayed_transaction_is_refused_everywhere(net: Devnet) -> None:
    with net.client() as client:
        holder, _ = new_holder(net)
        doc, committed = issue_certificate(
            client, org_key(net, "psb"), "resident_id_card", holder, ID_CARD
        )
        block = client.get_block(committed.height).block
        original = next(t for t in block.txs if t.body.args)
        wait_all_at(net, committed.height)
        before = snapshot(client)
        for address in net.addresses.values():
            with net.client(address) as other:
                with pytest.raises(ClientError) as info:
                    other.submit(original)
                assert info.value.code == "ALREADY_EXISTS"
                assert "replay" in info.value.message
        assert snapshot(client) == before
        assert client.query("certificates", "status", cert_id=doc["cert_id"])["status"] == "valid"


def test_malformed_transactions(net: Devnet) -> None:
    keypair = org_key(net, "psb")
    with net.client() as client:
        before = snapshot(client)

        def revoke(
            chain_id: str = net.chain_id, reason: str = "x", nonce: bytes | None = None
        ) -> ledger_pb2.Transaction:
            args = {"cert_id": "cert-anything-1", "reason": reason}
            return build_tx(chain_id, keypair, "certificates", "revoke", args, nonce=nonce)

        wrong_chain = revoke("another-chain")
        unsorted = revoke()
        unsorted.body.args.reverse()
        oversized = revoke(reason="x" * (limits.TX_BYTES_MAX + 1))
        bad_nonce = revoke(nonce=b"short")
        for tx, needle in (
            (wrong_chain, "wrong_chain"),
            (unsorted, "sorted"),
            (oversized, "too_large"),
            (bad_nonce, "nonce"),
        ):
            with pytest.raises(ClientError) as info:
                client.submit(tx)
            assert info.value.code == "INVALID_ARGUMENT", info.value
            assert needle in info.value.message
        with pytest.raises(ClientError) as info:
            client.submit(ledger_pb2.Transaction())
        assert info.value.code == "INVALID_ARGUMENT"
        # Raw garbage instead of a protobuf message.
        with grpc.secure_channel(net.node_address, net.tls().credentials()) as channel:
            raw = channel.unary_unary("/trustledger.v1.Ledger/SubmitTransaction")
            with pytest.raises(grpc.RpcError) as rpc_info:
                raw(b"\xff\xff\xff\xff\x0f garbage", timeout=5)
            # Refused before any handler (node/transport/decoding.py), not UNKNOWN (issue 16).
            assert rpc_info.value.code() is grpc.StatusCode.INVALID_ARGUMENT
            assert "parsing" in (rpc_info.value.details() or "")
        assert client.status().height == before[1]  # the node is alive and unchanged
        # Queries with unknown contracts or bad arguments.
        with pytest.raises(ClientError) as info:
            client.query("nonexistent", "get")
        assert info.value.code == "UNIMPLEMENTED"
        with pytest.raises(ClientError) as info:
            client.verify_certificate("x" * (CERT_ID_LENGTH_MAX + 1))
        assert info.value.code == "INVALID_ARGUMENT"
        assert (
            client.verify_certificate("cert-does-not-exist").status
            == node_pb2.CERTIFICATE_STATUS_UNKNOWN
        )
        assert snapshot(client) == before
        assert client.status().height == before[1]


def test_finality_check_detects_tampering(net: Devnet) -> None:
    with net.client() as client:
        _, _, cert_id, _ = issued_diploma(net, client)
        resp = client.verify_certificate(cert_id, validators=net.genesis.validators)
        check_finality(
            net.chain_id, net.genesis.validators, resp.header, resp.commit, suite=net.genesis.suite
        )
        tampered = ledger_pb2.BlockHeader()
        tampered.CopyFrom(resp.header)
        tampered.state_root = b"\x00" * 32
        with pytest.raises(FinalityError):
            check_finality(
                net.chain_id, net.genesis.validators, tampered, resp.commit, suite=net.genesis.suite
            )
        thin = ledger_pb2.CommitCertificate()
        thin.CopyFrom(resp.commit)
        del thin.votes[1:]
        with pytest.raises(FinalityError):
            check_finality(
                net.chain_id, net.genesis.validators, resp.header, thin, suite=net.genesis.suite
            )


def test_wallet_rejects_bad_requests(net: Devnet) -> None:
    with net.client() as client:
        holder, token, cert_id, doc = issued_diploma(net, client)
        other_holder, other_token = new_holder(net)
        path = f"/v1/holders/{holder}/certificates"
        assert wallet("GET", net, path).status_code == 401
        assert wallet("GET", net, path, "not-a-token").status_code == 401
        assert wallet("GET", net, path, other_token).status_code == 403
        assert wallet("POST", net, "/v1/holders", json={"passphrase": "short"}).status_code == 422
        assert (
            wallet(
                "POST",
                net,
                "/v1/sessions",
                json={"holder_id": holder, "passphrase": "wrong passphrase"},
            ).status_code
            == 401
        )
        bad_json = httpx.post(
            f"{net.wallet_url}/v1/holders",
            content=b"{not json",
            headers={"content-type": "application/json"},
            timeout=30,
            verify=net.wallet_tls(),
        )
        assert bad_json.status_code == 422
        big = httpx.post(
            f"{net.wallet_url}/v1/holders",
            content=b"x" * (200 * 1024),
            headers={"content-type": "application/json"},
            timeout=30,
            verify=net.wallet_tls(),
        )
        assert big.status_code == 413
        # A tampered document does not match the chain; one for another holder is refused.
        tampered = {**doc, "fields": {**doc["fields"], "degree": "PhD"}}  # type: ignore[dict-item]
        resp = signed("POST", net, "edu", path, json={"document": tampered})
        assert resp.status_code == 409
        assert "hash" in resp.json()["detail"]
        resp = signed(
            "POST", net, "edu", f"/v1/holders/{other_holder}/certificates", json={"document": doc}
        )
        assert resp.status_code == 409
        # Only the issuer on the chain delivers, in a request signed with its certificate.
        assert wallet("POST", net, path, json={"document": doc}).status_code == 401
        assert signed("POST", net, "psb", path, json={"document": doc}).status_code == 403
        assert signed("POST", net, "bank", path, json={"document": doc}).status_code == 403
        # Disclosure needs a signed request by a verifier, and a committed, successful
        # access for that very request.
        nothing = "/v1/disclosures/req-nothing-123"
        assert wallet("GET", net, nothing, params={"access_tx": "00" * 32}).status_code == 401
        assert (
            signed("GET", net, "edu", nothing, params={"access_tx": "00" * 32}).status_code == 403
        )
        assert (
            signed(
                "GET", net, "bank", f"/v1/disclosures/{cert_id}", params={"access_tx": "zz"}
            ).status_code
            == 422
        )
        resp = signed("GET", net, "bank", nothing, params={"access_tx": "00" * 32})
        assert resp.status_code == 404
        # The holder's document is still there, unchanged.
        listed = wallet("GET", net, path, token).json()
        assert listed[0]["document"]["fields"]["degree"] == DIPLOMA["degree"]


def test_cli_reports_errors_clearly(net: Devnet) -> None:
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "cert",
            "revoke",
            "--org",
            "psb",
            "--cert-id",
            "cert-unknown-42",
            "--reason",
            "x",
            "--dir",
            str(net.dir),
        ],
    )
    assert result.exit_code == 1
    assert "not_found" in result.output and "nothing changed" in result.output
    result = runner.invoke(
        app,
        [
            "cert",
            "issue",
            "--type",
            "diploma",
            "--holder",
            "hd" + "0" * 40,
            "--field",
            "x=y",
            "--dir",
            str(net.dir),
        ],
    )
    assert result.exit_code == 1
    assert "needs exactly the fields" in result.output
    result = runner.invoke(
        app, ["cert", "verify", "--cert-id", "x", "--dir", str(net.dir / "nope")]
    )
    assert result.exit_code != 0
    assert "not a devnet folder" in result.output


def test_a_batch_reports_each_transaction_and_the_backlog(net: Devnet) -> None:
    """`SubmitTransactions` answers per transaction (a forged one is refused, a repeat is
    the pending one), says how many wait at the node, and only good ones commit."""
    psb = org_key(net, "psb")
    good = [
        build_tx(
            net.chain_id,
            psb,
            "certificates",
            "issue",
            {
                "cert_id": f"cert-batch-{n}-{KeyPair.generate().public_key.hex()[:12]}",
                "cert_type": "resident_id_card",
                "holder": new_holder(net)[0],
                "doc_hash": "ab" * 32,
                "valid_until_ms": 0,
            },
        )
        for n in range(2)
    ]
    forged = ledger_pb2.Transaction()
    forged.CopyFrom(good[1])
    forged.body.nonce = b"\x07" * limits.NONCE_BYTES  # the signature no longer covers it
    with net.client() as client:
        resp = client.submit_batch([good[0], forged, good[1], good[0]])
        accepted = [item.accepted for item in resp.items]
        assert accepted == [True, False, True, True]
        assert resp.items[1].error.startswith("bad_signature")
        assert bytes(resp.items[3].tx_hash) == bytes(resp.items[0].tx_hash)
        # Counted after admission, before any block can take them: both good ones wait.
        assert 2 <= resp.pending <= limits.MEMPOOL_TXS_MAX
        deadline = time.monotonic() + 20
        hashes = [tx_hash(tx, net.genesis.suite) for tx in good]
        while time.monotonic() < deadline:
            states = [client.get_transaction(h).status for h in hashes]
            if states == [node_pb2.TX_STATUS_COMMITTED] * 2:
                break
            time.sleep(0.05)
        assert states == [node_pb2.TX_STATUS_COMMITTED] * 2
        forged_hash = tx_hash(forged, net.genesis.suite)
        assert client.get_transaction(forged_hash).status == node_pb2.TX_STATUS_UNKNOWN
        # Sent again, both are replays now, and the backlog excludes them.
        again = client.submit_batch(good)
        assert [item.accepted for item in again.items] == [False, False]
        assert all(item.error.startswith("replay") for item in again.items)
        with pytest.raises(ClientError) as info:
            client.submit_batch([good[0]] * (limits.SUBMIT_BATCH_TXS_MAX + 1))
        assert info.value.code == "INVALID_ARGUMENT"
