"""Shape checks: are a peer message's fields of the right types, ranges and sizes?

Run before anything else looks at a message, so the rest of the package can trust field types
and sizes (and never spends a signature verification on an oversized field). These checks say
nothing about signatures or protocol state.
"""

from consensus import messages
from consensus.limits import (
    DIGEST_BYTES,
    PAYLOAD_BYTES_MAX,
    SIGNATURE_BYTES_MAX,
    U64_MAX,
    VALIDATOR_ID_BYTES_MAX,
    VIEW_CHANGES_PER_NEW_VIEW_MAX,
    VOTES_PER_CERTIFICATE_MAX,
)


def is_u64(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= U64_MAX


def is_bytes(value: object, min_len: int, max_len: int) -> bool:
    return isinstance(value, bytes) and min_len <= len(value) <= max_len


def is_validator_id(value: object) -> bool:
    return isinstance(value, str) and 1 <= len(value.encode("utf-8")) <= VALIDATOR_ID_BYTES_MAX


def _is_height(value: object) -> bool:
    return is_u64(value) and value != 0


def _is_digest(value: object) -> bool:
    return is_bytes(value, DIGEST_BYTES, DIGEST_BYTES)


def _is_signature(value: object) -> bool:
    return is_bytes(value, 1, SIGNATURE_BYTES_MAX)


def _get_votes_shape_problem(votes: object) -> str | None:
    if not isinstance(votes, tuple) or len(votes) > VOTES_PER_CERTIFICATE_MAX:
        return f"votes are not a tuple of at most {VOTES_PER_CERTIFICATE_MAX}"
    for vote in votes:
        if not isinstance(vote, messages.Vote):
            return "a vote is not a Vote"
        if not is_validator_id(vote.validator) or not _is_signature(vote.signature):
            return "a vote has a malformed validator id or signature"
    return None


def get_commit_certificate_shape_problem(cert: object) -> str | None:
    if not isinstance(cert, messages.CommitCertificate):
        return "not a commit certificate"
    if not is_u64(cert.view) or not _is_height(cert.height) or not _is_digest(cert.digest):
        return "commit certificate has a malformed view, height or digest"
    return _get_votes_shape_problem(cert.votes)


def get_prepared_certificate_shape_problem(cert: object) -> str | None:
    if not isinstance(cert, messages.PreparedCertificate):
        return "not a prepared certificate"
    if not is_u64(cert.view) or not _is_height(cert.height) or not _is_digest(cert.digest):
        return "prepared certificate has a malformed view, height or digest"
    if not _is_signature(cert.preprepare_signature):
        return "prepared certificate has a malformed pre-prepare signature"
    return _get_votes_shape_problem(cert.prepares)


def _get_normal_shape_problem(message: messages.NormalMessage) -> str | None:
    if not is_u64(message.view):
        return "view is not a u64"
    if not _is_height(message.height):
        return "height is not a positive u64"
    if not _is_digest(message.digest):
        return f"digest is not {DIGEST_BYTES} bytes"
    if isinstance(message, messages.PrePrepare) and not is_bytes(
        message.payload, 0, PAYLOAD_BYTES_MAX
    ):
        return f"payload is not bytes of at most {PAYLOAD_BYTES_MAX}"
    return None


def _get_view_change_shape_problem(vc: messages.ViewChange) -> str | None:
    if not is_u64(vc.new_view) or vc.new_view == 0:
        return "new view is not a positive u64"
    if vc.committed is not None:
        problem = get_commit_certificate_shape_problem(vc.committed)
        if problem is not None:
            return problem
    if vc.prepared is not None:
        problem = get_prepared_certificate_shape_problem(vc.prepared)
        if problem is not None:
            return problem
    if not is_bytes(vc.payload, 0, PAYLOAD_BYTES_MAX):
        return f"payload is not bytes of at most {PAYLOAD_BYTES_MAX}"
    if vc.prepared is None and vc.payload:
        return "payload without a prepared certificate"
    return None


def _get_new_view_shape_problem(nv: messages.NewView) -> str | None:
    if not is_u64(nv.view) or nv.view == 0:
        return "view is not a positive u64"
    vcs: object = nv.view_changes  # typed, but decoded from a peer: checked as any object
    if not isinstance(vcs, tuple) or not 1 <= len(vcs) <= VIEW_CHANGES_PER_NEW_VIEW_MAX:
        return f"view changes are not a tuple of 1..{VIEW_CHANGES_PER_NEW_VIEW_MAX}"
    for vc in vcs:
        if not isinstance(vc, messages.ViewChange):
            return "a view change is not a ViewChange"
        problem = get_shape_problem(vc)
        if problem is not None:
            return f"view change from {vc.sender!r}: {problem}"
        if vc.payload:
            return "view changes inside a new view must not carry payloads"
    preprepare: object = nv.preprepare
    if preprepare is not None:
        if not isinstance(preprepare, messages.PrePrepare):
            return "re-proposal is not a PrePrepare"
        problem = get_shape_problem(preprepare)
        if problem is not None:
            return f"re-proposal: {problem}"
    return None


def get_shape_problem(message: messages.Message) -> str | None:
    """Why a message's fields are malformed (types, ranges, sizes), or None if they are fine."""
    if not is_validator_id(message.sender):
        return f"sender is not a 1..{VALIDATOR_ID_BYTES_MAX} byte id"
    if not _is_signature(message.signature):
        return f"signature is not 1..{SIGNATURE_BYTES_MAX} bytes"
    if isinstance(message, messages.PrePrepare | messages.Prepare | messages.Commit):
        return _get_normal_shape_problem(message)
    if isinstance(message, messages.Checkpoint):
        if not _is_height(message.height) or not _is_digest(message.digest):
            return "checkpoint has a malformed height or digest"
        return None
    if isinstance(message, messages.PrePrepareRequest):
        if not is_u64(message.view) or not _is_height(message.height):
            return "pre-prepare request has a malformed view or height"
        if not (is_bytes(message.digest, 0, 0) or _is_digest(message.digest)):
            return "pre-prepare request has a malformed digest"
        return None
    if isinstance(message, messages.Suspicion):
        if not is_u64(message.view) or not _is_height(message.height):
            return "suspicion has a malformed view or height"
        return None
    if isinstance(message, messages.ViewChange):
        return _get_view_change_shape_problem(message)
    return _get_new_view_shape_problem(message)


def get_record_shape_problem(record: messages.Record) -> str | None:
    """Shape check for a WAL record, which may also be a `Prepared`."""
    if not isinstance(record, messages.Prepared):
        return get_shape_problem(record)
    problem = get_prepared_certificate_shape_problem(record.certificate)
    if problem is not None:
        return problem
    if not is_bytes(record.payload, 0, PAYLOAD_BYTES_MAX):
        return "payload is too large"
    return None
