"""The anomaly rules (node/sdk/anomalies/rules.py), one at a time, each at its threshold:
one fact short raises nothing, the threshold raises one alert, and the count starts again."""

from __future__ import annotations

import json
from collections.abc import Mapping

from node.sdk.anomalies.config import load_config
from node.sdk.anomalies.facts import AttrValue, BlockFact, ConflictFact, EventFact, Fact, TxFact
from node.sdk.anomalies.rules import (
    WINDOW_SWEEP_ADDS,
    Alert,
    Scanner,
    _Entry,
    _Windows,
    alerts_from,
    scan,
)

MIN = 60_000
T0 = 1_800_000_000_000


def config(text: str = "") -> Scanner:
    return Scanner(load_config(text))


def tx(
    call: str,
    *,
    actor: str = "bank",
    time_ms: int = T0,
    height: int = 1,
    ok: bool = True,
    error: tuple[str, str] = ("", ""),
    args: Mapping[str, AttrValue] | None = None,
    events: tuple[EventFact, ...] = (),
    tag: str = "",
) -> TxFact:
    return TxFact(
        height=height,
        time_ms=time_ms,
        tx_hash=f"{call}-{time_ms}-{tag}",
        actor=actor,
        call=call,
        args=args or {},
        ok=ok,
        error_code=error[0],
        error_message=error[1],
        events=events,
    )


def refused_access(time_ms: int, actor: str = "bank", message: str = "no grant in force") -> TxFact:
    return tx(
        "consent.access",
        actor=actor,
        time_ms=time_ms,
        ok=False,
        error=("permission_denied", message),
        args={"request_id": "req-1"},
    )


def rules(alerts: list[Alert]) -> list[tuple[str, str]]:
    return [(a.rule, a.subject) for a in alerts]


# ---- refused accesses --------------------------------------------------------------------


