"""The wallet's limits, in one place."""

PASSPHRASE_CHARS_MIN = 8
PASSPHRASE_CHARS_MAX = 256
DOCUMENT_FIELDS_MAX = 32
DOCUMENT_FIELD_CHARS_MAX = 256
DOCUMENT_BYTES_MAX = 16 * 1024
LIST_ITEMS_MAX = 1000
DELEGATION_VALID_DAYS_MAX = 3650
"""An appointment made in the wallet lasts at most ten years (a new one can follow)."""
DELEGATION_NAMES_MAX = 64
"""Certificate types or record categories one delegation may name (the contract's cap)."""
REASON_CHARS_MAX = 200
"""A revocation's reason (the contract's cap; no personal data)."""
