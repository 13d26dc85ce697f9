"""Sealing documents to holders and agencies with the chain's crypto suite (issue 18).

Everything sealed here goes through the ``Suite`` the caller passes in (the chain's, from the
genesis it loaded: ``Genesis.suite``), bound to associated data ``aad`` naming what the bytes
are (a certificate's copy for one holder, or one request's release), so sealed bytes moved
under another certificate or request do not open. Nothing here asks which suite it holds.

Formats, told apart by their first five bytes (docs/sm-suite.md, "Sealing in the wallet"):

- ``TLSS1 || suite.seal(recipient, plaintext, aad)``: sealed to a party's public key
  (:func:`seal` / :func:`unseal`). Shares to agencies, and the key rows below.
- ``TLSD1 || suite.seal(document_public_key, plaintext, aad)``: a document sealed to a key
  pair of its own, whose private key is kept sealed to the holder (``TLSS1``, the same
  ``aad``) in another row: destroying that row erases the document (crypto-shredding,
  docs/erasure.md). :func:`seal_document` / :func:`open_document`.
- Before suites (``ed25519-sha256`` chains only, still opened, never made): ``TLDK1 ||
  XSalsa20-Poly1305 box`` under a random 32-byte key kept as a plain sealed box; and a plain
  libsodium sealed box (no prefix, no ``aad``) to the X25519 key converted from the
  recipient's Ed25519 key. Those carry no binding to a certificate or request.

A legacy sealed box starts with a random X25519 key, so it begins with one of the three
prefixes with probability 3 * 2**-40: such a box would be read as the newer format and refused
(never opened wrongly); the same risk ``TLDK1`` always had.
"""

from __future__ import annotations

from typing import Final

import nacl.exceptions
import nacl.public
import nacl.secret
import nacl.signing

from suites import InvalidKeyError, SealError, Suite

SEALED_MAGIC: Final = b"TLSS1"
"""What bytes sealed to a party with the chain's suite start with."""
DOCUMENT_MAGIC: Final = b"TLSD1"
"""What a document sealed to a key pair of its own (with the chain's suite) starts with."""
KEYED_MAGIC: Final = b"TLDK1"
"""What a document sealed under its own secret key before suites starts with (read only)."""

_NACL_ERRORS: Final = (nacl.exceptions.CryptoError, ValueError, TypeError)


def certificate_aad(cert_id: str, holder_id: str, part: str) -> bytes:
    """The associated data of ``holder_id``'s copy of ``cert_id``: ``part`` is ``document``
    or ``credentials``, so neither a copy of another certificate or holder nor the other
    part of the same one opens in its place. Ids carry no NUL (their patterns)."""
    return f"trustledger/certificate\0{cert_id}\0{holder_id}\0{part}".encode()


def record_aad(record_id: str, holder_id: str) -> bytes:
    """The associated data of ``holder_id``'s copy of archive record ``record_id``'s content
    (delivered by its source), so that no other record or holder's copy opens in its place."""
    return f"trustledger/record\0{record_id}\0{holder_id}".encode()


def released_record_aad(request_id: str, record_id: str) -> bytes:
    """The associated data of archive record ``record_id`` released for ``request_id``: the
    agency opens it only as that record of the answer to that request (one grant of a
    category may release several records)."""
    return f"trustledger/request\0{request_id}\0record\0{record_id}".encode()


def request_aad(request_id: str) -> bytes:
    """The associated data of what a holder releases to an agency for ``request_id``: the
    agency opens it only as the answer to that request."""
    return f"trustledger/request\0{request_id}".encode()


