"""`audit verify-chain`'s walk (node/sdk/verifychain.py) over crafted chains: an honest chain
built by the validator's own execution path (node/ledger/execution.py on LevelDB) verifies
to its tip, and each kind of tampering is caught at exactly its height with its reason."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pytest

from contracts.membership.organisations import Organisation
from node.chain.crypto import KeyPair
from node.chain.headers import header_hash, tx_root
from node.chain.tx import tx_hash
from node.chain.wire import certificate_to_proto
from node.genesis import Genesis
from node.ledger.store import Store
from node.ledger.world import World
from node.sdk.verifychain import ChainFault, ChainVerifier, verify_chain
from proto import ledger_pb2
from suites import ED25519_SHA256
from tests.unit.consensus_support import CHAIN, VALIDATORS, make_certificate
from tests.unit.node_support import execute_txs, issue_diploma

EDU = KeyPair(b"\x01" * 32)
HOLDER = KeyPair(b"\x02" * 32)
HEIGHTS = 4
TXS_PER_BLOCK = 2


def genesis() -> Genesis:
    return Genesis(
        chain_id=CHAIN,
        genesis_time_ms=1_700_000_000_000,
        validators=VALIDATORS,
        organisations=(
            Organisation("edu", "Education Bureau", EDU.public_key, ("issuer",), ("diploma",)),
        ),
    )


def issue(n: int) -> ledger_pb2.Transaction:
    return issue_diploma(
        CHAIN, EDU, HOLDER, f"cert-vc-{n:04d}", f"{n:02x}" * 32, n.to_bytes(16, "big")
    )


def certify(block: ledger_pb2.Block) -> None:
    """(Re)sign the block's commit certificate by a quorum, over its header as it is now."""
    head = block.header
    block.commit.CopyFrom(
        certificate_to_proto(make_certificate(head.height, header_hash(head, ED25519_SHA256)))
    )


def honest_chain(home: Path) -> tuple[Genesis, list[ledger_pb2.Block]]:
    """HEIGHTS certified blocks, executed and committed by the validator's code path."""
    g = genesis()
    world = World(Store(home, ED25519_SHA256), g)
    blocks: list[ledger_pb2.Block] = []
    prev_hash = g.hash
    numbers = itertools.count()
    for height in range(1, HEIGHTS + 1):
        txs = [issue(next(numbers)) for _ in range(TXS_PER_BLOCK)]
        executed = execute_txs(world.store, g, txs, height)
        header = ledger_pb2.BlockHeader(
            chain_id=CHAIN,
            height=height,
            prev_hash=prev_hash,
            tx_root=executed.tx_root,
            results_root=executed.results_root,
            state_root=executed.state_root,
            proposer="v0",
            time_ms=g.genesis_time_ms + height,
        )
        block = ledger_pb2.Block(header=header, txs=txs)
        certify(block)
        world.commit(block, executed)
        blocks.append(block)
        prev_hash = header_hash(header, ED25519_SHA256)
    world.store.close()
    return g, blocks


class FakeSource:
    """Blocks from a list (None where a block is missing)."""

    def __init__(
        self, blocks: list[ledger_pb2.Block | None], state_root: bytes | None = None
    ) -> None:
        self.blocks = blocks
        self.state_root = state_root

    def tip_state_root(self) -> bytes | None:
        return self.state_root

    def tip_height(self) -> int:
        return len(self.blocks)

    def get_block(self, height: int) -> ledger_pb2.Block | None:
        return self.blocks[height - 1]


def ticks() -> Callable[[], float]:
    counter = itertools.count()
    return lambda: float(next(counter))


