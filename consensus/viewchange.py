"""View change and new view: what a NewView must contain, as pure functions.

Reference: Castro & Liskov, OSDI 1999 section 4.4, and TOCS 2002 section 4.4 / 4.5.

PBFT's new primary computes, from 2f+1 ViewChanges, min-s (the latest stable checkpoint) and
for each sequence number above it the request prepared in the highest view (or a null request).
Here a replica has one height in flight, so this reduces to:

- the view's first height `start_height` is one above the highest commit certificate among the
  ViewChanges (every height below it is decided and is obtained by state transfer, never
  re-proposed), and
- if some ViewChange carries a prepared certificate for `start_height`, the one with the
  highest view must be re-proposed there; otherwise the new primary proposes a fresh block.

Why this is safe: if a block B was committed at height h in view v, a quorum sent commits, so
at least f+1 honest replicas were prepared for B at h (having committed h-1). Any quorum of
ViewChanges contains one of them, whose ViewChange reports either a commit certificate >= h
(so start_height > h) or its prepared certificate for h, in view >= v. By induction over views,
every prepared certificate for h in a view >= v is for B, so the highest one is B.

Heights above `start_height`: a replica commits heights in order, so if any height above it
had been committed in an earlier view, `start_height + 1` would have been, by a quorum of the
set in force there, f+1 of whose honest members (having committed `start_height`) would then
be in the ViewChange quorum with a certificate >= `start_height`: a contradiction. Hence the
ViewChanges must be a quorum of the set in force at `start_height` *and* of the one at
`start_height + 1`; the two differ only when a validator-set change activates right there,
which is the one case where a quorum of the old set alone could miss a decision of the new.
A verifier checks this with the sets it knows: one that does not know of a change yet has not
committed the block deciding it, and the f+1 replicas whose refusal protects a decision under
the new set do know it.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from consensus.crypto import Verifier
from consensus.messages import NewView, PreparedCertificate, ViewChange
from consensus.signing import (
    HashFunction,
    new_view_sign_bytes,
    preprepare_sign_bytes,
    view_change_sign_bytes,
)
from consensus.validators import (
    ValidatorSchedule,
    get_commit_certificate_problem,
    get_prepared_certificate_problem,
)

BlockDigest = Callable[[bytes], bytes | None]
"""The node's function from a block payload to its digest (None if it does not parse)."""


@dataclass(frozen=True, slots=True)
class NewViewPlan:
    """What the ViewChanges of a view determine."""

    view: int
    start_height: int
    """First height of the view; every height below it is decided."""
    reproposal: PreparedCertificate | None
    """Highest-view prepared certificate for `start_height`, which must be re-proposed."""


def get_certified_height(vc: ViewChange) -> int:
    """The height of the sender's last commit certificate (0 at genesis)."""
    return vc.committed.height if vc.committed is not None else 0


def get_view_change_height(vc: ViewChange) -> int:
    """The height a ViewChange is about: the sender's height in flight."""
    return get_certified_height(vc) + 1


def compute_new_view_plan(view: int, view_changes: Iterable[ViewChange]) -> NewViewPlan:
    """Start height and re-proposal determined by (already verified) ViewChanges."""
    vcs = list(view_changes)
    committed = max((vc.committed.height for vc in vcs if vc.committed is not None), default=0)
    start_height = committed + 1
    candidates = [
        vc.prepared for vc in vcs if vc.prepared is not None and vc.prepared.height == start_height
    ]
    # Two certificates of one view for different digests need more than f faulty replicas;
    # the digest only breaks the tie deterministically.
    best = max(candidates, key=lambda c: (c.view, c.digest), default=None)
    return NewViewPlan(view=view, start_height=start_height, reproposal=best)


def has_view_change_quorum(
    schedule: ValidatorSchedule, start_height: int, senders: Iterable[str]
) -> bool:
    """True if `senders` hold a quorum of the sets in force at `start_height` and at
    `start_height + 1` (see the module docstring)."""
    distinct = set(senders)
    for validators in (schedule.at(start_height), schedule.at(start_height + 1)):
        if sum(1 for s in distinct if validators.get(s) is not None) < validators.quorum:
            return False
    return True


