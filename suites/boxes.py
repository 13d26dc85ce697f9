"""The secret boxes: authenticated encryption under a symmetric key, by name.

A suite names its box (``Suite.secret_box``): XSalsa20-Poly1305 on ``ed25519-sha256`` (what
the wallet used on every chain before), SM4-GCM (GB/T 32907, NIST SP 800-38D) on
``sm2-sm3``, so an SM chain's holder keys and key files are sealed with the national cipher.
A stored record (a wallet's holder record, a key file's envelope) names the box it was sealed
with and is opened with that one (``get_secret_box``), whatever the chain's box is now: a
wallet or a key file sealed before keeps opening. Layouts, fixed widths:

- ``xsalsa20-poly1305``: nonce (24) || Poly1305 tag (16) || ciphertext, under a 32-byte key
  (libsodium's ``crypto_secretbox``, PyNaCl's ``SecretBox.encrypt`` output).
- ``sm4-gcm``: nonce (12) || ciphertext || GCM tag (16), under a 16-byte SM4 key, no
  associated data.

The nonces are drawn from ``suites.randomness`` (96 bits for GCM: one passphrase key seals a
handful of records in its life, far from the 2^32 bound of random GCM nonces).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import ClassVar, Final

import nacl.exceptions
import nacl.secret
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from suites.base import SealError, SecretBox, SuiteError
from suites.randomness import random_bytes

GCM_NONCE_BYTES: Final = 12
GCM_TAG_BYTES: Final = 16


def sm4_gcm_encrypt(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """SM4-GCM (GB/T 32907, NIST SP 800-38D; RFC 8998's vector holds): ciphertext || tag."""
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    return encryptor.update(plaintext) + encryptor.finalize() + encryptor.tag


def sm4_gcm_decrypt(key: bytes, nonce: bytes, ciphertext_and_tag: bytes, aad: bytes) -> bytes:
    """The plaintext of ``sm4_gcm_encrypt``'s output; ``SealError`` if the tag is wrong."""
    if len(ciphertext_and_tag) < GCM_TAG_BYTES:
        raise SealError("the sealed bytes are shorter than a GCM tag")
    body, tag = ciphertext_and_tag[:-GCM_TAG_BYTES], ciphertext_and_tag[-GCM_TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(aad)
    try:
        return decryptor.update(body) + decryptor.finalize()
    except InvalidTag as exc:
        raise SealError("the sealed document was altered or sealed with other data") from exc


class Sm4GcmBox(SecretBox):
    """SM4-GCM under a 16-byte key: ``nonce (12) || ciphertext || tag (16)``."""

    name: ClassVar[str] = "sm4-gcm"
    key_bytes: ClassVar[int] = 16
    overhead_bytes: ClassVar[int] = GCM_NONCE_BYTES + GCM_TAG_BYTES

    def seal(self, key: bytes, plaintext: bytes) -> bytes:
        self.check_key(key)
        nonce = random_bytes(GCM_NONCE_BYTES)
        return nonce + sm4_gcm_encrypt(key, nonce, plaintext, b"")

    def open(self, key: bytes, boxed: bytes) -> bytes:
        self.check_key(key)
        if not isinstance(boxed, bytes) or len(boxed) < self.overhead_bytes:
            raise SealError(f"a {self.name} box is at least {self.overhead_bytes} bytes")
        nonce, body = boxed[:GCM_NONCE_BYTES], boxed[GCM_NONCE_BYTES:]
        return sm4_gcm_decrypt(key, nonce, body, b"")


class XSalsa20Poly1305Box(SecretBox):
    """libsodium's secretbox under a 32-byte key: ``nonce (24) || tag (16) || ciphertext``."""

    name: ClassVar[str] = "xsalsa20-poly1305"
    key_bytes: ClassVar[int] = nacl.secret.SecretBox.KEY_SIZE
    overhead_bytes: ClassVar[int] = (
        nacl.secret.SecretBox.NONCE_SIZE + nacl.secret.SecretBox.MACBYTES
    )

    def seal(self, key: bytes, plaintext: bytes) -> bytes:
        self.check_key(key)
        nonce = random_bytes(nacl.secret.SecretBox.NONCE_SIZE)
        return bytes(nacl.secret.SecretBox(key).encrypt(plaintext, nonce))

    def open(self, key: bytes, boxed: bytes) -> bytes:
        self.check_key(key)
        if not isinstance(boxed, bytes) or len(boxed) < self.overhead_bytes:
            raise SealError(f"a {self.name} box is at least {self.overhead_bytes} bytes")
        try:
            return bytes(nacl.secret.SecretBox(key).decrypt(boxed))
        except nacl.exceptions.CryptoError as exc:
            raise SealError("the box was altered or sealed under another key") from exc


SM4_GCM: Final = Sm4GcmBox()
XSALSA20_POLY1305: Final = XSalsa20Poly1305Box()

SECRET_BOXES: Final[Mapping[str, SecretBox]] = MappingProxyType(
    {XSALSA20_POLY1305.name: XSALSA20_POLY1305, SM4_GCM.name: SM4_GCM}
)
"""Every box by the name a stored record writes."""


def get_secret_box(name: str) -> SecretBox:
    """The box called ``name``; ``SuiteError`` naming the known ones otherwise."""
    box = SECRET_BOXES.get(name) if isinstance(name, str) else None
    if box is None:
        raise SuiteError(f"unknown secret box {name!r}: one of {', '.join(SECRET_BOXES)}")
    return box
