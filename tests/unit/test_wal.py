"""The consensus WAL file (node/ledger/wal.py): records come back after a restart, a torn
or damaged tail is found and cut wherever the file ends, the kept records follow the rules
the LevelDB WAL had, records of older nodes move out of LevelDB, and a real Node restarted
on its WAL signs nothing that conflicts with what it signed before."""

from __future__ import annotations

import asyncio
import logging
import struct
import tempfile
from pathlib import Path
from typing import Any

import plyvel
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consensus.errors import ProposalInFlight
from consensus.messages import PrePrepare
from consensus.validators import Validator, ValidatorSet
from node import limits
from node.chain.crypto import KeyPair
from node.chain.wire import KIND_NEW_VIEW, KIND_VIEW_CHANGE, VIEW_RECORDS_HEIGHT, decode_record
from node.genesis import Genesis
from node.ledger.store import P_WAL, Store
from node.ledger.wal import HEADER, MemoryWal, Wal, WalEntry, WalError, encode_entry, scan
from node.runtime import Node
from proto import ledger_pb2
from suites import ED25519_SHA256
from tests.unit.node_support import diploma_genesis, issue_diploma, open_node
from tests.unit.test_mutation_wal import rewrites_during

TOP = VIEW_RECORDS_HEIGHT


def entry(height: int, kind: int = 1, view: int = 0, data: bytes | None = None) -> WalEntry:
    return WalEntry(height, kind, view, data if data is not None else f"r{height}.{kind}".encode())


EARLIER = [entry(1, data=b"a" * 40), entry(2, kind=2, view=1, data=b"b" * 3)]
LAST = entry(3, kind=3, view=1, data=bytes(range(60)))


def on_disk(path: Path) -> int:
    """Where the file's records end; everything after it must be zeros (space written
    ahead of them)."""
    data = path.read_bytes()
    with path.open("rb") as stream:
        end = scan(stream).good_bytes
    assert data[end:].count(0) == len(data) - end, "non-zero bytes after the records"
    return end


def written(path: Path) -> tuple[int, int]:
    """Write EARLIER, then LAST in an append of its own; return the file size before and
    after LAST."""
    wal = Wal(path)
    wal.append(EARLIER)
    before = wal.file_bytes
    wal.append([LAST])
    after = wal.file_bytes
    wal.close()
    assert on_disk(path) == after == before + len(encode_entry(LAST))
    return before, after


# ---- records and restarts ------------------------------------------------------------------


def test_records_come_back_in_key_order_and_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "consensus.wal"
    wal = Wal(path)
    assert wal.entries() == [] and path.exists() and path.stat().st_size == 0
    shuffled = [entry(7), entry(5, kind=2), entry(TOP, KIND_VIEW_CHANGE, 4), entry(5, kind=1)]
    wal.append(shuffled)
    ordered = sorted(shuffled, key=lambda e: e.key)
    assert wal.entries() == ordered
    assert wal.records() == [e.data for e in ordered]
    size = wal.file_bytes
    wal.close()
    again = Wal(path)
    assert again.entries() == ordered
    assert again.file_bytes == size == on_disk(path)
    again.append([entry(9)])
    again.close()
    assert [e.height for e in Wal(path).entries()] == [5, 5, 7, 9, TOP]


def test_the_last_write_of_a_key_wins_in_memory_and_on_reopening(tmp_path: Path) -> None:
    path = tmp_path / "consensus.wal"
    wal = Wal(path)
    wal.append([entry(4, data=b"first")])
    wal.append([entry(4, data=b"second")])
    assert wal.records() == [b"second"]
    wal.close()
    assert Wal(path).records() == [b"second"]


