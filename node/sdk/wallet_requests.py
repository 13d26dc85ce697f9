"""Signed requests to a wallet's service-to-service routes (issue 11).

An issuer delivering a certificate and an agency collecting a disclosure prove who they are
by signing the request with the P-256 key of their organisation certificate (issued by
their organisation's CA, `node.chain.pki.issue`). The wallet checks the certificate against
the CAs on the chain, the signature, the time and the nonce. The byte layout is documented,
with a test vector, in docs/wallet-requests.md; this module is its one implementation for
both sides (the wallet verifies with `read_headers` and `verify_signature`).

Signing rather than mTLS on the wallet's port, because the same port serves citizens'
browsers and apps, which hold no organisation certificate.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from node import limits

DOMAIN = b"trustledger/wallet-request/v1\x00"
"""Starts the signed bytes: a signature made for anything else never verifies here."""

HEADER_CERTIFICATE = "X-TrustLedger-Certificate"
"""Base64 (standard alphabet, padded) of the caller's certificate, PEM."""
HEADER_TIMESTAMP = "X-TrustLedger-Timestamp"
"""Milliseconds since the Unix epoch, decimal ASCII, no sign or leading zero."""
HEADER_NONCE = "X-TrustLedger-Nonce"
"""16 to 64 characters of [A-Za-z0-9_-], fresh for each request."""
HEADER_SIGNATURE = "X-TrustLedger-Signature"
"""Base64 (standard, padded) of the DER ECDSA-SHA256 signature over `signed_bytes`."""

NONCE_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")
TIMESTAMP_PATTERN = re.compile(r"0|[1-9][0-9]{0,15}")
METHOD_PATTERN = re.compile(r"[A-Z]{1,16}")
SIGNATURE_BYTES_MAX = 80
"""A DER ECDSA P-256 signature is at most 72 bytes."""


class RequestSignatureInvalid(Exception):
    """A request's signature headers are missing, malformed or do not verify."""


@dataclass(frozen=True, slots=True)
class SignedHeaders:
    """The four headers of a signed request, decoded."""

    cert_pem: bytes
    timestamp_ms: int
    nonce: str
    signature: bytes


def signed_bytes(method: str, path: str, timestamp_ms: int, nonce: str, body: bytes) -> bytes:
    """What the caller signs: DOMAIN, then method, path with query, timestamp and nonce, each
    followed by one zero byte, then the SHA-256 of the body (32 raw bytes; of b"" if none).

    `path` is the request target exactly as sent on the wire: the path, and "?" and the
    query string if there is one, percent-encoded as sent (no scheme, host or fragment)."""
    if not METHOD_PATTERN.fullmatch(method):
        raise ValueError(f"not an HTTP method: {method!r}")
    if not path.startswith("/") or not path.isascii() or "\x00" in path:
        raise ValueError("the path must be the ASCII request target, starting with /")
    if not TIMESTAMP_PATTERN.fullmatch(str(timestamp_ms)):
        raise ValueError(f"not a timestamp: {timestamp_ms!r}")
    if not NONCE_PATTERN.fullmatch(nonce):
        raise ValueError("a nonce is 16 to 64 characters of [A-Za-z0-9_-]")
    return b"".join(
        (
            DOMAIN,
            method.encode("ascii"),
            b"\x00",
            path.encode("ascii"),
            b"\x00",
            str(timestamp_ms).encode("ascii"),
            b"\x00",
            nonce.encode("ascii"),
            b"\x00",
            hashlib.sha256(body).digest(),
        )
    )


def new_nonce() -> str:
    """128 random bits, URL-safe base64 without padding (22 characters)."""
    return secrets.token_urlsafe(16)


