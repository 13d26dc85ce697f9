"""The wallet's own LevelDB: holder identities, received documents, and shares.

Nothing personal is stored in clear. A holder's private key (of the chain's suite) is
sealed under their passphrase (scrypt; records from before it, under Argon2id, are upgraded
at sign-in: see `wallet.passphrases`). Each received document is sealed with the chain's
suite (the store is given it: the genesis's), so delivery needs only the holder's public key
and reading needs the unlocked session: each document and its credentials are sealed to a
key pair of their own whose private key (``k/``) is itself sealed to the holder's key, so
destroying it erases them (crypto-shredding, docs/erasure.md); both are bound to the
certificate, the holder and the part (:func:`part_aad`). Documents stored before suites
(``TLDK1`` under a secret key, or plain sealed boxes from before erasure) stay readable
(node/sdk/sealing.py). An archive record's content its source delivered (``r/``) is sealed
the same way (wallet/routers/records.py). A share is the document sealed to the agency's
key, bound to the request, when the holder grants it (for a grant of record categories, each
record released, bound to the request and the record). The row ``m/swept-erasure`` marks a
store that holds nothing an erasure deleted (wallet/store_sweep.py).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import plyvel

from node.sdk import sealing
from suites import Suite
from wallet.store_sweep import SWEPT_KEY, SWEPT_VALUE, sweep_once

P_HOLDER = b"h/"
P_DOC = b"d/"
P_SHARE = b"s/"
P_CREDENTIALS = b"v/"
P_DOC_KEY = b"k/"
P_RECORD = b"r/"
"""An archive record's content its source delivered (docs/erasure.md, "Archive records")."""


def copy_row(holder_id: str, item_id: str) -> bytes:
    """The key, after its row's prefix, of ``holder_id``'s copy of a certificate or record:
    an erasure finds every holder's copy of ``item_id`` by the ``/<item_id>`` ending."""
    return f"{holder_id}/{item_id}".encode()


def part_aad(holder_id: str, cert_id: str, kind: bytes) -> bytes:
    """The associated data a copy in row ``kind`` (:data:`P_DOC` or :data:`P_CREDENTIALS`,
    or :data:`P_RECORD` for a record, ``cert_id`` then being the record's id) is sealed
    with: the certificate, the holder, and which part."""
    if kind == P_RECORD:
        return sealing.record_aad(cert_id, holder_id)
    part = {P_DOC: "document", P_CREDENTIALS: "credentials"}[kind]
    return sealing.certificate_aad(cert_id, holder_id, part)


