"""A holder's passphrase: the slow hash it is checked against, and the seal on their key.

One scrypt derivation per sign-in gives 64 bytes: the first 32 are the *verifier*, stored
and compared in constant time, so a wrong passphrase is told apart without touching the
sealed key; the next bytes are the key of the box that seals the holder's private key (an
Ed25519 seed, or an SM2 scalar on an SM chain: 32 bytes either way), and are never stored.
Knowing the verifier does not give the sealing key: both are independent outputs of the
same derivation, and either costs a guesser a full scrypt.

The box is the chain's suite's (``suite.secret_box``, `suites.boxes`): XSalsa20-Poly1305
under the 32 bytes on an ``ed25519-sha256`` chain, SM4-GCM under the first 16 of them on
an ``sm2-sm3`` chain. The entry names its box (``box``); an entry without one was sealed
with XSalsa20-Poly1305 (every record before SM4), so records written before keep opening
on either chain, and are opened with the box they name, never the chain's current one.

The record keeps its scrypt parameters (n, r, p, dklen) and salt beside the verifier, so
the parameters in `wallet.limits` can be raised later: a record made with weaker ones, or
sealed with another box than the chain's (an SM chain's record from before SM4), is
re-sealed with the current ones at the holder's next successful sign-in (`needs_upgrade`).
Records from before this scheme carry only ``sealed_seed`` (the seed sealed under an
Argon2id key by `node.chain.crypto.seal_secret`); they still open, and are upgraded the
same way, so no holder loses their wallet.

Holder record, as `wallet.store.WalletStore.put_holder` keeps it::

    {"public_key": <hex>, "created_ms": <int>,
     "passphrase": {"kdf": "scrypt", "n": 131072, "r": 8, "p": 1, "dklen": 64,
                    "salt": <hex>, "verifier": <hex>,
                    "box": "sm4-gcm" | "xsalsa20-poly1305", "sealed_seed": <hex>}}
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NoReturn

from node.chain.crypto import KeyFileError, WrongKeyPassphrase, open_secret
from suites import XSALSA20_POLY1305, InvalidKeyError, SealError, SecretBox, Suite, SuiteError
from suites import get_secret_box as get_box
from wallet import limits

VERIFIER_BYTES = 32
SEAL_KEY_BYTES = 32
"""Derived bytes after the verifier: the box's key is the first ``box.key_bytes`` of them
(all 32 for XSalsa20-Poly1305, 16 for SM4)."""
BOX_BEFORE_NAMED = XSALSA20_POLY1305
"""The box of an entry that names none: every record sealed before SM4."""


class WrongPassphrase(Exception):
    """The passphrase does not open this holder's record."""


class PassphraseInvalid(Exception):
    """The passphrase is not text that can be hashed (e.g. a lone surrogate): the caller's
    mistake, answered 4xx. The message never quotes the passphrase."""


class KdfBusy(Exception):
    """Every derivation slot and every place in the queue is taken: retry shortly (503)."""

    def __init__(self, retry_after_s: int = limits.KDF_BUSY_RETRY_S) -> None:
        super().__init__("the wallet is busy checking other passphrases: retry shortly")
        self.reason = str(self)
        self.retry_after_s = retry_after_s


class RecordUnreadable(Exception):
    """The stored record is malformed or names parameters outside the accepted bounds: a
    broken invariant of the store, not the caller's mistake."""


@dataclass(frozen=True, slots=True)
class ScryptParams:
    """scrypt's cost parameters, as stored with each hash."""

    n: int
    """CPU/memory cost, a power of two."""
    r: int
    """Block size."""
    p: int
    """Parallelism."""
    dklen: int
    """Bytes derived: the verifier and the sealing key."""

    def get_problem(self) -> str | None:
        """Why these parameters are not acceptable for a stored record, or None."""
        if self.n < 2 or self.n & (self.n - 1) or self.n > limits.SCRYPT_N_MAX:
            return f"n={self.n} is not a power of two up to {limits.SCRYPT_N_MAX}"
        if not 1 <= self.r <= 32 or not 1 <= self.p <= 16:
            return f"r={self.r}, p={self.p} outside 1..32, 1..16"
        if self.dklen != VERIFIER_BYTES + SEAL_KEY_BYTES:
            return f"dklen={self.dklen}, expected {VERIFIER_BYTES + SEAL_KEY_BYTES}"
        return None

    def memory_bytes(self) -> int:
        """What one derivation takes (scrypt's 128·r·(n + p)), plus room for its buffers."""
        return 128 * self.r * (self.n + self.p) + 1024 * 1024

    def is_weaker_than(self, other: ScryptParams) -> bool:
        """Whether a derivation with these costs a guesser less than one with `other`."""
        return self.n * self.r * self.p < other.n * other.r * other.p


