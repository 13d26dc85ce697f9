"""The one-time sweep of stores older wallets wrote (docs/erasure.md, "Stores written before
the fix"): before erasure compacted first, a document delivered and erased while both sat in
LevelDB's memtable stayed in a table file; the first start of the wallet after the upgrade
rewrites the store with its live rows only, and later starts leave it alone."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import plyvel
import pytest

from node.chain.crypto import KeyPair
from node.sdk import sealing
from suites import ED25519_SHA256
from wallet.store import P_DOC, P_DOC_KEY, WalletStore, part_aad
from wallet.store_sweep import SWEPT_KEY, sweep_once

HOLDER = KeyPair(bytes([5]) * 32)
ERASED = "cert-sweep-erased"
KEPT = "cert-sweep-kept"


def store_files(folder: Path) -> bytes:
    """Every file of the LevelDB store, concatenated."""
    return b"".join(p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file())


def sealed_copy(cert_id: str) -> tuple[bytes, bytes]:
    """A document sealed as the wallet seals it: (its wrapped key, its ciphertext)."""
    return sealing.seal_document(
        ED25519_SHA256,
        HOLDER.public_key,
        b"diploma " + cert_id.encode(),
        part_aad("hd-a", cert_id, P_DOC),
    )


def old_wallet_store(folder: Path, kept_rows: int = 0) -> list[bytes]:
    """A store as the wallet before the fix left it: a document kept, one delivered and
    erased with the old sequence (put, delete, then one compaction over the whole key
    range), and ``kept_rows`` other rows. What the erasure destroyed."""
    db = plyvel.DB(str(folder), create_if_missing=True, compression=None)
    try:
        for cert_id in (KEPT, ERASED):
            sealed_key, sealed = sealed_copy(cert_id)
            db.put(P_DOC_KEY + P_DOC + f"hd-a/{cert_id}".encode(), sealed_key, sync=True)
            db.put(P_DOC + f"hd-a/{cert_id}".encode(), sealed, sync=True)
        for i in range(kept_rows):
            db.put(b"h/hd-%06d" % i, b'{"holder": %d}' % i, sync=True)
        # The old erase: deletions, then compact_range once (no compaction before them).
        with db.write_batch(sync=True) as batch:
            batch.delete(P_DOC_KEY + P_DOC + f"hd-a/{ERASED}".encode())
            batch.delete(P_DOC + f"hd-a/{ERASED}".encode())
        db.compact_range(start=b"\x00", stop=b"\xff\xff")
    finally:
        db.close()
    return [sealed_key, sealed]


def test_the_first_start_removes_what_an_old_erasure_left_in_the_files(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    erased = old_wallet_store(folder)
    assert all(part in store_files(folder) for part in erased)  # the old wallet's leftover
    store = WalletStore(folder, ED25519_SHA256)
    try:
        files = store_files(folder)
        assert [part for part in erased if part in files] == []
        assert store.get_document("hd-a", ERASED) is None
        sealed = store.get_document("hd-a", KEPT)
        assert sealed is not None
        opened = store.open_document("hd-a", KEPT, HOLDER.seed, sealed)
        assert opened == b"diploma " + KEPT.encode()
    finally:
        store.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["db"]  # no copy left beside it


def test_compacting_the_old_store_again_does_not_remove_it(tmp_path: Path) -> None:
    # Why the sweep copies instead: the leftover table sits at the deepest level with files,
    # which compact_range never rewrites, however often it runs.
    folder = tmp_path / "db"
    erased = old_wallet_store(folder)
    db = plyvel.DB(str(folder), compression=None)
    try:
        for _ in range(3):
            db.compact_range(start=b"\x00", stop=b"\xff\xff")
    finally:
        db.close()
    assert all(part in store_files(folder) for part in erased)


def test_a_swept_store_is_not_rewritten_at_later_starts(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    old_wallet_store(folder)
    assert sweep_once(folder) is True
    tables = sorted(p.name for p in folder.iterdir() if p.suffix == ".ldb")
    assert sweep_once(folder) is False
    WalletStore(folder, ED25519_SHA256).close()
    assert sorted(p.name for p in folder.iterdir() if p.suffix == ".ldb") == tables


def test_a_new_store_is_marked_swept_at_creation(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    assert sweep_once(folder) is False  # nothing there yet
    WalletStore(folder, ED25519_SHA256).close()
    db = plyvel.DB(str(folder))
    try:
        assert db.get(SWEPT_KEY) is not None
    finally:
        db.close()
    assert sweep_once(folder) is False


def test_an_empty_old_store_is_marked_without_a_copy(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    plyvel.DB(str(folder), create_if_missing=True).close()
    assert sweep_once(folder) is False
    assert sorted(p.name for p in tmp_path.iterdir()) == ["db"]
    assert sweep_once(folder) is False


def test_a_large_stores_sweep_logs_its_progress_and_duration(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "db"
    erased = old_wallet_store(folder, kept_rows=2500)
    with caplog.at_level(logging.INFO, logger="wallet.store_sweep"):
        assert sweep_once(folder, progress_rows=1000) is True
    messages = [record.getMessage() for record in caplog.records]
    progress = [m.split(" rows")[0] for m in messages if m.startswith("wallet store sweep: ")]
    assert progress == ["wallet store sweep: 1000", "wallet store sweep: 2000"]
    assert messages[-1].startswith("wallet store sweep done: 2502 rows")
    assert " s CPU)" in messages[-1]
    assert [part for part in erased if part in store_files(folder)] == []


def test_a_sweep_interrupted_before_the_swap_starts_again(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    erased = old_wallet_store(folder)
    partial = tmp_path / "db.sweep"
    plyvel.DB(str(partial), create_if_missing=True).close()  # a copy cut short
    assert sweep_once(folder) is True
    assert sorted(p.name for p in tmp_path.iterdir()) == ["db"]
    assert [part for part in erased if part in store_files(folder)] == []


def test_a_sweep_interrupted_between_the_renames_keeps_the_new_store(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    erased = old_wallet_store(folder)
    shutil.copytree(folder, tmp_path / "old")
    assert sweep_once(folder) is True
    folder.rename(tmp_path / "db.sweep")  # the finished copy, not yet renamed into place
    (tmp_path / "old").rename(tmp_path / "db.swept-old")
    store = WalletStore(folder, ED25519_SHA256)
    try:
        assert store.get_document("hd-a", KEPT) is not None
    finally:
        store.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["db"]
    assert [part for part in erased if part in store_files(folder)] == []
