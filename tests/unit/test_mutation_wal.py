"""The consensus WAL's edges, found by mutation testing (issue 19, docs/mutation.md): records
at the exact size limits, space written ahead at its exact edge, the rewrite threshold at its
exact edge, partial writes, and what a failed write, rewrite or folder sync leaves behind.
Each test fails if the check or branch it names is changed."""

from __future__ import annotations

import itertools
import logging
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from node import limits
from node.chain.wire import VIEW_RECORDS_HEIGHT
from node.ledger import wal as wal_module
from node.ledger.wal import HEADER, KEY, MemoryWal, Wal, WalEntry, WalError, encode_entry, scan

RECORD_BYTES = 100
"""encode_entry(record(h)): header 8, key 17, data 75."""


def record(height: int, kind: int = 1, view: int = 0) -> WalEntry:
    return WalEntry(height, kind, view, bytes([height % 256]) * (RECORD_BYTES - 25))


def new_wal(folder: Path, *heights: int) -> tuple[Path, Wal]:
    """A WAL in ``folder`` holding a record at each of ``heights``."""
    path = folder / "consensus.wal"
    wal = Wal(path)
    if heights:
        wal.append([record(height) for height in heights])
    return path, wal


def reopened(path: Path) -> list[tuple[int, int, int]]:
    wal = Wal(path)
    try:
        return [e.key for e in wal.entries()]
    finally:
        wal.close()


# ---- sizes -----------------------------------------------------------------------------------


def test_a_record_with_no_data_and_one_at_the_cap_come_back_after_a_restart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Payload lengths 17 (the key alone) and WAL_RECORD_BYTES_MAX are the range's ends."""
    assert len(encode_entry(record(1))) == RECORD_BYTES
    monkeypatch.setattr(limits, "WAL_RECORD_BYTES_MAX", 200)
    path, wal = new_wal(tmp_path)
    smallest = WalEntry(1, 1, 0, b"")
    largest = WalEntry(2, 1, 0, b"z" * (200 - KEY.size))
    wal.append([smallest, largest])
    assert wal.file_bytes == HEADER.size * 2 + KEY.size + 200
    wal.close()
    with caplog.at_level(logging.WARNING, logger="trustledger.wal"):
        again = Wal(path)
    assert again.entries() == [smallest, largest]
    assert caplog.records == []
    again.close()


def test_a_file_without_space_written_ahead_ends_cleanly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """After a rewrite the file ends right after its last record (no end marker): reading
    stops there with nothing to cut and nothing logged."""
    path, wal = new_wal(tmp_path, 1, 2)
    wal.compact()
    wal.close()
    assert path.stat().st_size == 2 * RECORD_BYTES
    with path.open("rb") as stream:
        found = scan(stream)
    assert (found.good_bytes, found.problem, len(found.entries)) == (2 * RECORD_BYTES, None, 2)
    with caplog.at_level(logging.WARNING, logger="trustledger.wal"):
        assert reopened(path) == [(1, 1, 0), (2, 1, 0)]
    assert caplog.records == [] and path.stat().st_size == 2 * RECORD_BYTES


def test_space_is_written_ahead_only_when_the_end_marker_would_not_fit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "WAL_PREALLOCATE_BYTES", RECORD_BYTES)
    path, wal = new_wal(tmp_path, 1)
    ahead = RECORD_BYTES + HEADER.size + RECORD_BYTES
    assert path.stat().st_size == ahead
    wal.append([record(2)])  # fills the space exactly up to the end marker
    assert path.stat().st_size == ahead and wal.file_bytes == 2 * RECORD_BYTES
    wal.append([record(3)])  # no room for its end marker: more space, from its end
    assert path.stat().st_size == 3 * RECORD_BYTES + HEADER.size + RECORD_BYTES
    wal.close()
    assert reopened(path) == [(1, 1, 0), (2, 1, 0), (3, 1, 0)]