PRODUCTION = ScryptParams(limits.SCRYPT_N, limits.SCRYPT_R, limits.SCRYPT_P, limits.SCRYPT_DKLEN)
MINIMAL = ScryptParams(2**4, 1, 1, limits.SCRYPT_DKLEN)
"""For tests only: the same code path in microseconds."""


class PassphraseKdf:
    """Derives with `params`, at most `concurrent_max` derivations at once (each takes a
    core and `params.memory_bytes()`) and at most `queued_max` waiting for a slot; past
    that `KdfBusy` at once, so a burst of sign-ins holds neither memory nor server threads.
    """

    def __init__(
        self,
        params: ScryptParams,
        concurrent_max: int,
        queued_max: int = limits.KDF_QUEUED_MAX,
        *,
        suite: Suite,
    ) -> None:
        """``suite`` is the chain's (the wallet passes its genesis's): an opened key is
        checked against the holder's public key with it."""
        self.suite = suite
        problem = params.get_problem()
        if problem is not None:
            raise ValueError(f"scrypt parameters: {problem}")
        self.params = params
        self._slots = threading.BoundedSemaphore(concurrent_max)
        self._admitted_max = concurrent_max + queued_max
        self._admitted = 0
        self._admitted_lock = threading.Lock()
        self._dummy = make_dummy_record(params, suite.secret_box)

    @property
    def admitted(self) -> int:
        """Derivations running or waiting now."""
        with self._admitted_lock:
            return self._admitted

    @contextmanager
    def _slot(self) -> Iterator[None]:
        with self._admitted_lock:
            if self._admitted >= self._admitted_max:
                raise KdfBusy()
            self._admitted += 1
        try:
            with self._slots:
                yield
        finally:
            with self._admitted_lock:
                self._admitted -= 1

    def _derive(self, passphrase: str, salt: bytes, params: ScryptParams) -> bytes:
        try:
            secret = passphrase.encode("utf-8")
        except UnicodeEncodeError:
            raise PassphraseInvalid("the passphrase is not valid Unicode text") from None
        with self._slot():
            return hashlib.scrypt(
                secret,
                salt=salt,
                n=params.n,
                r=params.r,
                p=params.p,
                dklen=params.dklen,
                maxmem=params.memory_bytes(),
            )

    def check_unknown(self, passphrase: str) -> NoReturn:
        """Do for a holder id this wallet does not keep what `open` does for a known one
        with a wrong passphrase (one derivation with the current parameters, a verifier
        that does not match), so that the time and the answer do not tell which
        pseudonyms use this wallet. Always raises `WrongPassphrase` (or `KdfBusy`)."""
        self.open(self._dummy, passphrase)
        raise RecordUnreadable("a random verifier matched: impossible but for a broken KDF")

    def seal(self, seed: bytes, passphrase: str) -> dict[str, Any]:
        """The ``passphrase`` entry of a holder record for `seed`, with a fresh salt."""
        salt = secrets.token_bytes(limits.SCRYPT_SALT_BYTES)
        derived = self._derive(passphrase, salt, self.params)
        box = self.suite.secret_box
        return {
            "kdf": "scrypt",
            "n": self.params.n,
            "r": self.params.r,
            "p": self.params.p,
            "dklen": self.params.dklen,
            "salt": salt.hex(),
            "verifier": derived[:VERIFIER_BYTES].hex(),
            "box": box.name,
            "sealed_seed": box.seal(get_box_key(derived, box), seed).hex(),
        }

    def open(self, record: dict[str, Any], passphrase: str) -> bytes:
        """The holder's seed, or `WrongPassphrase`. Opens both the scrypt records and the
        Argon2id records made before them; checks the seed against the public key."""
        entry = record.get("passphrase")
        if isinstance(entry, dict):
            seed = self._open_scrypt(entry, passphrase)
        elif isinstance(record.get("sealed_seed"), dict):
            try:
                with self._slot():  # an Argon2id derivation: queued like scrypt's
                    seed = open_secret(record["sealed_seed"], passphrase)
            except WrongKeyPassphrase:
                raise WrongPassphrase() from None
            except KeyFileError as exc:
                raise RecordUnreadable(str(exc)) from exc
        else:
            raise RecordUnreadable("the holder record carries no sealed key")
        try:
            public_key = self.suite.public_key_from_private(seed)
        except InvalidKeyError as exc:
            raise RecordUnreadable(f"the sealed key is not a key of {self.suite.name}") from exc
        if public_key.hex() != record.get("public_key"):
            raise RecordUnreadable("the sealed key does not match the holder's public key")
        return seed

    def _open_scrypt(self, entry: dict[str, Any], passphrase: str) -> bytes:
        try:
            if entry["kdf"] != "scrypt":
                raise RecordUnreadable(f"unknown passphrase KDF {entry['kdf']!r}")
            params = get_params(entry)
            salt = bytes.fromhex(entry["salt"])
            verifier = bytes.fromhex(entry["verifier"])
            sealed = bytes.fromhex(entry["sealed_seed"])
            box = get_entry_box(entry)
        except (KeyError, TypeError, ValueError) as exc:
            raise RecordUnreadable(f"malformed passphrase entry: {exc}") from exc
        derived = self._derive(passphrase, salt, params)
        if not hmac.compare_digest(derived[:VERIFIER_BYTES], verifier):
            raise WrongPassphrase()
        try:
            return box.open(get_box_key(derived, box), sealed)
        except SealError as exc:
            raise RecordUnreadable(
                f"the verifier matches but the sealed key does not open ({box.name}: {exc})"
            ) from exc

    def needs_upgrade(self, record: dict[str, Any]) -> bool:
        """Whether `record` should be re-sealed with the current parameters (a record from
        before scrypt, one made with weaker parameters, or one sealed with another box than
        the chain's suite's)."""
        entry = record.get("passphrase")
        if not isinstance(entry, dict):
            return True
        if get_entry_box(entry) is not self.suite.secret_box:
            return True
        return get_params(entry).is_weaker_than(self.params)


