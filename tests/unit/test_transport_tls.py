"""mTLS on a real gRPC server: the trust follows the chain at run time, without a restart.

CAs added and removed, serials revoked, certificates expiring on an open connection, the
host names a client checks, the TLS version, and what a handler learns of its caller.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import socket
import ssl
from pathlib import Path

import grpc
import pytest

from node.chain import pki
from node.chain.pki import Role
from node.sdk import tls as client_tls
from node.transport import tls
from node.transport.identity import CallerCheck, CallerRefused
from proto import node_pb2, node_pb2_grpc
from tests.unit.transport_support import (
    NOW,
    Refusals,
    TrustBox,
    make_org,
    secure_channel,
    serving,
)

StatusCode = grpc.StatusCode
STATUS = "/trustledger.v1.Ledger/GetStatus"


async def status(channel: grpc.aio.Channel) -> tuple[StatusCode, str]:
    """GetStatus's code and, when answered, the caller the handler saw (org/role/name)."""
    try:
        reply = await node_pb2_grpc.LedgerStub(channel).GetStatus(
            node_pb2.StatusRequest(), timeout=3
        )
    except grpc.aio.AioRpcError as exc:
        return exc.code(), exc.details() or ""
    return StatusCode.OK, reply.chain_id


def test_the_handler_sees_the_identity_from_the_certificate() -> None:
    a = make_org("org-a")

    async def run() -> tuple[StatusCode, str]:
        box = TrustBox(pki.Trust(cas={"org-a": a.ca}, revoked={}))
        async with (
            serving(a, box) as port,
            secure_channel(port, {"org-a": a.ca}, a.issue(Role.AUDITOR, "audit-desk")) as channel,
        ):
            return await status(channel)

    assert asyncio.run(run()) == (StatusCode.OK, "org-a/auditor/audit-desk")


def test_a_ca_added_at_run_time_is_accepted_and_a_removed_one_refused() -> None:
    a, b, c = make_org("org-a"), make_org("org-b"), make_org("org-c")
    box = TrustBox(pki.Trust(cas={"org-a": a.ca, "org-b": b.ca}, revoked={}))
    refusals = Refusals()

    async def run() -> dict[str, tuple[StatusCode, str]]:
        seen = {}
        c_cert, b_cert = c.issue(Role.ADMIN, "ops"), b.issue(Role.ADMIN, "ops")
        roots = {"org-a": a.ca}
        async with serving(a, box, refusals) as port:
            async with secure_channel(port, roots, c_cert) as channel:
                seen["c before"] = await status(channel)
            async with secure_channel(port, roots, b_cert) as b_channel:
                seen["b before"] = await status(b_channel)
                # Governance: org-c joins, org-b leaves (a new trust snapshot, no restart).
                box.set({"org-a": a.ca, "org-c": c.ca})
                async with secure_channel(port, roots, c_cert) as channel:
                    seen["c after"] = await status(channel)
                seen["b after, open connection"] = await status(b_channel)
            async with secure_channel(port, roots, b_cert) as channel:
                seen["b after, new connection"] = await status(channel)
            async with secure_channel(port, roots, a.issue(Role.WALLET, "w")) as channel:
                seen["a throughout"] = await status(channel)
        return seen

    seen = asyncio.run(run())
    assert seen["c before"][0] is StatusCode.UNAVAILABLE
    assert seen["b before"] == (StatusCode.OK, "org-b/admin/ops")
    assert seen["c after"] == (StatusCode.OK, "org-c/admin/ops")
    code, message = seen["b after, open connection"]
    assert code is StatusCode.UNAUTHENTICATED and "org-b has no CA in force" in message
    assert seen["b after, new connection"][0] is StatusCode.UNAVAILABLE
    assert seen["a throughout"] == (StatusCode.OK, "org-a/wallet/w")
    assert [(m, code) for m, code, _ in refusals.seen] == [(STATUS, StatusCode.UNAUTHENTICATED)]


def test_a_serial_revoked_on_chain_is_refused_on_an_open_connection() -> None:
    a = make_org("org-a")
    box = TrustBox(pki.Trust(cas={"org-a": a.ca}, revoked={}))
    cert = a.issue(Role.AUDITOR, "desk")
    serial = pki.get_identity(cert[0]).serial

    async def run() -> list[tuple[StatusCode, str]]:
        async with serving(a, box) as port:
            async with secure_channel(port, {"org-a": a.ca}, cert) as channel:
                before = await status(channel)
                box.set({"org-a": a.ca}, {"org-a": {serial}})
                after = await status(channel)
            async with secure_channel(port, {"org-a": a.ca}, cert) as channel:
                reconnected = await status(channel)
            return [before, after, reconnected]

    before, after, reconnected = asyncio.run(run())
    assert before[0] is StatusCode.OK
    assert after == reconnected == (StatusCode.UNAUTHENTICATED, after[1])
    assert f"serial {serial:x} of org-a: revoked by org-a" == after[1]


