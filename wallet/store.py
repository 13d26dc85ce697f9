"""The wallet's own LevelDB: holder identities, received documents, and shares.

Nothing personal is stored in clear. A holder's Ed25519 seed is sealed under their
passphrase (scrypt; records from before it, under Argon2id, are upgraded at sign-in: see
`wallet.passphrases`). Each received document is sealed to the holder's X25519 key, so
delivery needs only the public key and reading needs the unlocked session. A share is
the document sealed to the agency's key when the holder grants a request.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import plyvel

P_HOLDER = b"h/"
P_DOC = b"d/"
P_SHARE = b"s/"
P_CREDENTIALS = b"v/"


class WalletStore:
    def __init__(self, path: Path) -> None:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)  # private: see wallet/files.py
        self._db = plyvel.DB(str(path), create_if_missing=True)
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

    def put_document(self, holder_id: str, cert_id: str, sealed: bytes) -> None:
        with self._lock:
            self._db.put(P_DOC + f"{holder_id}/{cert_id}".encode(), sealed, sync=True)

    def get_document(self, holder_id: str, cert_id: str) -> bytes | None:
        value: bytes | None = self._db.get(P_DOC + f"{holder_id}/{cert_id}".encode())
        return value

    def delete_document(self, holder_id: str, cert_id: str) -> None:
        with self._lock:
            self._db.delete(P_DOC + f"{holder_id}/{cert_id}".encode(), sync=True)

    def put_credentials(self, holder_id: str, cert_id: str, sealed: bytes) -> None:
        """The certificate's open credentials as its issuer signed them, sealed like the
        document (docs/credentials.md)."""
        with self._lock:
            self._db.put(P_CREDENTIALS + f"{holder_id}/{cert_id}".encode(), sealed, sync=True)

    def get_credentials(self, holder_id: str, cert_id: str) -> bytes | None:
        value: bytes | None = self._db.get(P_CREDENTIALS + f"{holder_id}/{cert_id}".encode())
        return value

    def delete_credentials(self, holder_id: str, cert_id: str) -> None:
        with self._lock:
            self._db.delete(P_CREDENTIALS + f"{holder_id}/{cert_id}".encode(), sync=True)

    def put_share(self, request_id: str, record: dict[str, Any]) -> None:
        self._put_json(P_SHARE + request_id.encode(), record)

    def get_share(self, request_id: str) -> dict[str, Any] | None:
        return self._get_json(P_SHARE + request_id.encode())

    def delete_share(self, request_id: str) -> None:
        with self._lock:
            self._db.delete(P_SHARE + request_id.encode(), sync=True)
