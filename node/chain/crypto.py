"""Keys, signatures and key files.

A key belongs to one crypto suite (issue 18, `suites/`): `ed25519-sha256` (Ed25519 through
PyNaCl: about twice as fast as `cryptography` for verification here, and verification
dominates a validator's CPU) unless it says otherwise, or `sm2-sm3` (SM2). A key file names
its suite (`suite`, written only when not `ed25519-sha256`, so every key file made before
reads as it did).

Private keys at rest are sealed with the suite's box (`suites.boxes`: XSalsa20-Poly1305 for
Ed25519, SM4-GCM for SM2) under a key derived from a passphrase with Argon2id, so a copied key
file alone is useless. The sealed envelope names its KDF and, from version 2, its box; a
version 1 envelope names none and is XSalsa20-Poly1305 (every key file before SM4, and every
Ed25519 key file still, byte for byte as before). A key file is opened with the box it names,
never with its chain's current one, so key files written before keep opening.

    {"label": "val-0", "suite": "sm2-sm3", "public_key": <hex>,
     "sealed_seed": {"version": 2, "kdf": "argon2id", "box": "sm4-gcm",
                     "opslimit": 2, "memlimit": 67108864, "salt": <hex 16 bytes>,
                     "ciphertext": <hex: the box's bytes, `suites.boxes` gives layouts>}}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import nacl.pwhash
import nacl.utils

from node import limits
from node.files import write_private_json
from suites import (
    DEFAULT_SUITE_NAME,
    ED25519_SHA256,
    XSALSA20_POLY1305,
    SealError,
    SecretBox,
    Suite,
    SuiteError,
    UnknownSuiteError,
    get_secret_box,
    get_suite,
)
from suites.base import InvalidKeyError, SigningKey

KEY_FILE_VERSION: Final = 1
"""A sealed envelope that names no box: XSalsa20-Poly1305."""
KEY_FILE_VERSION_NAMED_BOX: Final = 2
"""A sealed envelope that names its box (``box``): SM4-GCM on an ``sm2-sm3`` key."""
KEY_FILE_VERSIONS: Final = (KEY_FILE_VERSION, KEY_FILE_VERSION_NAMED_BOX)
KEY_BYTES: Final = 32
"""A sealed private key's length: an Ed25519 seed or an SM2 scalar."""


class KeyFileError(Exception):
    """A key file is missing, malformed, or the passphrase is wrong."""


class WrongKeyPassphrase(KeyFileError):
    """The sealed key's box does not open: a wrong passphrase, or an altered ciphertext (an
    authenticated box cannot tell them apart)."""


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

BOX_BEFORE_NAMED: Final = XSALSA20_POLY1305
"""The box of an envelope that names none (version 1): every key file before SM4, and every
key file of an ``ed25519-sha256`` key still, so those are written exactly as before."""


def _derive(passphrase: str, salt: bytes, opslimit: int, memlimit: int, size: int) -> bytes:
    """Argon2id's output of ``size`` bytes (the box's key length: 32 for XSalsa20-Poly1305,
    16 for SM4; Argon2 takes the length into its first block, so each is its own output)."""
    try:
        secret = passphrase.encode("utf-8")
    except UnicodeEncodeError:  # e.g. an environment variable of bytes that are not UTF-8
        raise WrongKeyPassphrase("the passphrase is not valid Unicode text") from None
    return nacl.pwhash.argon2id.kdf(size, secret, salt, opslimit=opslimit, memlimit=memlimit)


def seal_secret(
    secret: bytes, passphrase: str, box: SecretBox = BOX_BEFORE_NAMED
) -> dict[str, object]:
    """Encrypt `secret` with `box` under an Argon2id-derived key; a JSON-able envelope that
    names its box when it is not XSalsa20-Poly1305 (version 2), so that a reader from before
    SM4 refuses it as a version it does not know rather than as a wrong passphrase."""
    if not passphrase:
        raise KeyFileError("a passphrase is required to encrypt a private key")
    salt = nacl.utils.random(nacl.pwhash.argon2id.SALTBYTES)
    key = _derive(passphrase, salt, _OPSLIMIT, _MEMLIMIT, box.key_bytes)
    named = box is not BOX_BEFORE_NAMED
    return {
        "version": KEY_FILE_VERSION_NAMED_BOX if named else KEY_FILE_VERSION,
        "kdf": "argon2id",
        **({"box": box.name} if named else {}),
        "opslimit": _OPSLIMIT,
        "memlimit": _MEMLIMIT,
        "salt": salt.hex(),
        "ciphertext": box.seal(key, secret).hex(),
    }


def get_envelope_box(envelope: dict[str, object]) -> SecretBox:
    """The box a sealed envelope names: XSalsa20-Poly1305 for version 1 (which names none),
    the one named in ``box`` for version 2; `KeyFileError` for any other version, KDF or
    box."""
    version = envelope.get("version")
    if (
        envelope.get("kdf") != "argon2id"
        or type(version) is not int  # not `true` nor 1.0, which compare equal to 1
        or version not in KEY_FILE_VERSIONS
    ):
        raise KeyFileError(
            f"unsupported key envelope: version {version!r}, KDF {envelope.get('kdf')!r}"
            f" (this build reads versions {', '.join(map(str, KEY_FILE_VERSIONS))}, argon2id)"
        )
    if version == KEY_FILE_VERSION:
        if "box" in envelope:
            raise KeyFileError("a version 1 key envelope names no box: this one does")
        return BOX_BEFORE_NAMED
    try:
        return get_secret_box(str(envelope.get("box")))
    except SuiteError as exc:
        raise KeyFileError(f"key envelope: {exc}") from exc


