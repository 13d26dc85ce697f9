"""Every bound the contracts enforce, in one place, with the relations between them checked.

Names carry their unit last (``_length_max`` counts characters, ``_ms`` milliseconds).
"""

from __future__ import annotations

from typing import Final

from suites import SUITES

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

PUBLIC_KEY_LENGTHS: Final = frozenset(suite.public_key_bytes for suite in SUITES.values())
"""Bytes in a public key of some suite (32 for Ed25519, 65 for SM2): what an argument or a
sender key may be before the chain's own suite checks it (``suite.is_public_key``)."""

PUBLIC_KEY_LENGTH_MAX: Final = max(PUBLIC_KEY_LENGTHS)
"""The longest public key of any suite, in bytes."""

SUITES_KEYS_CHECKED_BY_LENGTH: Final = frozenset({"ed25519-sha256"})
"""Suites whose registered keys (organisations', validators') are checked by length only:
every chain made before issue 18 accepted any 32 bytes, and re-executing its history must
give the same state (a new membership version could check the point). An ``sm2-sm3`` chain
has no such history: its keys must be points of the curve (``suite.is_public_key``)."""

ID_LENGTH_MIN: Final = 8
ID_LENGTH_MAX: Final = 64
"""Ids chosen by callers: ``[A-Za-z0-9._:-]`` of this many characters."""

CERT_ID_LENGTH_MIN: Final = ID_LENGTH_MIN
CERT_ID_LENGTH_MAX: Final = 96
"""Certificate ids: ``[A-Za-z0-9._:-]`` of this many characters. Longer than other ids: a
GB/T 36904 identifier (``contracts.framework.identifiers``) has up to 94."""

REQUEST_ID_LENGTH_MIN: Final = ID_LENGTH_MIN
REQUEST_ID_LENGTH_MAX: Final = ID_LENGTH_MAX
"""Consent request ids use the id format."""

OBJECT_ID_LENGTH_MIN: Final = ID_LENGTH_MIN
OBJECT_ID_LENGTH_MAX: Final = ID_LENGTH_MAX
"""Ids chosen by callers for records, corrections, delegations, proposals and verification
records use the id format too."""

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

CONSENT_VALIDITY_MS_MAX_V2: Final = 366 * 86_400_000
"""Longest validity (from the block time) a consent request may ask for under consent v2
(minimal sufficiency, 最小够用): a little over a year."""

SCOPE_ITEMS_MAX: Final = 16
"""Most items in one consent scope (certificates, certificate types, record categories)."""

# --- Inter-agency data sharing (contracts.sharing) -----------------------------------------

SHARE_ANSWER_MS: Final = 15 * 86_400_000
"""How long the data-owning agency has to answer an application (from the block that
carried it): after this, approving, narrowing or refusing it is refused and it shows as
expired."""

SHARE_PERIOD_MS_MAX: Final = 366 * 86_400_000
"""Longest period an application may ask for (minimal sufficiency, as consent v2)."""

LEGAL_BASIS_LENGTH_MAX: Final = 200
"""An application's legal basis (the law or regulation it rests on), in characters."""

SHARE_RATING_MIN: Final = 1
SHARE_RATING_MAX: Final = 5
"""The scale an applicant rates a share on."""

SHARE_COMMENT_LENGTH_MAX: Final = 200
"""An applicant's comment on a share, in characters."""

# --- Attestations (issue 13, contracts/attest/) ----------------------------------------------

ATTEST_SOURCES_MAX: Final = 8
"""Most source organisations an attestation type may name (a property attestation names
two: the property registry and the household registry)."""

ATTEST_DEADLINE_MS_MAX: Final = 90 * 86_400_000
"""Latest deadline (from the block time) an attestation may be proposed with: the sources and
the owner answer within it or it times out unissued."""

ATTEST_TYPE_NAME_LENGTH_MAX: Final = 64
"""An attestation type's display name (Chinese or English), in characters."""

# --- Structured arguments ------------------------------------------------------------------

