"""Predicates for the formats of ids, hashes and free text stored on-chain.

Patterns use explicit ASCII classes (never ``\\d`` or ``\\w``, whose meaning follows the
Unicode database) so every validator accepts exactly the same strings.
"""

from __future__ import annotations

import re
from typing import Final

from contracts import limits

_ORG_ID_RE: Final = re.compile(
    f"[a-z0-9-]{{{limits.ORG_ID_LENGTH_MIN},{limits.ORG_ID_LENGTH_MAX}}}"
)
_CERT_ID_RE: Final = re.compile(
    f"[A-Za-z0-9._:-]{{{limits.CERT_ID_LENGTH_MIN},{limits.CERT_ID_LENGTH_MAX}}}"
)
_REQUEST_ID_RE: Final = re.compile(
    f"[A-Za-z0-9._:-]{{{limits.REQUEST_ID_LENGTH_MIN},{limits.REQUEST_ID_LENGTH_MAX}}}"
)
_DOC_HASH_RE: Final = re.compile(f"[0-9a-f]{{{limits.DOC_HASH_HEX_LENGTH}}}")

# Characters never allowed in stored text: C0/C1 controls, lone surrogates (not encodable as
# UTF-8), zero-width and bidirectional controls (used to disguise text), line/paragraph
# separators, the BOM and non-characters at the end of the BMP.
_FORBIDDEN_CHAR_RE: Final = re.compile(
    "[\x00-\x1f\x7f-\x9f\ud800-\udfff\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff0-\uffff]"
)
# ASCII and full-width digits, optionally separated by one space or hyphen.
_DIGIT: Final = "[0-9\uff10-\uff19]"
_DIGIT_RUN_RE: Final = re.compile(
    f"{_DIGIT}(?:[ \\-\uff0d]?{_DIGIT}){{{limits.FREE_TEXT_DIGIT_RUN_MAX},}}"
)
_EMAIL_RE: Final = re.compile("[^\\s@]+[@\uff20][^\\s@]+\\.[^\\s@]+")


def is_org_id(s: str) -> bool:
    """Whether ``s`` is an organisation id: lowercase ``[a-z0-9-]{2,32}``."""
    return _ORG_ID_RE.fullmatch(s) is not None


def is_cert_id(s: str) -> bool:
    """Whether ``s`` is a certificate id: ``[A-Za-z0-9._:-]{8,64}``."""
    return _CERT_ID_RE.fullmatch(s) is not None


def is_request_id(s: str) -> bool:
    """Whether ``s`` is a consent request id (same format as a certificate id)."""
    return _REQUEST_ID_RE.fullmatch(s) is not None


def is_doc_hash(s: str) -> bool:
    """Whether ``s`` is a SHA-256 digest in lowercase hex."""
    return _DOC_HASH_RE.fullmatch(s) is not None


def get_text_problem(text: str, *, length_max: int) -> str | None:
    """Return why ``text`` may not be stored as on-chain free text, or None if it may.

    Free text must be 1..``length_max`` characters, not blank, free of control and invisible
    formatting characters, and must not look like personal data: no long digit runs (ID,
    phone and card numbers) and no e-mail addresses.
    """
    if not 1 <= len(text) <= length_max:
        return f"must be 1 to {length_max} characters"
    if not text.strip():
        return "must not be blank"
    if _FORBIDDEN_CHAR_RE.search(text) is not None:
        return "must not contain control or invisible formatting characters"
    if _DIGIT_RUN_RE.search(text) is not None:
        return (
            f"must not contain more than {limits.FREE_TEXT_DIGIT_RUN_MAX} digits in a row"
            " (it looks like an ID, phone or card number: nothing personal goes on-chain)"
        )
    if _EMAIL_RE.search(text) is not None:
        return "must not contain an e-mail address (nothing personal goes on-chain)"
    return None