def test_the_folder_and_file_are_private_and_created_with_their_parents(tmp_path: Path) -> None:
    path = tmp_path / "home" / "data" / "consensus.wal"
    wal = Wal(path)
    wal.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    again = Wal(path)  # the folder exists now: opened again, not refused
    assert again.entries() == [] and again.file_bytes == 0
    again.close()
    again.close()  # closing twice is harmless


# ---- partial writes --------------------------------------------------------------------------


def short_writes(real: Callable[..., int], most: int) -> Callable[..., int]:
    """`real` (os.write or os.pwrite) writing at most `most` bytes per call."""

    def write(fd: int, data: Any, *rest: int) -> int:
        return real(fd, bytes(data)[:most], *rest)

    return write


def test_appends_and_rewrites_complete_across_short_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "WAL_PREALLOCATE_BYTES", 1000)
    monkeypatch.setattr(os, "pwrite", short_writes(os.pwrite, 7))
    monkeypatch.setattr(os, "write", short_writes(os.write, 7))
    path, wal = new_wal(tmp_path, 1, 2)
    wal.append([record(3)])
    assert path.stat().st_size == 2 * RECORD_BYTES + HEADER.size + 1000
    wal.forget_through(1)
    wal.compact()  # written with os.write
    assert path.stat().st_size == 2 * RECORD_BYTES
    wal.append([record(4)])
    wal.close()
    monkeypatch.undo()
    assert reopened(path) == [(2, 1, 0), (3, 1, 0), (4, 1, 0)]


# ---- failures --------------------------------------------------------------------------------


def test_a_failed_sync_zeroes_the_unsynced_record_and_the_file_stays_appendable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, wal = new_wal(tmp_path, 1)

    def failing(fd: int) -> None:
        raise OSError(5, "disk gone")

    monkeypatch.setattr(os, "fdatasync", failing)
    with pytest.raises(WalError):
        wal.append([record(2)])
    monkeypatch.undo()
    assert wal.file_bytes == RECORD_BYTES and [e.key for e in wal.entries()] == [(1, 1, 0)]
    # The record written before the failed sync is gone from the file too: it was never
    # acknowledged, so it must not come back as a vote after a restart.
    assert reopened(path) == [(1, 1, 0)]
    wal.append([record(3)])
    wal.close()
    assert reopened(path) == [(1, 1, 0), (3, 1, 0)]


@pytest.mark.parametrize("failing_call", ["open", "replace"])
def test_a_rewrite_failing_before_the_rename_keeps_the_old_file(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    failing_call: str,
) -> None:
    path, wal = new_wal(tmp_path, 1, 2)
    wal.forget_through(1)
    before = path.read_bytes()
    real = getattr(os, failing_call)

    def failing(*args: Any, **kwargs: Any) -> Any:
        if str(args[0]).endswith(".tmp"):
            raise OSError(28, "no space")
        return real(*args, **kwargs)

    monkeypatch.setattr(os, failing_call, failing)
    with caplog.at_level(logging.ERROR, logger="trustledger.wal"):
        wal.compact()
    monkeypatch.undo()
    assert [r.levelname for r in caplog.records] == ["ERROR"]
    assert path.read_bytes() == before and not (tmp_path / "consensus.wal.tmp").exists()
    assert wal.file_bytes == 2 * RECORD_BYTES
    wal.append([record(3)])  # still appending to the old file
    wal.close()
    # The old file still holds the forgotten record: the owner forgets it again on opening.
    assert reopened(path) == [(1, 1, 0), (2, 1, 0), (3, 1, 0)]