def test_a_record_over_the_cap_is_refused_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "WAL_RECORD_BYTES_MAX", 100)
    wal = Wal(tmp_path / "consensus.wal")
    wal.append([entry(1, data=b"x" * (100 - 17))])  # exactly the cap: key and data
    size = wal.file_bytes
    with pytest.raises(WalError, match="exceeds"):
        wal.append([entry(2), entry(3, data=b"x" * (100 - 16))])
    assert wal.file_bytes == size == on_disk(tmp_path / "consensus.wal")
    assert [e.height for e in wal.entries()] == [1]


# ---- torn and damaged tails ----------------------------------------------------------------


def test_cutting_the_last_record_anywhere_gives_back_the_earlier_ones(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "consensus.wal"
    before, after = written(path)
    whole = path.read_bytes()
    for cut in range(before, after):
        path.write_bytes(whole[:cut])
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="trustledger.wal"):
            wal = Wal(path)
        assert wal.entries() == EARLIER, cut
        assert path.stat().st_size == wal.file_bytes == before, cut
        # A cut exactly between records is a whole file; anything else is a torn tail.
        assert [r.levelname for r in caplog.records] == ([] if cut == before else ["WARNING"])
        # Appendable again: the next record follows the earlier ones.
        wal.append([entry(4)])
        wal.close()
        assert Wal(path).entries() == [*EARLIER, entry(4)], cut
    path.write_bytes(whole)
    assert Wal(path).entries() == [*EARLIER, LAST]


def test_a_flipped_byte_anywhere_in_the_last_record_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "consensus.wal"
    before, after = written(path)
    whole = path.read_bytes()
    for offset in range(before, after):  # length, checksum, key and data
        for flip in (0x01, 0x80, 0xFF):
            damaged = bytearray(whole)
            damaged[offset] ^= flip
            path.write_bytes(bytes(damaged))
            wal = Wal(path)
            assert wal.entries() == EARLIER, (offset, flip)
            assert path.stat().st_size == before, (offset, flip)
            wal.close()


def test_damage_in_the_middle_stops_there_and_is_logged_as_an_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "consensus.wal"
    written(path)
    whole = bytearray(path.read_bytes())
    first = len(encode_entry(EARLIER[0]))
    whole[first + HEADER.size + 10] ^= 0x10  # inside the second record's key
    path.write_bytes(bytes(whole))
    with caplog.at_level(logging.WARNING, logger="trustledger.wal"):
        wal = Wal(path)
    # The third record is sound, but where it starts is known only from a damaged record.
    assert wal.entries() == EARLIER[:1]
    assert path.stat().st_size == first
    assert [r.levelname for r in caplog.records] == ["ERROR"]
    assert "bytes after it" in caplog.records[0].getMessage()


@pytest.mark.parametrize("length", [0, 16, limits.WAL_RECORD_BYTES_MAX + 1, 2**32 - 1])
def test_a_length_out_of_range_stops_the_reading(tmp_path: Path, length: int) -> None:
    path = tmp_path / "consensus.wal"
    before, _ = written(path)
    whole = bytearray(path.read_bytes())
    whole[before : before + 4] = struct.pack(">I", length)
    path.write_bytes(bytes(whole))
    assert Wal(path).entries() == EARLIER
    assert path.stat().st_size == before


def test_a_rewrite_left_half_done_is_discarded(tmp_path: Path) -> None:
    path = tmp_path / "consensus.wal"
    written(path)
    (tmp_path / "consensus.wal.tmp").write_bytes(b"half a rewrite")
    assert Wal(path).entries() == [*EARLIER, LAST]
    assert not (tmp_path / "consensus.wal.tmp").exists()


# ---- what is kept: the rules of the LevelDB WAL --------------------------------------------


