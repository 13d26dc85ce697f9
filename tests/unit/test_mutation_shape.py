"""Shape checks of peer messages at every edge, found by mutation testing (issue 19,
docs/mutation.md): each field one step inside and one step outside its range, and each wrong
type. Verdicts only (a problem or None), never texts.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from consensus.limits import (
    PAYLOAD_BYTES_MAX,
    SIGNATURE_BYTES_MAX,
    U64_MAX,
    VALIDATOR_ID_BYTES_MAX,
    VIEW_CHANGES_PER_NEW_VIEW_MAX,
    VOTES_PER_CERTIFICATE_MAX,
)
from consensus.messages import (
    Checkpoint,
    Commit,
    CommitCertificate,
    NewView,
    Prepare,
    Prepared,
    PreparedCertificate,
    PrePrepare,
    PrePrepareRequest,
    Suspicion,
    ViewChange,
    Vote,
)
from consensus.shape import get_record_shape_problem, get_shape_problem

D = b"\x01" * 32
SIG = b"s"
VOTE = Vote("v1", SIG)
PP = PrePrepare(0, 1, D, b"block", "v0", SIG)
PREPARE = Prepare(0, 1, D, "v1", SIG)
COMMIT = Commit(0, 1, D, "v1", SIG)
CHECKPOINT = Checkpoint(4, D, "v1", SIG)
SUSPICION = Suspicion(0, 1, "v1", SIG)
CC = CommitCertificate(1, D, (VOTE,), 0)
PC = PreparedCertificate(0, 2, D, SIG, (VOTE,))
VC = ViewChange(1, CC, PC, b"block", "v1", SIG)
NV = NewView(1, (replace(VC, payload=b""),), PrePrepare(1, 2, D, b"block", "v1", SIG), "v1", SIG)

ID_MAX = "x" * VALIDATOR_ID_BYTES_MAX
ID_MAX_MULTIBYTE = "é" * (VALIDATOR_ID_BYTES_MAX // 2)  # 2 bytes each in UTF-8


def _wrong(value: object) -> object:
    """A value of the wrong type, smuggled past the dataclass annotations (as a decoder
    bug or a hostile peer would)."""
    return value


VALID = [
    PP,
    replace(PP, view=U64_MAX, height=U64_MAX, payload=b"p" * PAYLOAD_BYTES_MAX),
    replace(PP, payload=b""),
    PREPARE,
    COMMIT,
    replace(COMMIT, sender=ID_MAX, signature=b"s" * SIGNATURE_BYTES_MAX),
    replace(COMMIT, sender=ID_MAX_MULTIBYTE),
    replace(COMMIT, sender="x"),
    CHECKPOINT,
    replace(CHECKPOINT, height=U64_MAX),
    SUSPICION,
    replace(SUSPICION, view=U64_MAX, height=U64_MAX),
    VC,
    replace(VC, committed=None, prepared=None, payload=b""),
    replace(VC, new_view=U64_MAX, payload=b"p" * PAYLOAD_BYTES_MAX),
    replace(VC, committed=replace(CC, view=U64_MAX, height=U64_MAX)),
    replace(VC, committed=replace(CC, votes=(VOTE,) * VOTES_PER_CERTIFICATE_MAX)),
    replace(VC, committed=replace(CC, votes=())),
    replace(VC, prepared=replace(PC, view=U64_MAX, preprepare_signature=b"s" * 64)),
    NV,
    replace(NV, preprepare=None),
    replace(NV, view=U64_MAX),
    replace(NV, view_changes=(replace(VC, payload=b""),) * VIEW_CHANGES_PER_NEW_VIEW_MAX),
]

INVALID = {
    "sender empty": replace(COMMIT, sender=""),
    "sender too long": replace(COMMIT, sender=ID_MAX + "x"),
    "sender too long in bytes": replace(COMMIT, sender=ID_MAX_MULTIBYTE + "é"),
    "sender not a string": replace(COMMIT, sender=_wrong(b"v1")),
    "signature empty": replace(COMMIT, signature=b""),
    "signature too long": replace(COMMIT, signature=b"s" * (SIGNATURE_BYTES_MAX + 1)),
    "signature not bytes": replace(COMMIT, signature=_wrong("s")),
    "view above u64": replace(PREPARE, view=U64_MAX + 1),
    "view negative": replace(PREPARE, view=-1),
    "view a bool": replace(PREPARE, view=_wrong(False)),
    "view not an int": replace(PREPARE, view=_wrong("0")),
    "height zero": replace(PREPARE, height=0),
    "height above u64": replace(PREPARE, height=U64_MAX + 1),
    "digest short": replace(PREPARE, digest=D[:31]),
    "digest long": replace(PREPARE, digest=D + b"\x01"),
    "pre-prepare payload too large": replace(PP, payload=b"p" * (PAYLOAD_BYTES_MAX + 1)),
    "pre-prepare payload not bytes": replace(PP, payload=_wrong("block")),
    "checkpoint height zero": replace(CHECKPOINT, height=0),
    "checkpoint digest short": replace(CHECKPOINT, digest=D[:31]),
    "suspicion view negative": replace(SUSPICION, view=-1),
    "suspicion height zero": replace(SUSPICION, height=0),
    "view change to view 0": replace(VC, new_view=0),
    "view change view above u64": replace(VC, new_view=U64_MAX + 1),
    "committed not a certificate": replace(VC, committed=_wrong(PC)),
    "committed height zero": replace(VC, committed=replace(CC, height=0)),
    "committed view negative": replace(VC, committed=replace(CC, view=-1)),
    "committed digest short": replace(VC, committed=replace(CC, digest=D[:31])),
    "committed votes a list": replace(VC, committed=replace(CC, votes=_wrong([VOTE]))),
    "committed too many votes": replace(
        VC, committed=replace(CC, votes=(VOTE,) * (VOTES_PER_CERTIFICATE_MAX + 1))
    ),
    "committed vote not a Vote": replace(VC, committed=replace(CC, votes=_wrong((CC,)))),
    "committed vote without id": replace(VC, committed=replace(CC, votes=(Vote("", SIG),))),
    "committed vote without signature": replace(
        VC, committed=replace(CC, votes=(Vote("v1", b""),))
    ),
    "prepared not a certificate": replace(VC, prepared=_wrong(CC)),
    "prepared height zero": replace(VC, prepared=replace(PC, height=0)),
    "prepared view above u64": replace(VC, prepared=replace(PC, view=U64_MAX + 1)),
    "prepared digest long": replace(VC, prepared=replace(PC, digest=D + D)),
    "prepared without pre-prepare signature": replace(
        VC, prepared=replace(PC, preprepare_signature=b"")
    ),
    "prepared vote without id": replace(VC, prepared=replace(PC, prepares=(Vote("", SIG),))),
    "view change payload too large": replace(VC, payload=b"p" * (PAYLOAD_BYTES_MAX + 1)),
    "view change payload not bytes": replace(VC, payload=_wrong("block")),
    "view change payload without prepared": replace(VC, prepared=None),
    "new view 0": replace(NV, view=0),
    "new view above u64": replace(NV, view=U64_MAX + 1),
    "no view changes": replace(NV, view_changes=()),
    "view changes a list": replace(NV, view_changes=_wrong([replace(VC, payload=b"")])),
    "too many view changes": replace(
        NV, view_changes=(replace(VC, payload=b""),) * (VIEW_CHANGES_PER_NEW_VIEW_MAX + 1)
    ),
    "a view change not a ViewChange": replace(NV, view_changes=_wrong((PP,))),
    "a malformed view change": replace(NV, view_changes=(replace(VC, new_view=0, payload=b""),)),
    "a view change with a payload": replace(NV, view_changes=(VC,)),
    "re-proposal not a PrePrepare": replace(NV, preprepare=_wrong(PREPARE)),
    "malformed re-proposal": replace(NV, preprepare=replace(PP, height=0)),
}


@pytest.mark.parametrize("message", VALID, ids=lambda m: type(m).__name__)
def test_well_shaped_messages_at_their_edges_pass(message: object) -> None:
    assert get_shape_problem(message) is None
    assert get_record_shape_problem(message) is None


@pytest.mark.parametrize("message", INVALID.values(), ids=list(INVALID))
def test_malformed_messages_are_refused(message: object) -> None:
    assert get_shape_problem(message) is not None


def test_prepared_records_are_shape_checked_too() -> None:
    assert get_record_shape_problem(Prepared(PC, b"block")) is None
    assert get_record_shape_problem(Prepared(PC, b"")) is None
    assert get_record_shape_problem(Prepared(PC, b"p" * PAYLOAD_BYTES_MAX)) is None
    assert get_record_shape_problem(Prepared(PC, b"p" * (PAYLOAD_BYTES_MAX + 1))) is not None
    assert get_record_shape_problem(Prepared(replace(PC, height=0), b"block")) is not None
    assert get_record_shape_problem(replace(PREPARE, height=0)) is not None


def test_a_preprepare_request_needs_a_view_a_height_and_an_empty_or_whole_digest() -> None:
    good = PrePrepareRequest(0, 1, D, "v1", SIG)
    assert get_shape_problem(good) is None
    assert get_shape_problem(replace(good, digest=b"")) is None  # "any block at that slot"
    for bad in (
        replace(good, view=U64_MAX + 1),  # a bad view alone, the height fine
        replace(good, view=-1),
        replace(good, height=0),  # a bad height alone, the view fine
        replace(good, digest=b"\x01"),  # neither empty nor a whole digest
        replace(good, digest=D[:-1]),
    ):
        assert get_shape_problem(bad) is not None, bad
