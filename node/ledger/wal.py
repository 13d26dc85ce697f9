"""The consensus WAL: the replica's own signed messages (and the NewViews and `Prepared`
blocks it must not forget), in one append-only file beside the node's LevelDB.

Why a file of its own: a record is written, flushed and fsynced before the message goes
out (`Ready.persist` before `Ready.send`), so after a crash the replica is given back every
vote it may have sent and never signs a conflicting one. A crash can tear the record being
written; each record therefore carries its length and a checksum, and opening the file
finds the last whole record and cuts everything after it.

Byte layout. The file is a sequence of records, then zero bytes up to its end (no file
header: an empty file is a valid WAL, and there is no header that a crash while creating it
could tear). Integers are big-endian. The zeros are space written ahead of the records, a
megabyte at a time (`limits.WAL_PREALLOCATE_BYTES`), so that an append changes no file size
and its sync flushes data alone: on this machine kind an fdatasync of a write into
space already written takes about 0.3 ms, an fsync of a write that grows the file about
1 ms, and the replica syncs before every batch of votes it sends. A header of eight zero
bytes marks the end of the records.

    record:
      offset  size    field
      0       4       length   u32: bytes of payload, 17 .. limits.WAL_RECORD_BYTES_MAX
      4       4       crc      u32: CRC-32 of bytes 0..3 (the length) and of the payload
      8       length  payload
    payload:
      0       8       height   u64 (2**64-1 for view-change records, see node.chain.wire)
      8       1       kind     u8  (node.chain.wire KIND_*)
      9       8       view     u64
      17      ...     data     the record itself (node.chain.wire.encode_record)

The checksum is CRC-32 as `zlib.crc32` computes it (the ISO-HDLC polynomial of zip and
PNG), not CometBFT's CRC-32C: Python's standard library has only the former, in C;
CRC-32C would need a third-party package or a pure-Python loop over up to 16 MiB. The
checksum guards against torn writes and decaying media, not against an adversary, and for
that both are as good: each detects every error burst up to 32 bits and all but 2**-32 of
other damage. It covers the length too, so a damaged length is not trusted.

On open the file is read from the start; reading stops at the first record that is not
whole and sound: a short header, a length out of range, a short payload or a checksum
that does not match. The file is truncated there (and fsynced). What follows the end
marker must be zeros; anything else there is damage, and cut the same way. A bad record in the
MIDDLE, followed by records that look good, is a stop point too: its length cannot be
trusted, so where the next record starts is unknown, and every append was fsynced before
the next began, so damage before the end means the disk lost acknowledged data; guessing
past it could take back garbage as a vote. It is logged as an error with the bytes
dropped; a torn tail (the expected result of a crash) as a warning.

What is kept (the same rules as the LevelDB keys this file replaces): one record per
(height, kind, view), the last written winning; `forget_through(h)` drops every record at
or below the committed height h; at `VIEW_RECORDS_HEIGHT`, appending a view's record drops
the records of lower views of the same kind. Dropped records stay in the file until it is
rewritten: once it holds more than `limits.WAL_COMPACT_RATIO` times the bytes still kept
(and more than `limits.WAL_COMPACT_BYTES_MIN`), the kept records are written to a new file
(in the order they were last written, so that reading it back keeps the same records),
fsynced, renamed over the old one and the folder fsynced. Which heights are committed is
the ledger's to know, not the file's: the owner calls `forget_through(tip)` after opening.
"""

from __future__ import annotations

import contextlib
import logging
import os
import struct
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from node import limits
from node.chain.wire import VIEW_RECORDS_HEIGHT
from node.files import fsync_dir

log = logging.getLogger("trustledger.wal")

HEADER = struct.Struct(">II")
"""length u32, crc u32."""
END_MARKER = bytes(HEADER.size)
"""Where the records end and the space written ahead begins."""
KEY = struct.Struct(">QBQ")
"""height u64, kind u8, view u64: the start of every payload."""

# Why reading stopped before the end of the file (`ScanResult.problem`, shown in the log);
# a length out of range is the fifth, with the length in its text.
TORN_HEADER = "torn header"
TORN_PAYLOAD = "torn payload"
CHECKSUM_MISMATCH = "checksum mismatch"
DATA_AFTER_THE_END = "data after the end"


class WalError(Exception):
    """The WAL cannot take a record: the node must stop rather than send an unrecorded
    vote."""


@dataclass(frozen=True, slots=True)
class WalEntry:
    """One kept record and the key it is kept under (`node.chain.wire.wal_key_of`)."""

    height: int
    """Height the record is for; `VIEW_RECORDS_HEIGHT` for view-change records."""
    kind: int
    """Record kind (node.chain.wire KIND_*)."""
    view: int
    """View the record is for."""
    data: bytes
    """The record (`node.chain.wire.encode_record`)."""

    @property
    def key(self) -> tuple[int, int, int]:
        return self.height, self.kind, self.view


