"""The wallet's limits, in one place."""

PASSPHRASE_CHARS_MIN = 8
PASSPHRASE_CHARS_MAX = 256
DOCUMENT_FIELDS_MAX = 64
"""A certificate type's most fields (contracts/framework/limits.py NAME_LIST_LENGTH_MAX)."""
DOCUMENT_FIELD_CHARS_MAX = 256
DOCUMENT_BYTES_MAX = 16 * 1024
RECORD_BYTES_MAX = 32 * 1024
"""An archive record's content its source delivers into the wallet (wallet/routers/records.py)."""
CREDENTIAL_CHARS_MAX = 32 * 1024
"""One delivered open credential (vc+jwt or SD-JWT VC, docs/credentials.md): a document of
DOCUMENT_BYTES_MAX signed and base64url-encoded, with room for its status entries."""
KB_TEXT_MAX = 256
"""A verifier's audience or nonce for an SD-JWT key-binding JWT (docs/credentials.md)."""
LIST_ITEMS_MAX = 1000
DELEGATION_VALID_DAYS_MAX = 3650
"""An appointment made in the wallet lasts at most ten years (a new one can follow)."""
DELEGATION_NAMES_MAX = 64
"""Certificate types or record categories one delegation may name (the contract's cap)."""
REASON_CHARS_MAX = 200
"""A revocation's reason (the contract's cap; no personal data)."""
HSTS_MAX_AGE_S = 365 * 86_400
"""How long a browser that once reached the wallet over HTTPS refuses plain HTTP to it
(Strict-Transport-Security): a year, as the HSTS preload list asks for."""

# ---- passphrase sign-in (wallet/passphrases.py, wallet/signin.py) ----------------------------

SCRYPT_N = 2**17
"""scrypt CPU/memory cost: 128 MiB and ~0.4 s per derivation on a 2-core server, the
minimum OWASP's password storage guidance gives for scrypt (N=2^17, r=8, p=1). A guesser
with a stolen database pays the same for each guess; the holder pays it once per sign-in."""
SCRYPT_R = 8
"""scrypt block size (1 KiB blocks): the value scrypt was tuned for and every guide keeps."""
SCRYPT_P = 1
"""scrypt parallelism: more would let a guesser with many cores spread one guess's work."""
SCRYPT_DKLEN = 64
"""Bytes derived: 32 stored as the verifier compared at sign-in, 32 kept secret as the key
that seals the holder's private seed (never stored)."""
SCRYPT_SALT_BYTES = 16
"""A random salt per holder (and per change): equal passphrases never hash alike."""
SCRYPT_N_MAX = 2**20
"""The largest cost accepted from a stored record (1 GiB): a corrupted or planted record
cannot make one sign-in take the server's memory."""
KDF_CONCURRENT_MAX = 2
"""Derivations running at once (one per core): each takes 128 MiB and a core, so a burst of
sign-ins queues instead of exhausting memory; with the limits below a burst is short."""
KDF_QUEUED_MAX = 8
"""Derivations waiting for a slot; past it a sign-in or a new holder is refused at once
(503, Retry-After) instead of holding a server thread. The wait is then at most
8 / 2 derivations (~1.6 s), and the threads held at most 10 of the server's 40."""
KDF_BUSY_RETRY_S = 2
"""The Retry-After of that refusal: about the time the queue takes to drain."""

SIGNIN_FAILURES_FREE = 5
"""Consecutive wrong passphrases for one holder before the first lockout: enough for typos."""
SIGNIN_LOCKOUT_S_MIN = 30
"""The first lockout; each further failure doubles it."""
SIGNIN_LOCKOUT_S_MAX = 3600
"""The longest lockout: online guessing gets ~24 tries a day, yet the holder is never
locked out for longer than an hour by someone who knows only their pseudonym."""
CLIENT_SIGNIN_FAILURES_MAX = 20
"""Failed sign-ins (any holder, unknown holders included) one client address may make per
window before it too is refused: one address cannot spray a few guesses at many holders."""
CLIENT_SIGNIN_ATTEMPTS_MAX = 60
"""Sign-in attempts (any outcome) one client address may make per window: each costs the
server a slow derivation."""
CLIENT_HOLDERS_CREATED_MAX = 20
"""Holders one client address may create per window: each costs a slow derivation and a
record kept for good (a household or an office creates a few)."""
CLIENT_SIGNIN_WINDOW_S = 600
"""The window the client-address counts are kept over."""
SIGNIN_TRACKED_MAX = 100_000
"""Holders and client addresses whose sign-in history is kept in memory; past it the
entries with the least to remember (no lock in force, oldest) are dropped first."""

# ---- sessions (wallet/sessions.py) ---------------------------------------------------------

SESSION_IDLE_S = 900
"""A session unused for 15 minutes ends (an unattended phone or desk)."""
SESSION_LIFETIME_S = 8 * 3600
"""A session ends 8 hours after sign-in however busy it is (a working day): a stolen token
is worth a bounded time."""
SESSIONS_MAX = 10_000
"""Open sessions (a few hundred bytes each); when the table is full of live sessions a new
sign-in is refused (503) rather than closing another holder's session."""
SESSIONS_PER_HOLDER_MAX = 8
"""Open sessions of one holder (a phone, a desk, a few tabs); a further sign-in closes that
holder's own session nearest its end, never another holder's."""
SESSIONS_FULL_RETRY_S = 60
"""The Retry-After of a sign-in refused because the session table is full."""

# ---- signed service-to-service requests (wallet/callers.py) --------------------------------

SIGNED_REQUEST_WINDOW_MS = 60_000
"""How far a signed request's timestamp may be from the wallet's clock, either way: clock
skew between agencies' servers plus transit. A replay must come within it, and the nonce
cache catches those."""
SIGNED_REQUEST_NONCES_MAX = 100_000
"""Nonces remembered (each for the window): ~1,600 signed requests a second sustained.
Past it new requests are refused (503) rather than forgetting a nonce still replayable."""
TRUST_CACHE_S = 5
"""How long the CAs and revoked serials read from the chain are reused: a revocation or a
removed organisation is refused here at most this long after its block."""

# ---- the store's one-time sweep (wallet/store_sweep.py, docs/erasure.md) ---------------------

SWEEP_BATCH_ROWS = 1000
"""Rows copied per write batch when the store is rewritten: bounds the memory one batch holds."""
SWEEP_PROGRESS_ROWS = 10_000
"""The sweep logs its progress every this many rows (a small store logs only its end)."""