def test_a_folder_sync_failing_after_the_rename_stops_the_node(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, wal = new_wal(tmp_path, 1, 2)
    wal.forget_through(1)

    def failing(folder: Path) -> None:
        raise OSError(5, "folder sync failed")

    monkeypatch.setattr(wal_module, "fsync_dir", failing)
    with pytest.raises(WalError):
        wal.compact()
    monkeypatch.undo()
    # The rename happened: the new file is in use, holding the kept record only.
    assert path.stat().st_size == wal.file_bytes == RECORD_BYTES
    wal.append([record(3)])
    wal.close()
    assert reopened(path) == [(2, 1, 0), (3, 1, 0)]


# ---- the rewrite threshold -------------------------------------------------------------------


def rewrites_during(
    wal: Wal, monkeypatch: pytest.MonkeyPatch, step: Callable[[], None]
) -> list[int]:
    """The file sizes at which `step` rewrote the file."""
    seen: list[int] = []
    real = wal.compact

    def spy() -> None:
        seen.append(wal.file_bytes)
        real()

    monkeypatch.setattr(wal, "compact", spy)
    step()
    monkeypatch.setattr(wal, "compact", real)
    return seen


def test_a_file_exactly_at_the_floor_is_not_rewritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "WAL_COMPACT_BYTES_MIN", 10 * RECORD_BYTES)
    wal = Wal(tmp_path / "consensus.wal")
    wal.append([record(h) for h in range(1, 11)])
    assert rewrites_during(wal, monkeypatch, lambda: wal.forget_through(9)) == []
    assert wal.file_bytes == 10 * RECORD_BYTES  # four times 100 kept is below the floor
    wal.append([record(11)])
    assert rewrites_during(wal, monkeypatch, lambda: wal.forget_through(9)) == [11 * RECORD_BYTES]
    assert wal.file_bytes == 2 * RECORD_BYTES
    wal.close()


def test_a_file_exactly_at_the_ratio_is_not_rewritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "WAL_COMPACT_BYTES_MIN", RECORD_BYTES)
    wal = Wal(tmp_path / "consensus.wal")
    ratio = limits.WAL_COMPACT_RATIO
    wal.append([record(h) for h in range(1, 2 * ratio + 1)])
    # 2 * ratio records in the file, 2 kept: exactly `ratio` times the bytes kept.
    assert rewrites_during(wal, monkeypatch, lambda: wal.forget_through(2 * ratio - 2)) == []
    assert wal.kept_bytes == 2 * RECORD_BYTES
    assert rewrites_during(wal, monkeypatch, lambda: wal.forget_through(2 * ratio - 1)) == [
        2 * ratio * RECORD_BYTES
    ]
    assert wal.file_bytes == wal.kept_bytes == RECORD_BYTES
    wal.close()


# ---- what is kept --------------------------------------------------------------------------


def test_a_view_record_drops_lower_views_of_its_kind_only_at_the_view_height() -> None:
    top = VIEW_RECORDS_HEIGHT
    kept = MemoryWal()
    kept.append([record(5, 1, 1), record(top, 1, 1), record(top, 2, 1)])
    kept.append([record(5, 1, 2), record(top, 1, 2)])
    assert [e.key for e in kept.entries()] == [
        (5, 1, 1),
        (5, 1, 2),
        (top, 1, 2),
        (top, 2, 1),
    ]
    assert kept.kept_bytes == 4 * RECORD_BYTES
    kept.forget_through(5)
    assert [e.key for e in kept.entries()] == [(top, 1, 2), (top, 2, 1)]
    assert kept.records() == [e.data for e in kept.entries()]
    assert kept.kept_bytes == 2 * RECORD_BYTES
    kept.close()


