"""Resource caps under attack, on real processes (issue 16): while a caller that is allowed in
floods a validator or the wallet, the attacked process stays under its memory cap
(tests/caps/memory.py, resident memory sampled from /proc) and an honest caller is served
meanwhile (the honest call succeeds; how fast is bench/'s business).

The logic behind each bound has its own unit test (the KDF queue, the body limit, the
mempool lanes); these show the bounds hold in the shipped processes, wired as shipped.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import grpc
import httpx
import pytest

from cli import devnet
from cli.devnet import VALIDATOR_OPERATORS, Devnet
from node import limits
from node.chain.crypto import KeyPair
from node.chain.ids import new_id
from node.chain.tx import build_tx
from node.sdk.client import LedgerClient
from proto import node_pb2, node_pb2_grpc
from tests.caps.memory import RssSampler
from tests.integration.helpers import (
    HOLDER_PASSPHRASE,
    ID_CARD,
    agreed_view,
    new_holder,
    org_key,
    wallet,
)

pytestmark = pytest.mark.integration

SAMPLE_PERIOD_S = 0.2
HONEST_TIMEOUT_S = 60.0
"""A generous bound for the honest call made during an attack: it must succeed, not be fast."""


@contextmanager
def watched(net: Devnet, name: str) -> Iterator[RssSampler]:
    """Sample `name`'s resident memory for the block; it must stay under its cap."""
    pid = devnet.running(net.dir)[name]
    with RssSampler(lambda: {name: pid}, SAMPLE_PERIOD_S) as rss:
        yield rss
    print(f"{name}: highest RSS {rss.highest_mib()[name]} MiB")
    assert rss.samples >= 2 and name in rss.highest, "the process was not measured"
    assert not rss.over_cap(), f"over its memory cap: {rss.highest_mib()}"


def in_threads(count: int, attack: Callable[[int], None]) -> list[threading.Thread]:
    threads = [threading.Thread(target=attack, args=(i,), daemon=True) for i in range(count)]
    for t in threads:
        t.start()
    return threads


def join(threads: list[threading.Thread]) -> None:
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "an attacker did not finish"


def honest_issue(net: Devnet, address: str | None = None) -> int:
    """An honest issuer's certificate committed through `address`: its height."""
    from cli.cert import issue_certificate

    holder, _ = new_holder(net)
    with net.client(address, timeout_s=HONEST_TIMEOUT_S) as client:
        _, committed = issue_certificate(
            client, org_key(net, "psb"), "resident_id_card", holder, ID_CARD
        )
    return int(committed.height)


def peer_stub(net: Devnet, as_validator: str, to: str) -> tuple[grpc.Channel, Any]:
    """A Peer stub dialling validator `to` with `as_validator`'s own certificate."""
    tls = net.tls(VALIDATOR_OPERATORS[as_validator], as_validator)
    channel = grpc.secure_channel(
        net.addresses[to],
        tls.credentials(),
        options=[*limits.GRPC_OPTIONS, *tls.options()],
    )
    return channel, node_pb2_grpc.PeerStub(channel)


# ---- a validator ------------------------------------------------------------------------


def test_a_forward_flood_from_a_validator_is_bounded_and_clients_are_served(net: Devnet) -> None:
    """6,000 valid transactions forwarded by one validator's certificate (Peer.ForwardTxs)
    to the primary: its lane for that peer takes 4,000, the rest is dropped; its memory
    stays under the cap and a client's certificate is committed meanwhile."""
    _, primary = agreed_view(net)
    flooder = next(v for v in net.addresses if v != primary)
    keys = [KeyPair.generate() for _ in range(3)]
    batches = [
        [
            build_tx(
                net.chain_id,
                keys[b],
                "certificates",
                "revoke",
                {"cert_id": new_id("cert"), "reason": "flood"},
            )
            for _ in range(limits.FORWARD_BATCH_TXS_MAX)
        ]
        for b in range(len(keys))
        for _ in range(2)
    ]
    channel, stub = peer_stub(net, flooder, primary)
    with channel, watched(net, primary):

        def flood(i: int) -> None:
            for batch in batches[i::2]:
                stub.ForwardTxs(node_pb2.TxBatch(txs=batch), timeout=60)

        threads = in_threads(2, flood)
        height = honest_issue(net, net.addresses[primary])
        join(threads)
    assert height > 0


def test_large_block_walks_by_validators_are_bounded_and_clients_are_served(
    net: Devnet,
) -> None:
    """Eight walkers with validators' certificates fetch the whole chain again and again
    (GetBlocks, asking for far more than the 64 blocks a call returns); the validator
    serving them stays under its cap, and a client's certificate is committed meanwhile."""
    target = "val-0"
    with LedgerClient(net.addresses[target], net.chain_id, net.tls(), suite=net.genesis.suite) as c:
        tip = c.status().height
    assert tip > 0
    served = {"blocks": 0}
    lock = threading.Lock()
    stop = threading.Event()
    walkers = [v for v in net.addresses if v != target]

    with watched(net, target):

        def walk(i: int) -> None:
            channel, stub = peer_stub(net, walkers[i % len(walkers)], target)
            with channel:
                while not stop.is_set():
                    height = 1
                    while height <= tip and not stop.is_set():
                        resp = stub.GetBlocks(
                            node_pb2.GetBlocksRequest(from_height=height, max_blocks=100_000),
                            timeout=60,
                        )
                        assert 0 < len(resp.blocks) <= limits.GET_BLOCKS_MAX
                        height += len(resp.blocks)
                        with lock:
                            served["blocks"] += len(resp.blocks)

        threads = in_threads(8, walk)
        time.sleep(2.0)  # the walks are under way
        honest_issue(net, net.addresses[target])
        stop.set()
        join(threads)
    assert served["blocks"] >= tip


