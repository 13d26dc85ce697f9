"""Public-key sealing of documents to holders and agencies.

Ed25519 identity keys are converted to X25519 for encryption (libsodium's birational
map), so one key per party serves for signing and for receiving data.
"""

from __future__ import annotations

import nacl.public
import nacl.secret
import nacl.signing
import nacl.utils


def seal_to(ed25519_public_key: bytes, plaintext: bytes) -> bytes:
    curve = nacl.signing.VerifyKey(ed25519_public_key).to_curve25519_public_key()
    return bytes(nacl.public.SealedBox(curve).encrypt(plaintext))


def open_sealed(ed25519_seed: bytes, sealed: bytes) -> bytes:
    curve = nacl.signing.SigningKey(ed25519_seed).to_curve25519_private_key()
    return bytes(nacl.public.SealedBox(curve).decrypt(sealed))


# --- Per-document keys (crypto-shredding, docs/erasure.md) ---------------------------------

KEYED_MAGIC = b"TLDK1"
"""What a document sealed under its own key starts with (older ones are sealed boxes)."""

DOCUMENT_KEY_BYTES = nacl.secret.SecretBox.KEY_SIZE


def new_document_key() -> bytes:
    """A random key one document (and its copies in the wallet) is sealed under."""
    return nacl.utils.random(DOCUMENT_KEY_BYTES)


def seal_under(key: bytes, plaintext: bytes) -> bytes:
    """``plaintext`` sealed under a per-document key (XSalsa20-Poly1305)."""
    return KEYED_MAGIC + bytes(nacl.secret.SecretBox(key).encrypt(plaintext))


def is_sealed_under_key(sealed: bytes) -> bool:
    """Whether ``sealed`` was made by :func:`seal_under` (else it is a sealed box)."""
    return sealed.startswith(KEYED_MAGIC)


def open_under(key: bytes, sealed: bytes) -> bytes:
    """The plaintext of :func:`seal_under`'s output."""
    return bytes(nacl.secret.SecretBox(key).decrypt(sealed[len(KEYED_MAGIC) :]))
