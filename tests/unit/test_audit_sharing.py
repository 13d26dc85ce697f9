"""`audit report --org` and `audit trace` on the sharing contract's steps (issue 13,
Guangdong): the events the real contract emits, indexed under their subjects as a node's
audit index keeps them, counted for the applicant and for the owner."""

from __future__ import annotations

from cli.audit_report import report_html, report_tables
from node.sdk.flows import Bound, FlowEntry, build_org_report
from tests.unit import test_contracts_support as support
from tests.unit.test_audit_flows import TrailLedger

A, B, OTHER = support.BANK, support.AMR, support.NOTARY
HASH = support.content_hash("extract")


def apply(ledger: TrailLedger, app_id: str, applicant: support.Sender = A) -> None:
    ledger.call(
        applicant,
        "sharing.apply",
        {
            "application_id": app_id,
            "owner": B.id,
            "data_item": "enterprise_registration",
            "purpose_code": "008",
            "legal_basis": "《政务数据共享条例》",
            "period_start_ms": ledger.time_ms,
            "period_end_ms": ledger.time_ms + 30 * support.DAY_MS,
        },
    )


def sharing_story() -> TrailLedger:
    """The bank applies three times to market regulation: one is approved, shared and rated
    4, one narrowed, shared and rated 5, one refused; it tries to rate the refused one
    (refused by the chain). The notary applies once and is approved."""
    ledger = TrailLedger()
    for app_id in ("SHARE-A-000001", "SHARE-A-000002", "SHARE-A-000003"):
        apply(ledger, app_id)
    apply(ledger, "SHARE-N-000001", OTHER)
    ledger.call(B, "sharing.approve", {"application_id": "SHARE-A-000001"})
    ledger.call(B, "sharing.narrow", {"application_id": "SHARE-A-000002", "fields": '["name"]'})
    ledger.call(B, "sharing.refuse", {"application_id": "SHARE-A-000003", "reason": "无依据"})
    ledger.call(B, "sharing.approve", {"application_id": "SHARE-N-000001"})
    for app_id, rating in (("SHARE-A-000001", 4), ("SHARE-A-000002", 5)):
        ledger.call(B, "sharing.execute", {"application_id": app_id, "content_hash": HASH})
        ledger.call(
            A, "sharing.rate", {"application_id": app_id, "rating": rating, "comment": "ok"}
        )
    ledger.reject(
        A,
        "sharing.rate",
        {"application_id": "SHARE-A-000003", "rating": 1, "comment": "no"},
        "failed_precondition",
    )
    return ledger


def figures(report_counts: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in report_counts.items() if k.startswith("share")}


STORY_FIGURES = {
    "share_applications": (0, 3),
    "share_applications_received": (4, 0),
    "share_approvals": (3, 0),
    "share_refusals": (1, 0),
    "shares": (2, 0),
    "shares_received": (0, 2),
    "share_ratings": (2, 0),
}
"""The sharing story's figures in the reports of (the owner B, the applicant A)."""


def test_the_owner_and_the_applicant_get_their_figures() -> None:
    ledger = sharing_story()
    owner = build_org_report(B.id, ledger.about(B.id))
    assert figures(dict(owner.counts)) == {k: v[0] for k, v in STORY_FIGURES.items()}
    assert owner.share_rating_average == 4.5
    assert owner.as_dict()["share_rating_average"] == 4.5
    applicant = build_org_report(A.id, ledger.about(A.id))
    assert figures(dict(applicant.counts)) == {k: v[1] for k, v in STORY_FIGURES.items()}
    assert (applicant.counts["rejected"], applicant.share_rating_average) == (1, None)
    notary = build_org_report(OTHER.id, ledger.about(OTHER.id))
    assert (notary.counts["share_applications"], notary.counts["shares_received"]) == (1, 0)


