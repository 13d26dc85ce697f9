"""Annotated copies (加注件): a released certificate bound to one agency, one purpose, a time.

When a holder grants an agency's request, the wallet hands the agency the document together
with an annotation the holder signs: this copy is for this agency, for this purpose (the
request's 申请事由), until this time. The agency, and anyone it shows the copy to, checks
the annotation against the chain: the signer's key is the certificate's holder on the chain,
the document hash is the one on the chain, and the copy is used by the agency it names, for
the purpose it names (the request's purpose code and text), before it expires. Platforms
print the same binding on the copy: "仅供 {agency} 办理 {purpose}（{text}）使用，有效期至
{date}" (:func:`get_annotation_text`).

The signed bytes travel with the annotation (``signed``), and the fields are read from them,
so a verifier in any language checks exactly what was signed: docs/annotated-copies.md has
the layouts (v2 signs the purpose code; v1, without it, stays verifiable for copies released
before) and test vectors that tests/vectors/annotated_copy.sh checks with OpenSSL.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final

from contracts.catalogue.purposes import OTHER, PURPOSES
from contracts.framework.identity import holder_id_for
from contracts.framework.limits import LIST_LIMIT_MAX
from node.chain.crypto import KeyPair
from node.sdk.refusals import Refused
from suites import SUITES, Suite

if TYPE_CHECKING:  # the client imports this module (through presentation_check)
    from node.sdk.client import LedgerClient

DOMAIN_V1: Final = b"trustledger/annotated-copy/v1"
"""Copies released before purpose codes: no ``purpose_code`` in the signed bytes."""
DOMAIN: Final = b"trustledger/annotated-copy/v2"
"""What the wallet signs now: the request's purpose code follows its purpose text."""
TEXT_FIELDS_V1: Final = ("cert_id", "document_hash", "agency", "purpose", "request_id")
TEXT_FIELDS: Final = ("cert_id", "document_hash", "agency", "purpose", "purpose_code", "request_id")
"""The text fields of the signed bytes, in order; each is UTF-8 without a NUL byte."""
FIELD_BYTES_MAX: Final = 800
"""Longest text field, in bytes (a purpose of 200 Chinese characters is 600 bytes)."""
PURPOSE_CODE_LENGTH: Final = 3
"""A purpose code is three ASCII digits (contracts/catalogue/purposes.py)."""
PUBLIC_KEY_BYTES_MAX: Final = max(suite.public_key_bytes for suite in SUITES.values())
"""The longest holder key of any suite (65 bytes, SM2); each chain takes only its suite's."""
SIGNED_BYTES_MAX: Final = (
    len(DOMAIN) + 1 + (FIELD_BYTES_MAX + 1) * 6 + (PURPOSE_CODE_LENGTH + 1) + PUBLIC_KEY_BYTES_MAX
)
"""The longest v2 signed bytes (v1's are 4 bytes shorter): the domain, five text fields and
the expiry of at most 800 bytes, the purpose code, the key."""
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


class AnnotationRefused(Refused[Refusal]):
    """The annotated copy may not be used: ``reason`` says why, the message in a sentence."""


@dataclass(frozen=True, slots=True)
class Annotation:
    """What a holder signed, read back from the signed bytes."""

    cert_id: str
    document_hash: str
    agency: str
    purpose: str
    purpose_code: str | None
    """The request's purpose code (v2); None in a v1 copy, which did not sign one."""
    request_id: str
    expires_at_ms: int
    holder_public_key: bytes
    suite: Suite
    """The chain's suite: the holder's key is one of its keys (32 bytes Ed25519 or 65 bytes
    SM2, which the layout tells apart by length), signed with it; the holder id its hash."""

    @property
    def holder(self) -> str:
        return holder_id_for(self.holder_public_key, self.suite)


def _layout(annotation: Annotation) -> tuple[bytes, tuple[str, ...]]:
    """The domain and text fields of the annotation's version: v2 when it has a code."""
    if annotation.purpose_code is None:
        return DOMAIN_V1, TEXT_FIELDS_V1
    return DOMAIN, TEXT_FIELDS


def _signed_bytes(annotation: Annotation) -> bytes:
    domain, names = _layout(annotation)
    texts = [str(getattr(annotation, name)).encode() for name in names]
    for name, text in zip(names, texts, strict=True):
        if b"\0" in text or len(text) > FIELD_BYTES_MAX:
            raise ValueError(f"{name} must be at most {FIELD_BYTES_MAX} bytes, without NUL")
    if annotation.purpose_code is not None and not is_purpose_code(
        annotation.purpose_code.encode()
    ):
        raise ValueError(f"purpose_code must be {PURPOSE_CODE_LENGTH} ASCII digits")
    if annotation.expires_at_ms < 0:
        raise ValueError("expires_at_ms must not be negative")
    head = [domain, *texts, str(annotation.expires_at_ms).encode()]
    return b"\0".join(head) + b"\0" + annotation.holder_public_key


