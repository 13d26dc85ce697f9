"""Where a holder's data went, and what an organisation did: the pure aggregation behind
`audit graph` and `audit report` (issue 13, items 5 and 6).

Both read the same thing: entries of the audit trail, each one event of a committed
transaction (or a transaction the chain refused), with its block height and block time.
Where the entries come from is the caller's business (the CLI asks a node's audit index,
`Ledger/AuditTrace`); nothing here does I/O, so the counting is tested on its own and the
source can be swapped for proven events (node/sdk/trace.py) without touching it.

The graph (`build_flow_graph`) is three columns: the organisations that put data into a
holder's file (issued a certificate, appended an archive record), the holder's
certificates and archive items, and the organisations the data went to (a grant, a
verification, an access), each edge counted. The report (`build_org_report`) counts one
organisation's requests, grants, refusals, accesses, verifications, corrections and
data-sharing applications, answers, shares and ratings (contracts/sharing) in a window of
blocks, with response times (median and p90, nearest rank) in blocks and in
block time. Only ids go in either: holder pseudonyms, certificate and record ids,
organisation ids (and the names the chain gives organisations); never a document's fields.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from contracts.framework.identity import is_holder_id
from node.chain.events import event_attrs
from node.sdk import evidence
from node.sdk.evidence import Bound as Bound
from proto import node_pb2

AttrValue = str | int | bool

# Event names as the contracts declare them (contracts/*/events.py); written out here
# because the SDK reads them off the wire, whatever contract version wrote them.
CERT_ISSUED: Final = "certificate.issued"
CERT_REISSUED: Final = "certificate.reissued"
CERT_VERIFIED: Final = "certificate.verified"
RECORD_APPENDED: Final = "archive.appended"
CORRECTION_REQUESTED: Final = "archive.correction_requested"
CORRECTION_ANSWERS: Final = frozenset(("archive.corrected", "archive.correction_refused"))
CONSENT_REQUESTED: Final = "consent.requested"
CONSENT_GRANTED: Final = "consent.granted"
CONSENT_REFUSED: Final = "consent.refused"
CONSENT_ACCESSED: Final = "consent.accessed"
CONSENT_ANSWERS: Final = frozenset((CONSENT_GRANTED, CONSENT_REFUSED))
SHARE_APPLIED: Final = "sharing.applied"
SHARE_APPROVED: Final = "sharing.approved"
SHARE_REFUSED: Final = "sharing.refused"
SHARE_SHARED: Final = "sharing.shared"
SHARE_RATED: Final = "sharing.rated"

EDGE_KINDS: Final = ("issue", "append", "grant", "verify", "access", "refused")
"""The edges of a flow graph: into the file (issue, append), out of it (grant, verify,
access), and the attempts the chain refused (from the holder to the organisation that
made them)."""

INWARD: Final = frozenset(("issue", "append"))
"""The edge kinds from an organisation into the holder's file; the others go out of it."""

ITEM_EDGES: Final[Mapping[str, tuple[str, str]]] = {
    CERT_ISSUED: ("issuer", "issue"),
    CERT_REISSUED: ("issuer", "issue"),
    RECORD_APPENDED: ("source", "append"),
    CERT_VERIFIED: ("verifier", "verify"),
    CONSENT_ACCESSED: ("agency", "access"),
}
"""The events that are one edge between an item and an organisation: the attribute that
names the organisation, and the edge's kind."""

GRAPH_FORMATS: Final = ("svg", "png", "dot")
"""What `audit graph --format` writes (svg and png through Graphviz's `dot`)."""


class FlowError(ValueError):
    """Bad input to an aggregation: an unknown subject, a malformed bound; the message says
    what to give instead."""


@dataclass(frozen=True, slots=True)
class FlowEntry:
    """One entry of the audit trail, as the aggregation reads it."""

    height: int
    """Height of the block that carries the transaction."""

    time_ms: int
    """That block's time (ms since the Unix epoch, UTC), chosen by its proposer within bounds."""

    actor: str
    """Who submitted the transaction: an organisation id or a holder pseudonym."""

    name: str
    """The event's dotted name; empty for a transaction the chain refused."""

    subjects: tuple[str, ...] = ()
    """Ids the event is about, in the order its contract lists them."""

    attrs: Mapping[str, AttrValue] = field(default_factory=dict)
    """The event's attributes."""

    ok: bool = True
    """False for a refused transaction (then `name` is empty)."""

    call: str = ""
    """`contract.method` of the transaction."""