JSON_ARG_LENGTH_MAX: Final = 16_384
"""Longest JSON text argument (a scope, a list of roles, a document's field hashes)."""

JSON_ARG_BRACKETS_MAX: Final = 64
"""Most ``[`` and ``{`` in one JSON argument: bounds nesting before the text is parsed."""

NAME_LIST_LENGTH_MAX: Final = 64
"""Most names in one list argument (roles, certificate types, categories, field names)."""

# --- Certificates --------------------------------------------------------------------------

FIELD_VALUE_LENGTH_MAX_DEFAULT: Final = 200
"""Longest value of a certificate field, in characters, unless its type says otherwise
(checked off-chain when the document is hashed: values never reach the chain)."""

FIELD_SALT_LENGTH: Final = 32
"""Bytes of a per-field salt derived from the document salt (a SHA-256 digest)."""

VERSIONS_MAX: Final = 1000
"""Most versions of one certificate document or archive record (amendments, corrections)."""

# --- Archives ------------------------------------------------------------------------------

DEPARTMENT_LENGTH_MAX: Final = 100
"""A source department's name, in characters."""

# --- Evidence anchoring --------------------------------------------------------------------

ANCHOR_FACTS_MAX: Final = 1 << 20
"""Most fact hashes one anchor's Merkle root may cover (a batch's leaves): a proof of one
fact is then at most 20 sibling hashes (``ANCHOR_PATH_LENGTH_MAX``)."""

ANCHOR_PATH_LENGTH_MAX: Final = 20
"""Most siblings on a fact's path to its batch root: the depth of a tree of
``ANCHOR_FACTS_MAX`` leaves."""

CASE_REF_LENGTH_MAX: Final = 64
"""A case reference (案号, file number) naming what an anchored fact belongs to, in
characters: free text, screened for personal data."""

# --- Governance ----------------------------------------------------------------------------

VALIDATOR_ACTIVATION_DELAY: Final = 16
"""Blocks between the decision on a validator-set change and the height it takes effect.

At least twice the consensus window of heights in flight (8), so no block already being
agreed on is affected, and every replica learns of the change from a committed block."""

CONTRACT_ACTIVATION_DELAY: Final = 16
"""Blocks between the decision to activate a contract version and the height it takes
effect; every validator switches at that same height."""

PROPOSAL_TTL_MS_DEFAULT: Final = 30 * 86_400_000
"""How long a governance proposal stays open for approvals unless it says otherwise."""

PROPOSAL_TTL_MS_MAX: Final = 365 * 86_400_000
"""Longest a governance proposal may stay open."""

VALIDATOR_ID_LENGTH_MAX: Final = 64
"""Validator ids: ``[A-Za-z0-9._:-]`` of 1 to this many characters."""

VALIDATORS_MAX: Final = 256
"""Most validators in a set (the consensus package's bound)."""

VALIDATOR_HOST_LENGTH_MAX: Final = 253
"""Longest host part of a validator's network endpoint (a DNS name's limit)."""

VALIDATOR_ENDPOINT_LENGTH_MAX: Final = VALIDATOR_HOST_LENGTH_MAX + len(":65535")
"""Longest validator network endpoint, ``host:port``."""

QUORUM_DENOMINATOR_MAX: Final = 100
"""Largest denominator of a governance quorum fraction."""

# --- Transport trust (organisation CAs on-chain) -----------------------------------------

CA_CERTIFICATE_PEM_LENGTH_MAX: Final = 4096
"""Longest CA certificate (PEM text) an organisation may put on-chain, in characters. A P-256
CA certificate is about 600; room is left for a longer subject or an RSA key, not for a
bundle."""

CERT_SERIAL_HEX_LENGTH_MAX: Final = 40
"""Longest certificate serial in hex digits: X.509 serials are at most 20 octets."""

REVOKED_SERIALS_MAX: Final = 1000
"""Most revoked certificate serials one organisation may have on-chain (replacing its CA
clears them: the old CA's certificates are refused anyway)."""