def test_each_report_is_the_same_from_the_whole_trail() -> None:
    ledger = sharing_story()
    for org in (A, B, OTHER):
        assert build_org_report(org.id, ledger.about(org.id)) == build_org_report(
            org.id, ledger.trail
        )


def test_the_average_counts_the_ratings_in_the_window_only() -> None:
    ledger = sharing_story()
    trail = ledger.about(B.id)
    rated = [e for e in trail if e.name == "sharing.rated"]
    assert [e.attrs["rating"] for e in rated] == [4, 5]
    last = build_org_report(B.id, trail, since=Bound(height=rated[1].height))
    assert (last.counts["share_ratings"], last.share_rating_average) == (1, 5.0)
    first = build_org_report(B.id, trail, until=Bound(height=rated[0].height))
    assert (first.counts["share_ratings"], first.share_rating_average) == (1, 4.0)
    none = build_org_report(B.id, trail, until=Bound(height=rated[0].height - 1))
    assert (none.counts["share_ratings"], none.share_rating_average) == (0, None)


def test_only_whole_number_ratings_are_averaged() -> None:
    def rated(height: int, rating: object) -> FlowEntry:
        attrs = {"owner": B.id, "applicant": A.id}
        if rating is not None:
            attrs["rating"] = rating  # type: ignore[assignment]
        return FlowEntry(height, 0, A.id, "sharing.rated", (A.id, B.id), attrs)

    report = build_org_report(B.id, [rated(1, None), rated(2, True), rated(3, "5")])
    assert (report.counts["share_ratings"], report.share_rating_average) == (3, None)
    report = build_org_report(B.id, [rated(1, None), rated(2, 3)])
    assert (report.counts["share_ratings"], report.share_rating_average) == (2, 3.0)


def test_a_rating_average_keeps_two_decimals() -> None:
    ledger = sharing_story()
    apply(ledger, "SHARE-A-000004")
    ledger.call(B, "sharing.approve", {"application_id": "SHARE-A-000004"})
    ledger.call(B, "sharing.execute", {"application_id": "SHARE-A-000004", "content_hash": HASH})
    ledger.call(
        A, "sharing.rate", {"application_id": "SHARE-A-000004", "rating": 5, "comment": "ok"}
    )
    assert build_org_report(B.id, ledger.about(B.id)).share_rating_average == 4.67


def test_every_step_is_in_the_trace_of_both_agencies_and_the_application() -> None:
    ledger = sharing_story()
    steps = [e.name for e in ledger.about("SHARE-A-000001")]
    assert steps == ["sharing.applied", "sharing.approved", "sharing.shared", "sharing.rated"]
    assert [e.name or "refused" for e in ledger.about("SHARE-A-000003")] == [
        "sharing.applied",
        "sharing.refused",
        "refused",
    ]
    # applied 3, answered 3, shared 2, rated 2, the refused rating 1
    assert len(ledger.about(A.id)) == 11
    assert {e.actor for e in ledger.about(OTHER.id)} == {OTHER.id, B.id}


def test_the_report_prints_the_sharing_figures_and_the_average() -> None:
    ledger = sharing_story()
    report = build_org_report(B.id, ledger.about(B.id))
    counts, _ = report_tables(report, "市场监督管理局")
    rows = dict(zip(counts.columns[0].cells, counts.columns[1].cells, strict=True))
    assert (rows["shares"], rows["share approvals"], rows["share rating average"]) == (
        "2",
        "3",
        "4.50",
    )
    page = report_html(
        report,
        "市场监督管理局",
        {"since": None, "until": None, "node": "val-0", "height": 9, "made_at": "now"},
    )
    assert "<th>share rating average</th><td class=n>4.50</td>" in page
    assert "<th>share refusals</th><td class=n>1</td>" in page
    empty = build_org_report(OTHER.id, [])
    counts, _ = report_tables(empty, "公证处")
    rows = dict(zip(counts.columns[0].cells, counts.columns[1].cells, strict=True))
    assert rows["share rating average"] == "–"