def strip_payload(vc: ViewChange) -> ViewChange:
    """The ViewChange without its (unsigned) payload, as it is carried inside a NewView."""
    return vc if not vc.payload else replace(vc, payload=b"")


def get_view_change_problem(
    chain_id: str,
    schedule: ValidatorSchedule,
    vc: ViewChange,
    verifier: Verifier,
    hash_function: HashFunction,
) -> str | None:
    """Why a (well-shaped) ViewChange is invalid, or None: sender, signature, certificates.
    `verifier` and `hash_function` are the chain's suite's (`suite`, `suite.hash`)."""
    height = get_view_change_height(vc)
    # Validators of every set from `height` on take part (a NewView needs a quorum of each);
    # one that joins later signs with its key in the first set that includes it.
    sender = schedule.member_from(height, vc.sender)
    if sender is None:
        return f"{vc.sender!r} is not a validator at or after height {height}"
    prepared = vc.prepared
    if prepared is not None:
        if prepared.height != height:
            return f"prepared certificate for height {prepared.height}, expected {height}"
        if prepared.view >= vc.new_view:
            return f"prepared certificate from view {prepared.view} >= {vc.new_view}"
    msg = view_change_sign_bytes(chain_id, vc.new_view, vc.committed, prepared, hash_function)
    if not verifier.verify(sender.public_key, msg, vc.signature):
        return "bad signature"
    if vc.committed is not None:
        problem = get_commit_certificate_problem(
            chain_id, schedule.at(vc.committed.height), vc.committed, verifier
        )
        if problem is not None:
            return problem
    if prepared is not None:
        problem = get_prepared_certificate_problem(
            chain_id, schedule.at(prepared.height), prepared, verifier
        )
        if problem is not None:
            return problem
    return None


def get_new_view_problem(
    chain_id: str,
    schedule: ValidatorSchedule,
    nv: NewView,
    verifier: Verifier,
    hash_function: HashFunction,
    block_digest: BlockDigest | None,
) -> tuple[NewViewPlan | None, str | None]:
    """Verify a (well-shaped) NewView completely; return its plan, or why it is invalid.

    Cheap structural checks run first; then the new primary's signature; then every
    ViewChange and certificate inside it.
    """
    vcs: Sequence[ViewChange] = nv.view_changes
    senders = [vc.sender for vc in vcs]
    if senders != sorted(set(senders)):
        return None, "view changes are not sorted by distinct senders"
    if any(vc.new_view != nv.view for vc in vcs):
        return None, "a view change is for another view"
    plan = compute_new_view_plan(nv.view, vcs)
    if not has_view_change_quorum(schedule, plan.start_height, senders):
        return None, f"view changes are not a quorum for height {plan.start_height}"
    validators = schedule.at(plan.start_height)
    primary = validators.primary(nv.view)
    if nv.sender != primary:
        return None, f"new view from {nv.sender!r}, primary of view {nv.view} is {primary!r}"
    pp = nv.preprepare
    if plan.reproposal is None:
        if pp is not None:
            return None, "re-proposal where none was prepared"
    else:
        if pp is None:
            return None, f"missing re-proposal at height {plan.start_height}"
        expected = (nv.view, plan.start_height, plan.reproposal.digest, primary)
        if (pp.view, pp.height, pp.digest, pp.sender) != expected:
            return None, "re-proposal differs from the highest prepared certificate"
        if block_digest is not None and block_digest(pp.payload) != pp.digest:
            return None, "re-proposal payload does not match its digest"
    primary_key = validators.get(primary)
    if primary_key is None:  # pragma: no cover - primary() returns a member
        return None, "no primary"
    msg = new_view_sign_bytes(chain_id, nv.view, vcs, pp, hash_function)
    if not verifier.verify(primary_key.public_key, msg, nv.signature):
        return None, "bad signature"
    if pp is not None:
        msg = preprepare_sign_bytes(chain_id, pp.view, pp.height, pp.digest)
        if not verifier.verify(primary_key.public_key, msg, pp.signature):
            return None, "bad re-proposal signature"
    for vc in vcs:
        problem = get_view_change_problem(chain_id, schedule, vc, verifier, hash_function)
        if problem is not None:
            return None, f"view change from {vc.sender!r}: {problem}"
    return plan, None
