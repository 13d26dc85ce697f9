"""The agency's archive of scans (Qingdao's 扫码归档): every verification this window made,
in its own LevelDB (plyvel) under the service's data dir.

Personal data (the disclosed fields, the scan's text) stays here, at the agency, in a folder
only the service's user can read; it goes to no log and no URL (the page asks for a record
by its random id, in a path holding nothing else). The chain gets only the verification
record (certificate id, result, purpose, the field names).

Keys sort the way they are scanned:

    b"v" seq:u64                   -> the record (JSON)      in arrival order, newest last
    b"i" record_id                 -> seq:u64                a record by id
    b"n" holder_public_key nonce   -> record_id              presentations accepted here
    b"m" b"seq"                    -> seq:u64                the last sequence number used

A sequence number rather than the time orders the records: two checks in the same
millisecond keep the order they were made in.

The nonce index lets a window that restarted (or a validator that did) still refuse a
presentation it accepted before: the node's own nonce book lives in its memory.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import plyvel

_RECORD = b"v"
_BY_ID = b"i"
_NONCE = b"n"
_SEQ = b"mseq"


class Archive:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._db = plyvel.DB(str(path), create_if_missing=True)
        self._lock = threading.Lock()
        last = self._db.get(_SEQ)
        self._seq = 0 if last is None else int.from_bytes(last, "big")

    def close(self) -> None:
        self._db.close()

    def add(self, record: dict[str, Any], nonce_key: bytes | None = None) -> None:
        """Keep `record` (it has an `id`); with `nonce_key`, remember that this presentation
        was accepted here."""
        rid = str(record["id"]).encode("ascii")
        with self._lock:
            self._seq += 1
            seq = self._seq.to_bytes(8, "big")
            with self._db.write_batch(sync=True) as batch:
                batch.put(_RECORD + seq, json.dumps(record, ensure_ascii=False).encode())
                batch.put(_BY_ID + rid, seq)
                batch.put(_SEQ, seq)
                if nonce_key is not None:
                    batch.put(_NONCE + nonce_key, rid)

    def update(self, record: dict[str, Any]) -> None:
        """Replace a kept record (its id unchanged): e.g. its on-chain height."""
        seq = self._db.get(_BY_ID + str(record["id"]).encode("ascii"))
        if seq is None:
            raise KeyError(record["id"])
        self._db.put(_RECORD + seq, json.dumps(record, ensure_ascii=False).encode(), sync=True)

    def get(self, record_id: str) -> dict[str, Any] | None:
        try:
            rid = record_id.encode("ascii")
        except UnicodeEncodeError:
            return None
        seq = self._db.get(_BY_ID + rid)
        if seq is None:
            return None
        raw = self._db.get(_RECORD + seq)
        return None if raw is None else dict(json.loads(raw))

    def accepted_before(self, nonce_key: bytes) -> str | None:
        """The record id under which this (holder key, nonce) was accepted, if it was."""
        found = self._db.get(_NONCE + nonce_key)
        return None if found is None else found.decode("ascii")

    def latest(self, limit: int) -> list[dict[str, Any]]:
        """The newest `limit` records, newest first."""
        out: list[dict[str, Any]] = []
        with self._db.iterator(prefix=_RECORD, reverse=True, include_key=False) as it:
            for raw in it:
                out.append(json.loads(raw))
                if len(out) >= limit:
                    break
        return out
