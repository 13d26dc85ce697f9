"""Public-key sealing of documents to holders and agencies.

Ed25519 identity keys are converted to X25519 for encryption (libsodium's birational
map), so one key per party serves for signing and for receiving data.
"""

from __future__ import annotations

import nacl.public
import nacl.signing


def seal_to(ed25519_public_key: bytes, plaintext: bytes) -> bytes:
    curve = nacl.signing.VerifyKey(ed25519_public_key).to_curve25519_public_key()
    return bytes(nacl.public.SealedBox(curve).encrypt(plaintext))


def open_sealed(ed25519_seed: bytes, sealed: bytes) -> bytes:
    curve = nacl.signing.SigningKey(ed25519_seed).to_curve25519_private_key()
    return bytes(nacl.public.SealedBox(curve).decrypt(sealed))