def encode_entry(entry: WalEntry) -> bytes:
    """The record's bytes in the file: header then payload."""
    payload = KEY.pack(entry.height, entry.kind, entry.view) + entry.data
    if len(payload) > limits.WAL_RECORD_BYTES_MAX:
        raise WalError(f"WAL record of {len(payload)} bytes exceeds {limits.WAL_RECORD_BYTES_MAX}")
    length = struct.pack(">I", len(payload))
    return HEADER.pack(len(payload), zlib.crc32(payload, zlib.crc32(length))) + payload


@dataclass(frozen=True, slots=True)
class ScanResult:
    """What reading a WAL file from its start found."""

    entries: list[WalEntry]
    """Every whole, sound record before the stop point, in file order."""
    good_bytes: int
    """Where the last sound record ends: the file is cut there."""
    problem: str | None
    """Why reading stopped before the end of the file; None if it reached the end."""
    bad_end: int
    """Where the record that stopped the reading ends: as its length says, cut at the end of
    the data; the end of its header if the length itself is unusable."""


def scan(stream: BinaryIO) -> ScanResult:
    """Read records from the start of `stream` up to the first one that is not whole and
    sound (see the module docstring)."""
    entries: list[WalEntry] = []
    offset = 0
    while True:
        header = stream.read(HEADER.size)
        if not header or header == END_MARKER:
            return ScanResult(entries, offset, None, offset)
        if len(header) < HEADER.size:
            return ScanResult(entries, offset, TORN_HEADER, offset + len(header))
        length, crc = HEADER.unpack(header)
        if not KEY.size <= length <= limits.WAL_RECORD_BYTES_MAX:
            return ScanResult(
                entries, offset, f"length {length} out of range", offset + HEADER.size
            )
        payload = stream.read(length)
        end = offset + HEADER.size + len(payload)
        if len(payload) < length:
            return ScanResult(entries, offset, TORN_PAYLOAD, end)
        if zlib.crc32(payload, zlib.crc32(header[:4])) != crc:
            return ScanResult(entries, offset, CHECKSUM_MISMATCH, end)
        height, kind, view = KEY.unpack_from(payload)
        entries.append(WalEntry(height, kind, view, payload[KEY.size :]))
        offset = end


