"""Annotated copies (加注件): a released certificate bound to one agency, one purpose, a time.

When a holder grants an agency's request, the wallet hands the agency the document together
with an annotation the holder signs: this copy is for this agency, for this purpose (the
request's 申请事由), until this time. The agency, and anyone it shows the copy to, checks
the annotation against the chain: the signer's key is the certificate's holder on the chain,
the document hash is the one on the chain, and the copy is used by the agency it names, for
the purpose it names, before it expires. Platforms print the same binding on the copy:
"仅供 {agency} 办理 {purpose} 使用，有效期至 {date}" (:func:`get_annotation_text`).

The signed bytes travel with the annotation (``signed``), and the fields are read from them,
so a verifier in any language checks exactly what was signed: docs/annotated-copies.md has
the layout and a test vector that tests/vectors/annotated_copy.sh checks with OpenSSL.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final

import nacl.exceptions
import nacl.signing

from contracts.framework.identity import holder_id_for
from contracts.framework.limits import LIST_LIMIT_MAX
from node.chain.crypto import KeyPair

if TYPE_CHECKING:  # the client imports this module (through presentation_check)
    from node.sdk.client import LedgerClient

DOMAIN: Final = b"trustledger/annotated-copy/v1"
TEXT_FIELDS: Final = ("cert_id", "document_hash", "agency", "purpose", "request_id")
"""The text fields of the signed bytes, in order; each is UTF-8 without a NUL byte."""
FIELD_BYTES_MAX: Final = 800
"""Longest text field, in bytes (a purpose of 200 Chinese characters is 600 bytes)."""
SIGNED_BYTES_MAX: Final = len(DOMAIN) + 1 + (FIELD_BYTES_MAX + 1) * 6 + 32
PUBLIC_KEY_BYTES: Final = 32
SIGNATURE_BYTES: Final = 64
CHINA_TIME: Final = dt.timezone(dt.timedelta(hours=8))
DELEGATIONS_LISTED_MAX: Final = LIST_LIMIT_MAX
"""Delegations read when a guardian's or an agent's signature is checked."""


class Refusal(StrEnum):
    """Why an annotated copy was refused (``AnnotationRefused.reason``)."""

    FORMAT = "format"
    SIGNATURE = "signature"
    HOLDER = "holder"
    DOCUMENT = "document"
    AGENCY = "agency"
    PURPOSE = "purpose"
    EXPIRED = "expired"


class AnnotationRefused(Exception):
    """The annotated copy may not be used: ``reason`` says why, the message in a sentence."""

    def __init__(self, reason: Refusal, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Annotation:
    """What a holder signed, read back from the signed bytes."""

    cert_id: str
    document_hash: str
    agency: str
    purpose: str
    request_id: str
    expires_at_ms: int
    holder_public_key: bytes

    @property
    def holder(self) -> str:
        return holder_id_for(self.holder_public_key)


def _signed_bytes(annotation: Annotation) -> bytes:
    texts = [getattr(annotation, name).encode() for name in TEXT_FIELDS]
    for name, text in zip(TEXT_FIELDS, texts, strict=True):
        if b"\0" in text or len(text) > FIELD_BYTES_MAX:
            raise ValueError(f"{name} must be at most {FIELD_BYTES_MAX} bytes, without NUL")
    if annotation.expires_at_ms < 0:
        raise ValueError("expires_at_ms must not be negative")
    head = [DOMAIN, *texts, str(annotation.expires_at_ms).encode()]
    return b"\0".join(head) + b"\0" + annotation.holder_public_key


def make_annotation(
    holder: KeyPair,
    *,
    cert_id: str,
    document_hash: str,
    agency: str,
    purpose: str,
    request_id: str,
    expires_at_ms: int,
) -> dict[str, str]:
    """The annotation a wallet attaches to the copy it releases, signed with the holder's key."""
    signed = _signed_bytes(
        Annotation(
            cert_id, document_hash, agency, purpose, request_id, expires_at_ms, holder.public_key
        )
    )
    return {
        "signed": base64.b64encode(signed).decode(),
        "signature": base64.b64encode(holder.sign(signed)).decode(),
    }


