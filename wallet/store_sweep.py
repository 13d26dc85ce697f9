"""The one-time sweep of a wallet store written by versions before erasure compacted first.

Until the wallet compacted its LevelDB before an erasure's deletions (docs/erasure.md, "The
order of an erasure in LevelDB"), a document delivered and erased while both sat in the
memtable was flushed together with its tombstone into a table LevelDB placed at the deepest
level holding files; ``compact_range`` never rewrites that level, so the sealed document and
its wrapped key stayed in an ``.ldb`` file. Repeated ``compact_range`` calls leave it there
(the same reason), and other in-place tricks depend on how LevelDB splits a manual compaction.

So the sweep does not ask LevelDB to drop what is dead: it copies what is live. Every row an
iterator over the store returns (deleted and superseded values are not among them) is written
into a new store beside it, with the marker :data:`SWEPT_KEY`; the new store replaces the old
folder, which is then deleted whole. A store that already has the marker (or a new, empty
one) costs one read at start.

The swap survives a crash at any point: the new store is complete and synced before the old
folder is renamed aside, and :func:`sweep_once` finishes or undoes whatever step it finds
half done.
"""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

import plyvel

from node.files import fsync_dir
from wallet import limits

log = logging.getLogger(__name__)

P_META = b"m/"
"""The store's own bookkeeping rows (not a holder's data)."""
SWEPT_KEY = P_META + b"swept-erasure"
"""Set once the store holds nothing an erasure deleted: by the sweep, or at creation."""
SWEPT_VALUE = b"1"


def _beside(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _recover(path: Path) -> None:
    """Finish or undo a sweep that a crash interrupted, from what is on disk."""
    building, retired = _beside(path, ".sweep"), _beside(path, ".swept-old")
    if not path.exists() and retired.exists():
        # Crashed between the two renames: the new store was complete before the first.
        (building if building.exists() else retired).rename(path)
        fsync_dir(path.parent)
    if retired.exists():
        shutil.rmtree(retired)
    if building.exists():
        shutil.rmtree(building)  # an unfinished copy: started again


def sweep_once(path: Path, progress_rows: int = limits.SWEEP_PROGRESS_ROWS) -> bool:
    """Rewrite the store at ``path`` with its live rows only, unless it was already swept.
    Whether it was rewritten now."""
    _recover(path)
    if not (path / "CURRENT").exists():
        return False  # no store yet: WalletStore marks a new one when it creates it
    db = plyvel.DB(str(path), compression=None)
    try:
        if db.get(SWEPT_KEY) is not None:
            return False
        if next(db.iterator(include_value=False), None) is None:
            db.put(SWEPT_KEY, SWEPT_VALUE, sync=True)
            return False
        building = _beside(path, ".sweep")
        building.mkdir(mode=0o700)
        _copy_live(db, building, progress_rows)
    finally:
        db.close()
    retired = _beside(path, ".swept-old")
    path.rename(retired)
    building.rename(path)
    fsync_dir(path.parent)
    shutil.rmtree(retired)
    return True


def _copy_live(db: plyvel.DB, building: Path, progress_rows: int) -> None:
    started_s, cpu_started_s = time.monotonic(), time.process_time()
    rows = size_bytes = 0
    log.info("wallet store: sweeping out values erased by earlier versions (once)")
    fresh = plyvel.DB(str(building), create_if_missing=True, error_if_exists=True, compression=None)
    try:
        batch = fresh.write_batch()
        with db.snapshot() as snapshot:
            for key, value in snapshot.iterator():
                batch.put(key, value)
                rows += 1
                size_bytes += len(key) + len(value)
                if rows % limits.SWEEP_BATCH_ROWS == 0:
                    batch.write()
                    batch = fresh.write_batch()
                if rows % progress_rows == 0:
                    log.info("wallet store sweep: %d rows (%d bytes) copied", rows, size_bytes)
        batch.write()
        # Synced last: it syncs the log, so every row of the copy is on disk before the swap.
        fresh.put(SWEPT_KEY, SWEPT_VALUE, sync=True)
        fresh.compact_range(start=b"\x00", stop=b"\xff\xff")  # tables, not one long log
    finally:
        fresh.close()
    log.info(
        "wallet store sweep done: %d rows (%d bytes) in %.3f s (%.3f s CPU)",
        rows,
        size_bytes,
        time.monotonic() - started_s,
        time.process_time() - cpu_started_s,
    )
