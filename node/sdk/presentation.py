"""Signed presentations (亮证): the short-lived text a holder's wallet shows as a QR code.

A presentation discloses chosen fields of one certificate, each with its value and its own
salt (derived from the document salt, so revealing one field's salt reveals nothing about
the others), and nothing else of the document. The holder signs it with a nonce and an
expiry a few minutes away, optionally bound to one verifier (the organisation that asked),
so a photo of the screen is useless to anyone else and stale within minutes, and a verifier
refuses the same nonce twice (:mod:`node.sdk.presentation_check`).

The signed bytes travel in the presentation and the fields are read from them, so a
verifier in any language checks exactly what was signed: docs/presentations.md has the byte
layout and a test vector that tests/vectors/presentation.mjs checks with Node.js alone. This
module is the one definition of the format, for the wallet, the CLI, the node and any page.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

import nacl.exceptions
import nacl.signing

from contracts.certificates.commitments import derive_field_salt
from contracts.framework.identity import holder_id_for
from contracts.framework.limits import CERT_ID_LENGTH_MAX, FIELD_SALT_LENGTH, ORG_ID_LENGTH_MAX
from node.chain.crypto import KeyPair
from suites import ED25519_SHA256

PREFIX: Final = "TLP1."
"""What the QR text starts with: the format and its version, so a scanner can tell it apart."""
DOMAIN: Final = b"trustledger/presentation/v1"
NONCE_BYTES: Final = 16
PUBLIC_KEY_BYTES: Final = 32
SIGNATURE_BYTES: Final = 64
PRESENTATION_SUITE: Final = ED25519_SHA256
"""The one suite this layout carries: a 32-byte Ed25519 key and signature, holder ids and
field salts by SHA-256 (docs/presentations.md). A chain of another suite refuses it
(:func:`node.sdk.presentation_check.check_record`) and its holders cannot make one."""
FIELDS_MAX: Final = 16
"""Fields one presentation may disclose (a resident ID card has 9; 最小够用: show few)."""
TEXT_BYTES_MAX: Final = 600
"""Longest id, type, field name or value, in UTF-8 bytes (a 200-character Chinese value)."""
TTL_MS_MAX: Final = 10 * 60 * 1000
"""Longest life of a presentation: a QR shown at a window is scanned within minutes."""
TTL_MS_DEFAULT: Final = 3 * 60 * 1000
CLOCK_SKEW_MS: Final = 60 * 1000
"""How far in the future a presentation's issue time may be (the phone's clock runs fast)."""
QR_CHARACTERS_MAX: Final = 779
"""Longest presentation text the wallet makes: what a QR code of version 22 holds in byte
mode at error-correction level M (ISO/IEC 18004's capacity table, as segno computes it; 1,003
at level L). Denser codes are hard to scan from a phone screen, so the holder is asked to
show fewer fields instead."""
QR_ERROR_CORRECTION: Final = "M"

_BASE64URL: Final = re.compile(r"[A-Za-z0-9_-]*")


class Refusal(StrEnum):
    """Why a presentation was refused (``PresentationRefused.reason``), in check order."""

    FORMAT = "format"
    SIGNATURE = "signature"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    VERIFIER = "verifier"
    REPLAYED = "replayed"
    UNKNOWN_CERTIFICATE = "unknown_certificate"
    HOLDER = "holder"
    FIELDS = "fields"


class PresentationRefused(Exception):
    """The presentation may not be accepted: ``reason`` says why, the message in a sentence."""

    def __init__(self, reason: Refusal, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class PresentationInvalid(ValueError):
    """A wallet cannot make this presentation (an unknown field, too many, too long)."""


@dataclass(frozen=True, slots=True)
class Disclosed:
    name: str
    value: str
    salt: bytes


@dataclass(frozen=True, slots=True)
class Presentation:
    """What a holder signed, read back from the signed bytes."""

    cert_id: str
    cert_type: str
    verifier: str
    """The organisation id it is bound to, or "" for any verifier."""
    nonce: bytes
    issued_at_ms: int
    expires_at_ms: int
    fields: tuple[Disclosed, ...]
    holder_public_key: bytes

    @property
    def holder(self) -> str:
        """The signer's holder id (the certificate's holder, or a delegate of theirs)."""
        return holder_id_for(self.holder_public_key, PRESENTATION_SUITE)


def _text(value: str, what: str) -> bytes:
    raw = value.encode("utf-8")
    if len(raw) > TEXT_BYTES_MAX:
        raise PresentationInvalid(f"{what} is longer than {TEXT_BYTES_MAX} bytes")
    return len(raw).to_bytes(2, "big") + raw


def encode_signed_bytes(p: Presentation) -> bytes:
    """The byte layout of docs/presentations.md."""
    if not 1 <= len(p.fields) <= FIELDS_MAX:
        raise PresentationInvalid(f"disclose 1 to {FIELDS_MAX} fields")
    if len(p.nonce) != NONCE_BYTES or len(p.holder_public_key) != PUBLIC_KEY_BYTES:
        raise PresentationInvalid("a nonce is 16 bytes and a public key 32")
    if not 0 <= p.issued_at_ms < p.expires_at_ms < 2**64:
        raise PresentationInvalid("a presentation expires after it is issued")
    parts = [
        DOMAIN,
        _text(p.cert_id, "the certificate id"),
        _text(p.cert_type, "the certificate type"),
        _text(p.verifier, "the verifier"),
        p.nonce,
        p.issued_at_ms.to_bytes(8, "big"),
        p.expires_at_ms.to_bytes(8, "big"),
        len(p.fields).to_bytes(1, "big"),
    ]
    for field in p.fields:
        if len(field.salt) != FIELD_SALT_LENGTH:
            raise PresentationInvalid("a field salt is 32 bytes")
        parts += [_text(field.name, "a field name"), _text(field.value, "a field value")]
        parts.append(field.salt)
    parts.append(p.holder_public_key)
    return b"".join(parts)


def make_presentation(
    holder: KeyPair,
    document: dict[str, Any],
    names: list[str],
    *,
    nonce: bytes,
    now_ms: int,
    verifier: str = "",
    ttl_ms: int = TTL_MS_DEFAULT,
) -> str:
    """The QR text of a presentation of ``names`` from the holder's ``document`` (its id,
    type, fields and salt, as the wallet keeps it), signed with the holder's key."""
    if holder.suite.name != PRESENTATION_SUITE.name:
        raise PresentationInvalid(
            f"a presentation carries an Ed25519 key: a {holder.suite.name} chain's holders"
            " cannot make one (docs/presentations.md)"
        )
    fields: dict[str, str] = document["fields"]
    chosen = list(dict.fromkeys(names))
    unknown = [n for n in chosen if n not in fields]
    if unknown or not chosen:
        raise PresentationInvalid(f"choose fields of the certificate; unknown: {unknown}")
    if not 0 < ttl_ms <= TTL_MS_MAX:
        raise PresentationInvalid(f"a presentation lives 1 ms to {TTL_MS_MAX // 60_000} minutes")
    if len(verifier) > ORG_ID_LENGTH_MAX:
        raise PresentationInvalid("the verifier is an organisation id")
    salt = bytes.fromhex(str(document["salt"]))
    presentation = Presentation(
        cert_id=str(document["cert_id"]),
        cert_type=str(document["cert_type"]),
        verifier=verifier,
        nonce=nonce,
        issued_at_ms=now_ms,
        expires_at_ms=now_ms + ttl_ms,
        fields=tuple(
            Disclosed(n, fields[n], derive_field_salt(salt, n, suite=PRESENTATION_SUITE))
            for n in chosen
        ),
        holder_public_key=holder.public_key,
    )
    signed = encode_signed_bytes(presentation)
    text = PREFIX + _b64(signed + holder.sign(signed))
    if len(text) > QR_CHARACTERS_MAX:
        raise PresentationInvalid(
            f"too much to show in one QR code ({len(text)} characters, at most "
            f"{QR_CHARACTERS_MAX}): choose fewer fields"
        )
    return text


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


