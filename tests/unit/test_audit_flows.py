"""`audit graph` and `audit report`'s counting (node/sdk/flows.py), on the events the real
contracts emit: each story below runs through the in-memory ledger of the contracts tests,
and its trail (events and refused attempts, with their blocks) is what the aggregation reads.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.audit_report import duration, report_html
from cli.main import app
from contracts.framework.errors import ContractError
from contracts.framework.identity import holder_id_for
from contracts.membership.organisations import Organisation, principal_of
from contracts.runtime import ArgValue, CallResult, related_subjects
from node.sdk.flows import (
    EDGE_KINDS,
    Bound,
    FlowEntry,
    FlowError,
    Item,
    build_flow_graph,
    build_org_report,
    compute_spread,
    entries_from_trace,
    get_item_id,
    get_request_id,
    parse_bound,
    render_dot,
)
from proto import node_pb2
from tests.unit import test_contracts_support as support
from tests.unit.test_contracts_support import ALICE, BANK, BOB, HRSS, NOTARY, PSB, UNIVERSITY

DIPLOMA, ID_CARD, RECORD = "DIP-2012-000001", "ID-3701-000001", "REC-SS-000001"


class TrailLedger(support.Ledger):
    """The contracts' in-memory chain, keeping the audit trail a node's index would: every
    event under the subjects it names, and every refused transaction under the subjects
    `related_subjects` finds for it (node/chain/execution.py does the same)."""

    def __init__(self) -> None:
        super().__init__()
        self.index: list[tuple[frozenset[str], FlowEntry]] = []

    def actor(self, sender: support.Sender) -> str:
        """Who the index names as the submitter (node/ledger/execution.py's `actor_of`)."""
        key = sender.public_key if isinstance(sender, Organisation) else sender
        org = principal_of(self.state, key)
        return org.id if org is not None else holder_id_for(key, self.suite)

    def call(self, sender: support.Sender, target: str, args: Mapping[str, ArgValue]) -> CallResult:
        height, time_ms = self.height, self.time_ms
        result = super().call(sender, target, args)
        for e in result.events:
            entry = FlowEntry(
                height, time_ms, self.actor(sender), e.name, e.subjects, dict(e.attrs), call=target
            )
            self.index.append((frozenset(e.subjects), entry))
        return result

    def reject(
        self, sender: support.Sender, target: str, args: Mapping[str, ArgValue], code: str
    ) -> ContractError:
        height, time_ms = self.height, self.time_ms
        subjects = related_subjects(self.state, *support.split_target(target), args)
        error = super().reject(sender, target, args, code)
        entry = FlowEntry(height, time_ms, self.actor(sender), "", ok=False, call=target)
        self.index.append((frozenset(subjects), entry))
        return error

    @property
    def trail(self) -> list[FlowEntry]:
        return [entry for _, entry in self.index]

    def about(self, subject: str) -> list[FlowEntry]:
        """The trail of `subject`, as `Ledger/AuditTrace` answers it."""
        return [entry for subjects, entry in self.index if subject in subjects]


def story() -> TrailLedger:
    """Alice's file: an ID card (PSB), a diploma (university), a social-security record
    (HRSS). The bank asks for the diploma and tries to read it too early (refused); she
    grants; the bank reads twice and verifies her ID card; the notary asks for the
    record's category and she refuses; she asks HRSS to correct the record and it does."""
    ledger = TrailLedger()
    ledger.issue_diploma(DIPLOMA)
    ledger.issue_id_card(ID_CARD)
    ledger.append(HRSS, RECORD)
    ledger.request("REQ-BANK-0001", DIPLOMA, agency_key=BANK.public_key)
    ledger.reject(BANK, "consent.access", {"request_id": "REQ-BANK-0001"}, "permission_denied")
    ledger.call(support.ALICE_KEY, "consent.grant", {"request_id": "REQ-BANK-0001"})
    ledger.call(BANK, "consent.access", {"request_id": "REQ-BANK-0001"})
    ledger.call(BANK, "consent.access", {"request_id": "REQ-BANK-0001"})
    ledger.call(
        BANK,
        "certificates.record_verification",
        {
            "cert_id": ID_CARD,
            "verification_id": "VER-0000001",
            "result": "passed",
            "purpose": "account opening",
        },
    )
    ledger.call(
        NOTARY,
        "consent.request",
        {
            "request_id": "REQ-NOTARY-01",
            "holder": ALICE,
            "scope": support.json_arg([{"record_category": "social_security"}]),
            "purpose": "notarisation",
            "max_uses": 1,
            "expires_at_ms": ledger.time_ms + support.DAY_MS,
        },
    )
    ledger.call(support.ALICE_KEY, "consent.refuse", {"request_id": "REQ-NOTARY-01"})
    ledger.call(
        support.ALICE_KEY,
        "archives.request_correction",
        {"correction_id": "COR-0000001", "record_id": RECORD, "reason": "wrong employer"},
    )
    ledger.call(
        HRSS,
        "archives.resolve_correction",
        {
            "correction_id": "COR-0000001",
            "outcome": "corrected",
            "reason": "employer fixed",
            "content_hash": support.content_hash("fixed"),
        },
    )
    return ledger


def notary_granted(ledger: TrailLedger, request_id: str, scope: str) -> None:
    """The notary asks Alice for ``scope`` (one use, for a day) and she grants it."""
    ledger.call(
        NOTARY,
        "consent.request",
        {
            "request_id": request_id,
            "holder": ALICE,
            "scope": scope,
            "purpose": "notarisation",
            "max_uses": 1,
            "expires_at_ms": ledger.time_ms + support.DAY_MS,
        },
    )
    ledger.call(support.ALICE_KEY, "consent.grant", {"request_id": request_id})


def test_the_graph_counts_each_edge_kind_from_the_contracts_events() -> None:
    ledger = story()
    graph = build_flow_graph(ALICE, ledger.about(ALICE))
    assert {(i.item_id, i.kind, i.type) for i in graph.items} == {
        (DIPLOMA, "certificate", "diploma"),
        (ID_CARD, "certificate", "resident_id_card"),
        (RECORD, "record", "social_security"),
    }
    assert dict(graph.edges) == {
        (UNIVERSITY.id, DIPLOMA, "issue"): 1,
        (PSB.id, ID_CARD, "issue"): 1,
        (HRSS.id, RECORD, "append"): 1,
        (DIPLOMA, BANK.id, "grant"): 1,
        (DIPLOMA, BANK.id, "access"): 2,
        (ID_CARD, BANK.id, "verify"): 1,
        (ALICE, BANK.id, "refused"): 1,
    }
    assert {k: graph.count(k) for k in EDGE_KINDS} == {
        "issue": 2,
        "append": 1,
        "grant": 1,
        "verify": 1,
        "access": 2,
        "refused": 1,
    }
    assert graph.organisations() == sorted({UNIVERSITY.id, PSB.id, HRSS.id, BANK.id})


def test_a_grant_of_a_category_reaches_the_records_of_that_category() -> None:
    ledger = story()
    notary_granted(
        ledger, "REQ-NOTARY-02", support.json_arg([{"record_category": "social_security"}])
    )
    ledger.call(NOTARY, "consent.access", {"request_id": "REQ-NOTARY-02", "record_id": RECORD})
    graph = build_flow_graph(ALICE, ledger.about(ALICE))
    assert graph.edges[(RECORD, NOTARY.id, "grant")] == 1
    assert graph.edges[(RECORD, NOTARY.id, "access")] == 1
    assert (DIPLOMA, NOTARY.id, "grant") not in graph.edges


def test_a_narrowed_grant_reaches_only_what_it_grants() -> None:
    ledger = story()
    both = [{"cert_id": DIPLOMA}, {"cert_id": ID_CARD}]
    ledger.call(
        NOTARY,
        "consent.request",
        {
            "request_id": "REQ-NOTARY-03",
            "holder": ALICE,
            "scope": support.json_arg(both),
            "purpose": "notarisation",
            "max_uses": 1,
            "expires_at_ms": ledger.time_ms + support.DAY_MS,
        },
    )
    ledger.call(
        support.ALICE_KEY,
        "consent.grant",
        {"request_id": "REQ-NOTARY-03", "scope": support.json_arg([{"cert_id": ID_CARD}])},
    )
    graph = build_flow_graph(ALICE, ledger.about(ALICE))
    assert graph.edges[(ID_CARD, NOTARY.id, "grant")] == 1
    assert (DIPLOMA, NOTARY.id, "grant") not in graph.edges


def test_the_dot_text_names_ids_and_organisations_and_nothing_of_a_document() -> None:
    ledger = story()
    graph = build_flow_graph(ALICE, ledger.about(ALICE))
    dot = render_dot(graph, {BANK.id: BANK.name, PSB.id: 'PSB "quoted" \\ name'})
    assert dot.startswith("digraph flows {") and dot.rstrip().endswith("}")
    for text in (ALICE, DIPLOMA, ID_CARD, RECORD, BANK.name, UNIVERSITY.id, "access ×2"):
        assert text in dot
    assert 'PSB \\"quoted\\" \\\\ name' in dot  # escaped, so the DOT text stays well formed
    for value in support.ALICE_DIPLOMA_FIELDS.values():
        assert value not in dot
    if shutil.which("dot"):  # Graphviz reads it (the integration tests require it)
        done = subprocess.run(["dot", "-Tsvg"], input=dot.encode(), capture_output=True)
        assert done.returncode == 0, done.stderr
        assert BANK.name in done.stdout.decode()


def test_an_unknown_holder_or_a_subject_that_is_no_holder_is_a_clear_error() -> None:
    ledger = story()
    with pytest.raises(FlowError, match="unknown subject"):
        build_flow_graph(BOB, ledger.about(BOB))
    with pytest.raises(FlowError, match="not a holder id"):
        build_flow_graph(DIPLOMA, ledger.about(DIPLOMA))


def test_the_report_counts_what_each_organisation_did() -> None:
    ledger = story()
    bank = build_org_report(BANK.id, ledger.about(BANK.id))
    assert {k: v for k, v in bank.counts.items() if v} == {
        "requests": 1,
        "grants": 1,
        "accesses": 2,
        "verifications": 1,
        "rejected": 1,  # its early read, indexed under its request and so under it
    }
    notary = build_org_report(NOTARY.id, ledger.about(NOTARY.id))
    assert {k: v for k, v in notary.counts.items() if v} == {"requests": 1, "refusals": 1}
    hrss = build_org_report(HRSS.id, ledger.about(HRSS.id))
    assert {k: v for k, v in hrss.counts.items() if v} == {
        "appended": 1,
        "corrections_requested": 1,
        "corrections_answered": 1,
    }


def test_response_times_pair_each_request_with_its_answer_in_blocks_and_block_time() -> None:
    ledger = story()
    bank = build_org_report(BANK.id, ledger.about(BANK.id))
    # Requested at block 5, refused attempt at 6, granted at 7: two blocks, 2 s of block time.
    assert bank.consent_answer_blocks.as_dict() == {"count": 1, "median": 2, "p90": 2}
    assert bank.consent_answer_ms.as_dict() == {"count": 1, "median": 2000, "p90": 2000}
    assert bank.pending_requests == 0
    hrss = build_org_report(HRSS.id, ledger.about(HRSS.id))
    assert hrss.correction_answer_blocks.as_dict() == {"count": 1, "median": 1, "p90": 1}
    assert hrss.pending_corrections == 0


def test_a_window_counts_only_its_blocks_and_an_answer_whose_request_is_older() -> None:
    ledger = story()
    trail = ledger.about(BANK.id)
    granted = next(e for e in trail if e.name == "consent.granted")
    since = Bound(height=granted.height)
    late = build_org_report(BANK.id, trail, since=since)
    assert late.counts["requests"] == 0 and late.counts["grants"] == 1
    assert late.consent_answer_blocks.count == 1  # its request, older, is still read
    early = build_org_report(BANK.id, trail, until=Bound(height=granted.height - 1))
    assert early.counts["requests"] == 1 and early.counts["grants"] == 0
    assert early.pending_requests == 0  # answered after the window: not pending
    by_time = build_org_report(BANK.id, trail, since=Bound(time_ms=granted.time_ms + 1))
    assert by_time.counts["grants"] == 0 and by_time.counts["accesses"] == 2
    assert parse_bound("2024-11-19T07:06:40Z").time_ms == 1_732_000_000_000
    assert parse_bound(" 12 ").height == 12
    with pytest.raises(FlowError, match="neither a block height"):
        parse_bound("yesterday")


def test_an_organisation_with_no_activity_gets_zeros_and_a_pending_request_is_pending() -> None:
    ledger = story()
    idle = build_org_report(support.AUDITOR.id, ledger.about(support.AUDITOR.id))
    assert set(idle.counts.values()) == {0}
    assert idle.consent_answer_blocks.as_dict() == {"count": 0, "median": None, "p90": None}
    ledger.request("REQ-BANK-0002", ID_CARD, agency_key=BANK.public_key)
    assert build_org_report(BANK.id, ledger.about(BANK.id)).pending_requests == 1
    doc = build_org_report(BANK.id, ledger.about(BANK.id)).as_dict()
    assert json.loads(json.dumps(doc))["requests"] == 2


def test_median_and_p90_are_by_nearest_rank() -> None:
    assert compute_spread([]).median is None
    assert compute_spread([7]).as_dict() == {"count": 1, "median": 7, "p90": 7}
    assert compute_spread([4, 1, 3, 2]).as_dict() == {"count": 4, "median": 2, "p90": 4}
    spread = compute_spread(list(range(1, 11)))
    assert (spread.median, spread.p90) == (5, 9)


def test_the_request_id_is_read_after_the_agency_whoever_acted() -> None:
    ledger = story()
    decisions = [e for e in ledger.trail if e.name.startswith("consent.")]
    assert {get_request_id(e) for e in decisions} == {"REQ-BANK-0001", "REQ-NOTARY-01"}
    assert get_request_id(FlowEntry(1, 0, "x", "consent.granted", (ALICE,), {})) == ""


def test_bad_options_end_the_commands_before_any_call(tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"COLUMNS": "200"}
    bad_format = runner.invoke(
        app,
        [
            "audit",
            "graph",
            "--subject",
            ALICE,
            "--format",
            "gif",
            "--out",
            "x.gif",
            "--dir",
            str(tmp_path),
        ],
        env=env,
    )
    assert bad_format.exit_code == 2 and "no format" in bad_format.output
    no_devnet = runner.invoke(
        app,
        ["audit", "report", "--org", "bank", "--since", "soon", "--dir", str(tmp_path)],
        env=env,
    )
    assert no_devnet.exit_code != 0


def test_the_html_page_is_self_contained_and_escapes_what_it_shows() -> None:
    ledger = story()
    report = build_org_report(BANK.id, ledger.about(BANK.id))
    doc = {"since": None, "until": "40", "node": "val-0", "height": 40, "made_at": "now"}
    page = report_html(report, "<script>alert(1)</script> Bank", doc)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Bank" in page
    assert page.startswith("<!doctype html>") and "<style>" in page
    for outside in ("<script", "<link", "http://", "https://", "@import", "url("):
        assert outside not in page
    assert "2 blocks" in page and "2000 ms" in page and "genesis to 40" in page
    assert [duration(ms) for ms in (950, 12_500, 900_000, 7_200_000)] == [
        "950 ms",
        "12.5 s",
        "15.0 min",
        "2.0 h",
    ]


GOLDEN_DOT = Path(__file__).parent / "testdata" / "flows" / "story.dot"


def test_the_dot_text_of_the_story_is_the_golden_one() -> None:
    """The whole DOT text, byte for byte (regenerate with TRUSTLEDGER_GOLDEN=1 after a
    deliberate change of the picture, and look at the diff)."""
    ledger = story()
    names = {PSB.id: PSB.name, UNIVERSITY.id: UNIVERSITY.name, BANK.id: BANK.name}
    dot = render_dot(build_flow_graph(ALICE, ledger.about(ALICE)), names)
    if os.environ.get("TRUSTLEDGER_GOLDEN") == "1":
        GOLDEN_DOT.parent.mkdir(exist_ok=True)
        GOLDEN_DOT.write_text(dot, encoding="utf-8")
    assert dot == GOLDEN_DOT.read_text(encoding="utf-8")


def test_a_partial_trail_still_types_the_items_it_sees() -> None:
    """A trail that starts after the issuance (a window, a node's cut) types each item from
    the verification or access that names it."""
    ledger = story()
    notary_granted(
        ledger, "REQ-NOTARY-02", support.json_arg([{"record_category": "social_security"}])
    )
    ledger.call(NOTARY, "consent.access", {"request_id": "REQ-NOTARY-02", "record_id": RECORD})
    later = [
        e for e in ledger.about(ALICE) if e.name in ("certificate.verified", "consent.accessed")
    ]
    graph = build_flow_graph(ALICE, later)
    assert set(graph.items) == {
        Item(DIPLOMA, "certificate", "diploma"),
        Item(ID_CARD, "certificate", "resident_id_card"),
        Item(RECORD, "record", "social_security"),
    }
    assert dict(graph.edges) == {
        (DIPLOMA, BANK.id, "access"): 2,
        (ID_CARD, BANK.id, "verify"): 1,
        (RECORD, NOTARY.id, "access"): 1,
    }


def test_a_grant_of_a_certificate_type_reaches_her_certificates_of_that_type() -> None:
    ledger = story()
    notary_granted(ledger, "REQ-NOTARY-04", support.json_arg([{"cert_type": "diploma"}]))
    graph = build_flow_graph(ALICE, ledger.about(ALICE))
    assert graph.edges[(DIPLOMA, NOTARY.id, "grant")] == 1
    assert (ID_CARD, NOTARY.id, "grant") not in graph.edges
    # A grant event without its scope (an older contract's) grants what was asked.
    trail = [
        FlowEntry(
            e.height,
            e.time_ms,
            e.actor,
            e.name,
            e.subjects,
            {k: v for k, v in e.attrs.items() if k != "scope"},
            call=e.call,
        )
        if e.name == "consent.granted"
        else e
        for e in ledger.about(ALICE)
    ]
    graph = build_flow_graph(ALICE, trail)
    assert graph.edges[(DIPLOMA, NOTARY.id, "grant")] == 1
    assert (RECORD, BANK.id, "grant") not in graph.edges


def test_refusals_of_her_own_calls_and_other_holders_events_draw_nothing() -> None:
    ledger = story()
    trail = ledger.about(ALICE)
    own = FlowEntry(90, 0, ALICE, "", ok=False, call="consent.grant")
    nobody = FlowEntry(91, 0, "", "", ok=False, call="consent.grant")
    about_bob = FlowEntry(
        92,
        0,
        BANK.id,
        "consent.accessed",
        (BOB, DIPLOMA, BANK.id, "REQ-X"),
        {"agency": BANK.id, "target": "certificate", "cert_type": "diploma"},
    )
    graph = build_flow_graph(ALICE, [own, nobody, about_bob, *trail])
    assert dict(graph.edges) == dict(build_flow_graph(ALICE, trail).edges)


def test_the_report_reads_only_what_concerns_its_organisation() -> None:
    """Given the whole trail, every event of every organisation, each report is the same as
    from its own trail: each figure checks whom the event names."""
    ledger = story()
    ledger.issue(
        PSB,
        cert_id="ID-3701-000002",
        holder=BOB,
        cert_type="resident_id_card",
        doc_hash=support.doc_hash("resident_id_card", support.ALICE_ID_CARD_FIELDS, "b"),
    )
    ledger.reject(
        BANK,
        "consent.access",
        {"request_id": "REQ-BANK-0001", "cert_id": ID_CARD},
        "permission_denied",
    )
    ledger.call(
        support.ALICE_KEY,
        "archives.request_correction",
        {"correction_id": "COR-0000002", "record_id": RECORD, "reason": "wrong dates"},
    )
    for org in (BANK, NOTARY, HRSS, PSB, UNIVERSITY):
        own, whole = (
            build_org_report(org.id, ledger.about(org.id)),
            build_org_report(org.id, ledger.trail),
        )
        assert own == whole, org.id
    bank = build_org_report(BANK.id, ledger.trail)
    assert bank.counts["rejected"] == 2
    psb = build_org_report(PSB.id, ledger.trail)
    assert psb.counts["issued"] == 2
    hrss = build_org_report(HRSS.id, ledger.trail)
    assert (hrss.counts["corrections_requested"], hrss.counts["corrections_answered"]) == (2, 1)
    assert hrss.pending_corrections == 1
    assert hrss.correction_answer_ms.as_dict() == {"count": 1, "median": 1000, "p90": 1000}
    assert hrss.as_dict() == {
        "org": HRSS.id,
        "requests": 0,
        "grants": 0,
        "refusals": 0,
        "accesses": 0,
        "rejected": 0,
        "verifications": 0,
        "issued": 0,
        "appended": 1,
        "corrections_requested": 2,
        "corrections_answered": 1,
        "share_applications": 0,
        "share_applications_received": 0,
        "share_approvals": 0,
        "share_refusals": 0,
        "shares": 0,
        "shares_received": 0,
        "share_ratings": 0,
        "pending_requests": 0,
        "pending_corrections": 1,
        "share_rating_average": None,
        "response_times": {
            "consent_answer_blocks": {"count": 0, "median": None, "p90": None},
            "consent_answer_ms": {"count": 0, "median": None, "p90": None},
            "correction_answer_blocks": {"count": 1, "median": 1, "p90": 1},
            "correction_answer_ms": {"count": 1, "median": 1000, "p90": 1000},
        },
    }


def test_window_ends_are_included_by_height_and_by_time() -> None:
    ledger = story()
    trail = ledger.about(BANK.id)
    rejected = next(e for e in trail if not e.ok)
    for since, until in (
        (Bound(height=rejected.height), Bound(height=rejected.height)),
        (Bound(time_ms=rejected.time_ms), Bound(time_ms=rejected.time_ms)),
    ):
        only = build_org_report(BANK.id, trail, since, until)
        assert only.counts["rejected"] == 1 and sum(only.counts.values()) == 1
    after = build_org_report(BANK.id, trail, since=Bound(height=rejected.height + 1))
    assert after.counts["rejected"] == 0
    before = build_org_report(BANK.id, trail, until=Bound(time_ms=rejected.time_ms - 1))
    assert before.counts["rejected"] == 0 and before.counts["requests"] == 1
    assert before.pending_requests == 0  # answered by the end of the trail


def test_bounds_read_heights_dates_and_zoned_times() -> None:
    assert parse_bound("2026-12-04") == Bound(time_ms=1_796_342_400_000, text="2026-12-04")
    assert parse_bound("2026-12-04T10:00:00+08:00").time_ms == 1_796_342_400_000 + 2 * 3_600_000
    assert parse_bound("2026-12-04T10:00:00.001").time_ms == 1_796_342_400_000 + 36_000_001
    assert parse_bound("7") == Bound(height=7, text="7")
    with pytest.raises(FlowError, match="'7 blocks' is neither a block height"):
        parse_bound("7 blocks")


def test_a_node_trace_reads_as_entries() -> None:
    resp = node_pb2.AuditTraceResponse()
    # Both entries are the bank's consent.access: read once, refused once.
    bank_access = {"actor": BANK.id, "contract": "consent", "method": "access"}
    event = resp.entries.add(height=5, tx_index=1, time_ms=1_000, ok=True, **bank_access).event
    event.name = "consent.accessed"
    event.subjects.extend([ALICE, DIPLOMA, BANK.id, "REQ-1"])
    event.attrs.add(key="agency", text=BANK.id)
    event.attrs.add(key="uses_left", integer=2)
    resp.entries.add(
        height=6, time_ms=2_000, ok=False, error_code="permission_denied", **bank_access
    )
    assert entries_from_trace(resp) == [
        FlowEntry(
            5,
            1_000,
            BANK.id,
            "consent.accessed",
            (ALICE, DIPLOMA, BANK.id, "REQ-1"),
            {"agency": BANK.id, "uses_left": 2},
            ok=True,
            call="consent.access",
        ),
        FlowEntry(6, 2_000, BANK.id, "", (), {}, ok=False, call="consent.access"),
    ]
    assert get_item_id(FlowEntry(1, 0, "x", "certificate.verified", (ALICE,))) == ""


def test_malformed_entries_from_a_node_draw_and_count_nothing() -> None:
    """A node's entries are not believed: an event without the attribute naming its
    organisation (or with a number there), a scope that is no JSON array, a grant whose
    request the trail never showed, an answer without its question: no edge, no figure,
    no crash."""
    ledger = story()
    trail = ledger.about(ALICE)

    def notary_consent(height: int, actor: str, name: str, request: str, **scope: str) -> FlowEntry:
        """A consent event between Alice and the notary about `request` (`scope`: the
        event's scope attribute, when it has one)."""
        subjects = (ALICE, NOTARY.id, request)
        return FlowEntry(height, 0, actor, name, subjects, {"agency": NOTARY.id, **scope})

    odd = [
        FlowEntry(80, 0, BANK.id, "certificate.verified", (ALICE, DIPLOMA, BANK.id), {}),
        FlowEntry(81, 0, BANK.id, "certificate.verified", (ALICE, DIPLOMA), {"verifier": 7}),
        notary_consent(82, NOTARY.id, "consent.requested", "REQ-ODD-1", scope="5"),
        notary_consent(83, NOTARY.id, "consent.requested", "REQ-ODD-2", scope="{}"),
        notary_consent(84, ALICE, "consent.granted", "REQ-ODD-1", scope="not json"),
        notary_consent(85, ALICE, "consent.granted", "REQ-ODD-2"),
        notary_consent(86, ALICE, "consent.granted", "REQ-NEVER"),
    ]
    graph = build_flow_graph(ALICE, [odd[0], *trail, *odd[1:]])  # the first one stops nothing
    assert dict(graph.edges) == dict(build_flow_graph(ALICE, trail).edges)
    notary = build_org_report(NOTARY.id, odd)
    assert notary.counts["grants"] == 3 and notary.consent_answer_blocks.as_dict() == {
        "count": 2,  # REQ-NEVER's question is not in the trail
        "median": 2,
        "p90": 2,
    }
    unseen = build_org_report(NOTARY.id, odd[-1:])  # an answer whose question is not there
    assert unseen.counts["grants"] == 1 and unseen.consent_answer_blocks.count == 0
    assert get_item_id(FlowEntry(1, 0, "x", "archive.appended", (ALICE, RECORD))) == RECORD


def test_an_answer_after_the_window_is_no_response_time_in_it() -> None:
    ledger = story()
    trail = ledger.about(BANK.id)
    granted = next(e for e in trail if e.name == "consent.granted")
    early = build_org_report(BANK.id, trail, until=Bound(height=granted.height - 1))
    assert early.counts["requests"] == 1 and early.consent_answer_blocks.count == 0
    assert type(parse_bound("2026-12-04T10:00:00.001").time_ms) is int