def test_commits_and_newer_views_drop_exactly_what_the_leveldb_wal_dropped(
    tmp_path: Path,
) -> None:
    path = tmp_path / "consensus.wal"
    wal = Wal(path)
    wal.append([entry(h, kind) for h in (5, 6, 7, 8) for kind in (1, 2)])
    wal.append([entry(TOP, KIND_VIEW_CHANGE, 2), entry(TOP, KIND_NEW_VIEW, 2)])
    wal.append([entry(TOP, KIND_VIEW_CHANGE, 3)])  # drops the ViewChange of view 2 only
    wal.forget_through(6)
    kept = [(e.height, e.kind, e.view) for e in wal.entries()]
    assert kept == [
        (7, 1, 0),
        (7, 2, 0),
        (8, 1, 0),
        (8, 2, 0),
        (TOP, KIND_VIEW_CHANGE, 3),
        (TOP, KIND_NEW_VIEW, 2),
    ]
    # View-change records survive any commit; an older view's arriving late keeps both,
    # as the LevelDB rule (drop lower views of the same kind) did.
    wal.forget_through(10**9)
    wal.append([entry(TOP, KIND_VIEW_CHANGE, 1)])
    late = [(TOP, KIND_VIEW_CHANGE, 1), (TOP, KIND_VIEW_CHANGE, 3), (TOP, KIND_NEW_VIEW, 2)]
    assert [e.key for e in wal.entries()] == late
    # The same after a rewrite and a restart: records are rewritten in the order they were
    # written, so reading them back does not drop the late lower view.
    wal.compact()
    wal.close()
    assert [e.key for e in Wal(path).entries()] == late


def test_the_file_is_rewritten_only_when_mostly_dropped_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = len(encode_entry(entry(1, data=b"x" * 75)))
    assert record == 100
    monkeypatch.setattr(limits, "WAL_COMPACT_BYTES_MIN", 1000)
    path = tmp_path / "consensus.wal"
    wal = Wal(path)

    def thirty_heights() -> None:
        for height in range(1, 31):
            # Two records per height; the height before is committed.
            wal.append([entry(height, 1, data=b"x" * 75), entry(height, 2, data=b"y" * 75)])
            wal.forget_through(height - 1)
            assert wal.kept_bytes == 200
            assert on_disk(path) == wal.file_bytes

    rewrites = rewrites_during(wal, monkeypatch, thirty_heights)
    # Rewritten once the file passed the floor (1,000 bytes) and four times what is kept
    # (800): at heights 6, 11, 16, 21 and 26, each time from 1,200 bytes to 200.
    assert rewrites == [1200] * 5
    assert wal.file_bytes == 200 * 5
    wal.close()
    assert [e.key for e in Wal(path).entries()][:2] == [(26, 1, 0), (26, 2, 0)]
    assert not (tmp_path / "consensus.wal.tmp").exists()


OPS = st.lists(
    st.one_of(
        st.tuples(
            st.just("append"),
            st.lists(
                st.tuples(
                    st.sampled_from([1, 2, 3, 4, 5, TOP, TOP, TOP]),
                    st.integers(1, 2),
                    st.integers(0, 3),
                    st.binary(max_size=40),
                ),
                max_size=4,
            ),
        ),
        st.tuples(st.just("commit"), st.integers(1, 5)),
        st.tuples(st.just("restart"), st.none()),
        st.tuples(st.just("rewrite"), st.none()),
    ),
    min_size=1,  # the comparison runs after each operation: none would check nothing
    max_size=25,
)