def get_box_key(derived: bytes, box: SecretBox) -> bytes:
    """The key of ``box`` in a derivation's output: the bytes after the verifier."""
    return derived[VERIFIER_BYTES : VERIFIER_BYTES + box.key_bytes]


def get_entry_box(entry: dict[str, Any]) -> SecretBox:
    """The box a stored entry names (XSalsa20-Poly1305 when it names none: a record from
    before SM4); `RecordUnreadable` for a name no box has."""
    name = entry.get("box", BOX_BEFORE_NAMED.name)
    try:
        return get_box(name)
    except SuiteError as exc:
        raise RecordUnreadable(f"stored passphrase box: {exc}") from exc


def make_dummy_record(params: ScryptParams, box: SecretBox) -> dict[str, Any]:
    """A holder record no passphrase opens: random salt, verifier and sealed key with the
    shape, parameters and box of a real one (made without a derivation, so building it is
    free)."""
    seed_bytes = 32  # an Ed25519 seed or an SM2 scalar
    sealed_bytes = seed_bytes + box.overhead_bytes
    return {
        "public_key": secrets.token_hex(32),
        "passphrase": {
            "kdf": "scrypt",
            "n": params.n,
            "r": params.r,
            "p": params.p,
            "dklen": params.dklen,
            "salt": secrets.token_hex(limits.SCRYPT_SALT_BYTES),
            "verifier": secrets.token_hex(VERIFIER_BYTES),
            "box": box.name,
            "sealed_seed": secrets.token_hex(sealed_bytes),
        },
    }


def get_params(entry: dict[str, Any]) -> ScryptParams:
    """The parameters a stored entry was made with, checked against the accepted bounds."""
    params = ScryptParams(int(entry["n"]), int(entry["r"]), int(entry["p"]), int(entry["dklen"]))
    problem = params.get_problem()
    if problem is not None:
        raise RecordUnreadable(f"stored scrypt parameters: {problem}")
    return params
