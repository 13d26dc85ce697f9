"""The certificate identifier (证照标识) after GB/T 36904, as provincial platforms write it.

    1.2.156.3005.2.{证照类型代码}.{颁发机构代码}.{流水号}.{版本号}.{校验位}

Sources: the structure is the one seen in a provincial sharing service's code and in Hubei's
certificate-library access guide (../shared/CONVENTIONS.md), not the standard's own text.

- 证照类型代码 (type code): the defining body's 18-character unified social credit code and
  three digits, e.g. ``11100000000013338W032``. The credit code must carry a valid GB 32100
  check character.
- 颁发机构代码 (issuer code): the issuing unit's unified social credit code (GB 32100).
- 版本号 (version): three digits. A renewal or an amendment gets the next version of the same
  identifier; the first issuance is ``001`` (the sources do not say where versions start).
- 校验位 (check): ISO 7064 MOD 37,36.

Where the sources are silent, and what we chose (docs/conventions.md repeats this):

- 流水号 (serial): no length or alphabet is given. We accept 1 to 32 characters of ``0``-``9``
  and ``A``-``Z``, and issue serials of 10 digits.
- The check is computed over every character before it with the dots left out (the MOD 37,36
  alphabet has no dot), prefix included: ``1215630052`` + type code + issuer code + serial +
  version.
- Upper case only: an identifier is compared as written, so ``...w032...`` is refused rather
  than read as ``...W032...``.

Parsing checks each part's shape (and the check characters of the codes inside it), then the
identifier's check character, so a mistyped identifier is refused with the most precise
reason, before any lookup.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from contracts.framework.check_characters import (
    MOD37_36_ALPHABET,
    get_mod37_36_check,
    is_gb32100_valid,
)

PREFIX: Final = "1.2.156.3005.2"
"""ISO member body China (1.2.156), the certificate arc and the certificate-identifier arc."""

IDENTIFIER_LENGTH_MAX: Final = len(PREFIX) + 1 + 21 + 1 + 18 + 1 + 32 + 1 + 3 + 1 + 1
"""The longest identifier: the prefix and five dotted parts at their longest, and the check."""

SERIAL_LENGTH_MAX: Final = 32
SERIAL_DIGITS_ISSUED: Final = 10
VERSION_MAX: Final = 999
FIRST_VERSION: Final = 1


class Problem(StrEnum):
    """Why an identifier was refused (``IdentifierError.problem``): stable words for callers."""

    FORMAT = "format"
    PREFIX = "prefix"
    TYPE_CODE = "type-code"
    ISSUER_CODE = "issuer-code"
    SERIAL = "serial"
    VERSION = "version"
    CHECK = "check-character"


class IdentifierError(ValueError):
    """A certificate identifier, or a part of one, is malformed; ``problem`` says which part."""

    def __init__(self, problem: Problem, message: str) -> None:
        super().__init__(message)
        self.problem = problem


def _is_alnum36(text: str) -> bool:
    return bool(text) and all(c in MOD37_36_ALPHABET for c in text)


def check_type_code(code: str) -> None:
    """A type code is a valid unified social credit code followed by three digits."""
    if not (
        len(code) == 21
        and is_gb32100_valid(code[:18])
        and code[18:].isascii()
        and code[18:].isdigit()
    ):
        raise IdentifierError(
            Problem.TYPE_CODE,
            "a certificate type code is the defining body's unified social credit code "
            "(18 characters, GB 32100 check) and 3 digits",
        )


def is_type_code(code: str) -> bool:
    """Whether ``code`` is a certificate type code (see :func:`check_type_code`)."""
    try:
        check_type_code(code)
    except IdentifierError:
        return False
    return True


def check_issuer_code(code: str) -> None:
    """An issuer code is a unified social credit code with a valid check character."""
    if not is_gb32100_valid(code):
        raise IdentifierError(
            Problem.ISSUER_CODE,
            "an issuer code is a unified social credit code (18 characters, GB 32100 check)",
        )


def check_serial(serial: str) -> None:
    if not (len(serial) <= SERIAL_LENGTH_MAX and _is_alnum36(serial)):
        raise IdentifierError(
            Problem.SERIAL,
            f"a serial number is 1 to {SERIAL_LENGTH_MAX} characters of 0-9 and A-Z",
        )


def check_version(version: int) -> None:
    if not FIRST_VERSION <= version <= VERSION_MAX:
        raise IdentifierError(
            Problem.VERSION, f"a version is from {FIRST_VERSION:03d} to {VERSION_MAX}"
        )


@dataclass(frozen=True)
class CertificateIdentifier:
    """A checked identifier's parts; :attr:`text` is the identifier as written."""

    type_code: str
    issuer_code: str
    serial: str
    version: int

    def __post_init__(self) -> None:
        check_type_code(self.type_code)
        check_issuer_code(self.issuer_code)
        check_serial(self.serial)
        check_version(self.version)

    @property
    def _body(self) -> str:
        return ".".join(
            (PREFIX, self.type_code, self.issuer_code, self.serial, f"{self.version:03d}")
        )

    @property
    def text(self) -> str:
        body = self._body
        return f"{body}.{get_mod37_36_check(body.replace('.', ''))}"

    def next_version(self) -> CertificateIdentifier:
        """The identifier of this certificate's renewal or amendment."""
        if self.version >= VERSION_MAX:
            raise IdentifierError(
                Problem.VERSION, f"this certificate has had its last version ({VERSION_MAX})"
            )
        return CertificateIdentifier(
            self.type_code, self.issuer_code, self.serial, self.version + 1
        )


