"""The window service's limits, in one place (relations asserted at the end)."""

from __future__ import annotations

from typing import Final

from node.sdk.presentation import QR_CHARACTERS_MAX

# ---- requests ---------------------------------------------------------------------------

PAYLOAD_CHARS_MAX: Final = QR_CHARACTERS_MAX
"""Longest pasted payload: the longest presentation a wallet makes (a QR of version 22)."""
IMAGE_BYTES_MAX: Final = 4 * 1024 * 1024
"""Largest uploaded photo or screenshot: a phone's JPEG is 1-3 MB, a screenshot less."""
IMAGE_PIXELS_MAX: Final = 24_000_000
"""Largest decoded image (a 24-megapixel photo): a small file that decompresses to a huge
bitmap (a 'decompression bomb') is refused before it is decoded."""
JSON_BODY_BYTES_MAX: Final = 8 * 1024
"""Largest JSON body (sign-in, a pasted payload and a purpose code)."""
BODY_BYTES_MAX: Final = IMAGE_BYTES_MAX
"""What the body-limit middleware lets through at all; JSON routes check their own cap."""
CLERK_ID_CHARS_MAX: Final = 64
PASSPHRASE_CHARS_MIN: Final = 10
PASSPHRASE_CHARS_MAX: Final = 256
PURPOSE_TEXT_CHARS_MAX: Final = 200
"""申请事由 free text: at most 200 characters, as the provincial sharing platforms ask."""
RECORDS_LISTED_MAX: Final = 50
"""验证记录 shown on the page at once (newest first)."""

# ---- clerk accounts and sign-in ---------------------------------------------------------

SCRYPT_N: Final = 2**15
"""scrypt cost for a clerk's passphrase (32 MiB, ~0.1 s): clerks are few and sign in a few
times a day; the file is readable only by the service's user."""
SCRYPT_R: Final = 8
SCRYPT_P: Final = 1
SCRYPT_N_MAX: Final = 2**20
"""The largest cost accepted from the accounts file (a planted record cannot take 1 GiB+)."""
SCRYPT_SALT_BYTES: Final = 16
SCRYPT_DKLEN: Final = 32
KDF_CONCURRENT_MAX: Final = 2
"""scrypt derivations at once (32 MiB and a core each); more sign-ins wait their turn, so a
burst of them cannot take the server's memory."""
CLERKS_MAX: Final = 1000
"""Accounts one service reads (a city's counters)."""
SIGNIN_FAILURES_FREE: Final = 5
"""Wrong passphrases in a row for one clerk (or from one address) before a lockout."""
SIGNIN_LOCKOUT_S_MIN: Final = 30
SIGNIN_LOCKOUT_S_MAX: Final = 3600
SIGNIN_TRACKED_MAX: Final = 10_000
"""Clerk ids and client addresses whose failures are remembered; oldest dropped past it."""

# ---- sessions ---------------------------------------------------------------------------

SESSION_IDLE_S: Final = 30 * 60
"""A counter left alone for 30 minutes signs out."""
SESSION_LIFETIME_S: Final = 10 * 3600
"""A working day (and a bit): then sign in again."""
SESSIONS_MAX: Final = 2000
COOKIE_NAME: Final = "tl_window"

# ---- verification -----------------------------------------------------------------------

NODE_TIMEOUT_S: Final = 30.0
VERIFICATIONS_CONCURRENT_MAX: Final = 4
"""Verifications (decode, node round trips, the record's commit) at once; more wait."""

assert JSON_BODY_BYTES_MAX > 4 * PAYLOAD_CHARS_MAX + PURPOSE_TEXT_CHARS_MAX * 4
assert max(IMAGE_BYTES_MAX, JSON_BODY_BYTES_MAX) <= BODY_BYTES_MAX
assert SIGNIN_LOCKOUT_S_MIN <= SIGNIN_LOCKOUT_S_MAX
assert SESSION_IDLE_S <= SESSION_LIFETIME_S
assert SCRYPT_N <= SCRYPT_N_MAX