def entries_from_trace(resp: node_pb2.AuditTraceResponse) -> list[FlowEntry]:
    """A node's audit trace as entries, in its (block) order."""
    out: list[FlowEntry] = []
    for e in resp.entries:
        # A refused attempt has no event: its fields read as empty, as they should.
        out.append(
            FlowEntry(
                height=int(e.height),
                time_ms=int(e.time_ms),
                actor=e.actor,
                name=e.event.name,
                subjects=tuple(e.event.subjects),
                attrs=event_attrs(e.event),
                ok=e.ok,
                call=f"{e.contract}.{e.method}",
            )
        )
    return out


# --- Windows of blocks ---------------------------------------------------------------------


def parse_bound(text: str) -> Bound:
    """A height (digits only) or an ISO 8601 time (a time without a zone is UTC): the forms
    `audit trace --since/--until` takes, parsed by the same function."""
    try:
        return evidence.parse_bound(text)
    except ValueError as exc:
        raise FlowError(str(exc)) from None


def is_in_window(entry: FlowEntry, since: Bound | None, until: Bound | None) -> bool:
    """Whether the entry's block lies within [since, until], both ends included."""
    if since is not None:
        if since.height is not None and entry.height < since.height:
            return False
        if since.time_ms is not None and entry.time_ms < since.time_ms:
            return False
    if until is not None:
        if until.height is not None and entry.height > until.height:
            return False
        if until.time_ms is not None and entry.time_ms > until.time_ms:
            return False
    return True


# --- Reading events ------------------------------------------------------------------------


def _text(entry: FlowEntry, key: str) -> str:
    value = entry.attrs.get(key, "")
    return value if isinstance(value, str) else ""


def get_request_id(entry: FlowEntry) -> str:
    """A consent event's request id: the subject after the agency (contracts/consent lists
    holder, certificates, agency, request, then whoever acted; neither a holder id nor a
    certificate id can be an organisation id)."""
    agency = _text(entry, "agency")
    try:
        return entry.subjects[entry.subjects.index(agency) + 1]
    except (ValueError, IndexError):
        return ""


def get_item_id(entry: FlowEntry) -> str:
    """The certificate or archive record a certificate, archive or access event is about:
    its second subject (the holder comes first in every one of them; a reissue names the
    new certificate there)."""
    return entry.subjects[1] if len(entry.subjects) > 1 else ""


def get_item(entry: FlowEntry) -> Item:
    """The item an issue, append, verification or access event is about, with its kind
    and its type or category as the event gives them."""
    if entry.name == RECORD_APPENDED or _text(entry, "target") == "record":
        return Item(get_item_id(entry), "record", _text(entry, "category"))
    return Item(get_item_id(entry), "certificate", _text(entry, "cert_type"))


def _scope_items(text: str) -> list[dict[str, object]]:
    try:
        items = json.loads(text) if text else []
    except ValueError:
        return []
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


# --- The graph -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Item:
    """One of the holder's certificates or archive records."""

    item_id: str
    kind: str
    """"certificate" or "record"."""

    type: str
    """Its certificate type or record category (catalogue ids, nothing personal)."""


@dataclass(frozen=True, slots=True)
class FlowGraph:
    """The data flow around one holder."""

    holder: str
    items: tuple[Item, ...]
    """Her certificates and archive records, in the order they appeared."""

    edges: Mapping[tuple[str, str, str], int]
    """(from, to, kind) -> count. `from` and `to` are item ids, organisation ids, or the
    holder's id (the start of a `refused` edge); which side an organisation is on follows
    from the kind: issue and append come from one, grant, verify, access and refused go to one."""

    def count(self, kind: str) -> int:
        """All edges of `kind`, counted."""
        return sum(n for (_, _, k), n in self.edges.items() if k == kind)

    def organisations(self) -> list[str]:
        """Every organisation on either side, sorted."""
        return sorted(
            {a for (a, _, k) in self.edges if k in INWARD}
            | {b for (_, b, k) in self.edges if k not in INWARD}
        )


def check_holder(subject: str) -> None:
    """Raise FlowError unless `subject` is a holder id: the graph is drawn around a holder
    (checked before anything is fetched)."""
    if not is_holder_id(subject):
        raise FlowError(
            f"{subject!r} is not a holder id (hd…): the graph is drawn around a holder;"
            " `audit trace` takes certificates, requests and organisations"
        )