class MemoryWal:
    """The records kept, by key, under the rules of the module docstring; no file. The file
    WAL keeps its index in one, and a simulation can use one in place of the file."""

    def __init__(self) -> None:
        self._kept: dict[tuple[int, int, int], WalEntry] = {}
        self._bytes = 0

    @property
    def kept_bytes(self) -> int:
        """Bytes the kept records take in a file (headers included)."""
        return self._bytes

    def append(self, entries: Iterable[WalEntry]) -> None:
        for entry in entries:
            if entry.height == VIEW_RECORDS_HEIGHT:
                for key in [
                    k
                    for k in self._kept
                    if k[:2] == (entry.height, entry.kind) and k[2] < entry.view
                ]:
                    self._drop(key)
            if entry.key in self._kept:
                self._drop(entry.key)
            self._kept[entry.key] = entry
            self._bytes += HEADER.size + KEY.size + len(entry.data)

    def forget_through(self, height: int) -> None:
        """Drop the records at or below `height` (committed: no longer needed)."""
        for key in [k for k in self._kept if k[0] <= height]:
            self._drop(key)

    def entries(self) -> list[WalEntry]:
        """The kept records, ordered by key (the order LevelDB gave them in)."""
        return [self._kept[key] for key in sorted(self._kept)]

    def records(self) -> list[bytes]:
        """The kept records' data, ordered by key: what the replica is restored from."""
        return [entry.data for entry in self.entries()]

    def in_write_order(self) -> list[WalEntry]:
        """The kept records in the order they were last written: appending them again in
        this order keeps all of them (a lower view written after a higher one stays)."""
        return list(self._kept.values())

    def close(self) -> None:
        """Nothing to release; here so that both WALs can be used alike."""

    def _drop(self, key: tuple[int, int, int]) -> None:
        entry = self._kept.pop(key)
        self._bytes -= HEADER.size + KEY.size + len(entry.data)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def write_all_at(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view = view[written:]
        offset += written


class Wal:
    """The WAL file at `path`, opened (created if missing, its damaged tail cut) on
    construction. Owned by one thread, as the store is."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._tmp = path.with_name(path.name + ".tmp")
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Left by a crash during a rewrite, before the rename: the file itself is whole.
        self._tmp.unlink(missing_ok=True)
        created = not path.exists()
        self._kept = MemoryWal()
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if created:
                os.fsync(self._fd)
                fsync_dir(path.parent)
            self._file_bytes = self._recover()
            self._allocated = os.fstat(self._fd).st_size
            """Where the space written ahead ends (the file's size)."""
        except BaseException:
            os.close(self._fd)
            raise

    def _recover(self) -> int:
        """Read the file, cut a damaged tail, keep the records read; returns the file size
        after the cut."""
        size = os.fstat(self._fd).st_size
        with self.path.open("rb") as stream:
            found = scan(stream)
        self._kept.append(found.entries)
        if found.problem is None:
            if self._is_zero_from(found.good_bytes, size):
                return found.good_bytes
            # Bytes after the end marker: damage, since appends only ever fill zeros.
            found = ScanResult(found.entries, found.good_bytes, DATA_AFTER_THE_END, -1)
        if found.bad_end >= 0 and (
            found.bad_end >= size or self._is_zero_from(found.bad_end, size)
        ):
            log.warning(
                "WAL %s: torn last record at byte %d (%s): %d bytes cut, %d records kept",
                self.path,
                found.good_bytes,
                found.problem,
                size - found.good_bytes,
                len(found.entries),
            )
        else:
            log.error(
                "WAL %s: damaged record at byte %d (%s) with %d bytes after it: all %d bytes"
                " from there cut, %d records before it kept",
                self.path,
                found.good_bytes,
                found.problem,
                size - max(found.bad_end, found.good_bytes),
                size - found.good_bytes,
                len(found.entries),
            )
        os.ftruncate(self._fd, found.good_bytes)
        os.fsync(self._fd)
        return found.good_bytes

    def _is_zero_from(self, start: int, end: int) -> bool:
        """Whether bytes start..end of the file are all zeros (space written ahead)."""
        chunk = 1 << 20
        for offset in range(start, end, chunk):
            data = os.pread(self._fd, min(chunk, end - offset), offset)
            if data.count(0) != len(data):
                return False
        return True

    @property
    def file_bytes(self) -> int:
        """Where the records end, dropped records included (the space written ahead of
        them is not counted)."""
        return self._file_bytes

    @property
    def kept_bytes(self) -> int:
        return self._kept.kept_bytes

    def append(self, entries: Sequence[WalEntry]) -> None:
        """Write the records and fsync before returning: only then may they be sent."""
        if not entries:
            return
        data = b"".join(encode_entry(entry) for entry in entries)
        end = self._file_bytes + len(data)
        try:
            if end + HEADER.size > self._allocated:
                # Space for this and the next appends, and room for the end marker: zeros
                # written and synced once, so the appends into it leave the size alone.
                size = end + HEADER.size + limits.WAL_PREALLOCATE_BYTES
                write_all_at(self._fd, bytes(size - self._allocated), self._allocated)
                os.fsync(self._fd)
                self._allocated = size
            write_all_at(self._fd, data, self._file_bytes)
            os.fdatasync(self._fd)
        except OSError as exc:
            # A partial write would be cut on the next open anyway; zero it now so that the
            # file stays appendable if the caller survives this.
            with contextlib.suppress(OSError):
                write_all_at(self._fd, bytes(len(data)), self._file_bytes)
            raise WalError(f"cannot write the WAL {self.path}: {exc}") from exc
        self._file_bytes += len(data)
        self._kept.append(entries)

    def forget_through(self, height: int) -> None:
        """Drop the records at or below the committed `height`; rewrite the file if it is
        now mostly dropped records."""
        self._kept.forget_through(height)
        if self._file_bytes > max(
            limits.WAL_COMPACT_BYTES_MIN, limits.WAL_COMPACT_RATIO * self._kept.kept_bytes
        ):
            self.compact()

    def entries(self) -> list[WalEntry]:
        return self._kept.entries()

    def records(self) -> list[bytes]:
        return self._kept.records()

    def compact(self) -> None:
        """Rewrite the file with only the kept records: new file, fsync, atomic rename,
        fsync of the folder. A failure before the rename leaves the old file in use (logged:
        it is whole); one after it stops the node."""
        data = b"".join(encode_entry(entry) for entry in self._kept.in_write_order())
        try:
            fd = os.open(self._tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                write_all(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(self._tmp, self.path)
        except OSError as exc:
            log.error("cannot rewrite the WAL %s (the old file stays): %s", self.path, exc)
            self._tmp.unlink(missing_ok=True)
            return
        # The old file is unlinked now; from here on, appends go to the new one.
        os.close(self._fd)
        self._fd = os.open(self.path, os.O_RDWR)
        self._file_bytes = len(data)
        self._allocated = len(data)
        try:
            fsync_dir(self.path.parent)
        except OSError as exc:
            # Until the folder is synced a crash may bring back the old file, without what
            # is appended to the new one from now on.
            raise WalError(f"cannot sync the folder of the WAL {self.path}: {exc}") from exc
        log.info("WAL %s rewritten: %d bytes kept", self.path, len(data))

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
