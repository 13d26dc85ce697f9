"""The anomaly rules: a pure function of the facts (`facts.py`) and the settings
(`config.py`), one rule per `_on_*` step. docs/anomalies.md says what each rule reads and
why it matters.

`Scanner.feed` takes facts in chain order and returns the alerts they raise; a scan from
genesis is one call, `--watch` calls it again with each new block's facts. Every threshold
counts towards one alert and then starts again, so a long run of refusals raises an alert
per `refusals_min` of them, not one per refusal.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

from contracts.consent import scope as consent_scope
from node.sdk.anomalies.config import AnomalyConfig
from node.sdk.anomalies.facts import BlockFact, ConflictFact, EventFact, Fact, TxFact

REFUSED_ACCESSES = "refused-accesses"
ACCESS_AFTER_END = "access-after-end"
OUT_OF_SCOPE = "out-of-scope"
VERIFICATION_BURST = "verification-burst"
REVOKED_VERIFIED = "revoked-verified"
EQUIVOCATION = "equivocation"
VIEW_CHANGE_BURST = "view-change-burst"

ACCESS_CALL = "consent.access"
NOT_IN_SCOPE = "not in scope"
"""How the consent contract's refusal of an access outside the granted scope begins
(contracts/consent/access.py)."""
PERMISSION_DENIED = "permission_denied"
WINDOW_SWEEP_ADDS = 10_000
"""A window forgets its stale keys once per this many entries added."""


@dataclass(frozen=True, slots=True)
class Alert:
    """One anomaly: which rule, where on the chain, about whom, and the transactions (or
    blocks) that make it up."""

    rule: str
    height: int
    """The block of the last fact that raised it (for consensus evidence, the last block
    read when the count was taken)."""
    time_ms: int
    subject: str
    """The organisation, holder, validator or chain the alert is about."""
    summary: str
    evidence: tuple[str, ...]
    """Transaction hashes (hex), or `height:N` for blocks, or `reported_by:V` for counts."""

    def to_json(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "height": self.height,
            "time_ms": self.time_ms,
            "subject": self.subject,
            "summary": self.summary,
            "evidence": list(self.evidence),
        }


@dataclass(slots=True)
class _Grant:
    """A consent request as the events so far tell it."""

    agency: str
    purpose_code: str
    expires_at_ms: int
    scope: list[dict[str, object]]
    granted: bool = False
    revoked_ms: int | None = None


class _Counts:
    """Every `threshold`-th occurrence under a key, the occurrences' evidence with it."""

    def __init__(self, threshold: int) -> None:
        self._threshold = threshold
        self._seen: dict[Hashable, list[str]] = {}

    def add(self, key: Hashable, evidence: str) -> list[str] | None:
        seen = self._seen.setdefault(key, [])
        seen.append(evidence)
        if len(seen) < self._threshold:
            return None
        del self._seen[key]
        return seen


@dataclass(slots=True)
class _Entry:
    time_ms: int
    weight: int
    item: str
    evidence: str


class _Windows:
    """Entries under a key within `window_ms` of block time of the newest (both ends in):
    full once their weight (or, with `distinct`, their distinct items) reaches `threshold`,
    then emptied."""

    def __init__(self, threshold: int, window_ms: int, *, distinct: bool = False) -> None:
        self._threshold = threshold
        self._window_ms = window_ms
        self._distinct = distinct
        self._entries: dict[Hashable, deque[_Entry]] = {}
        self._adds = 0

    def __len__(self) -> int:
        """Keys held (each with an entry within its window when last swept)."""
        return len(self._entries)

    def add(self, key: Hashable, entry: _Entry) -> list[_Entry] | None:
        self._adds += 1
        if self._adds % WINDOW_SWEEP_ADDS == 0:
            self._sweep(entry.time_ms)
        entries = self._entries.setdefault(key, deque())
        entries.append(entry)
        while entry.time_ms - entries[0].time_ms > self._window_ms:
            entries.popleft()
        if self._distinct:
            amount = len({e.item for e in entries})
        else:
            amount = sum(e.weight for e in entries)
        if amount < self._threshold:
            return None
        del self._entries[key]
        return list(entries)

    def _sweep(self, now_ms: int) -> None:
        """Forget the keys whose newest entry has left the window (a watch that runs for
        months sees every holder once: their entries must not stay for ever)."""
        stale = [k for k, e in self._entries.items() if now_ms - e[-1].time_ms > self._window_ms]
        for key in stale:
            del self._entries[key]


