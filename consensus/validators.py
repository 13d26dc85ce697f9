"""The validator set and commit-certificate verification."""

from dataclasses import dataclass, field

from consensus.crypto import verify_ed25519
from consensus.errors import InvalidCertificate
from consensus.limits import (
    DIGEST_BYTES,
    ED25519_PUBLIC_KEY_BYTES,
    SIGNATURE_BYTES_MAX,
    U64_MAX,
    VALIDATOR_ID_BYTES_MAX,
    VALIDATORS_MAX,
)
from consensus.messages import CommitCertificate
from consensus.signing import commit_sign_bytes


@dataclass(frozen=True, slots=True)
class Validator:
    """One member of the validator set, as written in genesis."""

    id: str
    """Unique, stable name; the sender field of every message this validator signs."""
    public_key: bytes
    """32-byte Ed25519 public key."""


@dataclass(frozen=True, slots=True)
class ValidatorSet:
    """The validators of one epoch, sorted by id so every replica derives the same primaries."""

    validators: tuple[Validator, ...]
    """Sorted by id, unique ids and keys, at least one validator."""
    _by_id: dict[str, Validator] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        validators = self.validators
        if not 1 <= len(validators) <= VALIDATORS_MAX:
            raise ValueError(f"validator set must have 1..{VALIDATORS_MAX} members")
        ids = [v.id for v in validators]
        if ids != sorted(ids):
            raise ValueError("validators must be sorted by id")
        if len(set(ids)) != len(ids):
            raise ValueError("validator ids must be unique")
        if len({v.public_key for v in validators}) != len(validators):
            raise ValueError("validator public keys must be unique")
        for v in validators:
            if not v.id or len(v.id.encode("utf-8")) > VALIDATOR_ID_BYTES_MAX:
                raise ValueError(f"validator id {v.id!r} must be 1..{VALIDATOR_ID_BYTES_MAX} bytes")
            if len(v.public_key) != ED25519_PUBLIC_KEY_BYTES:
                raise ValueError(f"validator {v.id!r}: public key must be 32 bytes")
        object.__setattr__(self, "_by_id", {v.id: v for v in validators})

    @property
    def n(self) -> int:
        """Number of validators."""
        return len(self.validators)

    @property
    def f(self) -> int:
        """Byzantine validators tolerated: the largest f with n >= 3f + 1."""
        return (self.n - 1) // 3

    @property
    def quorum(self) -> int:
        """Votes needed so that any two quorums share at least f + 1 validators (one honest).

        This is 2f + 1 when n = 3f + 1. For other n (e.g. n = 5, f = 1) 2f + 1 is too small:
        two quorums of 3 out of 5 overlap in one validator, who may be the Byzantine one, so
        the smallest safe size ceil((n + f + 1) / 2) is used instead.
        """
        return (self.n + self.f) // 2 + 1

    def primary(self, view: int) -> str:
        """Round-robin primary of `view`. Reference: PBFT section 4.1 (p = v mod |R|)."""
        return self.validators[view % self.n].id

    def get(self, validator_id: str) -> Validator | None:
        """The validator with this id, or None if it is not a member."""
        return self._by_id.get(validator_id)


def verify_commit_certificate(
    chain_id: str, validators: ValidatorSet, cert: CommitCertificate
) -> None:
    """Raise InvalidCertificate unless a quorum of distinct validators signed the commit.

    Votes must be strictly sorted by validator id, so a certificate has one canonical form and
    duplicate voters are caught by the same check.
    """
    if len(cert.digest) != DIGEST_BYTES:
        raise InvalidCertificate(f"digest must be {DIGEST_BYTES} bytes, got {len(cert.digest)}")
    if not 0 <= cert.height <= U64_MAX:
        raise InvalidCertificate(f"height {cert.height} out of range")
    if len(cert.votes) < validators.quorum:
        raise InvalidCertificate(
            f"certificate for height {cert.height} has {len(cert.votes)} votes, "
            f"quorum is {validators.quorum}"
        )
    if len(cert.votes) > validators.n:
        raise InvalidCertificate(f"{len(cert.votes)} votes but only {validators.n} validators")
    msg = commit_sign_bytes(chain_id, cert.height, cert.digest)
    previous: str | None = None
    for vote in cert.votes:
        if vote.validator == previous:
            raise InvalidCertificate(f"duplicate vote from validator {vote.validator!r}")
        if previous is not None and vote.validator < previous:
            raise InvalidCertificate("votes are not sorted by validator id")
        previous = vote.validator
        member = validators.get(vote.validator)
        if member is None:
            raise InvalidCertificate(f"vote from unknown validator {vote.validator!r}")
        if len(vote.signature) > SIGNATURE_BYTES_MAX or not verify_ed25519(
            member.public_key, msg, vote.signature
        ):
            raise InvalidCertificate(
                f"bad signature from validator {vote.validator!r} at height {cert.height}"
            )
