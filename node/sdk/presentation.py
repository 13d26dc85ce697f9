"""Signed presentations (亮证): the short-lived text a holder's wallet shows as a QR code.

A presentation discloses chosen fields of one certificate, each with its value and its own
salt (derived from the document salt, so revealing one field's salt reveals nothing about
the others), and nothing else of the document. The holder signs it with a nonce and an
expiry a few minutes away, optionally bound to one verifier (the organisation that asked),
so a photo of the screen is useless to anyone else and stale within minutes, and a verifier
refuses the same nonce twice (:mod:`node.sdk.presentation_check`).

The signed bytes travel in the presentation and the fields are read from them, so a
verifier in any language checks exactly what was signed: docs/presentations.md has the byte
layouts and test vectors that tests/vectors/presentation.mjs checks with Node.js (and, for
SM2, OpenSSL's command line). This module is the one definition of the format, for the
wallet, the CLI, the node and any page.

Two layouts, one per suite family: ``TLP1.`` is an ``ed25519-sha256`` chain's (every chain
made before suites; its bytes name no suite, so every QR made before still reads), ``TLP2.``
names the suite in its signed bytes (``sm2-sm3``: a 65-byte SM2 key, an SM2 signature with
the default signer id, SM3 holder ids and field salts). A wallet makes the layout of its
chain's suite; the reader takes the suite from the text, and a verifier refuses a suite
other than its chain's (:func:`node.sdk.presentation_check.check_record`).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from contracts.certificates.commitments import derive_field_salt
from contracts.framework.identity import holder_id_for
from contracts.framework.limits import CERT_ID_LENGTH_MAX, FIELD_SALT_LENGTH, ORG_ID_LENGTH_MAX
from node.chain.crypto import KeyPair
from node.sdk.refusals import Refused
from suites import ED25519_SHA256, SUITES, Suite

PREFIX: Final = "TLP1."
"""What an ``ed25519-sha256`` presentation starts with: the format and its version, so a
scanner can tell it apart."""
DOMAIN: Final = b"trustledger/presentation/v1"
PREFIX_V2: Final = "TLP2."
"""What a presentation naming its suite starts with (any suite but ``ed25519-sha256``,
which keeps ``TLP1``: one layout per suite, so one presentation has one text)."""
DOMAIN_V2: Final = b"trustledger/presentation/v2"
PREFIXES: Final = (PREFIX, PREFIX_V2)
"""Every prefix a presentation may start with (a scanner's or a window's test)."""
V1_SUITE: Final = ED25519_SHA256
"""The suite of ``TLP1``, whose bytes name none: a 32-byte Ed25519 key and signature,
holder ids and field salts by SHA-256."""
NONCE_BYTES: Final = 16
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


class PresentationRefused(Refused[Refusal]):
    """The presentation may not be accepted: ``reason`` says why, the message in a sentence."""


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
    suite: Suite = V1_SUITE
    """The suite it was made with (its layout's, or the one its ``TLP2`` bytes name): the
    holder's key, signature, holder id and field salts are this suite's."""

    @property
    def holder(self) -> str:
        """The signer's holder id (the certificate's holder, or a delegate of theirs)."""
        return holder_id_for(self.holder_public_key, self.suite)

    @property
    def prefix(self) -> str:
        """The text's prefix: ``TLP1.`` for ``ed25519-sha256``, ``TLP2.`` otherwise."""
        return PREFIX if self.suite.name == V1_SUITE.name else PREFIX_V2


def _text(value: str, what: str) -> bytes:
    raw = value.encode("utf-8")
    if len(raw) > TEXT_BYTES_MAX:
        raise PresentationInvalid(f"{what} is longer than {TEXT_BYTES_MAX} bytes")
    return len(raw).to_bytes(2, "big") + raw


def _head(suite: Suite) -> bytes:
    """What the signed bytes start with: ``TLP1``'s domain alone, or ``TLP2``'s domain and
    the suite's name, so the suite is signed and a verifier in any language reads it first."""
    if suite.name == V1_SUITE.name:
        return DOMAIN
    return DOMAIN_V2 + _text(suite.name, "the suite")


