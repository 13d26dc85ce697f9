"""The agency's archive of scans (Qingdao's 扫码归档): every verification this window made,
in its own LevelDB (plyvel) under the service's data dir.

Personal data (the disclosed fields, the scan's text) stays here, at the agency, in a folder
only the service's user can read; it goes to no log and no URL (the page asks for a record
by its random id, in a path holding nothing else). The chain gets only the verification
record (certificate id, result, purpose, the field names).

Keys sort the way they are scanned:

    b"v" time_ms:u64 record_id     -> the record (JSON)      newest last
    b"i" record_id                 -> time_ms:u64            a record by id
    b"n" holder_public_key nonce   -> record_id              presentations accepted here

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


class Archive:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._db = plyvel.DB(str(path), create_if_missing=True)
        self._lock = threading.Lock()

    def close(self) -> None:
        self._db.close()

    def add(self, record: dict[str, Any], nonce_key: bytes | None = None) -> None:
        """Keep `record` (it has `id` and `time_ms`); with `nonce_key`, remember that this
        presentation was accepted here."""
        rid = str(record["id"]).encode("ascii")
        when = int(record["time_ms"]).to_bytes(8, "big")
        with self._lock, self._db.write_batch(sync=True) as batch:
            batch.put(_RECORD + when + rid, json.dumps(record, ensure_ascii=False).encode())
            batch.put(_BY_ID + rid, when)
            if nonce_key is not None:
                batch.put(_NONCE + nonce_key, rid)

    def update(self, record: dict[str, Any]) -> None:
        """Replace a kept record (its id and time unchanged): e.g. its on-chain height."""
        rid = str(record["id"]).encode("ascii")
        when = self._db.get(_BY_ID + rid)
        if when is None:
            raise KeyError(record["id"])
        self._db.put(
            _RECORD + when + rid, json.dumps(record, ensure_ascii=False).encode(), sync=True
        )

    def get(self, record_id: str) -> dict[str, Any] | None:
        try:
            rid = record_id.encode("ascii")
        except UnicodeEncodeError:
            return None
        when = self._db.get(_BY_ID + rid)
        if when is None:
            return None
        raw = self._db.get(_RECORD + when + rid)
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