def test_a_rewritten_file_stays_private(tmp_path: Path) -> None:
    path, wal = new_wal(tmp_path, 1, 2)
    wal.forget_through(1)
    wal.compact()
    wal.close()
    assert path.stat().st_size == RECORD_BYTES
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_header_with_a_length_out_of_range_and_only_zeros_after_it_is_a_torn_tail(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Only the checksum half of the last header reached the disk: the length (zero) is out
    of range, and nothing but the space written ahead follows. That is a torn tail (a
    warning), not damage before the end (an error), and the records before it stay."""
    path, wal = new_wal(tmp_path, 1)
    wal.close()
    whole = bytearray(path.read_bytes())
    whole[RECORD_BYTES : RECORD_BYTES + HEADER.size] = HEADER.pack(0, 0xDEADBEEF)
    path.write_bytes(bytes(whole))
    with caplog.at_level(logging.WARNING, logger="trustledger.wal"):
        assert reopened(path) == [(1, 1, 0)]
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert path.stat().st_size == RECORD_BYTES


# ---- what is synced, and when ----------------------------------------------------------------


def test_creation_appends_and_rewrites_sync_before_they_return(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The order of writes and syncs, seen through spies on the system calls: a new file and
    its folder entry are synced on creation (not on reopening), an append's data is synced
    after it is written, and a rewrite syncs the new file before the rename and the folder
    after it."""
    calls: list[str] = []

    def spy(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any) -> Any:
            calls.append(name)
            return real(*args)

        return call

    for name in ("fsync", "fdatasync", "pwrite", "write", "replace"):
        monkeypatch.setattr(os, name, spy(name, getattr(os, name)))
    monkeypatch.setattr(wal_module, "fsync_dir", spy("fsync_dir", wal_module.fsync_dir))
    path, wal = new_wal(tmp_path)
    assert calls == ["fsync", "fsync_dir", "fsync"]  # fsync_dir syncs the folder's fd
    calls.clear()
    wal.append([record(1), record(2)])  # space written ahead first, then the records
    assert calls == ["pwrite", "fsync", "pwrite", "fdatasync"]
    calls.clear()
    wal.append([record(3)])
    assert calls == ["pwrite", "fdatasync"]
    calls.clear()
    wal.forget_through(2)
    wal.compact()
    assert calls == ["write", "fsync", "replace", "fsync_dir", "fsync"]
    calls.clear()
    wal.close()
    assert reopened(path) == [(3, 1, 0)]
    assert calls == []  # an existing file is only read


def test_a_wal_opened_on_descriptor_zero_is_closed_too(tmp_path: Path) -> None:
    """A daemon may run with its standard input closed: the WAL's file then gets descriptor
    0, which is a real descriptor to close (only a negative one means closed)."""
    saved = os.dup(0)
    try:
        os.close(0)
        wal = Wal(tmp_path / "consensus.wal")
        assert os.path.samestat(os.fstat(0), (tmp_path / "consensus.wal").stat())
        wal.close()
        with pytest.raises(OSError):
            os.fstat(0)
    finally:
        os.dup2(saved, 0)
        os.close(saved)


def test_space_is_written_ahead_when_the_records_fit_but_their_end_marker_would_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """After 100 bytes of records the file is 208 bytes (100 ahead and the end marker). An
    append of 104 more ends at 204: inside the file, but 4 bytes are too few for the end
    marker, so more space is written first."""
    monkeypatch.setattr(limits, "WAL_PREALLOCATE_BYTES", RECORD_BYTES)
    path, wal = new_wal(tmp_path, 1)
    assert path.stat().st_size == RECORD_BYTES + HEADER.size + RECORD_BYTES
    longer = WalEntry(2, 1, 0, b"y" * (RECORD_BYTES + 4 - HEADER.size - KEY.size))
    wal.append([longer])
    assert wal.file_bytes == 2 * RECORD_BYTES + 4
    assert path.stat().st_size == wal.file_bytes + HEADER.size + RECORD_BYTES
    wal.close()
    with caplog.at_level(logging.WARNING, logger="trustledger.wal"):
        assert reopened(path) == [(1, 1, 0), (2, 1, 0)]
    assert caplog.records == []


def test_a_failed_write_whose_clean_up_fails_too_is_still_a_wal_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, wal = new_wal(tmp_path, 1)

    def failing(*args: Any) -> int:
        raise OSError(5, "disk gone")

    monkeypatch.setattr(os, "pwrite", failing)  # the write and the zeroing after it
    with pytest.raises(WalError):
        wal.append([record(2)])
    monkeypatch.undo()
    assert [e.key for e in wal.entries()] == [(1, 1, 0)]
    wal.close()
    assert reopened(path) == [(1, 1, 0)]


def test_closing_twice_closes_no_other_descriptor(tmp_path: Path) -> None:
    """The second close must find the WAL closed, not close whatever descriptor its number
    names now (standard output, say)."""
    saved = [os.dup(fd) for fd in (0, 1, 2)]
    try:
        wal = Wal(tmp_path / "consensus.wal")
        wal.close()
        wal.close()
        for fd in (0, 1, 2):
            os.fstat(fd)  # raises OSError if it was closed
        assert [e.key for e in Wal(tmp_path / "consensus.wal").entries()] == []
    finally:
        for fd, copy in zip((0, 1, 2), saved, strict=True):
            os.dup2(copy, fd)
            os.close(copy)


def test_each_kind_of_damage_is_named_and_a_damaged_last_record_is_a_torn_tail(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """What `scan` reports for a whole file, a cut header, a cut payload and a flipped
    byte; and a flipped byte in the last record, followed by zeros only, is logged as a torn
    tail (a warning), since nothing written after it is lost."""
    path, wal = new_wal(tmp_path, 1, 2)
    wal.close()
    whole = path.read_bytes()

    def scanned(data: bytes) -> tuple[int, str | None, int]:
        path.write_bytes(data)
        with path.open("rb") as stream:
            found = scan(stream)
        return found.good_bytes, found.problem, found.bad_end

    end = 2 * RECORD_BYTES
    assert scanned(whole) == (end, None, end)
    assert scanned(whole[: end - 3]) == (RECORD_BYTES, wal_module.TORN_PAYLOAD, end - 3)
    assert scanned(whole[: RECORD_BYTES + 5]) == (
        RECORD_BYTES,
        wal_module.TORN_HEADER,
        RECORD_BYTES + 5,
    )
    flipped = bytearray(whole)
    flipped[end - 1] ^= 0x01
    assert scanned(bytes(flipped)) == (RECORD_BYTES, wal_module.CHECKSUM_MISMATCH, end)
    with caplog.at_level(logging.WARNING, logger="trustledger.wal"):
        assert reopened(path) == [(1, 1, 0)]
    assert [r.levelname for r in caplog.records] == ["WARNING"]


def test_a_wal_that_cannot_be_recovered_raises_its_error_and_leaks_no_descriptor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, wal = new_wal(tmp_path, 1)
    wal.close()
    path.write_bytes(path.read_bytes()[: RECORD_BYTES - 1])  # a torn tail to cut

    def failing(fd: int, length: int) -> None:
        raise OSError(30, "read-only file system")

    monkeypatch.setattr(os, "ftruncate", failing)
    open_before = len(os.listdir("/proc/self/fd"))
    with pytest.raises(OSError) as raised:
        Wal(path)
    assert raised.value.errno == 30
    assert len(os.listdir("/proc/self/fd")) == open_before


def test_reopening_reads_each_byte_written_ahead_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The zeros after the records (a megabyte written ahead) are checked by reads that
    follow each other, each byte once: not a megabyte read again at every byte. (What a
    read returns is counted: asking for more than the file has is not a second reading.)"""
    path, wal = new_wal(tmp_path, 1, 2)
    records_end = wal.file_bytes
    wal.close()
    size = path.stat().st_size
    assert size - records_end > limits.WAL_PREALLOCATE_BYTES
    reads: list[tuple[int, int]] = []
    pread = os.pread

    def counted(fd: int, length: int, offset: int) -> bytes:
        data = pread(fd, length, offset)
        reads.append((offset, len(data)))
        # Stop at once rather than after a megabyte read at every byte.
        assert sum(n for _, n in reads) <= size - records_end, "bytes read twice"
        return data

    monkeypatch.setattr(os, "pread", counted)
    assert reopened(path) == [(1, 1, 0), (2, 1, 0)]
    assert reads and reads[0][0] == records_end
    assert all(
        offset + length == following
        for (offset, length), (following, _) in itertools.pairwise(reads)
    )
    assert sum(length for _, length in reads) == size - records_end