def walk(  # type: ignore[no-untyped-def]
    g: Genesis,
    blocks: list[ledger_pb2.Block | None],
    from_height: int = 1,
    state_root: bytes | None = None,
    others: dict[str, FakeSource] | None = None,
):
    verifier = ChainVerifier(
        g.chain_id, g.hash, g.validators, g.state_writes(), g.genesis_time_ms, suite=g.suite
    )
    source = FakeSource(blocks, state_root)
    return verify_chain(verifier, source, from_height=from_height, clock=ticks(), others=others)


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> tuple[Genesis, list[ledger_pb2.Block]]:
    return honest_chain(tmp_path_factory.mktemp("verify-chain") / "db")


def copy(blocks: list[ledger_pb2.Block]) -> list[ledger_pb2.Block | None]:
    out: list[ledger_pb2.Block | None] = []
    for b in blocks:
        c = ledger_pb2.Block()
        c.CopyFrom(b)
        out.append(c)
    return out


def test_an_honest_chain_verifies_to_its_tip(chain: tuple[Genesis, list[ledger_pb2.Block]]) -> None:
    g, blocks = chain
    report = walk(g, copy(blocks))
    assert report.fault is None
    assert (report.verified_height, report.blocks, report.txs) == (
        HEIGHTS,
        HEIGHTS,
        HEIGHTS * TXS_PER_BLOCK,
    )
    assert report.ok


def test_resuming_counts_only_the_blocks_from_that_height(
    chain: tuple[Genesis, list[ledger_pb2.Block]],
) -> None:
    g, blocks = chain
    tampered = copy(blocks)
    forged = tampered[1]
    assert forged is not None
    del forged.commit.votes[1:]  # below --from-height certificates are not checked again
    report = walk(g, tampered, from_height=3)
    assert report.fault is None
    assert (report.from_height, report.blocks, report.txs) == (3, 2, 2 * TXS_PER_BLOCK)


def tamper_missing(blocks: list[ledger_pb2.Block | None]) -> None:
    blocks[2] = None


def tamper_link(blocks: list[ledger_pb2.Block | None]) -> None:
    b = blocks[2]
    assert b is not None
    b.header.prev_hash = b"\x00" * 32
    certify(b)  # even a quorum's signature does not make a broken link right


def tamper_certificate(blocks: list[ledger_pb2.Block | None]) -> None:
    b = blocks[2]
    assert b is not None
    del b.commit.votes[2:]  # two votes of four: no quorum


def tamper_header_byte(blocks: list[ledger_pb2.Block | None]) -> None:
    b = blocks[2]
    assert b is not None
    b.header.time_ms += 1  # the certificate no longer covers this header


def tamper_signature(blocks: list[ledger_pb2.Block | None]) -> None:
    b = blocks[2]
    assert b is not None
    sig = bytearray(b.txs[1].signature)
    sig[0] ^= 1
    b.txs[1].signature = bytes(sig)


def tamper_swap(blocks: list[ledger_pb2.Block | None]) -> None:
    """A transaction swapped for another, properly signed one: the header's roots differ."""
    b = blocks[2]
    assert b is not None
    b.txs[0].CopyFrom(issue(999))


def tamper_replay(blocks: list[ledger_pb2.Block | None]) -> None:
    """Block 3 repeats a transaction of block 1, its header made to match and re-certified."""
    b = blocks[2]
    first = blocks[0]
    assert b is not None and first is not None
    b.txs[0].CopyFrom(first.txs[0])
    b.header.tx_root = tx_root([tx_hash(t, ED25519_SHA256) for t in b.txs], ED25519_SHA256)
    certify(b)


def tamper_state(blocks: list[ledger_pb2.Block | None]) -> None:
    b = blocks[2]
    assert b is not None
    b.header.state_root = b"\x01" * 32
    certify(b)


def tamper_results(blocks: list[ledger_pb2.Block | None]) -> None:
    b = blocks[2]
    assert b is not None
    b.header.results_root = b"\x02" * 32
    certify(b)


def tamper_height(blocks: list[ledger_pb2.Block | None]) -> None:
    b = blocks[2]
    assert b is not None
    b.header.height = 7


