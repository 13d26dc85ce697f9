"""A validator verifies each transaction signature once, whichever way the transaction comes
(issue 18: a client's submission, a peer's forwarded copy, a proposal before or after that
copy, the same proposal again after a view change, execution, state transfer), and still
refuses a forged signature on every one of those ways. A batch's signatures are verified on
worker threads, in order, with the same verdicts as on one thread. Both suites."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from consensus.ready import Proposal
from contracts.framework.identity import holder_id_for
from node import limits
from node.admission import Admission, SubmitRejected
from node.blocks import Parent
from node.chain.crypto import KeyPair
from node.chain.tx import TxInvalid, build_tx, check_tx, tx_hash
from node.config import NodeConfig
from node.genesis import Genesis
from node.ledger.store import Store
from node.mempool import Mempool
from node.runtime import Node
from node.verifying import TxChecker, get_verify_threads
from proto import ledger_pb2
from suites import ED25519_SHA256, SM2_SM3, Suite
from tests.unit.node_support import config_doc, diploma_genesis

SUITES = [ED25519_SHA256, SM2_SM3]
CHAIN = "verify-once-chain"


class CountingVerifier:
    """The suite's own verification, counted, with the names of the threads it ran on."""

    def __init__(self, suite: Suite) -> None:
        self.suite = suite
        self.calls = 0
        self.threads: set[str] = set()

    def verify(self, public_key: bytes, msg: bytes, signature: bytes) -> bool:
        self.calls += 1
        self.threads.add(threading.current_thread().name)
        return self.suite.verify(public_key, msg, signature)


def keys(suite: Suite) -> tuple[KeyPair, KeyPair, list[KeyPair]]:
    """The issuer, a holder and four validators, fixed keys of `suite`."""
    edu = KeyPair(b"\x01" * 32, suite)
    holder = KeyPair(b"\x02" * 32, suite)
    return edu, holder, [KeyPair(bytes([0x30 + i]) * 32, suite) for i in range(4)]


def genesis(suite: Suite) -> Genesis:
    edu, _, validators = keys(suite)
    plain = diploma_genesis(CHAIN, [k.public_key for k in validators], edu)
    return dataclasses.replace(plain, suite=suite)


def issue(suite: Suite, n: int) -> ledger_pb2.Transaction:
    edu, holder, _ = keys(suite)
    return build_tx(
        CHAIN,
        edu,
        "certificates",
        "issue",
        {
            "cert_id": f"cert-once-{n:04d}",
            "cert_type": "diploma",
            "holder": holder_id_for(holder.public_key, suite=suite),
            "doc_hash": "ab" * 32,
            "valid_until_ms": 0,
        },
        nonce=n.to_bytes(16, "big"),
    )


def forged(tx: ledger_pb2.Transaction) -> ledger_pb2.Transaction:
    """The same body under a signature with one byte changed."""
    signature = bytearray(tx.signature)
    signature[10] ^= 0x01
    return ledger_pb2.Transaction(body=tx.body, signature=bytes(signature))


def open_node(home: Path, g: Genesis, key: KeyPair, validator_id: str) -> Node:
    config = NodeConfig.model_validate(config_doc(home, validator_id))
    return Node(config, g, key, Store(home / "db", g.suite))


def propose(primary: Node, txs: list[ledger_pb2.Transaction]) -> Proposal:
    """The block val-0 (primary of view 0) builds around `txs`, which it admitted with no
    signature check (a faulty primary, for forged ones)."""
    for tx in txs:
        primary.mempool.add(
            check_tx(tx, CHAIN, verify_signature_=False, suite=primary.genesis.suite)
        )
    built = primary.blocks.build(0)
    assert built is not None
    payload, digest = built
    return Proposal(0, 1, digest, payload)


@pytest.fixture(params=SUITES, ids=lambda s: s.name)
def suite(request: pytest.FixtureRequest) -> Suite:
    chosen: Suite = request.param
    return chosen


