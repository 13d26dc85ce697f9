"""``ed25519-sha256``: the suite every chain had before issue 18, byte for byte.

- Signatures: Ed25519 (RFC 8032) through PyNaCl (libsodium), as ``consensus/crypto.py`` and
  ``node/chain/crypto.py`` make them. Private key: the 32-byte seed; public key: 32 bytes;
  signature: 64 bytes. Deterministic.
- Hash: SHA-256 (``hashlib``).
- Sealing: libsodium's sealed box to the X25519 key converted from the recipient's Ed25519 key
  (as ``node/sdk/sealing.py`` does): ephemeral X25519 public key (32) || XSalsa20-Poly1305 box
  (16-byte tag, then the ciphertext). A sealed box has no associated data, so ``aad`` is bound
  inside it: the boxed plaintext is ``SHA-256("trustledger/seal-aad\\0" || aad) || plaintext``,
  and ``open`` compares those 32 bytes in constant time. Overhead: 48 + 32 = 80 bytes.
  (Documents sealed before the suite existed are plain sealed boxes with no digest:
  ``node/sdk/sealing.py`` still opens them.)
"""

from __future__ import annotations

import hashlib
import hmac
from typing import ClassVar, Final

import nacl.exceptions
import nacl.public
import nacl.signing

from suites.base import InvalidKeyError, SealError, SecretBox, Suite, SuiteKeyPair, are_bytes
from suites.boxes import XSALSA20_POLY1305

SEAL_AAD_DOMAIN: Final = b"trustledger/seal-aad\x00"
"""Domain separator of the ``aad`` digest sealed in front of the plaintext."""

_SEALED_BOX_OVERHEAD: Final = 48
"""An ephemeral X25519 public key (32) and a Poly1305 tag (16)."""

_KEY_CACHE_MAX: Final = 1024
"""Parsed public keys kept for ``verify``; cleared whole when full (bounded memory)."""

_NACL_ERRORS: Final = (nacl.exceptions.CryptoError, ValueError, TypeError)


def _aad_digest(aad: bytes) -> bytes:
    return hashlib.sha256(SEAL_AAD_DOMAIN + aad).digest()


class Ed25519SigningKey:
    """An Ed25519 seed parsed once."""

    __slots__ = ("_key", "_public_key")

    def __init__(self, seed: bytes) -> None:
        if not isinstance(seed, bytes) or len(seed) != Ed25519Sha256Suite.private_key_bytes:
            raise InvalidKeyError("an Ed25519 private key is a 32-byte seed")
        self._key = nacl.signing.SigningKey(seed)
        self._public_key = bytes(self._key.verify_key)

    @property
    def public_key(self) -> bytes:
        return self._public_key

    def sign(self, message: bytes) -> bytes:
        signature: bytes = self._key.sign(message).signature
        return signature


class Ed25519Sha256Suite(Suite):
    """Ed25519, SHA-256, sealed boxes: see the module docstring."""

    name: ClassVar[str] = "ed25519-sha256"
    hash_name: ClassVar[str] = "sha256"
    private_key_bytes: ClassVar[int] = 32
    public_key_bytes: ClassVar[int] = 32
    signature_bytes: ClassVar[int] = 64
    seal_overhead_bytes: ClassVar[int] = _SEALED_BOX_OVERHEAD + 32
    secret_box: ClassVar[SecretBox] = XSALSA20_POLY1305

    def __init__(self) -> None:
        self._keys: dict[bytes, nacl.signing.VerifyKey] = {}

    def hash(self, data: bytes) -> bytes:
        return hashlib.sha256(data).digest()

    def signing_key(self, private_key: bytes) -> Ed25519SigningKey:
        return Ed25519SigningKey(private_key)

    def _verify_key(self, public_key: object) -> nacl.signing.VerifyKey | None:
        if not isinstance(public_key, bytes) or len(public_key) != self.public_key_bytes:
            return None
        key = self._keys.get(public_key)
        if key is None:
            try:
                key = nacl.signing.VerifyKey(public_key)
            except _NACL_ERRORS:
                return None
            if len(self._keys) >= _KEY_CACHE_MAX:
                self._keys.clear()
            self._keys[public_key] = key
        return key

    def is_public_key(self, public_key: bytes) -> bool:
        key = self._verify_key(public_key)
        if key is None:
            return False
        try:  # libsodium refuses small-order and non-canonical points here
            key.to_curve25519_public_key()
        except _NACL_ERRORS:
            return False
        return True

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        if not are_bytes(message, signature) or len(signature) != self.signature_bytes:
            return False
        key = self._verify_key(public_key)
        if key is None:
            return False
        try:
            key.verify(message, signature)
        except _NACL_ERRORS:
            return False
        return True

    def generate_keypair(self) -> SuiteKeyPair:
        key = nacl.signing.SigningKey.generate()
        return SuiteKeyPair(private_key=bytes(key), public_key=bytes(key.verify_key))

    def seal(self, recipient_public_key: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
        if not self.is_public_key(recipient_public_key):
            raise InvalidKeyError("the recipient's key is not an Ed25519 public key")
        curve = nacl.signing.VerifyKey(recipient_public_key).to_curve25519_public_key()
        return bytes(nacl.public.SealedBox(curve).encrypt(_aad_digest(aad) + plaintext))

    def open(self, private_key: bytes, sealed: bytes, aad: bytes = b"") -> bytes:
        self.signing_key(private_key)  # InvalidKeyError unless a 32-byte seed
        curve = nacl.signing.SigningKey(private_key).to_curve25519_private_key()
        if not isinstance(sealed, bytes) or len(sealed) < self.seal_overhead_bytes:
            raise SealError("sealed bytes too short")
        try:
            boxed = bytes(nacl.public.SealedBox(curve).decrypt(sealed))
        except _NACL_ERRORS as exc:
            raise SealError("the sealed bytes do not open with this key") from exc
        if len(boxed) < 32 or not hmac.compare_digest(boxed[:32], _aad_digest(aad)):
            raise SealError("the sealed bytes were sealed with other associated data")
        return boxed[32:]