def sign_headers(
    cert_pem: bytes,
    key_pem: bytes,
    method: str,
    path: str,
    body: bytes,
    now_ms: int,
    nonce: str,
) -> dict[str, str]:
    """The four headers that sign this request with the certificate's key (PEM, PKCS#8,
    unencrypted, as `node.chain.pki.issue` writes it)."""
    key = serialization.load_pem_private_key(key_pem, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ValueError("the key is not an ECDSA P-256 private key")
    message = signed_bytes(method, path, now_ms, nonce, body)
    signature = key.sign(message, ec.ECDSA(hashes.SHA256()))
    return {
        HEADER_CERTIFICATE: base64.b64encode(cert_pem).decode("ascii"),
        HEADER_TIMESTAMP: str(now_ms),
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: base64.b64encode(signature).decode("ascii"),
    }


def _b64(value: str, what: str, bytes_max: int) -> bytes:
    if len(value) > 4 * (bytes_max + 2) // 3 + 4:
        raise RequestSignatureInvalid(f"{what} is over {bytes_max} bytes")
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise RequestSignatureInvalid(f"{what} is not base64") from None


def read_headers(headers: Mapping[str, str]) -> SignedHeaders:
    """The signature headers of a request (a case-insensitive mapping), decoded; missing or
    malformed ones raise `RequestSignatureInvalid` naming the header."""
    missing = [
        h
        for h in (HEADER_CERTIFICATE, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE)
        if h not in headers
    ]
    if missing:
        raise RequestSignatureInvalid(
            f"unsigned request: missing {', '.join(missing)} (see docs/wallet-requests.md)"
        )
    timestamp = headers[HEADER_TIMESTAMP]
    if not TIMESTAMP_PATTERN.fullmatch(timestamp):
        raise RequestSignatureInvalid(f"{HEADER_TIMESTAMP} is not milliseconds since the epoch")
    nonce = headers[HEADER_NONCE]
    if not NONCE_PATTERN.fullmatch(nonce):
        raise RequestSignatureInvalid(f"{HEADER_NONCE} must be 16-64 of [A-Za-z0-9_-]")
    return SignedHeaders(
        cert_pem=_b64(headers[HEADER_CERTIFICATE], HEADER_CERTIFICATE, limits.CERT_PEM_BYTES_MAX),
        timestamp_ms=int(timestamp),
        nonce=nonce,
        signature=_b64(headers[HEADER_SIGNATURE], HEADER_SIGNATURE, SIGNATURE_BYTES_MAX),
    )


def verify_signature(signed: SignedHeaders, method: str, path: str, body: bytes) -> None:
    """Raise `RequestSignatureInvalid` unless the signature verifies with the certificate's
    P-256 key over this request. Whether the certificate is acceptable is the caller's to
    check (against the CAs in force, `node.chain.pki.check_against`)."""
    try:
        cert = x509.load_pem_x509_certificate(signed.cert_pem)
    except ValueError:
        raise RequestSignatureInvalid("the certificate is not a PEM X.509 certificate") from None
    try:
        key = cert.public_key()
    except (UnsupportedAlgorithm, ValueError):  # an unknown or broken key (found by fuzz/)
        raise RequestSignatureInvalid("the certificate's key is not ECDSA P-256") from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise RequestSignatureInvalid("the certificate's key is not ECDSA P-256")
    try:
        message = signed_bytes(method, path, signed.timestamp_ms, signed.nonce, body)
        key.verify(signed.signature, message, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        raise RequestSignatureInvalid(
            "the signature does not verify over this request with the certificate's key"
        ) from None


@dataclass(frozen=True, slots=True)
class WalletCaller:
    """An organisation's certificate and key, to call wallets' service routes with."""

    cert_pem: bytes
    key_pem: bytes
    wallet_tls: ssl.SSLContext | None = None
    """What the wallet's HTTPS certificate is checked with (`node.sdk.https.https_context`
    with the wallet organisation's CA); None: the system's CA store."""

    @classmethod
    def load(
        cls, cert_path: Path, key_path: Path, wallet_tls: ssl.SSLContext | None = None
    ) -> WalletCaller:
        """From PEM files (a devnet keeps an operator's as tls/<org>/operator.{pem,key})."""
        return cls(cert_path.read_bytes(), key_path.read_bytes(), wallet_tls)

    def request(
        self, method: str, url: str, *, timeout_s: float = 30.0, **kw: Any
    ) -> httpx.Response:
        """Send one signed request (`kw` as for `httpx.Request`: json, params, content...).
        The target and body are signed as httpx will send them."""
        request = httpx.Request(method, url, **kw)
        target = request.url.raw_path.decode("ascii")
        request.headers.update(
            sign_headers(
                self.cert_pem,
                self.key_pem,
                request.method,
                target,
                request.content,
                time.time_ns() // 1_000_000,
                new_nonce(),
            )
        )
        verify: ssl.SSLContext | bool = True if self.wallet_tls is None else self.wallet_tls
        with httpx.Client(timeout=timeout_s, verify=verify) as client:
            return client.send(request)