def make_annotation(
    holder: KeyPair,
    *,
    cert_id: str,
    document_hash: str,
    agency: str,
    purpose: str,
    purpose_code: str | None,
    request_id: str,
    expires_at_ms: int,
) -> dict[str, str]:
    """The annotation a wallet attaches to the copy it releases, signed with the holder's key:
    v2 with the request's ``purpose_code``; v1 (the layout without it) only for a request the
    chain holds without a code, admitted before the node required one."""
    signed = _signed_bytes(
        Annotation(
            cert_id,
            document_hash,
            agency,
            purpose,
            purpose_code,
            request_id,
            expires_at_ms,
            holder.public_key,
            holder.suite,
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


def read_annotation(message: Any, suite: Suite) -> Annotation:
    """The fields of an annotation whose signature holds by the chain's ``suite`` (the key a
    key of it, the signature its); who signed is checked later."""
    if not isinstance(message, dict):
        raise AnnotationRefused(Refusal.FORMAT, "an annotation is an object")
    signed = _decode(message.get("signed"), "signed bytes")
    signature = _decode(message.get("signature"), "signature")
    if len(signed) > SIGNED_BYTES_MAX or len(signature) != suite.signature_bytes:
        raise AnnotationRefused(Refusal.FORMAT, "the annotation's bytes have the wrong size")
    domain = signed.split(b"\0", 1)[0]
    names = {DOMAIN: TEXT_FIELDS, DOMAIN_V1: TEXT_FIELDS_V1}.get(domain)
    if names is None:
        raise AnnotationRefused(Refusal.FORMAT, "the signed bytes are not an annotated copy's")
    parts = signed.split(b"\0", len(names) + 2)
    if len(parts) != len(names) + 3:
        raise AnnotationRefused(Refusal.FORMAT, "the signed bytes are not an annotated copy's")
    *texts, expires, public_key = parts[1:]
    fields = dict(zip(names, texts, strict=True))
    code = fields.get("purpose_code")
    if (
        len(public_key) != suite.public_key_bytes
        or not _is_decimal(expires)
        or (code is not None and not is_purpose_code(code))
    ):
        raise AnnotationRefused(Refusal.FORMAT, "the signed bytes are not an annotated copy's")
    if not suite.verify(public_key, signed, signature):
        raise AnnotationRefused(Refusal.SIGNATURE, "the annotation's signature does not verify")
    try:
        decoded = {name: text.decode() for name, text in fields.items()}
    except UnicodeDecodeError:
        raise AnnotationRefused(Refusal.FORMAT, "an annotation field is not UTF-8") from None
    return Annotation(
        decoded["cert_id"],
        decoded["document_hash"],
        decoded["agency"],
        decoded["purpose"],
        decoded.get("purpose_code"),
        decoded["request_id"],
        int(expires),
        public_key,
        suite,
    )


def _is_decimal(text: bytes) -> bool:
    """ASCII digits without a leading zero (one way to write each number)."""
    return text.isascii() and text.isdigit() and (text == b"0" or not text.startswith(b"0"))


def is_purpose_code(text: bytes) -> bool:
    """Three ASCII digits: the shape of a purpose code, listed or not."""
    return len(text) == PURPOSE_CODE_LENGTH and text.isascii() and text.isdigit()


def check_annotation(
    message: Any,
    *,
    suite: Suite,
    cert_id: str,
    agency: str,
    purpose: str,
    purpose_code: str | None,
    now_ms: int,
    onchain_holder: str,
    onchain_document_hash: str,
) -> Annotation:
    """Accept an annotated copy of ``cert_id`` for ``agency`` using it for ``purpose`` with
    ``purpose_code`` (the consent request's, as the chain has them; None for a request
    without a code) at ``now_ms``, given the certificate's holder and document hash as the
    chain has them; refuse it otherwise, with the first reason in the order of
    :class:`Refusal`. A v1 copy signed no code: its purpose text is checked, and the code
    only through the request it names (docs/annotated-copies.md). ``suite`` is the chain's.
    """
    annotation = read_annotation(message, suite)
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
    if annotation.purpose_code is not None and annotation.purpose_code != purpose_code:
        raise AnnotationRefused(
            Refusal.PURPOSE,
            f"this copy was released for purpose code {annotation.purpose_code},"
            f" not {purpose_code or 'a request without one'}",
        )
    if now_ms >= annotation.expires_at_ms:
        raise AnnotationRefused(Refusal.EXPIRED, "this copy has expired")
    return annotation


def get_purpose_words(annotation: Annotation) -> str:
    """What the copy is for, as printed: the code's name and the agency's words in brackets
    (金融信贷审核（助学贷款审核）); the words alone for a v1 copy, for code 099 (其他, whose
    words say it all) and when they are the name; a code the list does not have is printed
    as its digits."""
    code = annotation.purpose_code
    if code is None or code == OTHER:
        return annotation.purpose
    entry = PURPOSES.get(code)
    name = entry.name_zh if entry is not None else code
    return name if annotation.purpose in ("", name) else f"{name}（{annotation.purpose}）"


def get_annotation_text(annotation: Annotation, agency_name: str) -> str:
    """The words platforms print on an annotated copy (dates in China Standard Time)."""
    until = dt.datetime.fromtimestamp(annotation.expires_at_ms / 1000, CHINA_TIME)
    return (
        f"仅供 {agency_name} 办理 {get_purpose_words(annotation)} 使用，"
        f"有效期至 {until.year}年{until.month}月{until.day}日"
    )


def check_released_copy(
    client: LedgerClient, message: Any, document: dict[str, Any], *, agency: str, now_ms: int
) -> Annotation:
    """An agency's check of a copy released to it, against the chain: the certificate's
    holder and document hash, the request's purpose and purpose code, and for a copy a
    guardian or an agent released, that the signer held a consent delegation from the holder
    when checked."""
    cert_id = str(document.get("cert_id", ""))
    annotation = read_annotation(message, client.suite)
    onchain = client.query("certificates", "status", cert_id=cert_id)
    request = client.query("consent", "get", request_id=annotation.request_id)
    signer_may = annotation.holder == onchain["holder"] or is_consent_delegate(
        client, onchain["holder"], annotation.holder
    )
    code = request.get("purpose_code")
    return check_annotation(
        message,
        suite=client.suite,
        cert_id=cert_id,
        agency=agency,
        purpose=str(request["purpose"]),
        purpose_code=None if code is None else str(code),
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
