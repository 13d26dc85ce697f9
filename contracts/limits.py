"""Every bound the contracts enforce, in one place, with the relations between them asserted.

Names carry their unit last (``_length_max`` counts characters, ``_ms`` milliseconds).
"""

from __future__ import annotations

from typing import Final

# --- Numbers -------------------------------------------------------------------------------

INT_ARG_MAX: Final = 2**63 - 1
"""Largest integer argument accepted (fits an int64 on the wire and in every client)."""

ARGS_COUNT_MAX: Final = 16
"""Most arguments one call may carry."""

# --- Identifiers ---------------------------------------------------------------------------

ORG_ID_LENGTH_MIN: Final = 2
ORG_ID_LENGTH_MAX: Final = 32
"""Organisation ids: lowercase ``[a-z0-9-]`` of this many characters."""

ORG_NAME_LENGTH_MAX: Final = 100
"""An organisation's display name, in characters."""

ORGANISATIONS_MAX: Final = 1000
"""Most organisations in genesis."""

ED25519_PUBLIC_KEY_LENGTH: Final = 32
"""Bytes in an organisation's Ed25519 public key."""

CERT_ID_LENGTH_MIN: Final = 8
CERT_ID_LENGTH_MAX: Final = 64
"""Certificate ids: ``[A-Za-z0-9._:-]`` of this many characters."""

REQUEST_ID_LENGTH_MIN: Final = CERT_ID_LENGTH_MIN
REQUEST_ID_LENGTH_MAX: Final = CERT_ID_LENGTH_MAX
"""Consent request ids use the certificate id format."""

DOC_HASH_HEX_LENGTH: Final = 64
"""A document hash is a SHA-256 digest in lowercase hex."""

DOCUMENT_SALT_LENGTH_MIN: Final = 16
"""Fewest random bytes salting an off-chain document before it is hashed."""

# --- Free text (chosen by agencies, stored on-chain) ---------------------------------------

PURPOSE_LENGTH_MAX: Final = 200
"""A consent request's purpose, in characters (at least one non-blank)."""

REASON_LENGTH_MAX: Final = 200
"""A revocation reason, in characters (at least one non-blank)."""

FREE_TEXT_DIGIT_RUN_MAX: Final = 10
"""Longest run of digits (single spaces or hyphens between them ignored) allowed in free text.

A resident ID number (18), a mobile number (11) or a bank card (16+) is longer, so an agency
cannot put one on-chain by accident; dates and times ("2024-11-22 10:30") and short case
numbers still fit.
"""

# --- Consent -------------------------------------------------------------------------------

MAX_USES_MAX: Final = 1000
"""Most uses one consent request may ask for."""

# --- Queries -------------------------------------------------------------------------------

LIST_LIMIT_DEFAULT: Final = 100
"""Entries a list query returns when no ``limit`` is given."""

LIST_LIMIT_MAX: Final = 1000
"""Most entries one list query returns."""

SCAN_LIMIT_MAX: Final = 10_000
"""Most index entries a filtered list query reads before filtering."""


assert ORG_ID_LENGTH_MIN <= ORG_ID_LENGTH_MAX
assert CERT_ID_LENGTH_MIN <= CERT_ID_LENGTH_MAX
assert REQUEST_ID_LENGTH_MIN <= REQUEST_ID_LENGTH_MAX
assert 1 <= MAX_USES_MAX <= INT_ARG_MAX
assert 1 <= LIST_LIMIT_DEFAULT <= LIST_LIMIT_MAX <= SCAN_LIMIT_MAX
assert FREE_TEXT_DIGIT_RUN_MAX >= 8, "free text must still hold a date such as 2024-11-22"
assert FREE_TEXT_DIGIT_RUN_MAX < 11, "free text must not hold a mobile or ID number"
assert ARGS_COUNT_MAX >= 6, "certificates.issue takes five arguments"