def tamper_time(blocks: list[ledger_pb2.Block | None]) -> None:
    """Block 3 dated before block 2 (re-certified: a quorum cannot make time run back)."""
    b = blocks[2]
    assert b is not None
    b.header.time_ms -= 2
    certify(b)


@pytest.mark.parametrize(
    ("tamper", "kind"),
    [
        (tamper_missing, "missing-block"),
        (tamper_link, "hash-link"),
        (tamper_certificate, "commit-certificate"),
        (tamper_header_byte, "commit-certificate"),
        (tamper_signature, "tx-signature"),
        (tamper_swap, "tx-root"),
        (tamper_replay, "replay"),
        (tamper_state, "state-root"),
        (tamper_results, "results-root"),
        (tamper_height, "header"),
        (tamper_time, "header"),
    ],
)
def test_each_tampering_is_named_at_its_height(
    chain: tuple[Genesis, list[ledger_pb2.Block]],
    tamper: Callable[[list[ledger_pb2.Block | None]], None],
    kind: str,
) -> None:
    g, blocks = chain
    tampered = copy(blocks)
    tamper(tampered)
    report = walk(g, tampered)
    assert isinstance(report.fault, ChainFault)
    assert (report.fault.height, report.fault.kind) == (3, kind)
    assert report.verified_height == 2
    assert not report.ok


def test_a_forged_certificate_below_the_tip_is_the_first_fault(
    chain: tuple[Genesis, list[ledger_pb2.Block]],
) -> None:
    """Two bad blocks: the first one is named."""
    g, blocks = chain
    tampered = copy(blocks)
    tamper_certificate(tampered)
    tampered[3] = None
    report = walk(g, tampered)
    assert report.fault is not None
    assert (report.fault.height, report.fault.kind) == (3, "commit-certificate")


def test_a_node_whose_state_differs_from_its_blocks_is_named_at_its_tip(
    chain: tuple[Genesis, list[ledger_pb2.Block]],
) -> None:
    g, blocks = chain
    last = blocks[-1]
    assert walk(g, copy(blocks), state_root=bytes(last.header.state_root)).ok
    report = walk(g, copy(blocks), state_root=b"\x05" * 32)
    assert report.fault is not None
    assert (report.fault.height, report.fault.kind) == (HEIGHTS, "node-state")
    assert report.verified_height == HEIGHTS


def test_from_all_names_the_first_height_where_another_node_differs(
    chain: tuple[Genesis, list[ledger_pb2.Block]],
) -> None:
    g, blocks = chain
    behind = FakeSource(copy(blocks[:2]))  # a node behind is no fault
    differing = copy(blocks)
    tamper_swap(differing)  # block 3's transactions differ under the same header
    assert walk(g, copy(blocks), others={"behind": behind, "same": FakeSource(copy(blocks))}).ok
    report = walk(g, copy(blocks), others={"behind": behind, "other": FakeSource(differing)})
    assert report.fault is not None
    assert (report.fault.height, report.fault.kind) == (3, "fork")
    assert "other" in report.fault.detail


@pytest.mark.parametrize(
    ("tamper", "detail"),
    [
        (tamper_missing, "other has no block at this height"),
        # Same bodies (so the same transaction hashes) but a flipped signature byte.
        (tamper_signature, None),
    ],
    ids=["without-a-block-below-its-tip", "whose-signature-bytes-differ"],
)
def test_from_all_names_a_node(
    chain: tuple[Genesis, list[ledger_pb2.Block]],
    tamper: Callable[[list[ledger_pb2.Block | None]], None],
    detail: str | None,
) -> None:
    g, blocks = chain
    other = copy(blocks)
    tamper(other)
    report = walk(g, copy(blocks), others={"other": FakeSource(other)})
    assert report.fault is not None
    assert (report.fault.height, report.fault.kind) == (3, "fork")
    if detail is not None:
        assert report.fault.detail == detail
