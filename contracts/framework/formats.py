"""Predicates for the formats of ids, hashes and free text stored on-chain.

Patterns use explicit ASCII classes (never ``\\d`` or ``\\w``, whose meaning follows the
Unicode database) so every validator accepts exactly the same strings.
"""

from __future__ import annotations

import re
from typing import Final

from contracts.framework import limits

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
_OBJECT_ID_RE: Final = re.compile(
    f"[A-Za-z0-9._:-]{{{limits.OBJECT_ID_LENGTH_MIN},{limits.OBJECT_ID_LENGTH_MAX}}}"
)
_VALIDATOR_ID_RE: Final = re.compile(f"[A-Za-z0-9._:-]{{1,{limits.VALIDATOR_ID_LENGTH_MAX}}}")
_PUBLIC_KEY_HEX_RE: Final = re.compile(
    "|".join(f"[0-9a-f]{{{2 * length}}}" for length in sorted(limits.PUBLIC_KEY_LENGTHS))
)
_CERT_SERIAL_RE: Final = re.compile(
    f"[1-9a-f][0-9a-f]{{0,{limits.CERT_SERIAL_HEX_LENGTH_MAX - 1}}}"
)
_HOST_LABEL_RE: Final = re.compile("[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_IPV4_OCTET_RE: Final = re.compile("0|[1-9][0-9]{0,2}")
_IPV6_RE: Final = re.compile("\\[[0-9A-Fa-f:.]{2,45}\\]")
_PORT_RE: Final = re.compile("[1-9][0-9]{0,4}")
CATALOGUE_ID_RE: Final = re.compile("[a-z][a-z0-9_]{0,47}")
"""Certificate type ids, record category ids and field names of the catalogue."""
PURPOSE_CODE_RE: Final = re.compile("[0-9]{3}")
"""Purpose codes of the catalogue."""
_UNSPECIFIED_HOSTS: Final = frozenset({"0.0.0.0", "[::]", "[::0]", "[0:0:0:0:0:0:0:0]"})

# Identifiers of real people and enterprises that must never be stored in clear. Each pattern
# is anchored at boundaries, so a long random token (a UUID in hex) does not match by chance:
# - an 18-character resident ID number: region (6 digits), birth date, sequence, check digit;
# - the 15-digit first-generation ID number: region, 2-digit year, month, day, sequence;
# - a mainland mobile number (11 digits starting 13..19) as a whole token;
# - an 18-character unified social credit code (统一社会信用代码) as a whole token.
_ALNUM: Final = "0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a"
_MONTH_DAY: Final = "(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
_USCC_CHAR: Final = "[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]"
_PERSONAL_IDENTIFIER_RE: Final = re.compile(
    "|".join(
        (
            f"(?<![0-9])[1-9][0-9]{{5}}(?:18|19|20)[0-9]{{2}}{_MONTH_DAY}[0-9]{{3}}[0-9Xx](?![0-9])",
            f"(?<![0-9])[1-9][0-9]{{5}}[0-9]{{2}}{_MONTH_DAY}[0-9]{{3}}(?![0-9])",
            f"(?<![{_ALNUM}])1[3-9][0-9]{{9}}(?![{_ALNUM}])",
            f"(?<![{_ALNUM}]){_USCC_CHAR}{{2}}[0-9]{{6}}{_USCC_CHAR}{{10}}(?![{_ALNUM}])",
        )
    )
)


def is_catalogue_id(s: str) -> bool:
    """Whether ``s`` has the form of a catalogue id or field name (whether the catalogue holds
    it is chain state)."""
    return isinstance(s, str) and CATALOGUE_ID_RE.fullmatch(s) is not None


def is_purpose_code(s: str) -> bool:
    """Whether ``s`` has the form of a purpose code."""
    return isinstance(s, str) and PURPOSE_CODE_RE.fullmatch(s) is not None


def is_org_id(s: str) -> bool:
    """Whether ``s`` is an organisation id: lowercase ``[a-z0-9-]{2,32}``."""
    return _ORG_ID_RE.fullmatch(s) is not None


def is_cert_id(s: str) -> bool:
    """Whether ``s`` is a certificate id: ``[A-Za-z0-9._:-]{8,64}``."""
    return _CERT_ID_RE.fullmatch(s) is not None


def is_request_id(s: str) -> bool:
    """Whether ``s`` is a consent request id (same format as a certificate id)."""
    return _REQUEST_ID_RE.fullmatch(s) is not None


def is_object_id(s: str) -> bool:
    """Whether ``s`` is an id chosen by a caller for a record, a correction, a delegation, a
    proposal or a verification record (the certificate id format)."""
    return _OBJECT_ID_RE.fullmatch(s) is not None


def is_validator_id(s: str) -> bool:
    """Whether ``s`` is a validator id: ``[A-Za-z0-9._:-]{1,64}``."""
    return _VALIDATOR_ID_RE.fullmatch(s) is not None


def is_public_key_hex(s: str) -> bool:
    """Whether ``s`` has the length of some suite's public key in lowercase hex (64 digits
    for Ed25519, 130 for SM2); whether it is a key of the chain's suite is the contract's
    check (``ctx.suite.is_public_key``), as the screen that reads this knows no chain."""
    return _PUBLIC_KEY_HEX_RE.fullmatch(s) is not None


def is_cert_serial(s: str) -> bool:
    """Whether ``s`` is an X.509 serial number in canonical form: lowercase hex, no leading
    zero, at most 20 octets. One spelling per serial, so a serial cannot be revoked twice."""
    return _CERT_SERIAL_RE.fullmatch(s) is not None


def get_endpoint_problem(endpoint: str) -> str | None:
    """Return why ``endpoint`` is not a validator's network endpoint, or None if it is.

    An endpoint is ``host:port``: a DNS name, a dotted IPv4 address or a bracketed IPv6
    address, then a port 1 to 65535. The unspecified addresses (``0.0.0.0``, ``[::]``) are
    listening addresses that no peer can connect to, so they are refused.
    """
    if not 1 <= len(endpoint) <= limits.VALIDATOR_ENDPOINT_LENGTH_MAX:
        return f"must be 1 to {limits.VALIDATOR_ENDPOINT_LENGTH_MAX} characters"
    host, sep, port = endpoint.rpartition(":")
    if not sep or not host:
        return "must be host:port"
    if _PORT_RE.fullmatch(port) is None or not 1 <= int(port) <= 65535:
        return "must end in a port from 1 to 65535"
    if host in _UNSPECIFIED_HOSTS:
        return "must name an address peers can connect to, not an unspecified address"
    if host.startswith("["):
        return None if _IPV6_RE.fullmatch(host) is not None else "has a malformed IPv6 address"
    if len(host) > limits.VALIDATOR_HOST_LENGTH_MAX:
        return f"must have a host of at most {limits.VALIDATOR_HOST_LENGTH_MAX} characters"
    labels = host.split(".")
    if not all(_HOST_LABEL_RE.fullmatch(label) is not None for label in labels):
        return "must have a host name of letters, digits, hyphens and dots, or an IP address"
    if all(label.isdigit() for label in labels) and not (
        len(labels) == 4
        and all(_IPV4_OCTET_RE.fullmatch(label) is not None for label in labels)
        and all(int(label) <= 255 for label in labels)
    ):
        return "has a malformed IPv4 address"
    return None


def contains_personal_identifier(s: str) -> bool:
    """Whether ``s`` contains what looks like a resident ID number, a mobile number or a
    unified social credit code: such values are never stored on-chain in clear."""
    return _PERSONAL_IDENTIFIER_RE.search(s) is not None


def contains_email(s: str) -> bool:
    """Whether ``s`` contains what looks like an e-mail address."""
    return _EMAIL_RE.search(s) is not None


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
    if contains_personal_identifier(text):
        return (
            "must not contain an ID number, mobile number or unified social credit code"
            " (nothing personal goes on-chain)"
        )
    return None