def open_secret(
    envelope: dict[str, object], passphrase: str, *, secret_bytes: int | None = None
) -> bytes:
    """The secret an envelope of `seal_secret` holds, opened with the box it names (never a
    chain's current one). `WrongKeyPassphrase` when the box does not open; `KeyFileError`,
    before any derivation, for an envelope that is malformed, of another length than a
    secret of ``secret_bytes`` in its box, or that asks Argon2id for more than
    `node.limits` allows."""
    box = get_envelope_box(envelope)
    try:
        salt = bytes.fromhex(str(envelope["salt"]))
        ciphertext = bytes.fromhex(str(envelope["ciphertext"]))
        opslimit = int(str(envelope["opslimit"]))
        memlimit = int(str(envelope["memlimit"]))
    except (KeyError, ValueError) as exc:
        raise KeyFileError(f"malformed key envelope: {exc}") from exc
    if len(salt) != nacl.pwhash.argon2id.SALTBYTES:
        raise KeyFileError(
            f"malformed key envelope: a {len(salt)}-byte salt, Argon2id's is"
            f" {nacl.pwhash.argon2id.SALTBYTES}"
        )
    problem = get_argon2id_problem(opslimit, memlimit)
    if problem is not None:
        raise KeyFileError(f"key envelope: {problem}")
    sealed_bytes = box.overhead_bytes + (secret_bytes or 0)
    if len(ciphertext) < sealed_bytes or (secret_bytes and len(ciphertext) != sealed_bytes):
        raise KeyFileError(
            f"the sealed key is {len(ciphertext)} bytes, a {box.name} box of a"
            f" {secret_bytes or 0}-byte key {'is' if secret_bytes else 'is at least'}"
            f" {sealed_bytes}: truncated or altered"
        )
    key = _derive(passphrase, salt, opslimit, memlimit, box.key_bytes)
    try:
        return box.open(key, ciphertext)
    except SealError as exc:
        raise WrongKeyPassphrase(
            f"wrong passphrase, or the key file was altered ({box.name} box does not open)"
        ) from exc


def get_argon2id_problem(opslimit: int, memlimit: int) -> str | None:
    """Why these Argon2id costs are not read from a key file (an altered file must not make
    a node spend minutes or gigabytes before it says the passphrase is wrong), or None."""
    ops_min, mem_min = nacl.pwhash.argon2id.OPSLIMIT_MIN, nacl.pwhash.argon2id.MEMLIMIT_MIN
    if not ops_min <= opslimit <= limits.KEY_FILE_ARGON2_OPSLIMIT_MAX:
        return (
            f"Argon2id opslimit {opslimit} outside {ops_min}..{limits.KEY_FILE_ARGON2_OPSLIMIT_MAX}"
        )
    if not mem_min <= memlimit <= limits.KEY_FILE_ARGON2_MEMLIMIT_BYTES_MAX:
        return (
            f"Argon2id memlimit {memlimit} outside"
            f" {mem_min}..{limits.KEY_FILE_ARGON2_MEMLIMIT_BYTES_MAX} bytes"
        )
    return None


def save_key_file(path: Path, keypair: KeyPair, passphrase: str, *, label: str = "") -> None:
    """Write an encrypted key file (mode 0600) with its public key in clear for convenience."""
    doc = {
        "label": label,
        **({"suite": keypair.suite.name} if keypair.suite is not ED25519_SHA256 else {}),
        "public_key": keypair.public_key.hex(),
        "sealed_seed": seal_secret(keypair.seed, passphrase, keypair.suite.secret_box),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    write_private_json(path, doc, tmp=path.with_suffix(path.suffix + ".tmp"))


def load_key_file(path: Path, passphrase: str) -> KeyPair:
    return _open_key_file(path, _read_key_doc(path), passphrase)


def reseal_key_file(path: Path, passphrase: str) -> bool:
    """Seal `path`'s key anew with its suite's box when it names another (an SM2 key file
    sealed with XSalsa20-Poly1305 before SM4), as the wallet re-seals a holder's record at
    sign-in; whether it did. Only such a file is opened (one derivation) and, once it opens,
    replaced atomically with the same key and label: a wrong passphrase or an altered file
    is refused as `load_key_file` refuses it, and nothing is written."""
    doc = _read_key_doc(path)
    try:
        suite = get_suite(doc.get("suite", DEFAULT_SUITE_NAME))
        if get_envelope_box(doc["sealed_seed"]) is suite.secret_box:
            return False
    except (UnknownSuiteError, KeyFileError) as exc:
        raise KeyFileError(f"{path}: {exc}") from exc
    keypair = _open_key_file(path, doc, passphrase)
    save_key_file(path, keypair, passphrase, label=str(doc.get("label", "")))
    return True


def _read_key_doc(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise KeyFileError(f"key file not found: {path}") from exc
    except (OSError, ValueError) as exc:
        raise KeyFileError(f"cannot read key file {path}: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("sealed_seed"), dict):
        raise KeyFileError(f"{path} is not a TrustLedger key file")
    return doc


def _open_key_file(path: Path, doc: dict[str, Any], passphrase: str) -> KeyPair:
    try:
        suite = get_suite(doc.get("suite", DEFAULT_SUITE_NAME))
    except UnknownSuiteError as exc:
        raise KeyFileError(f"{path}: {exc}") from exc
    try:
        seed = open_secret(doc["sealed_seed"], passphrase, secret_bytes=KEY_BYTES)
    except KeyFileError as exc:
        raise type(exc)(f"{path}: {exc}") from exc
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