class _Reader:
    """Reads the layout front to back; any short or malformed part is a format refusal."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._at = 0

    def take(self, n: int) -> bytes:
        if self._at + n > len(self._data):
            raise _refuse_format()
        out = self._data[self._at : self._at + n]
        self._at += n
        return out

    def number(self, n: int) -> int:
        return int.from_bytes(self.take(n), "big")

    def text(self) -> str:
        raw = self.take(self.number(2))
        if len(raw) > TEXT_BYTES_MAX:
            raise _refuse_format()
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _refuse_format() from None

    def at_end(self) -> bool:
        return self._at == len(self._data)


def _refuse_format() -> PresentationRefused:
    return PresentationRefused(Refusal.FORMAT, "this is not a TrustLedger presentation")


def _decode_text(text: Any) -> bytes:
    if not isinstance(text, str) or not text.startswith(PREFIX):
        raise _refuse_format()
    body = text[len(PREFIX) :].strip()
    if len(body) > QR_CHARACTERS_MAX:  # read nothing longer than a wallet may make
        raise _refuse_format()
    if not _BASE64URL.fullmatch(body) or len(body) % 4 == 1:
        raise _refuse_format()
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        raise _refuse_format() from None


def read_presentation(text: Any) -> Presentation:
    """The fields of a presentation whose signature holds; nothing about the chain, the
    clock or the verifier is checked here (:func:`node.sdk.presentation_check`)."""
    raw = _decode_text(text)
    if len(raw) <= SIGNATURE_BYTES:
        raise _refuse_format()
    signed, signature = raw[:-SIGNATURE_BYTES], raw[-SIGNATURE_BYTES:]
    reader = _Reader(signed)
    if reader.take(len(DOMAIN)) != DOMAIN:
        raise _refuse_format()
    cert_id, cert_type, verifier = reader.text(), reader.text(), reader.text()
    nonce = reader.take(NONCE_BYTES)
    issued_at_ms, expires_at_ms = reader.number(8), reader.number(8)
    count = reader.number(1)
    if not 1 <= count <= FIELDS_MAX:
        raise _refuse_format()
    fields = tuple(
        Disclosed(reader.text(), reader.text(), reader.take(FIELD_SALT_LENGTH))
        for _ in range(count)
    )
    public_key = reader.take(PUBLIC_KEY_BYTES)
    names = [f.name for f in fields]
    if not reader.at_end() or len(set(names)) != len(names) or len(cert_id) > CERT_ID_LENGTH_MAX:
        raise _refuse_format()
    try:
        nacl.signing.VerifyKey(public_key).verify(signed, signature)
    except nacl.exceptions.BadSignatureError:
        raise PresentationRefused(
            Refusal.SIGNATURE, "the holder's signature on the presentation does not verify"
        ) from None
    return Presentation(
        cert_id, cert_type, verifier, nonce, issued_at_ms, expires_at_ms, fields, public_key
    )