def test_a_certificate_expiring_on_an_open_connection_is_refused() -> None:
    a = make_org("org-a")
    box = TrustBox(pki.Trust(cas={"org-a": a.ca}, revoked={}))
    clock = [dt.datetime.now(dt.UTC)]

    async def run() -> list[tuple[StatusCode, str]]:
        async with (
            serving(a, box, clock=lambda: clock[0]) as port,
            secure_channel(port, {"org-a": a.ca}, a.issue(Role.ADMIN, "ops", days=1)) as channel,
        ):
            first = await status(channel)
            clock[0] += dt.timedelta(days=2)
            return [first, await status(channel)]

    first, later = asyncio.run(run())
    assert first[0] is StatusCode.OK
    assert later[0] is StatusCode.UNAUTHENTICATED and "not valid now" in later[1]


def test_a_client_that_trusts_only_another_organisation_does_not_reach_the_server() -> None:
    """How a validator's link knows it reached the validator's organisation: it trusts that
    organisation's CA only (gRPC Python's client cannot read the server's certificate)."""
    a, b = make_org("org-a"), make_org("org-b")
    box = TrustBox(pki.Trust(cas={"org-a": a.ca, "org-b": b.ca}, revoked={}))

    async def run() -> tuple[StatusCode, StatusCode]:
        cert = b.issue(Role.VALIDATOR, "v2")
        async with serving(a, box) as port:
            async with secure_channel(port, {"org-b": b.ca}, cert) as channel:
                wrong = (await status(channel))[0]
            async with secure_channel(port, {"org-a": a.ca}, cert) as channel:
                right = (await status(channel))[0]
        return wrong, right

    assert asyncio.run(run()) == (StatusCode.UNAVAILABLE, StatusCode.OK)


def test_the_client_checks_the_host_name_in_the_server_certificate() -> None:
    a = make_org("org-a")
    box = TrustBox(pki.Trust(cas={"org-a": a.ca}, revoked={}))
    cert = a.issue(Role.ADMIN, "ops")

    async def run() -> list[StatusCode]:
        codes = []
        async with serving(a, box, hosts=("node1.example",)) as port:
            for server_name in (None, "node1.example", "node2.example"):
                async with secure_channel(
                    port, {"org-a": a.ca}, cert, server_name=server_name
                ) as channel:
                    codes.append((await status(channel))[0])
        async with (
            serving(a, box, hosts=("localhost",)) as port,
            secure_channel(port, {"org-a": a.ca}, cert, host="localhost") as channel,
        ):
            codes.append((await status(channel))[0])
        return codes

    unavailable, ok = StatusCode.UNAVAILABLE, StatusCode.OK
    assert asyncio.run(run()) == [unavailable, ok, unavailable, ok]


def test_without_a_rule_evaluator_every_call_under_a_rule_is_refused() -> None:
    a = make_org("org-a")
    box = TrustBox(pki.Trust(cas={"org-a": a.ca}, revoked={}))

    async def run() -> list[tuple[StatusCode, str]]:
        async with (
            serving(a, box, rules=None) as port,
            secure_channel(port, {"org-a": a.ca}, a.issue(Role.ADMIN, "ops")) as channel,
        ):
            stub = node_pb2_grpc.LedgerStub(channel)
            try:
                await stub.Query(node_pb2.QueryRequest(), timeout=3)
            except grpc.aio.AioRpcError as exc:
                return [(exc.code(), exc.details() or ""), await status(channel)]
            return []

    (code, message), (status_code, _) = asyncio.run(run())
    assert code is StatusCode.PERMISSION_DENIED
    assert (
        message
        == "rule holder-linked of /trustledger.v1.Ledger/Query is not evaluated on this node"
    )
    assert status_code is StatusCode.OK


def test_a_refusal_is_logged_with_org_and_serial_only(caplog: pytest.LogCaptureFixture) -> None:
    a = make_org("org-a")
    box = TrustBox(pki.Trust(cas={"org-a": a.ca}, revoked={}))
    cert = a.issue(Role.VERIFIER, "bank-desk")
    serial = pki.get_identity(cert[0]).serial

    async def run() -> None:
        async with serving(a, box) as port, secure_channel(port, {"org-a": a.ca}, cert) as ch:
            stub = node_pb2_grpc.LedgerStub(ch)
            with pytest.raises(grpc.aio.AioRpcError):
                await stub.AuditTrace(node_pb2.AuditTraceRequest(subject="hd-secret"), timeout=3)

    with caplog.at_level(logging.INFO, logger="trustledger.policy"):
        asyncio.run(run())
    (record,) = [r for r in caplog.records if r.name == "trustledger.policy"]
    text = record.getMessage()
    assert f"org=org-a serial={serial:x} role=verifier" in text
    assert "AuditTrace" in text and "hd-secret" not in text