@dataclass
class Scanner:
    """The rules' memory between facts: grants, counts, windows, the last view."""

    config: AnomalyConfig
    _grants: dict[str, _Grant] = field(default_factory=dict)
    _height: int = 0
    _time_ms: int = 0
    _view: int | None = None
    _conflicts_alerted: dict[tuple[str, str, str], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        c = self.config
        refused = c.rule(REFUSED_ACCESSES)
        self._refusals = _Windows(refused.number("refusals_min"), refused.number("window_ms"))
        self._after_end = _Counts(c.rule(ACCESS_AFTER_END).number("attempts_min"))
        self._out_of_scope = _Counts(c.rule(OUT_OF_SCOPE).number("attempts_min"))
        burst = c.rule(VERIFICATION_BURST)
        self._verifiers = _Windows(
            burst.number("orgs_min"), burst.number("window_ms"), distinct=True
        )
        self._revoked = _Counts(c.rule(REVOKED_VERIFIED).number("verifications_min"))
        views = c.rule(VIEW_CHANGE_BURST)
        self._view_changes = _Windows(views.number("view_changes_min"), views.number("window_ms"))

    def _on(self, rule: str) -> bool:
        return self.config.rule(rule).enabled

    def feed(self, facts: Iterable[Fact]) -> list[Alert]:
        """The alerts these facts raise, in the order of the facts that raised them."""
        alerts: list[Alert] = []
        for fact in facts:
            if isinstance(fact, BlockFact):
                alerts.extend(self._on_block(fact))
            elif isinstance(fact, TxFact):
                alerts.extend(self._on_tx(fact))
            else:
                alerts.extend(self._on_conflicts(fact))
        return alerts

    # ---- consensus -------------------------------------------------------------------

    def _on_block(self, block: BlockFact) -> list[Alert]:
        previous = 0 if self._view is None and block.height == 1 else self._view
        self._view, self._height, self._time_ms = block.view, block.height, block.time_ms
        changes = 0 if previous is None else max(0, block.view - previous)
        if not changes or not self._on(VIEW_CHANGE_BURST):
            return []
        entry = _Entry(block.time_ms, changes, "", f"height:{block.height}")
        full = self._view_changes.add("chain", entry)
        if full is None:
            return []
        total = sum(e.weight for e in full)
        return [
            Alert(
                VIEW_CHANGE_BURST,
                block.height,
                block.time_ms,
                "consensus",
                f"{total} view changes within {full[-1].time_ms - full[0].time_ms} ms of block"
                f" time (now view {block.view})",
                tuple(e.evidence for e in full),
            )
        ]

    def _on_conflicts(self, fact: ConflictFact) -> list[Alert]:
        key = (fact.validator, fact.kind, fact.reported_by)
        alerted = self._conflicts_alerted.get(key, 0)
        if fact.count < alerted:
            alerted = 0  # the reporting validator restarted: its count began again
        new = fact.count - alerted
        if not self._on(EQUIVOCATION) or new < self.config.rule(EQUIVOCATION).number(
            "conflicts_min"
        ):
            self._conflicts_alerted[key] = alerted
            return []
        self._conflicts_alerted[key] = fact.count
        return [
            Alert(
                EQUIVOCATION,
                self._height,
                self._time_ms,
                fact.validator,
                f"validator {fact.validator} signed {new} {fact.kind} message(s) conflicting"
                f" with its own earlier ones (counted by {fact.reported_by})",
                (f"reported_by:{fact.reported_by}",),
            )
        ]

    # ---- transactions ----------------------------------------------------------------

    def _on_tx(self, tx: TxFact) -> list[Alert]:
        self._height, self._time_ms = tx.height, tx.time_ms
        alerts: list[Alert] = []
        if tx.call == ACCESS_CALL:
            alerts.extend(self._on_access(tx))
        if not tx.ok:
            alerts.extend(self._on_refused(tx))
        for event in tx.events:
            self._follow_grants(tx, event)
            if event.name == "certificate.verified":
                alerts.extend(self._on_verified(tx, event))
        return alerts

    def _on_refused(self, tx: TxFact) -> list[Alert]:
        rule = self.config.rule(REFUSED_ACCESSES)
        if not rule.enabled or tx.call not in rule.names("calls"):
            return []
        full = self._refusals.add(tx.actor, _Entry(tx.time_ms, 1, tx.call, tx.tx_hash))
        if full is None:
            return []
        return [
            Alert(
                REFUSED_ACCESSES,
                tx.height,
                tx.time_ms,
                tx.actor,
                f"{len(full)} refused {', '.join(sorted({e.item for e in full}))} by {tx.actor}"
                f" within {full[-1].time_ms - full[0].time_ms} ms of block time"
                f" (last: {tx.error_code}: {tx.error_message})",
                tuple(e.evidence for e in full),
            )
        ]

    def _on_access(self, tx: TxFact) -> list[Alert]:
        request_id = str(tx.args.get("request_id", ""))
        grant = self._grants.get(request_id)
        alerts: list[Alert] = []
        if (
            self._on(OUT_OF_SCOPE)
            and not tx.ok
            and tx.error_code == PERMISSION_DENIED
            and tx.error_message.startswith(NOT_IN_SCOPE)
        ):
            seen = self._out_of_scope.add(tx.actor, tx.tx_hash)
            if seen is not None:
                alerts.append(
                    Alert(
                        OUT_OF_SCOPE,
                        tx.height,
                        tx.time_ms,
                        tx.actor,
                        f"{tx.actor} tried to read beyond consent request {request_id}'s"
                        f" granted scope ({len(seen)} attempt(s); {tx.error_message})",
                        tuple(seen),
                    )
                )
        if grant is None or not grant.granted or not self._on(ACCESS_AFTER_END):
            return alerts
        grace_ms = self.config.rule(ACCESS_AFTER_END).number("grace_ms")
        if grant.revoked_ms is not None:
            why = f"revoked at block time {grant.revoked_ms}"
        elif tx.time_ms > grant.expires_at_ms + grace_ms:
            why = f"expired at block time {grant.expires_at_ms}"
        else:
            return alerts
        seen = self._after_end.add(tx.actor, tx.tx_hash)
        if seen is not None:
            outcome = "refused" if not tx.ok else "ACCEPTED"
            alerts.append(
                Alert(
                    ACCESS_AFTER_END,
                    tx.height,
                    tx.time_ms,
                    tx.actor,
                    f"{tx.actor} attempted an access ({outcome}) under consent request"
                    f" {request_id}, whose grant was {why}",
                    tuple(seen),
                )
            )
        return alerts

    def _on_verified(self, tx: TxFact, event: EventFact) -> list[Alert]:
        alerts: list[Alert] = []
        verifier = str(event.attrs.get("verifier", tx.actor))
        holder = event.subjects[0] if event.subjects else ""
        cert_id = str(tx.args.get("cert_id", ""))
        status = str(event.attrs.get("cert_status", ""))
        revoked = self.config.rule(REVOKED_VERIFIED)
        if revoked.enabled and status in revoked.names("statuses"):
            seen = self._revoked.add(verifier, tx.tx_hash)
            if seen is not None:
                alerts.append(
                    Alert(
                        REVOKED_VERIFIED,
                        tx.height,
                        tx.time_ms,
                        verifier,
                        f"{verifier} recorded a verification ({event.attrs.get('result', '')})"
                        f" of certificate {cert_id} while it was {status}",
                        tuple(seen),
                    )
                )
        if self._on(VERIFICATION_BURST) and holder:
            full = self._verifiers.add(holder, _Entry(tx.time_ms, 1, verifier, tx.tx_hash))
            if full is not None:
                orgs = sorted({e.item for e in full})
                alerts.append(
                    Alert(
                        VERIFICATION_BURST,
                        tx.height,
                        tx.time_ms,
                        holder,
                        f"{len(orgs)} organisations ({', '.join(orgs)}) verified holder"
                        f" {holder}'s certificates within"
                        f" {full[-1].time_ms - full[0].time_ms} ms of block time",
                        tuple(e.evidence for e in full),
                    )
                )
        alerts.extend(self._check_purpose(tx, event, verifier, cert_id))
        return alerts

    def _check_purpose(
        self, tx: TxFact, event: EventFact, verifier: str, cert_id: str
    ) -> list[Alert]:
        """A verification by an agency holding grants in force for the certificate, for a
        purpose none of them names: the grant's purpose does not cover this use."""
        purpose = event.attrs.get("purpose_code")
        if not self._on(OUT_OF_SCOPE) or purpose is None:
            return []
        cert_type = str(event.attrs.get("cert_type", ""))
        grants = {
            rid: g
            for rid, g in self._grants.items()
            if g.agency == verifier
            and g.granted
            and g.revoked_ms is None
            and tx.time_ms <= g.expires_at_ms
            and consent_scope.covers_certificate(g.scope, cert_id, cert_type, None)
        }
        if not grants or any(g.purpose_code == purpose for g in grants.values()):
            return []
        seen = self._out_of_scope.add(verifier, tx.tx_hash)
        if seen is None:
            return []
        named = ", ".join(
            f"{rid} ({g.purpose_code or 'none'})" for rid, g in sorted(grants.items())
        )
        return [
            Alert(
                OUT_OF_SCOPE,
                tx.height,
                tx.time_ms,
                verifier,
                f"{verifier} verified certificate {cert_id} for purpose {purpose}, which none of"
                f" its grants for it names: {named}",
                tuple(seen),
            )
        ]

    def _follow_grants(self, tx: TxFact, event: EventFact) -> None:
        """Consent requests and their grants as their events tell them."""
        if not event.name.startswith("consent."):
            return
        request_id = str(tx.args.get("request_id", ""))
        attrs = event.attrs
        if event.name == "consent.requested":
            self._grants[request_id] = _Grant(
                agency=str(attrs.get("agency", tx.actor)),
                purpose_code=str(attrs.get("purpose_code", "")),
                expires_at_ms=_int(attrs.get("expires_at_ms")),
                scope=_scope(attrs.get("scope")),
            )
            return
        grant = self._grants.get(request_id)
        if grant is None:
            return  # asked before the blocks read (a scan from a later height)
        if event.name in ("consent.granted", "consent.narrowed"):
            grant.granted = grant.granted or event.name == "consent.granted"
            grant.expires_at_ms = _int(attrs.get("expires_at_ms"), grant.expires_at_ms)
            if "scope" in attrs:
                grant.scope = _scope(attrs["scope"])
        elif event.name == "consent.revoked" and grant.revoked_ms is None:
            grant.revoked_ms = tx.time_ms


def _int(value: object, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _scope(value: object) -> list[dict[str, object]]:
    """A scope attribute's items, as the contract wrote them (canonical JSON); one that does
    not read as a list of objects covers nothing."""
    try:
        items = json.loads(str(value))
    except ValueError:
        return []
    if not isinstance(items, list):
        return []
    return [item for item in items if isinstance(item, dict)]


def scan(config: AnomalyConfig, facts: Iterable[Fact]) -> list[Alert]:
    """Every alert the facts raise, read from the first."""
    return Scanner(config).feed(facts)


def alerts_from(alerts: Iterable[Alert], from_height: int) -> list[Alert]:
    """The alerts raised at `from_height` or later (the earlier blocks were read for
    context: the grants and revocations the later facts are judged by)."""
    return [a for a in alerts if a.height >= from_height]


__all__ = ["Alert", "Scanner", "alerts_from", "scan"]
