"""Validator sets, the schedule of sets over heights, and certificate verification.

A certificate is checked against the validator set in force at its height
(`ValidatorSchedule.at(height)`), so blocks stay verifiable after members are added, removed or
rotate their keys.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from consensus.crypto import Verifier
from consensus.errors import InvalidCertificate
from consensus.limits import (
    DIGEST_BYTES,
    PUBLIC_KEY_LENGTHS,
    SIGNATURE_BYTES_MAX,
    U64_MAX,
    VALIDATOR_ID_BYTES_MAX,
    VALIDATORS_MAX,
)
from consensus.messages import Commit, CommitCertificate, PreparedCertificate, Vote
from consensus.signing import (
    commit_sign_bytes,
    prepare_sign_bytes,
    preprepare_sign_bytes,
)
from suites import Suite


@dataclass(frozen=True, slots=True)
class Validator:
    """One member of the validator set, as written in genesis."""

    id: str
    """Unique, stable name; the sender field of every message this validator signs."""
    public_key: bytes
    """The validator's public key in the chain's suite: 32 bytes (Ed25519) or 65 (SM2,
    ``04 || x || y``)."""


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
            if len(v.public_key) not in PUBLIC_KEY_LENGTHS:
                lengths = " or ".join(f"{n} bytes" for n in sorted(PUBLIC_KEY_LENGTHS))
                raise ValueError(
                    f"validator {v.id!r}: public key is {len(v.public_key)} bytes, not a"
                    f" suite's ({lengths})"
                )
        if len({len(v.public_key) for v in validators}) != 1:
            raise ValueError("validator public keys must all be of one suite (one length)")
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


@dataclass(frozen=True, slots=True)
class ValidatorSchedule:
    """Which validator set is in force at each height.

    A set decided on-chain takes effect at a defined activation height; from there on, it
    chooses primaries, sizes quorums and holds the keys that signatures are checked with.
    """

    entries: tuple[tuple[int, ValidatorSet], ...]
    """(activation height, set), activation heights strictly increasing. The first set is in
    force at every height below the second activation (heights below the first activation
    only occur for a pruned schedule, whose callers never ask about them)."""
    _heights: tuple[int, ...] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        if not self.entries:
            raise ValueError("a validator schedule needs at least one set")
        heights = tuple(h for h, _ in self.entries)
        if any(not 0 <= h <= U64_MAX for h in heights):
            raise ValueError("activation heights must be u64")
        if any(b <= a for a, b in itertools.pairwise(heights)):
            raise ValueError("activation heights must be strictly increasing")
        object.__setattr__(self, "_heights", heights)

    def _index(self, height: int) -> int:
        """Index of the entry in force at `height` (the first one below every activation)."""
        return max(bisect.bisect_right(self._heights, height) - 1, 0)

    @classmethod
    def starting_with(cls, validators: ValidatorSet) -> ValidatorSchedule:
        """The schedule of a chain whose genesis set has not changed yet."""
        return cls(((0, validators),))

    def at(self, height: int) -> ValidatorSet:
        """The set in force at `height`."""
        if len(self.entries) == 1:
            return self.entries[0][1]
        return self.entries[self._index(height)][1]

    def sets_from(self, height: int) -> tuple[ValidatorSet, ...]:
        """The set in force at `height` and every set scheduled after it."""
        return tuple(s for _, s in self.entries[self._index(height) :])

    def with_activation(
        self, activation_height: int, validators: ValidatorSet
    ) -> ValidatorSchedule:
        """This schedule plus `validators` from `activation_height` on (after every entry)."""
        if activation_height <= self.entries[-1][0]:
            raise ValueError(
                f"activation height {activation_height} is not after the last one "
                f"({self.entries[-1][0]})"
            )
        return ValidatorSchedule((*self.entries, (activation_height, validators)))

    def pruned(self, height: int) -> ValidatorSchedule:
        """Forget sets that stopped being in force at or below `height`."""
        return ValidatorSchedule(self.entries[self._index(height) :])

    def capped(self, sets_max: int, keep_from: int) -> ValidatorSchedule:
        """At most `sets_max` sets, dropping the oldest, but never the set in force at
        `keep_from` or any later one."""
        drop = min(max(len(self.entries) - sets_max, 0), self._index(keep_from))
        return ValidatorSchedule(self.entries[drop:]) if drop else self

    def is_member_from(self, height: int, validator_id: str) -> bool:
        """True if `validator_id` is in the set at `height` or in any set scheduled later."""
        return self.member_from(height, validator_id) is not None

    def member_from(self, height: int, validator_id: str) -> Validator | None:
        """`validator_id` as listed in the first set, in force at `height` or later, that
        includes it (its key for view changes about `height`), or None."""
        for validators in self.sets_from(height):
            member = validators.get(validator_id)
            if member is not None:
                return member
        return None


# ----------------------------------------------------------------------------- certificates


def get_votes_problem(
    validators: ValidatorSet,
    votes: Sequence[Vote],
    msg: bytes,
    verifier: Verifier,
    *,
    needed: int,
    excluded: str | None = None,
) -> str | None:
    """Why `votes` are not `needed` distinct members' valid signatures over `msg`, or None.

    Votes must be strictly sorted by validator id, so a certificate has one canonical form and
    duplicate voters are caught by the same check. `excluded` may not vote (the primary never
    prepares). Cheap checks run before any signature is verified.
    """
    if len(votes) < needed:
        return f"{len(votes)} votes, {needed} needed (quorum is {validators.quorum})"
    if len(votes) > validators.n:
        return f"{len(votes)} votes but only {validators.n} validators"
    members: list[Validator] = []
    previous: str | None = None
    for vote in votes:
        if vote.validator == previous:
            return f"duplicate vote from validator {vote.validator!r}"
        if previous is not None and vote.validator < previous:
            return "votes are not sorted by validator id"
        previous = vote.validator
        if vote.validator == excluded:
            return f"validator {vote.validator!r} may not vote here"
        member = validators.get(vote.validator)
        if member is None:
            return f"vote from unknown validator {vote.validator!r}"
        if not 1 <= len(vote.signature) <= SIGNATURE_BYTES_MAX:
            return f"bad signature from validator {vote.validator!r}"
        members.append(member)
    for member, vote in zip(members, votes, strict=True):
        if not verifier.verify(member.public_key, msg, vote.signature):
            return f"bad signature from validator {vote.validator!r}"
    return None


def _get_range_problem(height: int, digest: bytes, view: int = 0) -> str | None:
    if len(digest) != DIGEST_BYTES:
        return f"digest must be {DIGEST_BYTES} bytes, got {len(digest)}"
    if not 0 <= height <= U64_MAX:
        return f"height {height} out of range"
    if not 0 <= view <= U64_MAX:
        return f"view {view} out of range"
    return None


def get_commit_certificate_problem(
    chain_id: str, validators: ValidatorSet, cert: CommitCertificate, verifier: Verifier
) -> str | None:
    """Why `cert` does not prove a quorum committed it in its view, or None if it does."""
    problem = _get_range_problem(cert.height, cert.digest, cert.view)
    if problem is not None:
        return problem
    msg = commit_sign_bytes(chain_id, cert.view, cert.height, cert.digest)
    problem = get_votes_problem(validators, cert.votes, msg, verifier, needed=validators.quorum)
    if problem is not None:
        return f"certificate for height {cert.height}: {problem}"
    return None


def get_prepared_certificate_problem(
    chain_id: str, validators: ValidatorSet, cert: PreparedCertificate, verifier: Verifier
) -> str | None:
    """Why `cert` is not the primary's pre-prepare plus quorum-1 backups' prepares, or None."""
    problem = _get_range_problem(cert.height, cert.digest, cert.view)
    if problem is not None:
        return problem
    primary = validators.get(validators.primary(cert.view))
    if primary is None:  # pragma: no cover - primary() returns a member
        return "no primary"
    if not 1 <= len(cert.preprepare_signature) <= SIGNATURE_BYTES_MAX:
        return "bad pre-prepare signature"
    msg = preprepare_sign_bytes(chain_id, cert.view, cert.height, cert.digest)
    if not verifier.verify(primary.public_key, msg, cert.preprepare_signature):
        return "bad pre-prepare signature"
    msg = prepare_sign_bytes(chain_id, cert.view, cert.height, cert.digest)
    problem = get_votes_problem(
        validators, cert.prepares, msg, verifier, needed=validators.quorum - 1, excluded=primary.id
    )
    if problem is not None:
        return f"prepared certificate for height {cert.height}: {problem}"
    return None


def verify_commit_certificate(
    chain_id: str,
    validators: ValidatorSet | ValidatorSchedule,
    cert: CommitCertificate,
    verifier: Verifier,
) -> None:
    """Raise InvalidCertificate unless a quorum of distinct validators signed the commit.

    With a `ValidatorSchedule`, the set in force at the certificate's height is used. The
    verifier is the chain's suite (no default: an SM chain's certificate is never checked as
    Ed25519); tests with fake signatures pass their own.
    """
    if not 0 <= cert.height <= U64_MAX:
        raise InvalidCertificate(f"height {cert.height} out of range")
    members = (
        validators.at(cert.height) if isinstance(validators, ValidatorSchedule) else validators
    )
    problem = get_commit_certificate_problem(chain_id, members, cert, verifier)
    if problem is not None:
        raise InvalidCertificate(problem)


def get_suite_key_problem(validators: ValidatorSet, suite: Suite) -> str | None:
    """Why `validators` cannot sign on a chain of `suite` (a key that is not one of the
    suite's public keys: the other suite's, off the curve, of small order), or None.

    `ValidatorSet` checks lengths only, so the simulator and tests can use fast fake keys; the
    node checks the genesis set and every set decided on-chain with this before the replica
    sees it."""
    for v in validators.validators:
        if not suite.is_public_key(v.public_key):
            return f"validator {v.id!r}: public key is not a {suite.name} public key"
    return None


def commits_of(cert: CommitCertificate) -> list[Commit]:
    """The signed Commit messages a certificate was made of (to deliver or relay it)."""
    return [
        Commit(cert.view, cert.height, cert.digest, v.validator, v.signature) for v in cert.votes
    ]