def build_flow_graph(holder: str, entries: Iterable[FlowEntry]) -> FlowGraph:
    """The graph of `holder`'s trace. Raises FlowError if `holder` is no holder id or the
    trail names her nowhere (an unknown holder and one with no activity look the same to
    an auditor: nothing to draw)."""
    check_holder(holder)
    items: dict[str, Item] = {}
    scopes: dict[str, list[dict[str, object]]] = {}
    edges: dict[tuple[str, str, str], int] = {}

    def add(a: str, b: str, kind: str) -> None:
        edges[(a, b, kind)] = edges.get((a, b, kind), 0) + 1

    def covered(scope: Sequence[Mapping[str, object]]) -> list[str]:
        """The holder's items a granted scope covers: the certificates it names, and her
        items of the types and categories it names."""
        return [
            item.item_id
            for item in items.values()
            if any(
                s.get("cert_id") == item.item_id
                or (item.kind == "certificate" and s.get("cert_type") == item.type)
                or (item.kind == "record" and s.get("record_category") == item.type)
                for s in scope
            )
        ]

    trail = list(entries)
    if not trail:
        raise FlowError(f"unknown subject {holder}: no entry of the audit trail names it")
    for e in trail:
        if not e.ok:
            if e.actor and not is_holder_id(e.actor):
                add(holder, e.actor, "refused")
            continue
        if e.subjects[:1] != (holder,):
            continue  # an event about someone else naming her (a delegate's acts)
        if e.name in ITEM_EDGES:
            who, kind = ITEM_EDGES[e.name]
            org = _text(e, who)
            if not org:
                continue  # an event that names no organisation draws no edge
            item = items.setdefault(get_item_id(e), get_item(e))
            if kind in INWARD:
                add(org, item.item_id, kind)
            else:
                add(item.item_id, org, kind)
        elif e.name == CONSENT_REQUESTED:
            scopes[get_request_id(e)] = _scope_items(_text(e, "scope"))
        elif e.name == CONSENT_GRANTED:
            # The granted scope (narrower than the request's, perhaps); a grant event
            # without one (an older contract version) grants what was asked.
            granted_scope = _scope_items(_text(e, "scope")) or scopes.get(get_request_id(e), [])
            for granted in covered(granted_scope):
                add(granted, _text(e, "agency"), "grant")
    return FlowGraph(holder, tuple(items.values()), edges)


def _quoted(*lines: str) -> str:
    """A DOT string of one or more lines: quotes and backslashes escaped, and any line
    break inside a line flattened (a name can neither add lines nor end the string)."""
    escaped = (" ".join(line.split()).replace("\\", "\\\\").replace('"', '\\"') for line in lines)
    return '"' + "\\n".join(escaped) + '"'


EDGE_STYLES: Final[Mapping[str, str]] = {
    "issue": 'color="#4b5563"',
    "append": 'color="#4b5563", style=dashed',
    "grant": 'color="#15803d", penwidth=1.6',
    "verify": 'color="#1d4ed8"',
    "access": 'color="#b45309", penwidth=1.6',
    "refused": 'color="#b91c1c", style=dashed',
}


