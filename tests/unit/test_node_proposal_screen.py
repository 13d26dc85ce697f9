"""A backup screens the transactions of a proposed block as admission does (issue 16:
undeclared arguments reach the chain through a faulty primary), and a node screens each
transaction once (the admission screen remembers what passed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from consensus.ready import Proposal
from node.admission import Admission
from node.chain.crypto import KeyPair
from node.chain.tx import ArgValue, build_tx, check_tx
from node.genesis import Genesis
from node.mempool import Mempool
from node.runtime import Node
from node.screening import AdmissionScreen
from proto import ledger_pb2
from suites import ED25519_SHA256
from tests.unit.node_support import diploma_genesis, issue_diploma, open_node

EDU = KeyPair(b"\x01" * 32)
HOLDER = KeyPair(b"\x02" * 32)
VALIDATORS = [KeyPair(bytes([0x30 + i]) * 32) for i in range(4)]


def genesis() -> Genesis:
    return diploma_genesis("screen-chain", [k.public_key for k in VALIDATORS], EDU)


def revoke(g: Genesis, **args: ArgValue) -> ledger_pb2.Transaction:
    return build_tx(
        g.chain_id,
        EDU,
        "certificates",
        "revoke",
        {"cert_id": "cert-unit-0001", **args},
        nonce=b"\x05" * 16,
    )


def unscreened(_hash: bytes, _body: ledger_pb2.TxBody, _args: dict[str, ArgValue]) -> None:
    """A faulty primary's admission: no screen at all."""


def propose(primary: Node, tx: ledger_pb2.Transaction) -> Proposal:
    """The block val-0 (primary of view 0) builds around `tx`, admitted without a screen."""
    primary.mempool.add(check_tx(tx, primary.chain_id, screen=unscreened, suite=ED25519_SHA256))
    built = primary.blocks.build(0)
    assert built is not None
    payload, digest = built
    return Proposal(0, 1, digest, payload)


def refused_count(node: Node) -> float:
    value = node.metrics.registry.get_sample_value("trustledger_proposals_refused_total")
    return value or 0.0


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        ({"reason": "superseded", "note": "kept on-chain"}, "'note' is not declared"),
        ({"reason": b"110105199001011234"}, "'reason' must be text"),
        ({"reason": 110105199001011234}, "'reason' must be text"),
    ],
    ids=["undeclared", "bytes", "integer"],
)
def test_a_backup_refuses_a_proposal_with_an_inadmissible_call(
    tmp_path: Path, args: dict[str, ArgValue], needle: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Failed before the fix: the backup checked declarations only at admission, so it
    voted for the block and the call reached the chain."""
    g = genesis()
    primary = open_node(tmp_path / "a", g, VALIDATORS[0], "val-0")
    backup = open_node(tmp_path / "b", g, VALIDATORS[1], "val-1")
    try:
        proposal = propose(primary, revoke(g, **args))
        assert backup.blocks.validate(proposal) is False
        assert refused_count(backup) == 1
        assert needle in caplog.text
        assert proposal.digest not in backup.blocks.pending
    finally:
        primary.store.close()
        backup.store.close()


def test_a_backup_accepts_a_proposal_of_admissible_calls(tmp_path: Path) -> None:
    g = genesis()
    primary = open_node(tmp_path / "a", g, VALIDATORS[0], "val-0")
    backup = open_node(tmp_path / "b", g, VALIDATORS[1], "val-1")
    try:
        tx = issue_diploma(g.chain_id, EDU, HOLDER, "cert-unit-0001", "ab" * 32, b"\x06" * 16)
        proposal = propose(primary, tx)
        assert backup.blocks.validate(proposal) is True
        # The proposal check remembered the verdict: the forwarded copy arriving after it is
        # not screened again (nor is it when it comes back after a view change).
        screened = backup.blocks.screen.screened
        assert backup.admission.screen is backup.blocks.screen
        backup.admission.admit(tx, forward=False, peer="val-0")
        assert backup.blocks.screen.screened == screened
    finally:
        primary.store.close()
        backup.store.close()


def test_a_transaction_is_screened_once_per_node() -> None:
    """Failed before the fix: admission screened every copy of a transaction again."""
    g = genesis()
    tx = issue_diploma(g.chain_id, EDU, HOLDER, "cert-unit-0002", "cd" * 32, b"\x07" * 16)
    screen = AdmissionScreen()
    admission = Admission(
        g.chain_id, Mempool(), {}, lambda _hash: False, lambda: None, screen, suite=ED25519_SHA256
    )
    try:
        admission.admit(tx, forward=False)
        admission.mempool.remove([check_tx(tx, g.chain_id, suite=ED25519_SHA256).hash])
        admission.admit(tx, forward=False)  # again, e.g. relayed back after a view change
        assert screen.screened == 1
    finally:
        admission.close()


def test_the_screen_forgets_the_oldest_and_never_remembers_a_refusal() -> None:
    g = genesis()
    screen = AdmissionScreen(remembered_max=2)
    good = [
        check_tx(
            issue_diploma(
                g.chain_id, EDU, HOLDER, f"cert-unit-{i:04d}", "ef" * 32, bytes([i]) * 16
            ),
            g.chain_id,
            screen=screen,
            suite=ED25519_SHA256,
        )
        for i in range(3)
    ]
    assert len(screen) == 2 and screen.screened == 3
    bad = revoke(g, note="kept on-chain")
    for _ in range(2):
        with pytest.raises(Exception, match="not declared"):
            check_tx(bad, g.chain_id, screen=screen, suite=ED25519_SHA256)
    assert screen.screened == 5 and len(screen) == 2
    check_tx(
        good[0].tx, g.chain_id, screen=screen, suite=ED25519_SHA256
    )  # forgotten: screened again
    assert screen.screened == 6