@pytest.fixture
def nodes(tmp_path: Path, suite: Suite) -> Iterator[tuple[Node, Node, CountingVerifier]]:
    """A primary (val-0) and a backup (val-1) whose signature checks are counted."""
    g = genesis(suite)
    _, _, validators = keys(suite)
    primary = open_node(tmp_path / "a", g, validators[0], "val-0")
    backup = open_node(tmp_path / "b", g, validators[1], "val-1")
    counter = CountingVerifier(suite)
    backup.blocks.checker.verifier = counter
    assert backup.admission.checker is backup.blocks.checker  # one per node
    yield primary, backup, counter
    for node in (primary, backup):
        node.blocks.checker.close()
        node.admission.close()
        node.store.close()


# ---- the checker ----------------------------------------------------------------------------


def test_a_signature_is_verified_once_and_remembered(suite: Suite) -> None:
    counter = CountingVerifier(suite)
    checker = TxChecker(CHAIN, suite, verifier=counter)
    tx = issue(suite, 1)
    first = checker.check(tx)
    assert counter.calls == 1
    again = checker.check(tx)
    assert counter.calls == 1
    assert again.hash == first.hash == tx_hash(tx, suite)
    assert checker.verified == 1
    assert len(checker) == 1


def test_a_forged_signature_is_refused_every_time_and_not_remembered(suite: Suite) -> None:
    counter = CountingVerifier(suite)
    checker = TxChecker(CHAIN, suite, verifier=counter)
    tx = issue(suite, 2)
    checker.check(tx)
    for calls in (2, 3):
        with pytest.raises(TxInvalid) as info:
            checker.check(forged(tx))
        assert info.value.code == "bad_signature"
        assert info.value.message == "transaction signature does not verify"
        assert counter.calls == calls
    assert len(checker) == 1


def test_a_good_signature_on_another_body_is_refused(suite: Suite) -> None:
    checker = TxChecker(CHAIN, suite)
    good, other = issue(suite, 3), issue(suite, 4)
    checker.check(good)
    moved = ledger_pb2.Transaction(body=other.body, signature=good.signature)
    with pytest.raises(TxInvalid) as info:
        checker.check(moved)
    assert info.value.code == "bad_signature"


def test_a_batch_on_threads_keeps_order_and_verdicts(suite: Suite) -> None:
    """Good, forged and malformed transactions mixed over more than the threads' shares:
    the same verdicts, in the same order, as one thread; a duplicate is verified once."""
    txs: list[ledger_pb2.Transaction] = []
    for n in range(40):
        tx = issue(suite, 100 + n)
        txs.append(forged(tx) if n % 7 == 3 else tx)
    txs[5] = ledger_pb2.Transaction(body=txs[5].body, signature=b"\x00" * 3)
    txs.append(txs[0])
    txs.append(txs[3])  # a forged one again: both copies refused
    other_chain = ledger_pb2.Transaction()
    other_chain.CopyFrom(txs[1])
    other_chain.body.chain_id = "another-chain"
    txs.insert(2, other_chain)
    counter = CountingVerifier(suite)
    threaded = TxChecker(CHAIN, suite, threads=4, verifier=counter)
    alone = TxChecker(CHAIN, suite, threads=1)
    try:
        got = threaded.check_all(txs)
        want = alone.check_all(txs)
    finally:
        threaded.close()
    assert counter.calls == 40  # 43 transactions: one of another chain, two twice
    assert threaded._pool is not None  # the shares went to the threads
    assert [type(g) for g in got] == [type(w) for w in want]
    assert [g.hash if not isinstance(g, TxInvalid) else g.code for g in got] == [
        w.hash if not isinstance(w, TxInvalid) else w.code for w in want
    ]
    refused = [(i, g.code) for i, g in enumerate(got) if isinstance(g, TxInvalid)]
    bad = "bad_signature"
    assert refused == [(2, "wrong_chain")] + [(i, bad) for i in (4, 6, 11, 18, 25, 32, 39, 42)]


def test_the_verifying_threads_are_bounded() -> None:
    assert 1 <= get_verify_threads() <= limits.VERIFY_THREADS_MAX
    assert get_verify_threads(1) == 1
    assert get_verify_threads(64) == len(os.sched_getaffinity(0))
    assert limits.VERIFIED_TXS_REMEMBERED_MAX >= limits.MEMPOOL_TXS_MAX


