"""The trust boundary of a running devnet (issue 11): every validator port serves mutual
TLS only, the caller is who its certificate says, and the chain decides which
certificates are in force."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc
import pytest

from cli import identities
from cli.devnet import Devnet
from node.chain import pki
from node.chain.tx import build_tx
from node.sdk.client import ClientError, LedgerClient
from node.sdk.tls import ClientTls, get_roots_pem
from proto import node_pb2, node_pb2_grpc
from tests.integration.helpers import (
    DIPLOMA,
    cli,
    cli_fails,
    cli_issue,
    new_holder,
    org_key,
    wait_all_at,
)

STATUS = "/trustledger.v1.Ledger/GetStatus"


@contextmanager
def raw_channel(
    address: str, credentials: grpc.ChannelCredentials | None
) -> Iterator[grpc.Channel]:
    channel = (
        grpc.insecure_channel(address)
        if credentials is None
        else grpc.secure_channel(address, credentials)
    )
    with channel:
        yield channel


def status_code(channel: grpc.Channel) -> grpc.StatusCode:
    stub = node_pb2_grpc.LedgerStub(channel)
    try:
        stub.GetStatus(node_pb2.StatusRequest(), timeout=5)
    except grpc.RpcError as exc:
        return exc.code()
    return grpc.StatusCode.OK


def roots(net: Devnet) -> bytes:
    return get_roots_pem(net.tls().cas)


def test_plaintext_and_certificate_less_calls_are_refused_on_every_port(net: Devnet) -> None:
    for vid, address in net.addresses.items():
        with raw_channel(address, None) as plain:
            assert status_code(plain) == grpc.StatusCode.UNAVAILABLE, vid
        anonymous = grpc.ssl_channel_credentials(root_certificates=roots(net))
        with raw_channel(address, anonymous) as channel:
            assert status_code(channel) == grpc.StatusCode.UNAVAILABLE, vid
        with raw_channel(address, net.tls("bank").credentials()) as channel:
            assert status_code(channel) == grpc.StatusCode.OK, vid


def test_certificates_of_no_member_ca_or_expired_are_refused(net: Devnet) -> None:
    now = dt.datetime.now(dt.UTC)
    stranger_ca, stranger_key = pki.make_ca("psb", now, 30)  # claims to be psb's CA
    cert, key = pki.issue(stranger_ca, stranger_key, "psb", "issuer", "impostor", (), now, 1)
    impostor = ClientTls(cert, key, net.tls().cas)
    psb_ca = (net.dir / "tls" / "psb" / "ca.pem").read_bytes()
    psb_ca_key = (net.dir / "tls" / "psb" / "ca.key").read_bytes()
    old = now - dt.timedelta(days=3)
    cert, key = pki.issue(psb_ca, psb_ca_key, "psb", "issuer", "expired", (), old, 1)
    expired = ClientTls(cert, key, net.tls().cas)
    for tls in (impostor, expired):
        with raw_channel(net.node_address, tls.credentials()) as channel:
            assert status_code(channel) == grpc.StatusCode.UNAVAILABLE
    # The node keeps serving everyone else.
    with net.client(org="bank") as client:
        assert client.status().chain_id == net.chain_id


def test_a_transaction_over_another_organisations_certificate_is_refused(net: Devnet) -> None:
    tx = build_tx(
        net.chain_id,
        org_key(net, "psb"),
        "certificates",
        "revoke",
        {"cert_id": "c" * 32, "reason": "test"},
    )
    with net.client(org="edu") as edu, pytest.raises(ClientError) as refused:
        edu.submit(tx, wait=False)
    assert refused.value.code == "PERMISSION_DENIED"
    assert "edu" in refused.value.message


def test_roles_decide_who_traces_and_who_verifies(net: Devnet) -> None:
    with net.client(org="bank") as bank, pytest.raises(ClientError) as refused:
        bank.audit_trace("hd" + "0" * 40)
    assert refused.value.code == "PERMISSION_DENIED"
    with net.client(org="audit") as audit:
        assert list(audit.audit_trace("hd" + "0" * 40).entries) == []  # no such holder
        with pytest.raises(ClientError) as refused:
            audit.verify_certificate("c" * 32)
    assert refused.value.code == "PERMISSION_DENIED"


def test_a_certificate_revoked_on_chain_is_refused_from_the_next_block(net: Devnet) -> None:
    cert_path, key_path = identities.issue(
        net.dir, "audit", pki.Role.AUDITOR, "desk-7", (), dt.datetime.now(dt.UTC)
    )
    tls = ClientTls.load(cert_path, key_path, identities.ca_paths(net.dir))
    serial = pki.get_identity(cert_path.read_bytes()).serial
    with LedgerClient(net.node_address, net.chain_id, tls, suite=net.genesis.suite) as desk:
        assert desk.status().chain_id == net.chain_id
        done = cli(net, "pki", "revoke", "--org", "audit", "--serial", f"{serial:x}")
        wait_all_at(net, done["height"])
        deadline = time.monotonic() + 10
        while True:  # the same open connection: every call is checked again
            try:
                desk.status()
            except ClientError as exc:
                assert exc.code == "UNAUTHENTICATED"
                assert f"{serial:x}" in exc.message
                break
            assert time.monotonic() < deadline, "revoked certificate still served"
            time.sleep(0.1)
    with net.client(org="audit") as audit:  # the organisation's other certificates still work
        assert audit.status().height >= done["height"]


def test_the_cli_calls_with_the_certificate_it_is_given(net: Devnet, tmp_path: Path) -> None:
    """--cert/--key/--ca replace the devnet's operator certificate; --as picks another
    organisation's; a refused role is a one-line error."""
    holder, _ = new_holder(net)
    cert_id = cli_issue(net, "edu", "diploma", holder, DIPLOMA)["cert_id"]
    desk_cert, desk_key = identities.issue(
        net.dir, "bank", pki.Role.VERIFIER, "counter-3", (), dt.datetime.now(dt.UTC)
    )
    verified = cli(
        net, "cert", "verify", "--cert-id", cert_id,
        "--cert", str(desk_cert), "--key", str(desk_key),
        "--ca", str(net.dir / "cas" / "edu.pem"), "--ca", str(net.dir / "cas" / "psb.pem"),
    )  # fmt: skip
    assert verified["status"] == "valid" and verified["issuer"] == "edu"
    # The auditor's certificate may not verify: the node refuses the role.
    refused = cli_fails(net, "cert", "verify", "--cert-id", cert_id, "--as", "audit")
    assert "PERMISSION_DENIED" in refused and "auditor" in refused
    # A certificate without its key is a usage error before anything is sent.
    assert "--cert and --key go together" in cli_fails(
        net, "cert", "verify", "--cert-id", cert_id, "--cert", str(desk_cert)
    )
    missing = cli_fails(
        net, "cert", "verify", "--cert-id", cert_id,
        "--cert", str(tmp_path / "none.pem"), "--key", str(desk_key),
    )  # fmt: skip
    assert "cannot read the certificate" in missing