# --- Queries -------------------------------------------------------------------------------

LIST_LIMIT_DEFAULT: Final = 100
"""Entries a list query returns when no ``limit`` is given."""

LIST_LIMIT_MAX: Final = 1000
"""Most entries one list query returns."""

SCAN_LIMIT_MAX: Final = 10_000
"""Most index entries a filtered list query reads before filtering."""

DECODED_RECORDS_CACHED_MAX: Final = 1024
"""Most stored records (organisations, version schedules) kept decoded per kind, keyed by
their bytes: decoding is pure, so a hit returns exactly what decoding would."""


class LimitsError(RuntimeError):
    """Two bounds of this module contradict each other: a build that must not run."""


def get_limit_problems() -> list[str]:
    """Every relation between the bounds above that does not hold (empty when all hold)."""
    relations = (
        (ORG_ID_LENGTH_MIN <= ORG_ID_LENGTH_MAX, "organisation id lengths"),
        (CERT_ID_LENGTH_MIN <= CERT_ID_LENGTH_MAX, "certificate id lengths"),
        (REQUEST_ID_LENGTH_MIN <= REQUEST_ID_LENGTH_MAX, "request id lengths"),
        (1 <= MAX_USES_MAX <= INT_ARG_MAX, "uses must fit an integer argument"),
        (
            1 <= LIST_LIMIT_DEFAULT <= LIST_LIMIT_MAX <= SCAN_LIMIT_MAX,
            "a list's default, its maximum and the scan bound must grow in that order",
        ),
        (FREE_TEXT_DIGIT_RUN_MAX >= 8, "free text must still hold a date such as 2024-11-22"),
        (FREE_TEXT_DIGIT_RUN_MAX < 11, "free text must not hold a mobile or ID number"),
        (ARGS_COUNT_MAX >= 11, "membership.propose(add_org) takes eleven arguments"),
        (
            SCOPE_ITEMS_MAX * 2 + 1 <= JSON_ARG_BRACKETS_MAX,
            "a full scope must fit the bracket bound",
        ),
        (
            VALIDATOR_ACTIVATION_DELAY >= 2 * 8,
            "validator changes take effect beyond the consensus window of heights in flight",
        ),
        (CONTRACT_ACTIVATION_DELAY >= 1, "a contract version activates after its decision"),
        (PROPOSAL_TTL_MS_DEFAULT <= PROPOSAL_TTL_MS_MAX, "proposal lifetimes"),
        (NAME_LIST_LENGTH_MAX <= LIST_LIMIT_MAX, "a list argument fits one list query"),
        (
            REVOKED_SERIALS_MAX < SCAN_LIMIT_MAX,
            "one organisation's revoked serials fit one scan (with one more to count past it)",
        ),
        (
            1 <= ATTEST_SOURCES_MAX <= NAME_LIST_LENGTH_MAX,
            "an attestation type's sources fit one list argument",
        ),
        (
            CA_CERTIFICATE_PEM_LENGTH_MAX <= JSON_ARG_LENGTH_MAX,
            "a proposal carrying a CA certificate stays within a JSON argument's size",
        ),
        (
            ANCHOR_FACTS_MAX == 1 << ANCHOR_PATH_LENGTH_MAX,
            "a fact's path to its batch root is exactly as deep as the largest batch's tree",
        ),
        (CASE_REF_LENGTH_MAX <= ID_LENGTH_MAX, "a case reference is as short as an id"),
        (
            1 <= SHARE_RATING_MIN < SHARE_RATING_MAX,
            "a share's rating scale has at least two steps, from 1",
        ),
        (SHARE_ANSWER_MS <= SHARE_PERIOD_MS_MAX, "an answer is due within the longest period"),
    )
    return [reason for holds, reason in relations if not holds]


def check_limits() -> None:
    """Raise :class:`LimitsError` naming every relation that does not hold."""
    problems = get_limit_problems()
    if problems:
        raise LimitsError("contract limits contradict each other: " + "; ".join(problems))


check_limits()