def test_where_the_cores_cannot_be_asked_the_cpu_count_is_taken(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Off Linux (no `sched_getaffinity`): the CPU count, or one thread if unknown."""
    monkeypatch.delattr(os, "sched_getaffinity")
    monkeypatch.setattr(os, "cpu_count", lambda: 6)
    assert get_verify_threads(64) == 6
    assert get_verify_threads(4) == 4
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert get_verify_threads(64) == 1


def test_a_checker_takes_the_threads_it_is_given_and_bounds_its_pool(suite: Suite) -> None:
    """Three threads at most (the caller and two workers); 20 signatures make two shares."""
    counter = CountingVerifier(suite)
    checker = TxChecker(CHAIN, suite, threads=3, verifier=counter)
    assert checker.threads == 3
    try:
        checker.check_all([issue(suite, 200 + n) for n in range(20)])
        assert checker._pool is not None
        assert checker._pool._max_workers == 2
        assert threading.current_thread().name in counter.threads
        assert any(name.startswith("tx-verify") for name in counter.threads)
        assert len(counter.threads) == 2  # 20 // 8 = 2 shares: the caller and one worker
    finally:
        checker.close()


def test_small_batches_stay_on_the_callers_thread(suite: Suite) -> None:
    counter = CountingVerifier(suite)
    checker = TxChecker(CHAIN, suite, threads=2, verifier=counter)
    checker.check_all([issue(suite, 300 + n) for n in range(15)])  # one share: 15 // 8
    assert checker._pool is None
    assert counter.threads == {threading.current_thread().name}
    checker.check_all([issue(suite, 400 + n) for n in range(16)])  # two shares
    assert checker._pool is not None
    checker.close()


def test_the_checker_screens_the_call(suite: Suite) -> None:
    """The screen of admission (undeclared arguments, personal data) runs before the
    signature, which is then not verified."""
    counter = CountingVerifier(suite)
    checker = TxChecker(CHAIN, suite, verifier=counter)
    edu, _, _ = keys(suite)
    tx = build_tx(CHAIN, edu, "certificates", "revoke", {"cert_id": "cert-once-0001", "note": "x"})
    with pytest.raises(TxInvalid) as info:
        checker.check(tx)
    assert "'note' is not declared" in info.value.message
    assert counter.calls == 0


def test_the_memory_is_bounded_and_forgets_the_oldest(suite: Suite) -> None:
    counter = CountingVerifier(suite)
    checker = TxChecker(CHAIN, suite, remembered_max=2, verifier=counter)
    first, second, third = (issue(suite, 500 + n) for n in range(3))
    checker.check(first)
    checker.check(second)
    assert len(checker) == 2
    checker.check(third)
    assert len(checker) == 2
    checker.check(third)
    checker.check(second)
    assert counter.calls == 3
    checker.check(first)  # forgotten: verified again
    assert counter.calls == 4


# ---- every way a transaction reaches a validator --------------------------------------------


def test_a_client_submission_then_its_copies_verify_once(
    nodes: tuple[Node, Node, CountingVerifier], suite: Suite
) -> None:
    _, backup, counter = nodes
    tx = issue(suite, 10)
    backup.admission.admit(tx, forward=False)
    assert counter.calls == 1
    backup.admission.admit(tx, forward=False)  # the client again
    outcome = asyncio.run(backup.admission.admit_batch([tx], forward=False, peer="val-2"))
    assert not isinstance(outcome[0], SubmitRejected)
    assert counter.calls == 1


def test_a_forwarded_copy_then_the_proposal_verify_once(
    nodes: tuple[Node, Node, CountingVerifier], suite: Suite
) -> None:
    primary, backup, counter = nodes
    txs = [issue(suite, 20 + n) for n in range(20)]
    outcomes = asyncio.run(backup.admission.admit_batch(txs, forward=False, peer="val-0"))
    assert not any(isinstance(o, SubmitRejected) for o in outcomes)
    assert counter.calls == 20
    proposal = propose(primary, txs)
    assert backup.blocks.validate(proposal) is True
    assert counter.calls == 20


def test_the_proposal_before_the_forwarded_copy_verifies_once(
    nodes: tuple[Node, Node, CountingVerifier], suite: Suite
) -> None:
    """Failed before the checker: the copy arriving after the proposal was verified again
    (the mempool did not hold it)."""
    primary, backup, counter = nodes
    txs = [issue(suite, 50 + n) for n in range(20)]
    proposal = propose(primary, txs)
    assert backup.blocks.validate(proposal) is True
    assert counter.calls == 20
    # The same block again (re-proposed after a view change), and checked again at commit
    # (execution of a block whose validation was dropped): nothing verified again.
    backup.blocks.pending.clear()
    assert backup.blocks.validate(proposal) is True
    block = backup.blocks.pending[proposal.digest].block
    backup.blocks.check(block, view=None, digest=proposal.digest)
    assert counter.calls == 20
    outcomes = asyncio.run(backup.admission.admit_batch(txs, forward=False, peer="val-0"))
    assert not any(isinstance(o, SubmitRejected) for o in outcomes)
    assert len(backup.mempool) == 20
    assert counter.calls == 20


def test_a_late_copy_of_a_committed_transaction_is_refused_without_a_second_check(
    suite: Suite,
) -> None:
    """Failed before the checker: a forwarded copy arriving after the commit was verified
    again, then refused as a replay."""
    counter = CountingVerifier(suite)
    committed: set[bytes] = set()
    admission = Admission(
        CHAIN,
        Mempool(),
        {},
        lambda h: h in committed,
        lambda: None,
        suite=suite,
        checker=TxChecker(CHAIN, suite, verifier=counter),
    )
    try:
        tx = issue(suite, 60)
        checked = admission.admit(tx, forward=False)
        admission.mempool.remove([checked.hash])
        committed.add(checked.hash)
        (late,) = asyncio.run(admission.admit_batch([tx], forward=False, peer="val-2"))
        assert isinstance(late, SubmitRejected)
        assert late.status == grpc.StatusCode.ALREADY_EXISTS
        assert counter.calls == 1
    finally:
        admission.checker.close()
        admission.close()


def test_a_certified_block_is_not_verified_again(
    nodes: tuple[Node, Node, CountingVerifier], suite: Suite
) -> None:
    """State transfer: the commit certificate vouches for the signatures (2f + 1 validators
    verified them), so none is verified, and none was verified twice."""
    primary, backup, counter = nodes
    proposal = propose(primary, [issue(suite, 70)])
    block = primary.blocks.pending[proposal.digest].block
    checked = backup.blocks.check_header_and_txs(
        block,
        view=None,
        digest=proposal.digest,
        height=1,
        parent=Parent(*backup.world.prev()),
        certified=True,
        reproposal=False,
    )
    assert len(checked) == 1
    assert counter.calls == 0


def test_a_forged_signature_is_refused_on_every_way(
    nodes: tuple[Node, Node, CountingVerifier], suite: Suite
) -> None:
    """Even once the genuine transaction was verified and remembered."""
    primary, backup, counter = nodes
    tx = issue(suite, 80)
    backup.admission.admit(tx, forward=False)
    bad = forged(tx)
    with pytest.raises(SubmitRejected) as info:
        backup.admission.admit(bad, forward=False)  # a client
    assert info.value.status == grpc.StatusCode.UNAUTHENTICATED
    (copy,) = asyncio.run(backup.admission.admit_batch([bad], forward=False, peer="val-0"))
    assert isinstance(copy, SubmitRejected)  # a peer's forwarded copy
    assert copy.status == grpc.StatusCode.UNAUTHENTICATED
    (submitted,) = asyncio.run(backup.admission.admit_batch([bad], forward=True))
    assert isinstance(submitted, SubmitRejected)  # a client's batch
    assert backup.blocks.validate(propose(primary, [bad])) is False  # a proposal
    assert counter.calls == 5
    assert bytes(bad.signature) not in backup.mempool.by_signature