def seal(suite: Suite, recipient_public_key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """``plaintext`` sealed to ``recipient_public_key`` with ``suite``, bound to ``aad``.
    ``InvalidKeyError`` if the key is not one of the suite's (an Ed25519 key on an SM chain)."""
    return SEALED_MAGIC + suite.seal(recipient_public_key, plaintext, aad)


def unseal(suite: Suite, private_key: bytes, sealed: bytes, aad: bytes) -> bytes:
    """The plaintext of :func:`seal`'s output, or of a sealed box made before suites (which
    carries no ``aad``, so ``aad`` is not checked for it). ``SealError`` for altered bytes,
    another key, other ``aad``, or a legacy box this key does not open; ``InvalidKeyError``
    for a private key the suite cannot use."""
    if not isinstance(sealed, bytes):
        raise SealError("sealed bytes must be bytes")
    if sealed.startswith(SEALED_MAGIC):
        return suite.open(private_key, sealed[len(SEALED_MAGIC) :], aad)
    if sealed.startswith((DOCUMENT_MAGIC, KEYED_MAGIC)):
        raise SealError("these bytes are a document sealed under its own key, not to a party")
    return open_sealed(private_key, sealed)


def seal_document(
    suite: Suite, holder_public_key: bytes, plaintext: bytes, aad: bytes
) -> tuple[bytes, bytes]:
    """``(sealed_key, sealed_document)``: ``plaintext`` sealed to a fresh key pair of its
    own, and that pair's private key sealed to the holder, both bound to ``aad``. The caller
    stores them apart; destroying ``sealed_key`` erases the document."""
    document_keys = suite.generate_keypair()
    sealed_key = seal(suite, holder_public_key, document_keys.private_key, aad)
    return sealed_key, DOCUMENT_MAGIC + suite.seal(document_keys.public_key, plaintext, aad)


def is_keyed(sealed: bytes) -> bool:
    """Whether ``sealed`` is a document under a key of its own (opened with the key row),
    rather than a plain sealed box made before erasure existed."""
    return sealed.startswith((DOCUMENT_MAGIC, KEYED_MAGIC))


def open_document(
    suite: Suite, private_key: bytes, sealed: bytes, sealed_key: bytes | None, aad: bytes
) -> bytes:
    """The plaintext of a stored document: :func:`seal_document`'s pair, a ``TLDK1``
    document with its key (before suites), or a plain sealed box (before erasure; it needs
    no key row). ``KeyError`` if the document needs a key row and ``sealed_key`` is None
    (destroyed); ``SealError`` / ``InvalidKeyError`` as :func:`unseal`."""
    if not is_keyed(sealed):
        return unseal(suite, private_key, sealed, aad)
    if sealed_key is None:
        raise KeyError("the document's key was destroyed")
    if sealed.startswith(DOCUMENT_MAGIC):
        if not sealed_key.startswith(SEALED_MAGIC):
            raise SealError("the document's key row is not sealed with the chain's suite")
        document_private_key = unseal(suite, private_key, sealed_key, aad)
        try:
            return suite.open(document_private_key, sealed[len(DOCUMENT_MAGIC) :], aad)
        except InvalidKeyError as exc:  # the key row opened but holds no key of the suite
            raise SealError("the document's key row does not hold a key of this suite") from exc
    secret = open_sealed(private_key, sealed_key)
    try:
        return bytes(nacl.secret.SecretBox(secret).decrypt(sealed[len(KEYED_MAGIC) :]))
    except _NACL_ERRORS as exc:
        raise SealError("the document does not open with its key") from exc


def open_sealed(ed25519_seed: bytes, sealed: bytes) -> bytes:
    """A libsodium sealed box to the X25519 key of ``ed25519_seed``, as made before suites
    (no ``aad``). On an SM chain none exist; a private key of another length is refused as a
    key, and one of the right length simply does not open it (``SealError``)."""
    if not isinstance(ed25519_seed, bytes) or len(ed25519_seed) != 32:
        raise InvalidKeyError("a sealed box from before suites opens with a 32-byte seed")
    try:
        curve = nacl.signing.SigningKey(ed25519_seed).to_curve25519_private_key()
        return bytes(nacl.public.SealedBox(curve).decrypt(sealed))
    except _NACL_ERRORS as exc:
        raise SealError(
            "the sealed bytes do not open with this key (nor as a sealed box from before suites)"
        ) from exc


# --- Made before suites: kept for tests that build old records, never used to seal -------


def seal_to(ed25519_public_key: bytes, plaintext: bytes) -> bytes:
    """A plain sealed box as every wallet made before suites (no ``aad``): only tests that
    build records of that age call it."""
    curve = nacl.signing.VerifyKey(ed25519_public_key).to_curve25519_public_key()
    return bytes(nacl.public.SealedBox(curve).encrypt(plaintext))


def seal_under(key: bytes, plaintext: bytes) -> bytes:
    """A ``TLDK1`` document as wallets made them before suites (tests of old records)."""
    return KEYED_MAGIC + bytes(nacl.secret.SecretBox(key).encrypt(plaintext))
