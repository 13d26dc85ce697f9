"""What `Agency/WatchStatus` reports (node/services/watch.py), from the events the real
certificates contract emits (in memory): each status change of a followed certificate, in
order, nothing about others, a reissue superseding the old one, and expiry once a block's
time passes the end of validity, reported once. The stream itself runs against a devnet in
tests/integration/test_lifecycle.py."""

from __future__ import annotations

from node.ledger.execution import fill_event
from node.services.watch import Followed
from proto import ledger_pb2, node_pb2
from tests.unit.test_contracts_support import DAY_MS, T0_MS, UNIVERSITY, Ledger

S = node_pb2


def _results(*calls: object) -> ledger_pb2.BlockResults:
    out = ledger_pb2.BlockResults()
    for call in calls:
        result = out.results.add(ok=True)
        for event in call.events:  # type: ignore[attr-defined]
            fill_event(result.events.add(), event)
    return out


def _seen(changes: object) -> list[tuple[str, int, str]]:
    return [(c.cert_id, c.status, c.event) for c in changes]  # type: ignore[attr-defined]


def test_the_followed_certificates_changes_in_order_and_no_others() -> None:
    ledger = Ledger()
    first = ledger.issue_diploma("DIP-2012-000001")
    other = ledger.issue_diploma("DIP-2012-000009")
    followed = Followed({"DIP-2012-000001": 0})
    assert _seen(followed.changes(1, T0_MS, _results(first, other))) == [
        ("DIP-2012-000001", S.CERTIFICATE_STATUS_VALID, "certificate.issued")
    ]
    suspend = ledger.call(
        UNIVERSITY, "certificates.suspend", {"cert_id": "DIP-2012-000001", "reason": "check"}
    )
    reinstate = ledger.call(
        UNIVERSITY, "certificates.reinstate", {"cert_id": "DIP-2012-000001", "reason": "ok"}
    )
    revoke_other = ledger.call(
        UNIVERSITY, "certificates.revoke", {"cert_id": "DIP-2012-000009", "reason": "x"}
    )
    assert _seen(followed.changes(2, T0_MS, _results(suspend, revoke_other, reinstate))) == [
        ("DIP-2012-000001", S.CERTIFICATE_STATUS_SUSPENDED, "certificate.suspended"),
        ("DIP-2012-000001", S.CERTIFICATE_STATUS_VALID, "certificate.reinstated"),
    ]
    rejected = _results(suspend)
    rejected.results[0].ok = False  # a rejected transaction changed nothing
    assert _seen(followed.changes(3, T0_MS, rejected)) == []


def test_a_reissue_supersedes_the_old_and_issues_the_new() -> None:
    ledger = Ledger.with_diploma("DIP-2012-000001")
    reissue = ledger.call(
        UNIVERSITY,
        "certificates.reissue",
        {
            "cert_id": "DIP-2012-000001",
            "new_cert_id": "DIP-2012-000002",
            "doc_hash": "ab" * 32,
            "reason": "lost",
            "valid_until_ms": 0,
        },
    )
    both = Followed({"DIP-2012-000001": 0, "DIP-2012-000002": 0})
    assert _seen(both.changes(2, T0_MS, _results(reissue))) == [
        ("DIP-2012-000001", S.CERTIFICATE_STATUS_SUPERSEDED, "certificate.reissued"),
        ("DIP-2012-000002", S.CERTIFICATE_STATUS_VALID, "certificate.reissued"),
    ]
    old_only = Followed({"DIP-2012-000001": 0})
    assert [c.status for c in old_only.changes(2, T0_MS, _results(reissue))] == [
        S.CERTIFICATE_STATUS_SUPERSEDED
    ]


def test_expiry_is_reported_once_when_a_block_passes_it_and_again_after_a_renewal() -> None:
    until = T0_MS + 10 * DAY_MS
    followed = Followed({"DIP-2012-000001": until})
    empty = ledger_pb2.BlockResults()
    assert _seen(followed.changes(5, until, empty)) == []  # at the end itself: still valid
    expired = [("DIP-2012-000001", S.CERTIFICATE_STATUS_EXPIRED, "certificate.expired")]
    assert _seen(followed.changes(6, until + 1, empty)) == expired
    assert _seen(followed.changes(7, until + 2, empty)) == []
    ledger = Ledger()
    issued = ledger.issue_diploma("DIP-2012-000001", valid_until_ms=until + DAY_MS)
    assert _seen(followed.changes(8, until + 3, _results(issued))) == [
        ("DIP-2012-000001", S.CERTIFICATE_STATUS_VALID, "certificate.issued")
    ]
    assert _seen(followed.changes(9, until + DAY_MS + 1, empty)) == expired


def test_the_certificate_is_the_second_subject_of_every_certificate_event() -> None:
    """What watch.py relies on: the contract's subjects are (holder, certificate, ...)."""
    ledger = Ledger.with_diploma("DIP-2012-000001")
    calls = [
        ledger.results[0],
        ledger.call(
            UNIVERSITY, "certificates.suspend", {"cert_id": "DIP-2012-000001", "reason": "a"}
        ),
        ledger.call(
            UNIVERSITY, "certificates.reinstate", {"cert_id": "DIP-2012-000001", "reason": "b"}
        ),
        ledger.call(
            UNIVERSITY, "certificates.revoke", {"cert_id": "DIP-2012-000001", "reason": "c"}
        ),
    ]
    for call in calls:
        (event,) = call.events
        assert event.subjects[1] == "DIP-2012-000001", event.name