def encode_signed_bytes(p: Presentation) -> bytes:
    """The byte layouts of docs/presentations.md (``TLP1`` or ``TLP2``, by ``p.suite``)."""
    if not 1 <= len(p.fields) <= FIELDS_MAX:
        raise PresentationInvalid(f"disclose 1 to {FIELDS_MAX} fields")
    key_bytes = p.suite.public_key_bytes
    if len(p.nonce) != NONCE_BYTES or len(p.holder_public_key) != key_bytes:
        raise PresentationInvalid(
            f"a nonce is 16 bytes and a {p.suite.name} public key {key_bytes}"
        )
    if not 0 <= p.issued_at_ms < p.expires_at_ms < 2**64:
        raise PresentationInvalid("a presentation expires after it is issued")
    parts = [
        _head(p.suite),
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
    type, fields and salt, as the wallet keeps it), signed with the holder's key, in the
    layout of the holder's suite (the chain's: the wallet's keys are of its suite)."""
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
            Disclosed(n, fields[n], derive_field_salt(salt, n, suite=holder.suite)) for n in chosen
        ),
        holder_public_key=holder.public_key,
        suite=holder.suite,
    )
    signed = encode_signed_bytes(presentation)
    text = presentation.prefix + _b64(signed + holder.sign(signed))
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

    @property
    def at(self) -> int:
        """How many bytes were read."""
        return self._at

    def rest(self) -> bytes:
        """The bytes not read yet (the signature, after the holder's key)."""
        return self._data[self._at :]


def _refuse_format() -> PresentationRefused:
    return PresentationRefused(Refusal.FORMAT, "this is not a TrustLedger presentation")


def _split_text(text: Any) -> tuple[str, bytes]:
    """The text's prefix (both are 5 characters) and the bytes its body decodes to."""
    raw = _decode_text(text)
    return text[: len(PREFIX)], raw


def _decode_text(text: Any) -> bytes:
    if not isinstance(text, str) or not text.startswith(PREFIXES):
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


def _read_suite(prefix: str, reader: _Reader) -> Suite:
    """The suite the layout names: ``TLP1``'s implicitly, ``TLP2``'s in its signed bytes
    (a suite this code knows, and not ``ed25519-sha256``, which has ``TLP1``)."""
    if prefix == PREFIX:
        if reader.take(len(DOMAIN)) != DOMAIN:
            raise _refuse_format()
        return V1_SUITE
    if reader.take(len(DOMAIN_V2)) != DOMAIN_V2:
        raise _refuse_format()
    name = reader.text()
    suite = SUITES.get(name)
    if suite is None or suite.name == V1_SUITE.name:
        raise PresentationRefused(
            Refusal.FORMAT,
            f"a TLP2 presentation of suite {name[:40]!r}: not one this verifier knows",
        )
    return suite


def read_presentation(text: Any) -> Presentation:
    """The fields of a presentation whose signature holds, with the suite it names; nothing
    about the chain, the clock or the verifier is checked here
    (:func:`node.sdk.presentation_check`)."""
    prefix, raw = _split_text(text)
    reader = _Reader(raw)
    suite = _read_suite(prefix, reader)
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
    public_key = reader.take(suite.public_key_bytes)
    signed, signature = raw[: reader.at], reader.rest()
    names = [f.name for f in fields]
    if (
        len(signature) != suite.signature_bytes
        or len(set(names)) != len(names)
        or len(cert_id) > CERT_ID_LENGTH_MAX
    ):
        raise _refuse_format()
    if not suite.verify(public_key, signed, signature):
        raise PresentationRefused(
            Refusal.SIGNATURE, "the holder's signature on the presentation does not verify"
        )
    return Presentation(
        cert_id, cert_type, verifier, nonce, issued_at_ms, expires_at_ms, fields, public_key, suite
    )