def test_many_idle_connections_leave_a_validator_and_the_wallet_serving(net: Devnet) -> None:
    """500 TCP connections that never finish a handshake to a validator's gRPC port, 500
    that never send a request to the wallet's HTTP port, and 50 mutual-TLS channels held
    open doing nothing: both processes stay under their caps and serve an honest caller."""
    target = "val-1"
    host, port = net.addresses[target].rsplit(":", 1)
    wallet_url = urlsplit(net.wallet_url)
    sockets: list[socket.socket] = []
    channels: list[grpc.Channel] = []
    try:
        with watched(net, target), watched(net, "wallet"):
            for _ in range(500):
                sockets.append(socket.create_connection((host, int(port)), timeout=10))
                sockets.append(
                    socket.create_connection(
                        (str(wallet_url.hostname), int(str(wallet_url.port))), timeout=10
                    )
                )
            for _ in range(50):
                channel, stub = peer_stub(net, "val-2", target)
                channels.append(channel)
                stub.GetBlocks(node_pb2.GetBlocksRequest(from_height=1), timeout=30)
            honest_issue(net, net.addresses[target])
            holder, token = new_holder(net)
            resp = wallet("GET", net, f"/v1/holders/{holder}/certificates", token)
            assert resp.status_code == 200, resp.text
    finally:
        for s in sockets:
            s.close()
        for channel in channels:
            channel.close()


# ---- the wallet -------------------------------------------------------------------------


def chunks(total_bytes: int, chunk_bytes: int = 1024 * 1024) -> Iterator[bytes]:
    sent = 0
    while sent < total_bytes:
        yield b"x" * chunk_bytes
        sent += chunk_bytes


def test_huge_chunked_and_slow_bodies_leave_the_wallet_serving(net: Devnet) -> None:
    """Four 200 MB chunked bodies (no Content-Length) and 50 bodies trickled a byte at a time:
    the wallet cuts the large ones off at its 64 KiB limit, holds little for the slow ones,
    stays under its cap and signs an honest holder in meanwhile."""
    holder, _ = new_holder(net)
    wallet_url = urlsplit(net.wallet_url)
    address = (str(wallet_url.hostname), int(str(wallet_url.port)))
    slow: list[socket.socket] = []
    statuses: list[int] = []
    with watched(net, "wallet"):

        def huge(_: int) -> None:
            try:
                resp = httpx.post(
                    f"{net.wallet_url}/v1/sessions",
                    content=chunks(200 * 1024 * 1024),
                    timeout=60,
                    verify=net.wallet_tls(),
                )
                statuses.append(resp.status_code)
            except (httpx.WriteError, httpx.RemoteProtocolError, httpx.ReadError):
                statuses.append(413)  # cut off while still sending: the connection closed

        threads = in_threads(4, huge)
        try:
            for _ in range(50):
                s = net.wallet_tls().wrap_socket(
                    socket.create_connection(address, timeout=10), server_hostname=address[0]
                )
                s.sendall(
                    b"POST /v1/sessions HTTP/1.1\r\nHost: wallet\r\n"
                    b"Content-Type: application/json\r\nContent-Length: 60000\r\n\r\n{"
                )
                slow.append(s)
            for s in slow:
                s.sendall(b" ")
            resp = wallet(
                "POST",
                net,
                "/v1/sessions",
                json={"holder_id": holder, "passphrase": HOLDER_PASSPHRASE},
            )
            assert resp.status_code == 200, resp.text
            join(threads)
        finally:
            for s in slow:
                s.close()
    assert statuses == [413] * 4


def test_parallel_wrong_sign_ins_leave_the_wallet_under_its_cap_and_serving(
    net: Devnet,
) -> None:
    """120 wrong sign-ins over 40 parallel connections (the attack that took the wallet from
    285 MB to 2.45 GB): they queue for the KDF or are refused, the wallet stays under its
    cap, and a signed-in holder's request is answered meanwhile. Last in this module: it
    uses up this address's sign-in allowance."""
    victim, _ = new_holder(net)
    honest, token = new_holder(net)
    codes: list[int] = []
    with watched(net, "wallet"):

        def guess(i: int) -> None:
            with httpx.Client(base_url=net.wallet_url, timeout=60, verify=net.wallet_tls()) as http:
                for n in range(3):
                    resp = http.post(
                        "/v1/sessions",
                        json={"holder_id": victim, "passphrase": f"wrong guess {i} {n}"},
                    )
                    codes.append(resp.status_code)

        threads = in_threads(40, guess)
        resp = wallet("GET", net, f"/v1/holders/{honest}/certificates", token)
        assert resp.status_code == 200, resp.text
        join(threads)
    assert len(codes) == 120 and set(codes) <= {401, 429, 503}, sorted(set(codes))