# ---- the TLS version (node/transport/tls.py: what gRPC can and cannot enforce) -------------


def _handshake(
    port: int, tmp_path: Path, ca: bytes, cert_key: tuple[bytes, bytes], **kw: object
) -> str:
    """A raw TLS handshake with Python's ssl module (not gRPC): the version negotiated."""
    (tmp_path / "ca.pem").write_bytes(ca)
    (tmp_path / "cert.pem").write_bytes(cert_key[0])
    (tmp_path / "key.pem").write_bytes(cert_key[1])
    context = ssl.create_default_context(cafile=tmp_path / "ca.pem")
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    context.set_alpn_protocols(["h2"])
    if "maximum" in kw:
        context.maximum_version = kw["maximum"]  # type: ignore[assignment]
    with (
        socket.create_connection(("127.0.0.1", port), timeout=3) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as conn,
    ):
        return conn.version() or ""


def test_tls_13_is_negotiated_and_12_handshakes_are_not_refused_by_grpc(tmp_path: Path) -> None:
    """Records the limit documented in node/transport/tls.py: grpcio cannot set a minimum
    TLS version, so a TLS 1.2 handshake completes (its calls are then refused, next test).
    When this starts failing, grpcio enforces a minimum: set it and update the docs."""
    a = make_org("org-a")
    box = TrustBox(pki.Trust(cas={"org-a": a.ca}, revoked={}))
    cert = a.issue(Role.ADMIN, "ops")

    async def run() -> tuple[str, str]:
        async with serving(a, box) as port:
            loop = asyncio.get_running_loop()
            default = await loop.run_in_executor(
                None, lambda: _handshake(port, tmp_path, a.ca, cert)
            )
            old = await loop.run_in_executor(
                None,
                lambda: _handshake(port, tmp_path, a.ca, cert, maximum=ssl.TLSVersion.TLSv1_2),
            )
            return default, old

    assert asyncio.run(run()) == ("TLSv1.3", "TLSv1.2")


def _auth_context(**values: bytes) -> dict[str, list[bytes]]:
    return {key: [value] for key, value in values.items()}


def test_a_call_over_anything_but_tls_13_or_without_a_certificate_is_refused() -> None:
    a = make_org("org-a")
    cert = a.issue(Role.ADMIN, "ops")[0]
    check = CallerCheck(lambda: pki.Trust(cas={"org-a": a.ca}, revoked={}))
    good = {"transport_security_type": b"ssl", "ssl_tls_version": b"TLSv1.3", "x509_pem_cert": cert}
    assert check.identify(_auth_context(**good)).name == "ops"
    cases = {
        "a TLS connection is required": {},
        "TLSv1.3 is required; this connection negotiated TLSv1.2": {
            **good,
            "ssl_tls_version": b"TLSv1.2",
        },
        "a client certificate is required": {
            "transport_security_type": b"ssl",
            "ssl_tls_version": b"TLSv1.3",
        },
    }
    for message, values in cases.items():
        with pytest.raises(CallerRefused) as caught:
            check.identify(_auth_context(**values))
        assert (caught.value.code, caught.value.message) == (StatusCode.UNAUTHENTICATED, message)


def test_the_check_is_cached_per_trust_snapshot() -> None:
    a = make_org("org-a")
    cert = a.issue(Role.ADMIN, "ops")[0]
    box = TrustBox(pki.Trust(cas={"org-a": a.ca}, revoked={}))
    check = CallerCheck(box.get, lambda: NOW)
    first = check.check(cert)
    assert check.check(cert) is first
    box.set({"org-a": a.ca}, {"org-a": {first.serial}})
    with pytest.raises(CallerRefused, match="revoked"):
        check.check(cert)


def test_server_roots_reload_only_when_the_cas_change() -> None:
    a, b = make_org("org-a"), make_org("org-b")
    box = TrustBox(pki.Trust(cas={"org-a": a.ca}, revoked={}))
    cert, key = a.issue(Role.VALIDATOR, "v1", ("127.0.0.1",))
    server = tls.ServerTls(cert, key, box.get)
    assert server._fetch() is None
    box.set({"org-a": a.ca}, {"org-a": {1}})
    assert server._fetch() is None, "revocations are checked per call, not by the handshake"
    box.set({"org-a": a.ca, "org-b": b.ca})
    assert server._fetch() is not None and server._fetch() is None
    server.replace_own(*a.issue(Role.VALIDATOR, "v1", ("127.0.0.1",)))
    assert server._fetch() is not None
    assert server.reloads == 2
    assert client_tls.get_roots_pem({"org-b": b.ca, "org-a": a.ca}).startswith(a.ca.rstrip(b"\n"))
    with pytest.raises(ValueError, match="no CA in force"):
        tls.ServerTls(cert, key, lambda: pki.Trust(cas={}, revoked={}))
