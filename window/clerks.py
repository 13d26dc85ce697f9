"""Clerk accounts: a small file of clerk ids with scrypt-hashed passphrases, and the guard
that slows down guessing.

The file (``clerks.json``, mode 0600, written by ``python -m window add-clerk``) holds for
each clerk a display name, a random salt and scrypt's output; never the passphrase. A
sign-in derives the same and compares in constant time. An unknown clerk costs the same
derivation as a known one (against a dummy record), so timing does not tell which ids
exist.

Wrong passphrases: after `SIGNIN_FAILURES_FREE` in a row for one clerk id, or from one
client address, that id or address is locked out for 30 s, doubling with each further
failure up to an hour; a right passphrase clears the clerk's count. The counts are in
memory (a restart forgets them; the lockout is against online guessing, not a stolen file).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from node.files import write_private_json
from window import limits

CLERK_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
"""A clerk id: lower-case letters, digits, '.', '_' and '-' (it is logged and shown)."""
FILE_VERSION = 1


class ClerksFileError(Exception):
    """The accounts file is missing, unreadable or malformed: the message names it."""


@dataclass(frozen=True, slots=True)
class Clerk:
    clerk_id: str
    name: str
    salt: bytes
    digest: bytes
    n: int = limits.SCRYPT_N
    r: int = limits.SCRYPT_R
    p: int = limits.SCRYPT_P

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "scrypt": {
                "n": self.n,
                "r": self.r,
                "p": self.p,
                "salt": self.salt.hex(),
                "hash": self.digest.hex(),
            },
        }


def derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        passphrase.encode("utf-8"),
        salt=salt,
        n=n,
        r=r,
        p=p,
        maxmem=130 * n * r + 1024 * 1024,
        dklen=limits.SCRYPT_DKLEN,
    )


def check_passphrase_shape(passphrase: str) -> None:
    if not limits.PASSPHRASE_CHARS_MIN <= len(passphrase) <= limits.PASSPHRASE_CHARS_MAX:
        raise ValueError(
            f"a clerk's passphrase is {limits.PASSPHRASE_CHARS_MIN} to"
            f" {limits.PASSPHRASE_CHARS_MAX} characters"
        )


def make_clerk(clerk_id: str, name: str, passphrase: str, n: int = limits.SCRYPT_N) -> Clerk:
    if not CLERK_ID.fullmatch(clerk_id):
        raise ValueError("a clerk id is 1 to 64 of a-z 0-9 . _ - (starting with a letter or digit)")
    check_passphrase_shape(passphrase)
    salt = secrets.token_bytes(limits.SCRYPT_SALT_BYTES)
    return Clerk(clerk_id, name or clerk_id, salt, derive(passphrase, salt, n, 8, 1), n, 8, 1)


def _read_clerk(clerk_id: str, doc: Any) -> Clerk:
    s = doc["scrypt"]
    n, r, p = int(s["n"]), int(s["r"]), int(s["p"])
    if not (2 <= n <= limits.SCRYPT_N_MAX and n & (n - 1) == 0 and 1 <= r <= 32 and 1 <= p <= 4):
        raise ValueError("scrypt parameters out of range")
    return Clerk(
        clerk_id,
        str(doc.get("name") or clerk_id),
        bytes.fromhex(s["salt"]),
        bytes.fromhex(s["hash"]),
        n,
        r,
        p,
    )


def load_clerks(path: Path) -> dict[str, Clerk]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ClerksFileError(
            f"no clerk accounts at {path}: add one with `python -m window add-clerk`"
        ) from None
    except (OSError, ValueError) as exc:
        raise ClerksFileError(f"cannot read clerk accounts {path}: {exc}") from None
    try:
        entries = doc["clerks"]
        if doc.get("version") != FILE_VERSION or len(entries) > limits.CLERKS_MAX:
            raise ValueError(f"version {FILE_VERSION}, at most {limits.CLERKS_MAX} clerks")
        clerks = {cid: _read_clerk(cid, e) for cid, e in entries.items() if CLERK_ID.fullmatch(cid)}
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ClerksFileError(f"{path} is not a clerk accounts file: {exc}") from None
    return clerks


def save_clerk(path: Path, clerk: Clerk) -> None:
    """Add or replace one clerk in the file (created 0600), written atomically."""
    clerks = load_clerks(path) if path.exists() else {}
    clerks[clerk.clerk_id] = clerk
    doc = {"version": FILE_VERSION, "clerks": {c: k.to_json() for c, k in sorted(clerks.items())}}
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_private_json(path, doc, tmp=path.with_suffix(".tmp"))


_KDF_SLOTS = threading.BoundedSemaphore(limits.KDF_CONCURRENT_MAX)

_DUMMY = Clerk("", "", b"\0" * limits.SCRYPT_SALT_BYTES, b"\0" * limits.SCRYPT_DKLEN)


def authenticate(clerks: dict[str, Clerk], clerk_id: str, passphrase: str) -> Clerk | None:
    """The clerk if the passphrase is theirs; None otherwise (same work either way)."""
    clerk = clerks.get(clerk_id, _DUMMY)
    with _KDF_SLOTS:
        got = derive(passphrase, clerk.salt, clerk.n, clerk.r, clerk.p)
    ok = hmac.compare_digest(got, clerk.digest) and clerk is not _DUMMY
    return clerk if ok else None


class LockedOut(Exception):
    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"too many wrong passphrases: try again in {retry_after_s} s")
        self.retry_after_s = retry_after_s


@dataclass(slots=True)
class _Failures:
    count: int = 0
    locked_until_s: float = 0.0


class SignInGuard:
    """Counts wrong passphrases per clerk id and per client address; locks out past the
    free ones, for a time that doubles with each further failure. `now` is a monotonic
    clock in seconds (tests pass one they move)."""

    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now
        self._lock = threading.Lock()
        self._failures: OrderedDict[str, _Failures] = OrderedDict()

    def check(self, clerk_id: str, address: str) -> None:
        """Raise LockedOut if either the clerk id or the address is locked out now."""
        now = self._now()
        with self._lock:
            for key in (f"c:{clerk_id}", f"a:{address}"):
                f = self._failures.get(key)
                if f is not None and f.locked_until_s > now:
                    raise LockedOut(int(f.locked_until_s - now) + 1)

    def failed(self, clerk_id: str, address: str) -> None:
        now = self._now()
        with self._lock:
            for key in (f"c:{clerk_id}", f"a:{address}"):
                f = self._failures.pop(key, None) or _Failures()
                f.count += 1
                over = f.count - limits.SIGNIN_FAILURES_FREE
                if over >= 0:
                    lockout = min(
                        limits.SIGNIN_LOCKOUT_S_MIN * 2 ** min(over, 16),
                        limits.SIGNIN_LOCKOUT_S_MAX,
                    )
                    f.locked_until_s = now + lockout
                self._failures[key] = f  # most recent last
                while len(self._failures) > limits.SIGNIN_TRACKED_MAX:
                    self._failures.popitem(last=False)

    def succeeded(self, clerk_id: str) -> None:
        with self._lock:
            self._failures.pop(f"c:{clerk_id}", None)
