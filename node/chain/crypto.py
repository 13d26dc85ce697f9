"""Keys, signatures and key files.

A key belongs to one crypto suite (issue 18, `suites/`): `ed25519-sha256` (Ed25519 through
PyNaCl: about twice as fast as `cryptography` for verification here, and verification
dominates a validator's CPU) unless it says otherwise, or `sm2-sm3` (SM2). Private keys at
rest are sealed under a key derived from a passphrase with Argon2id, so a copied key file
alone is useless; a key file names its suite (`suite`, written only when not
`ed25519-sha256`, so every key file made before reads as it did).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import nacl.exceptions
import nacl.pwhash
import nacl.secret
import nacl.utils

from node.files import write_private_json
from suites import DEFAULT_SUITE_NAME, ED25519_SHA256, Suite, UnknownSuiteError, get_suite
from suites.base import InvalidKeyError, SigningKey

KEY_FILE_VERSION = 1


class KeyFileError(Exception):
    """A key file is missing, malformed, or the passphrase is wrong."""


@dataclass(frozen=True, slots=True)
class KeyPair:
    """A key pair of one crypto suite: `seed` is the 32-byte private key (an Ed25519 seed or
    an SM2 scalar), `suite` the suite it is a key of (`ed25519-sha256` when not said: every
    key made before issue 18)."""

    seed: bytes
    suite: Suite = ED25519_SHA256
    _signer: SigningKey | None = field(default=None, init=False, repr=False, compare=False)
    """The key parsed on first use and kept: parsing an SM2 key (its public point) costs
    about a signature, and a client signs many transactions with one key."""

    @classmethod
    def generate(cls, suite: Suite = ED25519_SHA256) -> KeyPair:
        return cls(suite.generate_keypair().private_key, suite)

    def _signing_key(self) -> SigningKey:
        signer = self._signer
        if signer is None:
            signer = self.suite.signing_key(self.seed)
            object.__setattr__(self, "_signer", signer)  # frozen: a cache, not a change
        return signer

    @property
    def public_key(self) -> bytes:
        return self._signing_key().public_key

    def sign(self, message: bytes) -> bytes:
        return self._signing_key().sign(message)


# Argon2id "interactive" limits: ~0.1 s and 64 MiB on this machine class, so that a node
# or a wallet unlocks quickly while guessing stays expensive.
_OPSLIMIT = nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE
_MEMLIMIT = nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE


def _derive(passphrase: str, salt: bytes, opslimit: int, memlimit: int) -> bytes:
    return nacl.pwhash.argon2id.kdf(
        nacl.secret.SecretBox.KEY_SIZE,
        passphrase.encode("utf-8"),
        salt,
        opslimit=opslimit,
        memlimit=memlimit,
    )


def seal_secret(secret: bytes, passphrase: str) -> dict[str, object]:
    """Encrypt `secret` under an Argon2id-derived key; returns a JSON-able envelope."""
    if not passphrase:
        raise KeyFileError("a passphrase is required to encrypt a private key")
    salt = nacl.utils.random(nacl.pwhash.argon2id.SALTBYTES)
    key = _derive(passphrase, salt, _OPSLIMIT, _MEMLIMIT)
    box = nacl.secret.SecretBox(key)
    return {
        "version": KEY_FILE_VERSION,
        "kdf": "argon2id",
        "opslimit": _OPSLIMIT,
        "memlimit": _MEMLIMIT,
        "salt": salt.hex(),
        "ciphertext": bytes(box.encrypt(secret)).hex(),
    }


def open_secret(envelope: dict[str, object], passphrase: str) -> bytes:
    try:
        if envelope.get("version") != KEY_FILE_VERSION or envelope.get("kdf") != "argon2id":
            raise KeyFileError("unsupported key envelope version or KDF")
        salt = bytes.fromhex(str(envelope["salt"]))
        ciphertext = bytes.fromhex(str(envelope["ciphertext"]))
        opslimit = int(str(envelope["opslimit"]))
        memlimit = int(str(envelope["memlimit"]))
    except (KeyError, ValueError) as exc:
        raise KeyFileError(f"malformed key envelope: {exc}") from exc
    key = _derive(passphrase, salt, opslimit, memlimit)
    try:
        return bytes(nacl.secret.SecretBox(key).decrypt(ciphertext))
    except nacl.exceptions.CryptoError as exc:
        raise KeyFileError("wrong passphrase or corrupted key file") from exc


def save_key_file(path: Path, keypair: KeyPair, passphrase: str, *, label: str = "") -> None:
    """Write an encrypted key file (mode 0600) with its public key in clear for convenience."""
    doc = {
        "label": label,
        **({"suite": keypair.suite.name} if keypair.suite is not ED25519_SHA256 else {}),
        "public_key": keypair.public_key.hex(),
        "sealed_seed": seal_secret(keypair.seed, passphrase),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    write_private_json(path, doc, tmp=path.with_suffix(path.suffix + ".tmp"))


def load_key_file(path: Path, passphrase: str) -> KeyPair:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise KeyFileError(f"key file not found: {path}") from exc
    except (OSError, ValueError) as exc:
        raise KeyFileError(f"cannot read key file {path}: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("sealed_seed"), dict):
        raise KeyFileError(f"{path} is not a TrustLedger key file")
    try:
        suite = get_suite(doc.get("suite", DEFAULT_SUITE_NAME))
    except UnknownSuiteError as exc:
        raise KeyFileError(f"{path}: {exc}") from exc
    seed = open_secret(doc["sealed_seed"], passphrase)
    keypair = KeyPair(seed, suite)
    try:
        public_key = keypair.public_key
    except InvalidKeyError as exc:
        raise KeyFileError(f"{path}: the sealed key is not a {suite.name} key") from exc
    if public_key.hex() != doc.get("public_key"):
        raise KeyFileError(f"{path}: public key does not match the sealed private key")
    return keypair


def read_public_key(path: Path) -> bytes:
    """The public key of a key file, without the passphrase."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return bytes.fromhex(doc["public_key"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise KeyFileError(f"cannot read public key from {path}: {exc}") from exc