def _decode(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise AnnotationRefused(Refusal.FORMAT, f"the annotation's {what} is not base64 text")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise AnnotationRefused(
            Refusal.FORMAT, f"the annotation's {what} is not base64 text"
        ) from None


def read_annotation(message: Any) -> Annotation:
    """The fields of an annotation whose signature holds; who signed is checked later."""
    if not isinstance(message, dict):
        raise AnnotationRefused(Refusal.FORMAT, "an annotation is an object")
    signed = _decode(message.get("signed"), "signed bytes")
    signature = _decode(message.get("signature"), "signature")
    if len(signed) > SIGNED_BYTES_MAX or len(signature) != SIGNATURE_BYTES:
        raise AnnotationRefused(Refusal.FORMAT, "the annotation's bytes have the wrong size")
    parts = signed.split(b"\0", len(TEXT_FIELDS) + 2)
    if len(parts) != len(TEXT_FIELDS) + 3 or parts[0] != DOMAIN:
        raise AnnotationRefused(Refusal.FORMAT, "the signed bytes are not an annotated copy's")
    *texts, expires, public_key = parts[1:]
    if len(public_key) != PUBLIC_KEY_BYTES or not _is_decimal(expires):
        raise AnnotationRefused(Refusal.FORMAT, "the signed bytes are not an annotated copy's")
    try:
        nacl.signing.VerifyKey(public_key).verify(signed, signature)
    except nacl.exceptions.BadSignatureError:
        raise AnnotationRefused(
            Refusal.SIGNATURE, "the annotation's signature does not verify"
        ) from None
    try:
        decoded = [text.decode() for text in texts]
    except UnicodeDecodeError:
        raise AnnotationRefused(Refusal.FORMAT, "an annotation field is not UTF-8") from None
    cert_id, document_hash, agency, purpose, request_id = decoded
    return Annotation(cert_id, document_hash, agency, purpose, request_id, int(expires), public_key)


def _is_decimal(text: bytes) -> bool:
    """ASCII digits without a leading zero (one way to write each number)."""
    return text.isascii() and text.isdigit() and (text == b"0" or not text.startswith(b"0"))


def check_annotation(
    message: Any,
    *,
    cert_id: str,
    agency: str,
    purpose: str,
    now_ms: int,
    onchain_holder: str,
    onchain_document_hash: str,
) -> Annotation:
    """Accept an annotated copy of ``cert_id`` for ``agency`` using it for ``purpose`` at
    ``now_ms``, given the certificate's holder and document hash as the chain has them;
    refuse it otherwise, with the first reason in the order of :class:`Refusal`."""
    annotation = read_annotation(message)
    if annotation.holder != onchain_holder:
        raise AnnotationRefused(
            Refusal.HOLDER, "the annotation is not signed by the certificate's holder"
        )
    if annotation.cert_id != cert_id or annotation.document_hash != onchain_document_hash:
        raise AnnotationRefused(
            Refusal.DOCUMENT, "the annotation is for another version of the document"
        )
    if annotation.agency != agency:
        raise AnnotationRefused(
            Refusal.AGENCY, f"this copy is for {annotation.agency}, not for {agency}"
        )
    if annotation.purpose != purpose:
        raise AnnotationRefused(Refusal.PURPOSE, "this copy was released for another purpose")
    if now_ms >= annotation.expires_at_ms:
        raise AnnotationRefused(Refusal.EXPIRED, "this copy has expired")
    return annotation


def get_annotation_text(annotation: Annotation, agency_name: str) -> str:
    """The words platforms print on an annotated copy (dates in China Standard Time)."""
    until = dt.datetime.fromtimestamp(annotation.expires_at_ms / 1000, CHINA_TIME)
    return (
        f"仅供 {agency_name} 办理 {annotation.purpose} 使用，"
        f"有效期至 {until.year}年{until.month}月{until.day}日"
    )


def check_released_copy(
    client: LedgerClient, message: Any, document: dict[str, Any], *, agency: str, now_ms: int
) -> Annotation:
    """An agency's check of a copy released to it, against the chain: the certificate's
    holder and document hash, the request's purpose, and for a copy a guardian or an agent
    released, that the signer held a consent delegation from the holder when checked."""
    cert_id = str(document.get("cert_id", ""))
    annotation = read_annotation(message)
    onchain = client.query("certificates", "status", cert_id=cert_id)
    request = client.query("consent", "get", request_id=annotation.request_id)
    signer_may = annotation.holder == onchain["holder"] or is_consent_delegate(
        client, onchain["holder"], annotation.holder
    )
    return check_annotation(
        message,
        cert_id=cert_id,
        agency=agency,
        purpose=str(request["purpose"]),
        now_ms=now_ms,
        onchain_holder=annotation.holder if signer_may else onchain["holder"],
        onchain_document_hash=onchain["doc_hash"],
    )


def is_consent_delegate(client: LedgerClient, principal: str, delegate: str) -> bool:
    delegations = client.query(
        "delegation",
        "list_by_holder",
        holder=delegate,
        side="delegate",
        in_force=True,
        limit=DELEGATIONS_LISTED_MAX,
    )
    return any(
        d["principal"] == principal and "consent" in d.get("actions", []) for d in delegations
    )
