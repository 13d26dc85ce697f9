"""A real validator's gRPC server (node/transport/server.py `build_server` over a real `Node`
on LevelDB) on 127.0.0.1: mutual TLS only, the access policy with the node's own rules,
refusals counted in its metrics; and its peer links (node/transport/peers.py), which accept
only the peer validator's certificate from its operator's CA."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import grpc
import pytest

from consensus.validators import Validator, ValidatorSet
from node.chain import pki
from node.chain.crypto import KeyPair
from node.chain.pki import Role
from node.chain.tx import build_tx
from node.genesis import Genesis
from node.runtime import Node
from node.transport.peers import OwnTls, PeerLink, PeerSet, PeerTarget
from node.transport.server import build_server
from proto import node_pb2, node_pb2_grpc
from tests.unit.node_support import TEST_CA, open_node
from tests.unit.test_node_trust import BANK, BANK_CA, CHAIN, VALIDATOR, trust_genesis
from tests.unit.transport_support import NOW, make_org, secure_channel

StatusCode = grpc.StatusCode
STATUS = "/trustledger.v1.Ledger/GetStatus"
AUDIT = "/trustledger.v1.Ledger/AuditTrace"


@asynccontextmanager
async def validator(home: Path, genesis: Genesis | None = None) -> AsyncIterator[tuple[Node, int]]:
    """val-0 (operated by edu) serving on a free port of 127.0.0.1, on `genesis` (by default
    the trust tests' chain, where it is the only validator)."""
    node = open_node(home, genesis or trust_genesis(), VALIDATOR)
    node.config.listen = "127.0.0.1:0"
    built = build_server(node)
    await built.server.start()
    await node.start()  # as the validator does: peers' messages count from here on
    try:
        yield node, built.port
    finally:
        await built.server.stop(None)
        await node.close()
        node.store.close()


def run(test: Callable[[Path], Coroutine[Any, Any, None]], home: Path) -> None:
    asyncio.run(test(home))


async def status(channel: grpc.aio.Channel) -> StatusCode:
    try:
        await node_pb2_grpc.LedgerStub(channel).GetStatus(node_pb2.StatusRequest(), timeout=3)
    except grpc.aio.AioRpcError as exc:
        return exc.code()
    return StatusCode.OK


def refused(node: Node, method: str, code: StatusCode) -> float:
    value = node.metrics.registry.get_sample_value(
        "trustledger_rpc_refused_total", {"method": method, "code": code.name}
    )
    return value or 0.0


CAS = {"edu": TEST_CA.ca}


def test_plaintext_and_certificate_less_calls_are_refused(tmp_path: Path) -> None:
    async def check(home: Path) -> None:
        async with validator(home) as (_, port):
            async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as plain:
                assert await status(plain) is StatusCode.UNAVAILABLE
            async with secure_channel(port, CAS, None) as anonymous:
                assert await status(anonymous) is StatusCode.UNAVAILABLE

    run(check, tmp_path)


def test_a_member_is_served_and_refused_by_role_with_the_refusal_counted(tmp_path: Path) -> None:
    async def check(home: Path) -> None:
        async with validator(home) as (node, port):
            async with secure_channel(port, CAS, BANK_CA.issue(Role.VERIFIER, "desk")) as bank:
                reply = await node_pb2_grpc.LedgerStub(bank).GetStatus(node_pb2.StatusRequest())
                assert (reply.chain_id, reply.validator) == (CHAIN, "val-0")
                with pytest.raises(grpc.aio.AioRpcError) as denied:
                    await node_pb2_grpc.LedgerStub(bank).AuditTrace(
                        node_pb2.AuditTraceRequest(subject="edu")
                    )
                assert denied.value.code() is StatusCode.PERMISSION_DENIED
                assert refused(node, AUDIT, StatusCode.PERMISSION_DENIED) == 1
            async with secure_channel(port, CAS, BANK_CA.issue(Role.AUDITOR, "audit")) as audit:
                trace = await node_pb2_grpc.LedgerStub(audit).AuditTrace(
                    node_pb2.AuditTraceRequest(subject="edu")
                )
                assert trace is not None

    run(check, tmp_path)


def test_a_bad_certificate_disturbs_nobody_else(tmp_path: Path) -> None:
    async def check(home: Path) -> None:
        async with validator(home) as (_, port):
            good = secure_channel(port, CAS, BANK_CA.issue(Role.ADMIN, "ops"))
            assert await status(good) is StatusCode.OK
            stranger = make_org("bank")  # same name, another CA: not the one in force
            for bad in (
                stranger.issue(Role.ADMIN, "ops"),
                BANK_CA.issue(Role.ADMIN, "ops", days=1, now=NOW - dt.timedelta(days=3)),  # expired
            ):
                async with secure_channel(port, CAS, bad) as channel:
                    assert await status(channel) is StatusCode.UNAVAILABLE
                assert await status(good) is StatusCode.OK  # the open connection is served
                async with secure_channel(
                    port, CAS, BANK_CA.issue(Role.ADMIN, "ops")
                ) as fresh:  # and so is a new one
                    assert await status(fresh) is StatusCode.OK
            await good.close()

    run(check, tmp_path)


def test_a_revocation_refuses_calls_from_the_next_block_on(tmp_path: Path) -> None:
    async def check(home: Path) -> None:
        async with validator(home) as (node, port):
            cert_key = BANK_CA.issue(Role.ADMIN, "ops")
            serial = pki.get_identity(cert_key[0]).serial
            async with secure_channel(port, CAS, cert_key) as channel:
                assert await status(channel) is StatusCode.OK
                tx = build_tx(
                    CHAIN, BANK, "membership", "revoke_certificate", {"serial": f"{serial:x}"}
                )
                node.admission.admit(tx, forward=False)
                node.drive()
                assert node.store.tip_height() == 1
                assert await status(channel) is StatusCode.UNAUTHENTICATED
                assert refused(node, STATUS, StatusCode.UNAUTHENTICATED) == 1

    run(check, tmp_path)


# ---- peer links -----------------------------------------------------------------------------


def own_tls(home: Path) -> OwnTls:
    return OwnTls((home / "val-0.tls.pem").read_bytes(), (home / "val-0.tls.key").read_bytes())


async def link_status(link: PeerLink) -> StatusCode:
    try:
        await link.stub.GetBlocks(node_pb2.GetBlocksRequest(from_height=1), timeout=3)
    except grpc.aio.AioRpcError as exc:
        return exc.code()
    finally:
        await link.close()
    return StatusCode.OK


def test_a_peer_link_accepts_only_the_peer_validator_of_its_operator(tmp_path: Path) -> None:
    """val-0's server, dialled as a peer by a link holding val-0's own certificate (the one
    validator of this chain): the right CA and name pass; another organisation's CA, or
    another validator's name, fail the handshake."""

    async def check(home: Path) -> None:
        async with validator(home) as (_, port):
            address = f"127.0.0.1:{port}"
            own = own_tls(home)
            right = PeerLink("val-0", "val-0", PeerTarget(address, "edu", TEST_CA.ca), own)
            assert await link_status(right) is StatusCode.OK
            other_org = PeerLink("val-0", "val-0", PeerTarget(address, "bank", BANK_CA.ca), own)
            assert await link_status(other_org) is StatusCode.UNAVAILABLE
            other_name = PeerLink("val-0", "val-1", PeerTarget(address, "edu", TEST_CA.ca), own)
            assert await link_status(other_name) is StatusCode.UNAVAILABLE

    run(check, tmp_path)


def test_links_are_reopened_when_the_operator_ca_changes_and_closed_without_one(
    tmp_path: Path,
) -> None:
    async def check(home: Path) -> None:
        peers = PeerSet("val-0", own_tls(home))
        peers.start()
        first = PeerTarget("127.0.0.1:1", "edu", TEST_CA.ca)
        peers.refresh({"val-1": first})
        link = peers.links["val-1"]
        peers.refresh({"val-1": first})
        assert peers.links["val-1"] is link, "an unchanged target keeps its channel"
        peers.refresh({"val-1": PeerTarget("127.0.0.1:1", "edu", make_org("edu").ca)})
        assert peers.links["val-1"] is not link
        peers.refresh({})
        assert peers.links == {}
        await peers.close()
        await asyncio.sleep(0)

    open_node(tmp_path, trust_genesis(), VALIDATOR).store.close()  # writes val-0's certificate
    run(check, tmp_path)


def test_a_peer_whose_operator_has_no_ca_gets_no_link(tmp_path: Path) -> None:
    others = {f"val-{i}": KeyPair(bytes([0x40 + i]) * 32) for i in (1, 2, 3)}
    genesis = trust_genesis(
        validators=ValidatorSet(
            (
                Validator("val-0", VALIDATOR.public_key),
                *(Validator(vid, kp.public_key) for vid, kp in others.items()),
            )
        ),
        ca_certificates=(("edu", TEST_CA.ca.decode()),),
        validator_operators=(("val-0", "edu"), ("val-1", "edu"), ("val-2", "bank")),
    )
    node = open_node(tmp_path, genesis, VALIDATOR)
    try:
        node.config.peers.update({vid: "127.0.0.1:1" for vid in others})
        targets = node.peer_targets()
        assert targets == {"val-1": PeerTarget("127.0.0.1:1", "edu", TEST_CA.ca)}
    finally:
        node.store.close()