def issued_serial(number: int) -> str:
    """The serial the ledger gives the ``number``-th certificate of a type from an issuer."""
    if not 0 <= number < 10**SERIAL_DIGITS_ISSUED:
        raise IdentifierError(Problem.SERIAL, "no serial number is left for this type")
    return f"{number:0{SERIAL_DIGITS_ISSUED}d}"


def parse_identifier(text: str) -> CertificateIdentifier:
    """The parts of a written identifier; :class:`IdentifierError` if any part is wrong."""
    if not isinstance(text, str) or len(text) > IDENTIFIER_LENGTH_MAX or not text.isascii():
        raise IdentifierError(
            Problem.FORMAT,
            f"a certificate identifier is ASCII text of at most {IDENTIFIER_LENGTH_MAX} characters",
        )
    if not text.startswith(PREFIX + "."):
        raise IdentifierError(Problem.PREFIX, f"a certificate identifier starts with {PREFIX}.")
    parts = text[len(PREFIX) + 1 :].split(".")
    if len(parts) != 5:
        raise IdentifierError(
            Problem.FORMAT,
            "a certificate identifier has five parts after its prefix: "
            "type code, issuer code, serial, version, check character",
        )
    type_code, issuer_code, serial, version, _check = parts  # compared as part of the text
    if not (len(version) == 3 and version.isdigit()):
        raise IdentifierError(Problem.VERSION, "a version is 3 digits")
    identifier = CertificateIdentifier(type_code, issuer_code, serial, int(version))
    if identifier.text != text:
        raise IdentifierError(
            Problem.CHECK, "the identifier's check character is wrong (ISO 7064 MOD 37,36)"
        )
    return identifier


_WELL_FORMED_RE: Final = re.compile(
    r"1\.2\.156\.3005\.2\.[0-9A-Z]{21}\.[0-9A-Z]{18}\.[0-9A-Z]{1,32}\.[0-9]{3}\.[0-9A-Z]"
)
MASKED_CODE: Final = "#"


def is_identifier_like(text: str) -> bool:
    """Whether ``text`` claims to be an identifier (it starts with the prefix): such a text
    is read as one, and refused with the part that is wrong rather than taken as a local id."""
    return text.startswith(PREFIX + ".")


def _rewrite_identifiers(text: str, rewrite: Callable[[CertificateIdentifier, str], str]) -> str:
    """``text`` with each identifier in it that parses (check character right) replaced by
    ``rewrite(identifier, its text)``; a malformed one is left as it is."""

    def replace(match: re.Match[str]) -> str:
        try:
            identifier = parse_identifier(match.group(0))
        except IdentifierError:
            return match.group(0)
        return rewrite(identifier, match.group(0))

    return _WELL_FORMED_RE.sub(replace, text)


def mask_organisation_codes(text: str) -> str:
    """``text`` with the type code and issuer code of every identifier in it replaced by
    ``#``. They are organisations' unified social credit codes (the defining body's and the
    issuing unit's), public by nature; the personal-data screen would take them for an
    enterprise holder's code. Only identifiers whose check character is right are masked, so
    an 18-character code elsewhere, or in a malformed identifier, is still screened."""

    def mask(identifier: CertificateIdentifier, found: str) -> str:
        return found.replace(identifier.type_code, MASKED_CODE, 1).replace(
            identifier.issuer_code, MASKED_CODE, 1
        )

    return _rewrite_identifiers(text, mask)


def isolate_serials(text: str) -> str:
    """``text`` as the personal-data screen reads it: each well-formed identifier reduced to
    its serial between masks. Its two codes are organisations' (public by nature), and its
    version and check character belong to no number: read joined to the serial (the screen
    joins digits across separators, to catch ``138-0000-0000``), they could make a mobile
    number of a random serial (``8619486242.001.A`` reads as ``+86 19486242001``). The serial
    itself is still screened."""

    def isolate(identifier: CertificateIdentifier, found: str) -> str:
        return f"{MASKED_CODE} {identifier.serial} {MASKED_CODE}"

    return _rewrite_identifiers(text, isolate)
