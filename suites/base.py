"""What every crypto suite of a chain provides: the one object chosen at genesis.

A chain is made with one suite (issue 18): ``ed25519-sha256`` (Ed25519 signatures, SHA-256,
documents sealed with X25519 and XSalsa20-Poly1305) or ``sm2-sm3`` (SM2 signatures with the
signer id of GB/T 32918, SM3, documents sealed with SM2 encryption and SM4-GCM). Callers hold
a ``Suite`` and never ask which one it is: no ``if sm:`` outside this package.

The contract every suite keeps:

- ``hash`` returns 32 bytes; ``hash_name`` names the function in documented layouts.
- ``verify`` never raises: a key, message or signature of the wrong type or length, a
  malformed or out-of-range signature, a key of the other suite, a point off the curve all
  answer False. It has the shape of ``consensus.crypto.Verifier``, so a suite is a verifier.
- ``sign``, ``signing_key`` and ``public_key_from_private`` raise ``InvalidKeyError`` for a
  private key the suite cannot use.
- ``seal`` / ``open`` encrypt to a public key with associated data ``aad`` (bound to the
  ciphertext, not carried in it); ``open`` raises ``SealError`` for anything but the exact
  sealed bytes, the right private key and the same ``aad``.
- ``secret_box`` is the suite's authenticated cipher under a symmetric key (a ``SecretBox``):
  what the wallet seals a holder's private key with, and a key file its private key, under a
  passphrase-derived key.
- ``generate_keypair``, ``seal`` and ``SecretBox.seal`` are the only calls that draw fresh randomness (from the
  libraries' generators and ``suites.randomness``); everything else is a pure function of its
  arguments (SM2 signing also draws its per-signature nonce inside the library, so SM2
  signatures of one message differ; Ed25519's do not).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar, Protocol


class SuiteError(ValueError):
    """Something a suite refuses: the base of the errors below."""


class UnknownSuiteError(SuiteError):
    """A suite name that is not one of ``suites.SUITES``."""


class InvalidKeyError(SuiteError):
    """A private or public key that is not a key of this suite."""


class SealError(SuiteError):
    """Sealed bytes that do not open: malformed, altered, another key, or other ``aad``."""


def are_bytes(*values: object) -> bool:
    """Whether every value is ``bytes``: how ``verify`` refuses, rather than raises on, what
    a caller with no type checker passes."""
    return all(isinstance(value, bytes) for value in values)


@dataclass(frozen=True, slots=True)
class SuiteKeyPair:
    """A key pair of one suite, as bytes in the suite's encodings."""

    private_key: bytes = field(repr=False)
    """The private key (``Suite.private_key_bytes`` bytes): never printed."""
    public_key: bytes
    """The matching public key (``Suite.public_key_bytes`` bytes)."""


class SecretBox(ABC):
    """Authenticated encryption under a symmetric key, with the nonce in front of what it
    seals. Each suite names one (``Suite.secret_box``); a stored record names the box it
    was sealed with (``name``), so it keeps opening after its chain's box changed."""

    name: ClassVar[str]
    """The box's name as a stored record writes it: ``xsalsa20-poly1305`` or ``sm4-gcm``."""
    key_bytes: ClassVar[int]
    """Length of the key (XSalsa20: 32, SM4: 16)."""
    overhead_bytes: ClassVar[int]
    """How many bytes ``seal`` adds: the nonce and the tag."""

    @abstractmethod
    def seal(self, key: bytes, plaintext: bytes) -> bytes:
        """``nonce || ciphertext || tag`` under ``key`` with a fresh nonce;
        ``InvalidKeyError`` for a key of another length."""

    @abstractmethod
    def open(self, key: bytes, boxed: bytes) -> bytes:
        """The plaintext of ``boxed``; ``SealError`` for bytes that are truncated, altered
        or sealed under another key, ``InvalidKeyError`` for a key of another length."""

    def check_key(self, key: bytes) -> None:
        """``InvalidKeyError`` unless ``key`` is ``key_bytes`` bytes."""
        if not isinstance(key, bytes) or len(key) != self.key_bytes:
            raise InvalidKeyError(f"a {self.name} key is {self.key_bytes} bytes")

    def __repr__(self) -> str:
        return f"<secret box {self.name}>"


class SigningKey(Protocol):
    """A private key parsed once, for signing many messages (a validator's, a wallet's)."""

    @property
    def public_key(self) -> bytes:
        """The public key matching this key, in the suite's encoding."""
        ...

    def sign(self, message: bytes) -> bytes:
        """A signature over ``message`` (``Suite.signature_bytes`` bytes)."""
        ...


class Suite(ABC):
    """One chain's cryptography: hash, signatures, sealing. See the module docstring."""

    name: ClassVar[str]
    """The suite's name at genesis: ``ed25519-sha256`` or ``sm2-sm3``."""
    hash_name: ClassVar[str]
    """The hash function's name as documented layouts write it: ``sha256`` or ``sm3``."""
    hash_bytes: ClassVar[int] = 32
    """Length of ``hash``'s output."""
    private_key_bytes: ClassVar[int]
    """Length of a private key (an Ed25519 seed, an SM2 scalar d)."""
    public_key_bytes: ClassVar[int]
    """Length of a public key."""
    signature_bytes: ClassVar[int]
    """Length of a signature."""
    seal_overhead_bytes: ClassVar[int]
    """How many bytes ``seal`` adds to the plaintext."""
    secret_box: ClassVar[SecretBox]
    """The suite's cipher under a symmetric key (the wallet's passphrase box, key files)."""

    @abstractmethod
    def hash(self, data: bytes) -> bytes:
        """The suite's hash of ``data``: 32 bytes."""

    @abstractmethod
    def signing_key(self, private_key: bytes) -> SigningKey:
        """``private_key`` parsed for signing; ``InvalidKeyError`` if it is not one."""

    def sign(self, private_key: bytes, message: bytes) -> bytes:
        """A signature over ``message`` (parses the key each call: keep a ``signing_key``
        where one key signs often)."""
        return self.signing_key(private_key).sign(message)

    def public_key_from_private(self, private_key: bytes) -> bytes:
        """The public key of ``private_key``; ``InvalidKeyError`` if it is not one."""
        return self.signing_key(private_key).public_key

    @abstractmethod
    def is_public_key(self, public_key: bytes) -> bool:
        """Whether ``public_key`` is a well-formed public key of this suite; never raises."""

    @abstractmethod
    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        """True only for a valid signature of ``message`` under ``public_key``; never raises."""

    @abstractmethod
    def generate_keypair(self) -> SuiteKeyPair:
        """A fresh key pair, from the library's (or the system's) random generator."""

    @abstractmethod
    def seal(self, recipient_public_key: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
        """``plaintext`` encrypted to ``recipient_public_key``, bound to ``aad``.

        ``InvalidKeyError`` if the recipient's key is not a public key of this suite."""

    @abstractmethod
    def open(self, private_key: bytes, sealed: bytes, aad: bytes = b"") -> bytes:
        """The plaintext of ``sealed``; ``SealError`` unless it opens with this key and
        ``aad``, ``InvalidKeyError`` if ``private_key`` is not a private key of this suite."""

    def __repr__(self) -> str:
        return f"<suite {self.name}>"