def render_dot(graph: FlowGraph, names: Mapping[str, str] | None = None) -> str:
    """The graph in Graphviz's DOT language: organisations that put data in on the left,
    the holder's items in a box in the middle, organisations it went to on the right.
    `names` gives organisations' names as the chain registers them (ids otherwise)."""
    names = names or {}

    def org_label(org: str) -> str:
        name = names.get(org)
        return _quoted(name, f"({org})") if name and name != org else _quoted(org)

    lines = [
        "digraph flows {",
        "  rankdir=LR; compound=true; newrank=true;",
        '  graph [fontname="Helvetica", fontsize=11, label='
        + _quoted(f"data flow of holder {graph.holder}")
        + ", labelloc=t];",
        '  node [fontname="Helvetica", fontsize=10, shape=box, style="rounded,filled",'
        ' fillcolor="#f3f4f6"];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    sources = sorted({a for (a, _, k) in graph.edges if k in INWARD})
    targets = sorted({b for (_, b, k) in graph.edges if k not in INWARD})
    for org in sources:
        lines.append(f'  {_quoted("in:" + org)} [label={org_label(org)}, fillcolor="#e0e7ff"];')
    lines.append("  subgraph cluster_holder {")
    lines.append(f'    label={_quoted("holder " + graph.holder)}; style=rounded; color="#6b7280";')
    lines.append(
        f"    {_quoted('holder:' + graph.holder)} [label={_quoted(graph.holder)},"
        ' shape=ellipse, fillcolor="#ffffff"];'
    )
    for item in graph.items:
        kind = "certificate" if item.kind == "certificate" else "archive record"
        label = _quoted(item.type, kind, item.item_id)
        fill = "#fef9c3" if item.kind == "certificate" else "#dcfce7"
        lines.append(f'    {_quoted("item:" + item.item_id)} [label={label}, fillcolor="{fill}"];')
    lines.append("  }")
    for org in targets:
        lines.append(f'  {_quoted("out:" + org)} [label={org_label(org)}, fillcolor="#fee2e2"];')
    for (a, b, kind), n in sorted(graph.edges.items()):
        if kind in INWARD:
            start, end = "in:" + a, "item:" + b
        elif kind == "refused":
            start, end = "holder:" + a, "out:" + b
        else:
            start, end = "item:" + a, "out:" + b
        label = _quoted(f"{kind} ×{n}")
        lines.append(f"  {_quoted(start)} -> {_quoted(end)} [label={label}, {EDGE_STYLES[kind]}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


# --- The report ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Spread:
    """Response times of one kind: how many, and the median and p90 by nearest rank (the
    smallest value with at least half, or nine tenths, of the values at or below it)."""

    count: int
    median: int | None
    p90: int | None

    def as_dict(self) -> dict[str, int | None]:
        return {"count": self.count, "median": self.median, "p90": self.p90}


def compute_spread(values: Sequence[int]) -> Spread:
    """Nearest-rank median and p90 (None for no values): always one of the values, so a
    figure in blocks is a whole number of blocks."""
    if not values:
        return Spread(0, None, None)
    ordered = sorted(values)

    def rank(p: float) -> int:
        return ordered[max(1, math.ceil(p * len(ordered))) - 1]

    return Spread(len(ordered), rank(0.5), rank(0.9))


COUNTS: Final = (
    "requests",
    "grants",
    "refusals",
    "accesses",
    "rejected",
    "verifications",
    "issued",
    "appended",
    "corrections_requested",
    "corrections_answered",
    "share_applications",
    "share_applications_received",
    "share_approvals",
    "share_refusals",
    "shares",
    "shares_received",
    "share_ratings",
)
"""The figures of a report, in the order it prints them."""

COUNT_MEANINGS: Final[Mapping[str, str]] = {
    "requests": "consent requests it made",
    "grants": "of its requests granted by the holder (or a delegate)",
    "refusals": "of its requests refused by the holder (or a delegate)",
    "accesses": "reads of a holder's data under a grant",
    "rejected": "its transactions the chain refused on its requests (e.g. a read without a grant)",
    "verifications": "certificates it verified (recorded verifications)",
    "issued": "certificates it issued or reissued",
    "appended": "archive records it appended",
    "corrections_requested": "corrections holders asked of its archive records",
    "corrections_answered": "of those it answered (corrected or refused)",
    "share_applications": "data-sharing applications it made to other agencies",
    "share_applications_received": "data-sharing applications other agencies made to it",
    "share_approvals": "of those it approved (as asked or narrowed)",
    "share_refusals": "of those it refused, with a reason",
    "shares": "shares of its data it executed (recorded by hash)",
    "shares_received": "shares it received from other agencies",
    "share_ratings": "ratings the applicants gave its shares",
}


@dataclass(frozen=True, slots=True)
class OrgReport:
    """One organisation's figures in a window of blocks."""

    org: str
    counts: Mapping[str, int]
    consent_answer_blocks: Spread
    """Its consent requests: blocks from the request's block to the holder's answer's."""

    consent_answer_ms: Spread
    """The same in block time (ms), as the blocks' proposers stamped them."""

    correction_answer_blocks: Spread
    """Corrections asked of its records: blocks from the request to its answer."""

    correction_answer_ms: Spread
    pending_requests: int
    """Its consent requests in the window with no answer yet."""

    pending_corrections: int

    share_rating_average: float | None = None
    """The mean of the ratings its shares got in the window (two decimals); None if none."""

    def as_dict(self) -> dict[str, object]:
        return {
            "org": self.org,
            **dict(self.counts),
            "pending_requests": self.pending_requests,
            "pending_corrections": self.pending_corrections,
            "share_rating_average": self.share_rating_average,
            "response_times": {
                "consent_answer_blocks": self.consent_answer_blocks.as_dict(),
                "consent_answer_ms": self.consent_answer_ms.as_dict(),
                "correction_answer_blocks": self.correction_answer_blocks.as_dict(),
                "correction_answer_ms": self.correction_answer_ms.as_dict(),
            },
        }


OWN_ACTS: Final[tuple[tuple[frozenset[str], str, str], ...]] = (
    (frozenset((CONSENT_REQUESTED,)), "agency", "requests"),
    (frozenset((CONSENT_GRANTED,)), "agency", "grants"),
    (frozenset((CONSENT_REFUSED,)), "agency", "refusals"),
    (frozenset((CONSENT_ACCESSED,)), "agency", "accesses"),
    (frozenset((CERT_VERIFIED,)), "verifier", "verifications"),
    (frozenset((CERT_ISSUED, CERT_REISSUED)), "issuer", "issued"),
    (frozenset((RECORD_APPENDED,)), "source", "appended"),
    (frozenset((CORRECTION_REQUESTED,)), "source", "corrections_requested"),
    (CORRECTION_ANSWERS, "source", "corrections_answered"),
    (frozenset((SHARE_APPLIED,)), "applicant", "share_applications"),
    (frozenset((SHARE_APPLIED,)), "owner", "share_applications_received"),
    (frozenset((SHARE_APPROVED,)), "owner", "share_approvals"),
    (frozenset((SHARE_REFUSED,)), "owner", "share_refusals"),
    (frozenset((SHARE_SHARED,)), "owner", "shares"),
    (frozenset((SHARE_SHARED,)), "applicant", "shares_received"),
    (frozenset((SHARE_RATED,)), "owner", "share_ratings"),
)
"""The figures that count one kind of event: its names, the attribute naming the
organisation it counts for, the figure."""


@dataclass
class Exchanges:
    """Questions and their answers of one kind (consent requests, corrections), paired by
    the id they share, for response times and what is left pending."""

    asked: dict[str, FlowEntry] = field(default_factory=dict)
    """Questions not answered yet, by id (any time: an older one may be answered in the window)."""

    pending: set[str] = field(default_factory=set)
    """Questions asked in the window and not answered by the end of the trail."""

    blocks: list[int] = field(default_factory=list)
    ms: list[int] = field(default_factory=list)
    """Response times of the answers in the window, in blocks and in block time."""

    def ask(self, key: str, question: FlowEntry, inside: bool) -> None:
        self.asked[key] = question
        if inside:
            self.pending.add(key)

    def answer(self, key: str, answer: FlowEntry, inside: bool) -> None:
        question = self.asked.pop(key, None)
        self.pending.discard(key)
        if inside and question is not None:
            self.blocks.append(answer.height - question.height)
            self.ms.append(answer.time_ms - question.time_ms)


def build_org_report(
    org: str,
    entries: Iterable[FlowEntry],
    since: Bound | None = None,
    until: Bound | None = None,
) -> OrgReport:
    """`org`'s figures from its trace, counting the entries whose block is in
    [since, until]. A response time counts when its answer is in the window (its request
    may be older: the whole trace is read); a request in the window with no answer by the
    end of the trail is pending. An organisation with nothing in the window gets zeros:
    whether it exists at all is the chain's to say (the CLI asks membership)."""
    counts = dict.fromkeys(COUNTS, 0)
    consent, corrections = Exchanges(), Exchanges()
    ratings: list[int] = []
    for e in entries:
        inside = is_in_window(e, since, until)
        if not e.ok:
            counts["rejected"] += inside and e.actor == org
            continue
        for names, who, figure in OWN_ACTS:
            if e.name in names and _text(e, who) == org:
                counts[figure] += inside
        rating = e.attrs.get("rating")  # an event without one is no rating to average
        if e.name == SHARE_RATED and _text(e, "owner") == org and inside and type(rating) is int:
            ratings.append(rating)
        if _text(e, "agency") == org:
            if e.name == CONSENT_REQUESTED:
                consent.ask(get_request_id(e), e, inside)
            elif e.name in CONSENT_ANSWERS:
                consent.answer(get_request_id(e), e, inside)
        if _text(e, "source") == org:
            if e.name == CORRECTION_REQUESTED:
                corrections.ask(get_item_id(e), e, inside)
            elif e.name in CORRECTION_ANSWERS:
                corrections.answer(get_item_id(e), e, inside)
    return OrgReport(
        org=org,
        counts=counts,
        consent_answer_blocks=compute_spread(consent.blocks),
        consent_answer_ms=compute_spread(consent.ms),
        correction_answer_blocks=compute_spread(corrections.blocks),
        correction_answer_ms=compute_spread(corrections.ms),
        pending_requests=len(consent.pending),
        pending_corrections=len(corrections.pending),
        share_rating_average=round(sum(ratings) / len(ratings), 2) if ratings else None,
    )
