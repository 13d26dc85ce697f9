"""Issue 16 item 2: every path into the mempool is bounded per source (this node's clients,
each peer), per submitter and in total, a full lane refuses only its own newcomers, and a
flood from one source leaves the others served. Plus the refusals of peer input, counted in
metrics and logged as a summary (item 5).

The flood tests run a real validator's gRPC server over mTLS (tests/unit/test_transport_node.py
`validator`, given this file's genesis) on a chain where val-1, run by edu, is a second
validator: its certificate is what a Byzantine peer would hold."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import grpc
import pytest

from consensus.crypto import Ed25519Signer
from consensus.messages import Prepare, ViewChange
from consensus.signing import view_change_sign_bytes
from consensus.validators import Validator, ValidatorSet
from node.chain.crypto import KeyPair
from node.chain.pki import Role
from node.chain.tx import CheckedTx, build_tx, check_tx
from node.chain.wire import message_to_proto
from node.genesis import Genesis
from node.mempool import CLIENTS, Mempool, MempoolFull
from node.refusal_log import RefusalLog
from node.runtime import Node
from proto import consensus_pb2, ledger_pb2, node_pb2, node_pb2_grpc
from suites import ED25519_SHA256
from tests.unit.node_support import TEST_CA, open_node
from tests.unit.test_node_trust import BANK, CHAIN, EDU, VALIDATOR, trust_genesis
from tests.unit.test_transport_node import CAS, validator
from tests.unit.transport_support import secure_channel

PEER = KeyPair(b"\x35" * 32)
FLOOD_TXS = 10_000


def two_validators() -> Genesis:
    return trust_genesis(
        validators=ValidatorSet(
            (Validator("val-0", VALIDATOR.public_key), Validator("val-1", PEER.public_key))
        ),
        validator_operators=(("val-0", "edu"), ("val-1", "edu")),
    )


def grant(signer: KeyPair, n: int) -> ledger_pb2.Transaction:
    """The n-th of many distinct grants; its request id spells n in letters (digits could
    read as a phone number to the personal-data screen)."""
    letters = "".join("abcdefghij"[int(d)] for d in f"{n:07d}")
    return build_tx(CHAIN, signer, "consent", "grant", {"request_id": f"REQ-{letters}"})


def checked(signer: KeyPair, n: int) -> CheckedTx:
    return check_tx(grant(signer, n), CHAIN, suite=ED25519_SHA256)


# ---- the mempool's quotas -------------------------------------------------------------------


def test_lanes_and_submitters_have_quotas_that_fit_the_total() -> None:
    a, b, c = (KeyPair(bytes([0x50 + i]) * 32) for i in range(3))
    pool = Mempool(
        txs_max=10,
        client_txs_max=4,
        peer_txs_max=4,
        submitter_txs_max=2,
        lane_bytes_max=1 << 20,
        peer_count=lambda: 2,
    )
    txs = {key: [checked(key, i) for i in range(4)] for key in (a, b, c)}
    assert [pool.add(t) for t in txs[a][:2]] == [True, True]
    with pytest.raises(MempoolFull, match="submitter"):
        pool.add(txs[a][2])
    assert [pool.add(t) for t in txs[b][:2]] == [True, True]
    with pytest.raises(MempoolFull, match="this node's clients"):
        pool.add(txs[c][0])  # the client lane is full, though c has sent nothing
    # A peer's share: what the client lane leaves of the total, split between two peers.
    assert pool.get_quota("val-1").txs_max == 3
    # Copies are held to their lane's quota, not to the submitter's (met at their own door).
    assert all(pool.add(t, "val-1") for t in txs[c][:3])
    with pytest.raises(MempoolFull, match="peer val-1"):
        pool.add(txs[c][3], "val-1")
    assert pool.get_lane_room("val-1") == 0 and pool.get_lane_room("val-2") == 3
    pool.remove([txs[a][0].hash])
    assert pool.get_lane_room(CLIENTS) == 1 and pool.get_submitter_room(a.public_key) == 1
    assert pool.add(txs[a][2])
    assert len(pool) == 7


def test_a_submitter_flooding_this_node_leaves_room_for_other_submitters(tmp_path: Path) -> None:
    """Before the lanes, one submitter's 2,000 pending transactions made the node answer
    every client `busy`."""
    node = open_node(tmp_path, trust_genesis(), VALIDATOR)
    try:
        flood = [grant(EDU, i) for i in range(2100)]
        outcomes = asyncio.run(node.admission.admit_batch(flood, forward=True))
        refused = [o for o in outcomes if not isinstance(o, CheckedTx)]
        assert len(refused) == 100
        assert refused[0].status is grpc.StatusCode.RESOURCE_EXHAUSTED
        assert refused[0].message.startswith("busy: submitter")
        assert node.admission.admit(grant(BANK, 0), forward=True).hash in node.mempool
    finally:
        node.store.close()


# ---- a peer's flood over gRPC ---------------------------------------------------------------


def forwarded_refused(node: Node, peer: str) -> float:
    value = node.metrics.registry.get_sample_value(
        "trustledger_forwarded_txs_refused_total",
        {"peer": peer, "code": "RESOURCE_EXHAUSTED"},
    )
    return value or 0.0


def test_ten_thousand_forwarded_transactions_leave_clients_served(tmp_path: Path) -> None:
    """val-1 forwards 10,000 valid transactions of 50 keys; val-0 keeps them to val-1's
    lane and still admits a client's transaction. Before the lanes, the client was told
    `busy` until the flood had been committed."""
    keys = [KeyPair(bytes([0x60 + i]) * 32) for i in range(50)]
    flood = [grant(keys[i % 50], i) for i in range(FLOOD_TXS)]

    async def check() -> None:
        async with validator(tmp_path, two_validators()) as (node, port):
            peer_cert = TEST_CA.issue(Role.VALIDATOR, "val-1")
            async with secure_channel(port, CAS, peer_cert) as peer:
                stub = node_pb2_grpc.PeerStub(peer)
                for start in range(0, FLOOD_TXS, 1000):
                    await stub.ForwardTxs(node_pb2.TxBatch(txs=flood[start : start + 1000]))
            held = node.mempool.get_quota("val-1").txs_max
            assert len(node.mempool) == held
            assert forwarded_refused(node, "val-1") == FLOOD_TXS - held
            async with secure_channel(port, CAS, TEST_CA.issue(Role.ISSUER, "desk")) as edu:
                reply = await node_pb2_grpc.LedgerStub(edu).SubmitTransaction(
                    node_pb2.SubmitRequest(tx=grant(EDU, 0))
                )
            assert reply.status == node_pb2.TX_STATUS_PENDING

    asyncio.run(check())


# ---- refused peer input: counted, and summarised in the log ---------------------------------


def test_a_flood_of_forged_and_undecodable_messages_is_counted_and_summarised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Before, each refused message was one info line (51,200 in 20 s: 7 MB of log)."""
    forged = message_to_proto(Prepare(0, 1, b"\x07" * 32, "val-1", b"s" * 64))
    envelope = node_pb2.PeerEnvelope(
        from_validator="val-1", messages=[forged] * 128 + [consensus_pb2.ConsensusMessage()] * 128
    )

    async def check() -> None:
        async with validator(tmp_path, two_validators()) as (node, port):
            async with secure_channel(port, CAS, TEST_CA.issue(Role.VALIDATOR, "val-1")) as peer:
                stub = node_pb2_grpc.PeerStub(peer)
                for _ in range(20):
                    await stub.Deliver(envelope)
                    node.drive()  # what the node's loop does when woken
            registry = node.metrics.registry
            rejected = registry.get_sample_value(
                "trustledger_consensus_messages_rejected_total", {"kind": "Prepare"}
            )
            undecodable = registry.get_sample_value(
                "trustledger_consensus_messages_rejected_total", {"kind": "undecodable"}
            )
            assert (rejected, undecodable) == (20 * 128, 20 * 128)

    with caplog.at_level(logging.INFO, logger="trustledger.node"):
        asyncio.run(check())
    lines = [r for r in caplog.records if "peer input refused" in r.getMessage()]
    assert len(lines) == 1  # the first, in full; the rest fall in the period's summary