class WalletStore:
    def __init__(self, path: Path, suite: Suite) -> None:
        self.suite = suite
        """The chain's crypto suite (its genesis's): what documents and shares are sealed
        with."""
        # A store older erasures may have left values in is rewritten once (store_sweep.py).
        sweep_once(path)
        path.mkdir(mode=0o700, parents=True, exist_ok=True)  # private: see wallet/files.py
        # Uncompressed: the values are ciphertext (nothing to gain), and a scan of the files
        # for what an erasure destroyed (tests/unit/test_wallet_erasure.py) reads them as is.
        self._db = plyvel.DB(str(path), create_if_missing=True, compression=None)
        if self._db.get(SWEPT_KEY) is None:  # a new store: nothing erased to sweep out
            self._db.put(SWEPT_KEY, SWEPT_VALUE, sync=True)
        self._lock = threading.Lock()

    def close(self) -> None:
        self._db.close()

    def _put_json(self, key: bytes, value: dict[str, Any]) -> None:
        with self._lock:
            self._db.put(key, json.dumps(value, sort_keys=True).encode(), sync=True)

    def _get_json(self, key: bytes) -> dict[str, Any] | None:
        raw = self._db.get(key)
        return None if raw is None else dict(json.loads(raw))

    def put_holder(self, holder_id: str, record: dict[str, Any]) -> None:
        self._put_json(P_HOLDER + holder_id.encode(), record)

    def get_holder(self, holder_id: str) -> dict[str, Any] | None:
        return self._get_json(P_HOLDER + holder_id.encode())

    def _put_copy(self, kind: bytes, holder_id: str, item_id: str, sealed: bytes) -> None:
        with self._lock:
            self._db.put(kind + copy_row(holder_id, item_id), sealed, sync=True)

    def _get_copy(self, kind: bytes, holder_id: str, item_id: str) -> bytes | None:
        value: bytes | None = self._db.get(kind + copy_row(holder_id, item_id))
        return value

    def _delete_copy(self, kind: bytes, holder_id: str, item_id: str) -> None:
        with self._lock:
            self._db.delete(kind + copy_row(holder_id, item_id), sync=True)

    def put_document(self, holder_id: str, cert_id: str, sealed: bytes) -> None:
        self._put_copy(P_DOC, holder_id, cert_id, sealed)

    def get_document(self, holder_id: str, cert_id: str) -> bytes | None:
        return self._get_copy(P_DOC, holder_id, cert_id)

    def delete_document(self, holder_id: str, cert_id: str) -> None:
        self._delete_copy(P_DOC, holder_id, cert_id)

    def put_credentials(self, holder_id: str, cert_id: str, sealed: bytes) -> None:
        """The certificate's open credentials as its issuer signed them, sealed like the
        document (docs/credentials.md)."""
        self._put_copy(P_CREDENTIALS, holder_id, cert_id, sealed)

    def get_credentials(self, holder_id: str, cert_id: str) -> bytes | None:
        return self._get_copy(P_CREDENTIALS, holder_id, cert_id)

    def delete_credentials(self, holder_id: str, cert_id: str) -> None:
        self._delete_copy(P_CREDENTIALS, holder_id, cert_id)

    def put_share(self, request_id: str, record: dict[str, Any]) -> None:
        self._put_json(P_SHARE + request_id.encode(), record)

    def get_share(self, request_id: str) -> dict[str, Any] | None:
        return self._get_json(P_SHARE + request_id.encode())

    def delete_share(self, request_id: str) -> None:
        with self._lock:
            self._db.delete(P_SHARE + request_id.encode(), sync=True)

    def put_record(self, holder_id: str, record_id: str, sealed: bytes) -> None:
        """An archive record's content, sealed like a document (:meth:`seal_document` with
        :data:`P_RECORD`): what a grant of its category releases."""
        self._put_copy(P_RECORD, holder_id, record_id, sealed)

    def get_record(self, holder_id: str, record_id: str) -> bytes | None:
        return self._get_copy(P_RECORD, holder_id, record_id)

    # --- Per-document keys and erasure ---------------------------------------------------

    def seal_document(
        self, holder_id: str, cert_id: str, public_key: bytes, plaintext: bytes, kind: bytes
    ) -> bytes:
        """``plaintext`` sealed with the chain's suite to a new key pair of its own for
        ``holder_id``'s copy of ``cert_id``, whose private key is stored sealed to
        ``public_key`` (so delivery needs no session) under ``k/<kind><holder>/<cert>``; both
        bound to the copy (:func:`part_aad`). ``kind`` is :data:`P_DOC` or
        :data:`P_CREDENTIALS`, the row the caller then stores the result in (it replaces the
        old one, so the old key goes with it). ``InvalidKeyError`` (nothing stored) for a
        public key that is not one of the suite's."""
        sealed_key, sealed = sealing.seal_document(
            self.suite, public_key, plaintext, part_aad(holder_id, cert_id, kind)
        )
        with self._lock:
            self._db.put(P_DOC_KEY + kind + copy_row(holder_id, cert_id), sealed_key, sync=True)
        return sealed

    def open_document(
        self, holder_id: str, cert_id: str, private_key: bytes, sealed: bytes, kind: bytes = P_DOC
    ) -> bytes:
        """The plaintext of what :meth:`seal_document` made (or, before suites, a ``TLDK1``
        document or a plain sealed box: node/sdk/sealing.py); ``KeyError`` if its key was
        destroyed, ``suites.SealError`` if it does not open as this copy."""
        sealed_key = self._db.get(P_DOC_KEY + kind + copy_row(holder_id, cert_id))
        try:
            return sealing.open_document(
                self.suite, private_key, sealed, sealed_key, part_aad(holder_id, cert_id, kind)
            )
        except KeyError:
            raise KeyError(f"the key of {cert_id} was destroyed") from None

    def erase_certificate(self, cert_id: str, share_ids: list[str]) -> int:
        """Destroy every copy of ``cert_id`` this wallet keeps, for any holder (the holder's
        and delegates'): the per-document keys, the documents, the credentials, and the
        shares ``share_ids`` and those recorded for ``cert_id``; then compact the store so that LevelDB drops the old values
        from its files. The number of rows deleted."""
        suffix = f"/{cert_id}".encode()
        self.compact()  # first: see `compact`
        with self._lock:
            doomed = [
                key
                for prefix in (P_DOC_KEY, P_DOC, P_CREDENTIALS)
                for key in self._db.iterator(prefix=prefix, include_value=False)
                if key.endswith(suffix)
            ]
            named = {P_SHARE + request_id.encode() for request_id in share_ids}
            doomed += [
                key
                for key, value in self._db.iterator(prefix=P_SHARE)
                if key in named or json.loads(value).get("cert_id") == cert_id
            ]
            with self._db.write_batch(sync=True) as batch:
                for key in doomed:
                    batch.delete(key)
        self.compact()
        return len(doomed)

    def erase_record(self, holder_id: str, record_id: str) -> int:
        """Destroy ``holder_id``'s copy of archive record ``record_id``: its key, its content,
        and its entry in every share (a share left with no record goes); then compact the
        store, as :meth:`erase_certificate` does. The number of rows deleted or rewritten."""
        row = copy_row(holder_id, record_id)
        self.compact()  # first: see `compact`
        with self._lock:
            doomed = [
                key
                for key in (P_DOC_KEY + P_RECORD + row, P_RECORD + row)
                if self._db.get(key) is not None
            ]
            rewritten: dict[bytes, dict[str, Any]] = {}
            for key, value in self._db.iterator(prefix=P_SHARE):
                share = json.loads(value)
                released = share.get("records", {})
                if record_id in released:
                    del released[record_id]
                    if released:
                        rewritten[key] = share
                    else:
                        doomed.append(key)
            with self._db.write_batch(sync=True) as batch:
                for key in doomed:
                    batch.delete(key)
                for key, share in rewritten.items():
                    batch.put(key, json.dumps(share, sort_keys=True).encode())
        self.compact()
        return len(doomed) + len(rewritten)

    def compact(self) -> None:
        """Compact the whole store: deleted values leave the .log and .ldb files.

        An erasure calls it twice: before its deletions and after them. A value still in the
        memtable when it is deleted (a document delivered since the wallet started) would
        otherwise be flushed together with its tombstone into one table that LevelDB places
        below the levels ``CompactRange`` rewrites (it counts the levels with files before
        flushing), and the value would stay in that file; flushed first, the value sits in
        an older table that the tombstone's compaction merges away."""
        # Bounds given: plyvel's compact_range() without them leaves the older tables alone
        # (only the memtable is flushed), so a deleted value would stay in an .ldb file.
        # Every key of this store starts with an ASCII prefix, between these bounds.
        with self._lock:
            self._db.compact_range(start=b"\x00", stop=b"\xff\xff")