@settings(max_examples=100, deadline=None)
@given(ops=OPS)
def test_the_file_keeps_what_the_in_memory_reference_keeps(ops: list[tuple[str, Any]]) -> None:
    """Differential: the file WAL (rewritten often here) against `MemoryWal`, across
    restarts. After a restart the owner forgets through its committed height again."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "consensus.wal"
        floor, limits.WAL_COMPACT_BYTES_MIN = limits.WAL_COMPACT_BYTES_MIN, 0
        try:
            wal, model, committed = Wal(path), MemoryWal(), 0
            for op, arg in ops:
                if op == "append":
                    batch = [WalEntry(*item) for item in arg]
                    wal.append(batch)
                    model.append(batch)
                elif op == "commit":
                    committed = max(committed, arg)
                    wal.forget_through(committed)
                    model.forget_through(committed)
                elif op == "rewrite":
                    wal.compact()
                else:
                    wal.close()
                    wal = Wal(path)
                    wal.forget_through(committed)
                    model.forget_through(committed)
                assert wal.entries() == model.entries()
                assert wal.kept_bytes == model.kept_bytes
            wal.close()
        finally:
            limits.WAL_COMPACT_BYTES_MIN = floor


# ---- moving the LevelDB WAL of older nodes -------------------------------------------------


def test_store_lists_and_drops_the_wal_records_of_older_nodes(tmp_path: Path) -> None:
    db = plyvel.DB(str(tmp_path / "db"), create_if_missing=True)
    db.put(P_WAL + struct.pack(">QBQ", TOP, KIND_VIEW_CHANGE, 2), b"vc")
    db.put(P_WAL + struct.pack(">QBQ", 3, 1, 0), b"prepare")
    db.put(b"m" + b"other", b"kept")
    db.close()
    store = Store(tmp_path / "db", ED25519_SHA256)
    try:
        assert store.legacy_wal_records() == [
            (3, 1, 0, b"prepare"),
            (TOP, KIND_VIEW_CHANGE, 2, b"vc"),
        ]
        store.drop_legacy_wal()
        assert store.legacy_wal_records() == []
    finally:
        store.close()
    db = plyvel.DB(str(tmp_path / "db"))
    assert db.get(b"m" + b"other") == b"kept"
    db.close()


# ---- a real node -----------------------------------------------------------------------------

VALIDATOR_KEYS = [KeyPair(bytes([0x31 + i]) * 32) for i in range(4)]
EDU = KeyPair(b"\x3a" * 32)
HOLDER = KeyPair(b"\x3b" * 32)
GENESIS = diploma_genesis("unit-wal", [k.public_key for k in VALIDATOR_KEYS], EDU)


def issue(i: int) -> ledger_pb2.Transaction:
    cert_id, doc_hash = f"cert-wal-{i:03d}", f"{i:02x}" * 32
    return issue_diploma(GENESIS.chain_id, EDU, HOLDER, cert_id, doc_hash, i.to_bytes(16, "big"))


def start_node(home: Path, genesis: Genesis = GENESIS) -> Node:
    """val-0 (primary of view 0) of four validators, with no peer reachable: what it
    proposes cannot commit, so its PrePrepare for height 1 stays in the WAL."""
    return open_node(home, genesis, VALIDATOR_KEYS[0])


def stop_node(node: Node) -> None:
    asyncio.run(node.close())
    node.store.close()


def own_preprepares(node: Node) -> list[PrePrepare]:
    return [r for r in map(decode_record, node.wal.records()) if isinstance(r, PrePrepare)]


def propose_one(home: Path) -> PrePrepare:
    node = start_node(home)
    assert node.replica.can_propose()
    node.admission.admit(issue(1), forward=False)
    node.drive()
    (proposed,) = own_preprepares(node)
    assert (proposed.view, proposed.height, proposed.sender) == (0, 1, "val-0")
    stop_node(node)
    return proposed


def check_restarted(node: Node, proposed: PrePrepare) -> None:
    """The restarted node holds its proposal and proposes nothing else for height 1."""
    assert node.wal.path == node.config.home / "consensus.wal"
    assert not node.replica.can_propose()
    with pytest.raises(ProposalInFlight):
        node.replica.propose(b"another block", b"\x42" * 32)
    node.admission.admit(issue(2), forward=False)  # what a forgetful primary would propose
    node.drive()
    assert own_preprepares(node) == [proposed]
    # Retransmission sends the same proposal again, never another one.
    for _ in range(node.config.retransmit_ticks):
        node.replica.tick()
    sent = [out.message for out in node.replica.ready().send]
    assert proposed in sent
    assert all(m == proposed for m in sent if isinstance(m, PrePrepare))


def test_a_restarted_node_gets_its_proposal_back_and_signs_no_other(tmp_path: Path) -> None:
    proposed = propose_one(tmp_path)
    assert (tmp_path / "consensus.wal").stat().st_size > 0
    node = start_node(tmp_path)
    try:
        check_restarted(node, proposed)
    finally:
        stop_node(node)
    # The control: without its WAL the same node would sign a second block at height 1.
    (tmp_path / "consensus.wal").unlink()
    node = start_node(tmp_path)
    try:
        assert node.replica.can_propose()
    finally:
        stop_node(node)


@pytest.mark.parametrize("file_already_written", [False, True])
def test_an_older_nodes_leveldb_wal_moves_to_the_file_once(
    tmp_path: Path, file_already_written: bool
) -> None:
    """A node from before the WAL file kept its records under b"w" in LevelDB. The records
    are synced in the file before they leave LevelDB; a crash in between (the file already
    holds them) only writes them again."""
    proposed = propose_one(tmp_path)
    wal = Wal(tmp_path / "consensus.wal")
    entries = wal.entries()
    wal.close()
    assert entries
    if not file_already_written:
        (tmp_path / "consensus.wal").unlink()
    db = plyvel.DB(str(tmp_path / "db"))
    for e in entries:
        db.put(P_WAL + struct.pack(">QBQ", e.height, e.kind, e.view), e.data)
    db.close()
    node = start_node(tmp_path)
    try:
        assert node.store.legacy_wal_records() == []
        assert node.wal.entries() == entries
        check_restarted(node, proposed)
    finally:
        stop_node(node)
    node = start_node(tmp_path)  # and once only: nothing is left to move
    try:
        assert node.wal.entries() == entries
    finally:
        stop_node(node)


def test_committed_heights_leave_the_wal(tmp_path: Path) -> None:
    alone = Genesis(
        chain_id=GENESIS.chain_id,
        genesis_time_ms=GENESIS.genesis_time_ms,
        validators=ValidatorSet((Validator("val-0", VALIDATOR_KEYS[0].public_key),)),
        organisations=GENESIS.organisations,
    )
    node = start_node(tmp_path, alone)
    try:
        for i in range(3):
            node.admission.admit(issue(i), forward=False)
            node.drive()
            assert node.store.tip_height() == i + 1, "a lone validator commits at once"
        assert node.wal.file_bytes > 0  # its votes were written before they were sent
        assert [e for e in node.wal.entries() if e.height <= 3] == []
    finally:
        stop_node(node)


# ---- space written ahead -------------------------------------------------------------------


def test_appends_fill_space_written_ahead_and_leave_the_size_alone(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "consensus.wal"
    wal = Wal(path)
    wal.append(EARLIER)
    size = path.stat().st_size
    assert size >= wal.file_bytes + limits.WAL_PREALLOCATE_BYTES  # written ahead, in zeros
    wal.append([LAST])
    assert path.stat().st_size == size  # the append's sync had no file size to flush
    assert on_disk(path) == wal.file_bytes
    wal.close()
    with caplog.at_level(logging.WARNING, logger="trustledger.wal"):
        again = Wal(path)
    assert again.entries() == [*EARLIER, LAST] and caplog.records == []
    assert path.stat().st_size == size  # a clean end is not cut
    again.close()


def test_bytes_after_the_end_marker_are_damage(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "consensus.wal"
    _, after = written(path)
    whole = bytearray(path.read_bytes())
    whole[after + 1000] = 0x42  # inside the zeros written ahead
    path.write_bytes(bytes(whole))
    with caplog.at_level(logging.WARNING, logger="trustledger.wal"):
        wal = Wal(path)
    assert wal.entries() == [*EARLIER, LAST]
    assert path.stat().st_size == after
    assert [r.levelname for r in caplog.records] == ["ERROR"]