def test_peer_messages_before_the_start_are_dropped_and_the_replica_speaks_after_it(
    tmp_path: Path,
) -> None:
    """A restarted validator serves while it catches up, before `start` rebuilds its replica
    from the WAL. Peers' ViewChanges stepped into the stand-in made it join their view, the
    rebuilt replica took that view with no ViewChange of its own, and it waited silently for
    80 s in `make soak`. Before the start they are dropped (counted); after it they count."""
    signer = Ed25519Signer("val-1", PEER.seed)
    vc = ViewChange(
        1,
        None,
        None,
        b"",
        "val-1",
        signer.sign(view_change_sign_bytes(CHAIN, 1, None, None, ED25519_SHA256.hash)),
    )

    async def check() -> None:
        node = open_node(tmp_path, two_validators(), VALIDATOR)
        node.deliver([vc])  # f + 1 = 1 of 2: would make it join view 1
        node.drive()
        assert node.replica.view == 0
        dropped = node.metrics.registry.get_sample_value(
            "trustledger_consensus_messages_rejected_total", {"kind": "before-start"}
        )
        assert dropped == 1
        await node.start()  # val-1 is not running: nothing to catch up from
        assert node.replica.view == 0 and not node.replica.in_view_change
        node.deliver([vc])
        ready = node.replica.ready()
        assert node.replica.view == 1 and node.replica.in_view_change
        own = [o.message for o in ready.send if isinstance(o.message, ViewChange)]
        assert [(m.sender, m.new_view) for m in own] == [("val-0", 1)]
        await node.close()
        node.store.close()

    asyncio.run(check())


def test_the_summary_counts_every_refusal_by_source_and_kind(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [0.0]
    refusals = RefusalLog(
        logging.getLogger("test.refusals"), "peer input refused", 10.0, lambda: now[0]
    )
    with caplog.at_level(logging.INFO, logger="test.refusals"):
        for i in range(51_200):
            now[0] = i * 20 / 51_200  # 51,200 refusals in 20 s
            refusals.note("val-1" if i % 2 else "val-2", "Prepare", "bad signature")
        now[0] = 21.0
        refusals.flush()
        refusals.flush()  # quiet: nothing more
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 3  # the first in full, then one summary per 10 s
    counted = sum(int(m.split(": ")[1].split(" ")[0]) for m in messages[1:])
    assert counted == 51_200 - 1
    assert "25600 in the last 10 s: 12800 from val-1 (Prepare, e.g. bad signature)" in messages[1]