def test_refused_accesses_raise_at_the_threshold_within_the_window() -> None:
    scanner = config("[rules.refused-accesses]\nrefusals_min = 3\nwindow_ms = 60000\n")
    assert scanner.feed([refused_access(T0), refused_access(T0 + MIN // 2)]) == []
    alerts = scanner.feed([refused_access(T0 + MIN)])  # exactly window_ms after the first
    assert rules(alerts) == [("refused-accesses", "bank")]
    assert len(alerts[0].evidence) == 3 and "3 refused consent.access by bank" in alerts[0].summary
    # Counting starts again after an alert.
    assert scanner.feed([refused_access(T0 + MIN + 1), refused_access(T0 + MIN + 2)]) == []


def test_refusals_further_apart_than_the_window_do_not_add_up() -> None:
    scanner = config("[rules.refused-accesses]\nrefusals_min = 3\nwindow_ms = 60000\n")
    facts = [refused_access(T0), refused_access(T0 + 1), refused_access(T0 + MIN + 1)]
    assert scanner.feed(facts) == []  # the first fell out: 60001 ms before the last
    assert rules(scanner.feed([refused_access(T0 + MIN + 1)])) == [("refused-accesses", "bank")]


def test_refusals_are_counted_per_organisation_and_only_for_the_listed_calls() -> None:
    scanner = config("[rules.refused-accesses]\nrefusals_min = 2\n")
    other = tx("certificates.revoke", ok=False, error=("permission_denied", "not the issuer"))
    assert scanner.feed([refused_access(T0, "bank"), refused_access(T0, "civil"), other]) == []
    assert scanner.feed([tx("consent.access", args={"request_id": "req-9"})]) == []  # accepted
    assert rules(scanner.feed([refused_access(T0 + 1, "civil")])) == [("refused-accesses", "civil")]
    listed = config('[rules.refused-accesses]\nrefusals_min = 1\ncalls = ["certificates.revoke"]\n')
    assert rules(listed.feed([other, refused_access(T0)])) == [("refused-accesses", "bank")]


def test_a_disabled_rule_raises_nothing() -> None:
    scanner = config("[rules.refused-accesses]\nenabled = false\nrefusals_min = 1\n")
    assert scanner.feed([refused_access(T0)] * 3) == []


# ---- grants: after their end, outside their scope or purpose -------------------------------

SCOPE = json.dumps([{"cert_id": "cert-1"}])


CALLS = {
    "consent.requested": "consent.request",
    "consent.granted": "consent.grant",
    "consent.narrowed": "consent.narrow",
    "consent.revoked": "consent.revoke",
}


def consent(name: str, time_ms: int, actor: str = "hd-holder", **attrs: AttrValue) -> TxFact:
    """The transaction of request req-1 (holder hd-holder, certificate cert-1, the bank)
    that emitted event `name`."""
    event = EventFact(name, ("hd-holder", "cert-1", "bank", "req-1"), attrs)
    return tx(
        CALLS[name], actor=actor, time_ms=time_ms, args={"request_id": "req-1"}, events=(event,)
    )


def granted_until(expires_ms: int, purpose_code: str = "002") -> list[Fact]:
    return [
        consent(
            "consent.requested",
            T0,
            actor="bank",
            agency="bank",
            expires_at_ms=expires_ms,
            purpose_code=purpose_code,
            scope=SCOPE,
        ),
        consent("consent.granted", T0 + 1, agency="bank", expires_at_ms=expires_ms, scope=SCOPE),
    ]


def test_an_access_attempt_after_revocation_is_raised() -> None:
    scanner = config()
    facts = [*granted_until(T0 + 10 * MIN), refused_access(T0 + 2)]
    assert scanner.feed(facts) == []  # a refusal while the grant is in force ends nothing
    alerts = scanner.feed([consent("consent.revoked", T0 + 3), refused_access(T0 + 4)])
    assert rules(alerts) == [("access-after-end", "bank")]
    assert "revoked at block time" in alerts[0].summary and "req-1" in alerts[0].summary


def test_an_access_attempt_after_expiry_is_raised_past_the_grace() -> None:
    scanner = config("[rules.access-after-end]\ngrace_ms = 1000\n")
    expires = T0 + MIN
    assert scanner.feed([*granted_until(expires), refused_access(expires + 1000)]) == []
    alerts = scanner.feed([refused_access(expires + 1001)])
    assert rules(alerts) == [("access-after-end", "bank")] and "expired" in alerts[0].summary


def test_a_request_never_granted_has_no_end_to_pass() -> None:
    scanner = config()
    asked = granted_until(T0 + MIN)[:1]
    assert scanner.feed([*asked, refused_access(T0 + 2 * MIN)]) == []


def test_attempts_after_the_end_count_to_attempts_min() -> None:
    scanner = config("[rules.access-after-end]\nattempts_min = 2\n")
    scanner.feed([*granted_until(T0 + MIN), consent("consent.revoked", T0 + 2)])
    assert scanner.feed([refused_access(T0 + 3)]) == []
    assert rules(scanner.feed([refused_access(T0 + 4)])) == [("access-after-end", "bank")]


def test_a_narrowed_grant_ends_at_its_new_expiry() -> None:
    scanner = config()
    narrowed = consent("consent.narrowed", T0 + 2, expires_at_ms=T0 + 5)
    assert scanner.feed([*granted_until(T0 + MIN), narrowed, refused_access(T0 + 5)]) == []
    assert rules(scanner.feed([refused_access(T0 + 6)])) == [("access-after-end", "bank")]


def test_an_access_refused_as_out_of_scope_is_raised() -> None:
    scanner = config()
    beyond = refused_access(T0 + 2, message="not in scope: consent request req-1 does not grant")
    other_refusal = refused_access(T0 + 3, message="no uses left: consent request req-1")
    alerts = scanner.feed([*granted_until(T0 + MIN), beyond, other_refusal])
    assert rules(alerts) == [("out-of-scope", "bank")]
    assert alerts[0].evidence == (beyond.tx_hash,)


def verified(
    time_ms: int, verifier: str = "bank", status: str = "valid", purpose_code: str = "002"
) -> TxFact:
    event = EventFact(
        "certificate.verified",
        ("hd-holder", "cert-1", verifier, f"ver-{time_ms}"),
        {
            "cert_status": status,
            "cert_type": "diploma",
            "purpose_code": purpose_code,
            "result": "passed",
            "verifier": verifier,
        },
    )
    return tx(
        "certificates.record_verification",
        actor=verifier,
        time_ms=time_ms,
        args={"cert_id": "cert-1"},
        events=(event,),
        tag=verifier,
    )


def test_a_verification_for_another_purpose_than_the_grant_is_raised() -> None:
    scanner = config()
    facts = [*granted_until(T0 + MIN, purpose_code="002"), verified(T0 + 2, purpose_code="002")]
    assert scanner.feed(facts) == []
    alerts = scanner.feed([verified(T0 + 3, purpose_code="005")])
    assert rules(alerts) == [("out-of-scope", "bank")]
    assert "purpose 005" in alerts[0].summary and "req-1 (002)" in alerts[0].summary


def test_a_verification_outside_any_grant_in_force_is_no_purpose_anomaly() -> None:
    """Without a grant in force (none, revoked, expired) a verification is a presentation
    the holder showed: nothing to compare its purpose with."""
    scanner = config()
    assert scanner.feed([verified(T0, purpose_code="005")]) == []
    assert (
        scanner.feed([*granted_until(T0 + MIN), verified(T0 + MIN + 1, purpose_code="005")]) == []
    )
    other_cert = config()
    grant = granted_until(T0 + MIN)
    event = verified(T0 + 2, purpose_code="005")
    elsewhere = TxFact(**{**_fields(event), "args": {"cert_id": "cert-2"}})
    assert other_cert.feed([*grant, elsewhere]) == []


def _fields(fact: TxFact) -> dict[str, object]:
    return {name: getattr(fact, name) for name in TxFact.__slots__}


# ---- verifications ----------------------------------------------------------------------


def test_many_organisations_verifying_one_holder_within_the_window() -> None:
    scanner = config("[rules.verification-burst]\norgs_min = 3\nwindow_ms = 60000\n")
    first = [verified(T0, "bank"), verified(T0 + 1, "bank"), verified(T0 + 2, "civil")]
    assert scanner.feed(first) == []  # two organisations, however many verifications
    alerts = scanner.feed([verified(T0 + MIN, "amr")])  # exactly window_ms after the first
    assert rules(alerts) == [("verification-burst", "hd-holder")]
    assert "3 organisations (amr, bank, civil)" in alerts[0].summary


def test_verifications_further_apart_than_the_window_are_no_burst() -> None:
    scanner = config("[rules.verification-burst]\norgs_min = 2\nwindow_ms = 60000\n")
    assert scanner.feed([verified(T0, "bank"), verified(T0 + MIN + 1, "civil")]) == []
    assert rules(scanner.feed([verified(T0 + MIN + 2, "bank")])) == [
        ("verification-burst", "hd-holder")
    ]


def test_a_verification_of_a_revoked_certificate_is_raised() -> None:
    scanner = config()
    assert scanner.feed([verified(T0, status="valid"), verified(T0, status="suspended")]) == []
    alerts = scanner.feed([verified(T0 + 1, status="revoked")])
    assert rules(alerts) == [("revoked-verified", "bank")]
    listed = config('[rules.revoked-verified]\nverifications_min = 2\nstatuses = ["suspended"]\n')
    assert listed.feed([verified(T0, status="suspended")]) == []
    assert rules(listed.feed([verified(T0, status="suspended")])) == [("revoked-verified", "bank")]


# ---- consensus --------------------------------------------------------------------------


def test_equivocation_counts_raise_once_per_new_evidence() -> None:
    scanner = config()
    assert scanner.feed([ConflictFact("val-3", "Prepare", 0, "val-0")]) == []
    alerts = scanner.feed([ConflictFact("val-3", "Prepare", 1, "val-0")])
    assert rules(alerts) == [("equivocation", "val-3")] and "counted by val-0" in alerts[0].summary
    assert scanner.feed([ConflictFact("val-3", "Prepare", 1, "val-0")]) == []  # nothing new
    assert len(scanner.feed([ConflictFact("val-3", "Prepare", 2, "val-0")])) == 1
    # The reporting validator restarted: its count starts from 0 again.
    assert len(scanner.feed([ConflictFact("val-3", "Prepare", 1, "val-0")])) == 1


def test_equivocation_below_conflicts_min_waits_for_more() -> None:
    scanner = config("[rules.equivocation]\nconflicts_min = 3\n")
    assert scanner.feed([ConflictFact("val-2", "Commit", 2, "val-1")]) == []
    assert rules(scanner.feed([ConflictFact("val-2", "Commit", 3, "val-1")])) == [
        ("equivocation", "val-2")
    ]


def blocks(*views: int, start: int = 1, step_ms: int = 1000) -> list[Fact]:
    return [BlockFact(start + i, T0 + i * step_ms, v) for i, v in enumerate(views)]


def test_a_burst_of_view_changes_within_the_window() -> None:
    scanner = config("[rules.view-change-burst]\nview_changes_min = 3\nwindow_ms = 2000\n")
    assert scanner.feed(blocks(0, 0, 1, 2)) == []  # two changes
    alerts = scanner.feed([BlockFact(5, T0 + 4000, 3)])  # the first change was at T0 + 2000
    assert rules(alerts) == [("view-change-burst", "consensus")]
    assert alerts[0].evidence == ("height:3", "height:4", "height:5")


def test_view_changes_further_apart_than_the_window_are_no_burst() -> None:
    scanner = config("[rules.view-change-burst]\nview_changes_min = 2\nwindow_ms = 999\n")
    assert scanner.feed(blocks(0, 1, 2)) == []
    jump = config("[rules.view-change-burst]\nview_changes_min = 2\n")
    assert rules(jump.feed(blocks(2))) == [("view-change-burst", "consensus")]  # 0 -> 2 at 1


def test_a_scan_from_a_later_block_counts_no_change_into_its_first_block() -> None:
    scanner = config("[rules.view-change-burst]\nview_changes_min = 1\n")
    assert scanner.feed(blocks(7, 7, start=10)) == []
    assert len(scanner.feed([BlockFact(12, T0, 8)])) == 1


# ---- the whole --------------------------------------------------------------------------


def test_scan_and_alerts_from_a_height() -> None:
    facts: list[Fact] = [
        *blocks(0),
        refused_access(T0),
        *blocks(0, start=2),
        tx("consent.access", ok=False, height=2, error=("permission_denied", "not in scope: x")),
    ]
    alerts = scan(load_config("[rules.refused-accesses]\nrefusals_min = 1\n"), facts)
    assert [(a.rule, a.height) for a in alerts] == [
        ("refused-accesses", 1),
        ("out-of-scope", 2),
        ("refused-accesses", 2),
    ]
    assert [a.height for a in alerts_from(alerts, 2)] == [2, 2]
    assert alerts[0].to_json()["evidence"] == [facts[1].tx_hash]  # type: ignore[union-attr]


def test_a_normal_flow_raises_nothing() -> None:
    """Asked, granted, read once, verified, revoked later: the demo's story."""
    facts: list[Fact] = [
        *blocks(0, 0, 0),
        refused_access(T0),  # the bank tries before she answers: once
        *granted_until(T0 + 30 * 24 * 60 * MIN),
        tx("consent.access", time_ms=T0 + 5, args={"request_id": "req-1"}),
        verified(T0 + 6),
        consent("consent.revoked", T0 + 7),
    ]
    assert scan(load_config(), facts) == []


def test_a_window_forgets_keys_whose_entries_left_it() -> None:
    """Memory stays bounded by the keys active within the window, not by every holder ever."""
    windows = _Windows(threshold=2, window_ms=1000)
    for i in range(WINDOW_SWEEP_ADDS - 1):
        assert windows.add(f"holder-{i}", _Entry(T0, 1, "bank", "tx")) is None
    assert len(windows) == WINDOW_SWEEP_ADDS - 1
    # The next add sweeps: every key's newest entry is 1001 ms old, one past the window.
    assert windows.add("holder-new", _Entry(T0 + 1001, 1, "bank", "tx")) is None
    assert len(windows) == 1
    kept = _Windows(threshold=2, window_ms=1000)
    for i in range(WINDOW_SWEEP_ADDS - 1):
        kept.add(f"holder-{i}", _Entry(T0, 1, "bank", "tx"))
    kept.add("holder-new", _Entry(T0 + 1000, 1, "bank", "tx"))  # exactly the window: kept
    assert len(kept) == WINDOW_SWEEP_ADDS
