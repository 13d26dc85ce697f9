"""Evidence packages: a subject's events with everything needed to check them offline.

A package (docs/evidence.md gives its format byte for byte) holds the chain's genesis, the
validator changes decided since, the certified block headers that the events and those
changes sit in, and for each event its transaction and result with Merkle paths to that
header's roots. `check_package` needs nothing else: no node, no network, no clock. It
trusts the genesis it is handed (the court compares its hash with the chain's published
one, `--genesis`), and from there believes only signatures and hashes:

1. the file is one canonical JSON document whose manifest hashes match its parts;
2. the validator sets are followed from genesis: each change's result is proven under the
   results root of a block certified by the set in force before it (as verify-chain and
   `LedgerClient.get_validator_schedule` follow them);
3. every block header carries a commit certificate of a quorum of the set in force at its
   height, and names that set's activation height (a change left out of the history shows
   as a block naming a set the history does not have);
4. every event's transaction (signature checked) and result are proven leaves of the
   header's transaction and results roots, the result is the transaction's, and the event
   (or, for a refused transaction, the result) names the package's subject.

`check_package(strict=False)` (what `audit trace` runs over what it fetched) reports events
whose proof fails as unproven instead of refusing everything; `strict=True` (what
`audit check-evidence` runs) refuses the package at the first failure, naming it.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

from google.protobuf.message import DecodeError, Message

from consensus.validators import ValidatorSchedule
from contracts.framework.codec import canonical_json
from contracts.framework.identity import holder_id_for
from node.chain.events import event_attrs
from node.chain.tx import ArgValue, TxInvalid, check_tx
from node.genesis import Genesis, GenesisError
from node.sdk.finality import FinalityError, check_finality, get_scheduled_set
from node.sdk.inclusion import PATH_LENGTH_MAX, is_included
from proto import ledger_pb2
from suites import Suite

FORMAT: Final = "trustledger-evidence/1"

EVIDENCE_BYTES_MAX: Final = 256 * 1024 * 1024
"""A package larger than this is refused unread (a trace of a busy subject over years is a
few megabytes: one header and certificate per block, a few kilobytes per event)."""
PARTS_MAX: Final = 1_000_000
"""At most this many blocks, events or validator changes in one package."""
SUBJECT_CHARS_MAX: Final = 256

PART_NAMES: Final = ("scope", "genesis", "validator_changes", "blocks", "events")
"""The parts the manifest hashes, in the order they are checked."""

T = TypeVar("T", bound=Message)


class EvidenceError(Exception):
    """The package is refused: `part` says where (one of PART_NAMES, "file", "manifest",
    "validator-history", "block H", "event H/i"), `detail` what failed."""

    def __init__(self, part: str, detail: str) -> None:
        super().__init__(f"{part}: {detail}")
        self.part = part
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Bound:
    """One end of a range: a block height, or a block time (ms since the Unix epoch, UTC)."""

    height: int | None = None
    time_ms: int | None = None
    text: str = ""
    """As the user wrote it (kept in the package's scope)."""


def parse_bound(text: str) -> Bound:
    """A height (digits only) or an ISO 8601 time (a time without a zone is UTC)."""
    text = text.strip()
    if text.isdigit():
        return Bound(height=int(text), text=text)
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{text!r} is neither a block height (digits) nor an ISO 8601 time"
            " (2026-12-04 or 2026-12-04T10:00:00+08:00)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    # Exact milliseconds (a float timestamp times 1000 can fall 1 ms short).
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return Bound(time_ms=(moment - epoch) // dt.timedelta(milliseconds=1), text=text)


def is_in_range(height: int, time_ms: int, since: Bound | None, until: Bound | None) -> bool:
    """Whether a block (height, time) is within [since, until], both ends included."""
    if since is not None:
        if since.height is not None and height < since.height:
            return False
        if since.time_ms is not None and time_ms < since.time_ms:
            return False
    if until is not None:
        if until.height is not None and height > until.height:
            return False
        if until.time_ms is not None and time_ms > until.time_ms:
            return False
    return True


@dataclass(frozen=True, slots=True)
class BlockProof:
    """A block header and its commit certificate (the transactions stay out: the events
    carry Merkle paths to its roots)."""

    header: ledger_pb2.BlockHeader
    commit: ledger_pb2.CommitCertificate
    tx_count: int
    """Leaves of the transaction and results trees (the paths' shape depends on it)."""
    validator_set_from: int
    """Activation height of the validator set that the exporter says signs this block."""


@dataclass(frozen=True, slots=True)
class ValidatorChange:
    """A validator set decided on-chain: the result scheduling it, proven in its block."""

    activation_height: int
    decided_height: int
    tx_index: int
    result: ledger_pb2.TxResult
    path: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class EventProof:
    """One event of the subject (or one refused transaction about it) and its proofs."""

    height: int
    tx_index: int
    event_index: int
    """Index in the result's events; -1 for a refused transaction (it has none)."""
    actor_claimed: str
    """Who the node said acted (an organisation id or a holder pseudonym); shown only where
    the transaction's own key proves it (`get_actor`)."""
    transaction: ledger_pb2.Transaction
    tx_path: tuple[bytes, ...]
    result: ledger_pb2.TxResult
    result_path: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class Package:
    """An evidence package as read or about to be written."""

    subject: str
    since: str | None
    until: str | None
    genesis: Genesis
    validator_changes: tuple[ValidatorChange, ...]
    blocks: tuple[BlockProof, ...]
    events: tuple[EventProof, ...]


@dataclass(frozen=True, slots=True)
class Fact:
    """A proven event, as printed."""

    height: int
    tx_index: int
    time_ms: int
    tx_hash: bytes
    actor: str | None
    """Proven actor, or None (then `actor_claimed` is only what the node said)."""
    actor_claimed: str
    actor_key: bytes
    action: str
    ok: bool
    error: str
    details: dict[str, str | int | bool]

    def to_json(self) -> dict[str, Any]:
        return {
            "height": self.height,
            "tx_index": self.tx_index,
            "time": dt.datetime.fromtimestamp(self.time_ms / 1000, dt.UTC).isoformat(
                timespec="seconds"
            ),
            "time_ms": self.time_ms,
            "tx_hash": self.tx_hash.hex(),
            "actor": self.actor,
            "actor_claimed": self.actor_claimed,
            "actor_key": self.actor_key.hex(),
            "action": self.action,
            "ok": self.ok,
            "error": self.error,
            "details": self.details,
        }


@dataclass(frozen=True, slots=True)
class Unproven:
    """An entry the node listed whose proof failed: never shown as a fact."""

    height: int
    tx_index: int
    reason: str


@dataclass
class Checked:
    """What a package proves."""

    genesis_hash: bytes
    chain_id: str
    schedule: ValidatorSchedule
    facts: list[Fact] = field(default_factory=list)
    unproven: list[Unproven] = field(default_factory=list)


# ---------------------------------------------------------------------------- encoding


def _b64(message: Message) -> str:
    return base64.b64encode(message.SerializeToString(deterministic=True)).decode("ascii")


def _parts(p: Package) -> dict[str, Any]:
    return {
        "scope": {"format": FORMAT, "subject": p.subject, "since": p.since, "until": p.until},
        "genesis": p.genesis.to_json(),
        "validator_changes": [
            {
                "activation_height": c.activation_height,
                "decided_height": c.decided_height,
                "tx_index": c.tx_index,
                "result": _b64(c.result),
                "path": [h.hex() for h in c.path],
            }
            for c in p.validator_changes
        ],
        "blocks": [
            {
                "height": b.header.height,
                "header": _b64(b.header),
                "commit": _b64(b.commit),
                "tx_count": b.tx_count,
                "validator_set_from": b.validator_set_from,
            }
            for b in p.blocks
        ],
        "events": [
            {
                "height": e.height,
                "tx_index": e.tx_index,
                "event_index": e.event_index,
                "actor_claimed": e.actor_claimed,
                "transaction": _b64(e.transaction),
                "tx_path": [h.hex() for h in e.tx_path],
                "result": _b64(e.result),
                "result_path": [h.hex() for h in e.result_path],
            }
            for e in p.events
        ],
    }


def part_hash(value: Any) -> str:
    """SHA-256 (hex) of a part's canonical JSON: what the manifest lists."""
    return hashlib.sha256(canonical_json(value)).hexdigest()


def _counts(parts: dict[str, Any]) -> dict[str, int]:
    """The lengths of the three lists (-1 for a part that is not a list)."""
    return {k: len(parts[k]) if isinstance(parts[k], list) else -1 for k in PART_NAMES[2:]}


def seal(parts: dict[str, Any]) -> bytes:
    """The file's bytes: the parts and a manifest of their hashes, as canonical JSON and a
    newline (so there is exactly one file for one package)."""
    doc = {k: parts[k] for k in PART_NAMES}
    doc["manifest"] = {
        "format": FORMAT,
        "sha256": {k: part_hash(parts[k]) for k in PART_NAMES},
        "counts": _counts(parts),
    }
    return canonical_json(doc) + b"\n"


def encode_package(package: Package) -> bytes:
    return seal(_parts(package))


# ---------------------------------------------------------------------------- decoding


def read_parts(raw: bytes) -> dict[str, Any]:
    """The file's parts, after the file-level checks: size, canonical JSON, manifest."""
    if len(raw) > EVIDENCE_BYTES_MAX:
        raise EvidenceError("file", f"{len(raw)} bytes; the limit is {EVIDENCE_BYTES_MAX}")
    try:
        doc = json.loads(raw.decode("utf-8"))
        canonical_json(doc)  # numbers out of range, nesting too deep: refused here, once
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise EvidenceError(
            "file", f"not an evidence package (truncated or not JSON): {exc}"
        ) from None
    if not isinstance(doc, dict) or set(doc) != {*PART_NAMES, "manifest"}:
        found = sorted(doc) if isinstance(doc, dict) else type(doc).__name__
        raise EvidenceError(
            "file", f"parts must be {sorted((*PART_NAMES, 'manifest'))}, not {found}"
        )
    manifest = doc["manifest"]
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise EvidenceError("manifest", f"format is not {FORMAT!r}")
    hashes = manifest.get("sha256")
    if not isinstance(hashes, dict) or set(hashes) != set(PART_NAMES):
        raise EvidenceError("manifest", f"sha256 must list exactly {list(PART_NAMES)}")
    for name in PART_NAMES:
        if part_hash(doc[name]) != hashes[name]:
            raise EvidenceError("manifest", f"the {name} part does not match its SHA-256")
    counts = _counts(doc)
    if manifest.get("counts") != counts:
        raise EvidenceError("manifest", f"counts are not the parts' ({counts})")
    if seal(doc) != raw:
        raise EvidenceError(
            "file", "not in canonical form (a byte was changed, added or removed outside the parts)"
        )
    return doc


def _want(cond: bool, part: str, detail: str) -> None:
    if not cond:
        raise EvidenceError(part, detail)


def _int(value: Any, part: str, name: str) -> int:
    _want(isinstance(value, int) and not isinstance(value, bool), part, f"{name} is no integer")
    return int(value)


def _message(kind: type[T], text: Any, part: str, name: str) -> T:
    _want(isinstance(text, str), part, f"{name} is not base64 text")
    try:
        raw = base64.b64decode(text, validate=True)
        message = kind.FromString(raw)
    except (binascii.Error, ValueError, DecodeError) as exc:
        raise EvidenceError(part, f"{name} cannot be read: {exc}") from None
    _want(
        message.SerializeToString(deterministic=True) == raw,
        part,
        f"{name} is not in protobuf's deterministic form",
    )
    return message


def _path(value: Any, part: str, name: str) -> tuple[bytes, ...]:
    _want(isinstance(value, list) and len(value) <= PATH_LENGTH_MAX, part, f"{name} is not a path")
    out = []
    for item in value:
        _want(isinstance(item, str) and len(item) == 64, part, f"{name}: a hash is not 32 bytes")
        try:
            out.append(bytes.fromhex(item))
        except ValueError:
            raise EvidenceError(part, f"{name}: a hash is not hex") from None
    return tuple(out)


def _list(doc: dict[str, Any], name: str) -> list[dict[str, Any]]:
    items = doc[name]
    _want(isinstance(items, list) and len(items) <= PARTS_MAX, name, "not a list (or too long)")
    _want(all(isinstance(i, dict) for i in items), name, "an entry is not an object")
    return list(items)


def decode_package(raw: bytes) -> Package:
    """Read a package file; EvidenceError names the first thing wrong with its form."""
    doc = read_parts(raw)
    scope = doc["scope"]
    _want(isinstance(scope, dict) and scope.get("format") == FORMAT, "scope", "format differs")
    subject = scope.get("subject")
    _want(
        isinstance(subject, str) and 0 < len(subject) <= SUBJECT_CHARS_MAX,
        "scope",
        "subject is missing or too long",
    )
    since, until = scope.get("since"), scope.get("until")
    for bound in (since, until):
        _want(bound is None or isinstance(bound, str), "scope", "since/until must be text")
    try:
        genesis = Genesis.from_json(doc["genesis"])
    except GenesisError as exc:
        raise EvidenceError("genesis", str(exc)) from None
    changes = tuple(
        ValidatorChange(
            activation_height=_int(c.get("activation_height"), "validator_changes", "activation"),
            decided_height=_int(c.get("decided_height"), "validator_changes", "decided_height"),
            tx_index=_int(c.get("tx_index"), "validator_changes", "tx_index"),
            result=_message(ledger_pb2.TxResult, c.get("result"), "validator_changes", "result"),
            path=_path(c.get("path"), "validator_changes", "path"),
        )
        for c in _list(doc, "validator_changes")
    )
    blocks = []
    for b in _list(doc, "blocks"):
        header = _message(ledger_pb2.BlockHeader, b.get("header"), "blocks", "header")
        _want(
            _int(b.get("height"), "blocks", "height") == header.height,
            "blocks",
            f"a block listed at height {b.get('height')} has the header of {header.height}",
        )
        blocks.append(
            BlockProof(
                header=header,
                commit=_message(ledger_pb2.CommitCertificate, b.get("commit"), "blocks", "commit"),
                tx_count=_int(b.get("tx_count"), "blocks", "tx_count"),
                validator_set_from=_int(b.get("validator_set_from"), "blocks", "set"),
            )
        )
    events = []
    for e in _list(doc, "events"):
        claimed = e.get("actor_claimed")
        _want(isinstance(claimed, str), "events", "actor_claimed is not text")
        events.append(
            EventProof(
                height=_int(e.get("height"), "events", "height"),
                tx_index=_int(e.get("tx_index"), "events", "tx_index"),
                event_index=_int(e.get("event_index"), "events", "event_index"),
                actor_claimed=str(claimed),
                transaction=_message(ledger_pb2.Transaction, e.get("transaction"), "events", "tx"),
                tx_path=_path(e.get("tx_path"), "events", "tx_path"),
                result=_message(ledger_pb2.TxResult, e.get("result"), "events", "result"),
                result_path=_path(e.get("result_path"), "events", "result_path"),
            )
        )
    return Package(
        subject=str(subject),
        since=since,
        until=until,
        genesis=genesis,
        validator_changes=changes,
        blocks=tuple(blocks),
        events=tuple(events),
    )


# ---------------------------------------------------------------------------- checking


def _no_screen(_hash: bytes, _body: ledger_pb2.TxBody, _args: dict[str, ArgValue]) -> None:
    """Admission's screens change with versions; evidence checks what the chain guarantees
    of a committed transaction: its shape, chain id and signature (as verify-chain does)."""


def get_actor(genesis: Genesis, submitter: bytes, claimed: str) -> str | None:
    """The actor the transaction's key proves: a founding organisation whose genesis key it
    is, or the holder pseudonym of the key; None when the node's claim is neither (an
    organisation admitted after genesis, whose key only chain state names)."""
    for org in genesis.organisations:
        if org.id == claimed and org.public_key == submitter:
            return claimed
    return claimed if claimed == holder_id_for(submitter, genesis.suite) else None


def _follow_history(
    schedule: ValidatorSchedule,
    changes: dict[int, list[ValidatorChange]],
    block: BlockProof,
    suite: Suite,
) -> ValidatorSchedule:
    """The schedule after the changes decided in `block` (already certified)."""
    height = block.header.height
    for change in changes.pop(height, []):
        part = f"validator change from height {change.activation_height}"
        leaf = change.result.SerializeToString(deterministic=True)
        if not is_included(
            leaf,
            change.tx_index,
            block.tx_count,
            list(change.path),
            block.header.results_root,
            suite,
        ):
            raise EvidenceError(part, f"its result is not under block {height}'s results root")
        try:
            members = get_scheduled_set(
                ledger_pb2.BlockResults(results=[change.result]),
                change.activation_height,
                suite=suite,
            )
            schedule = schedule.with_activation(change.activation_height, members)
        except (FinalityError, ValueError) as exc:
            raise EvidenceError(part, str(exc)) from None
    return schedule


def _check_block(
    chain_id: str, schedule: ValidatorSchedule, block: BlockProof, suite: Suite
) -> None:
    height = block.header.height
    if not 1 <= block.tx_count <= PARTS_MAX:
        raise EvidenceError(f"block {height}", "tx_count out of range")
    in_force = max(a for a, _ in schedule.entries if a <= height)
    if block.validator_set_from != in_force:
        raise EvidenceError(
            "validator-history",
            f"block {height} names the validator set from height {block.validator_set_from},"
            f" but the package's history has the set from {in_force} in force there"
            " (a validator change is missing or invented)",
        )
    try:
        check_finality(chain_id, schedule, block.header, block.commit, suite=suite)
    except FinalityError as exc:
        raise EvidenceError(f"block {height}", f"commit certificate: {exc}") from None


def _check_event(
    package: Package, block: BlockProof, ev: EventProof, since: Bound | None, until: Bound | None
) -> Fact:
    """The event's fact, or EvidenceError (part `event H/i`) naming what does not hold."""
    part = f"event {ev.height}/{ev.tx_index}"
    header = block.header
    tx = ev.transaction
    suite = package.genesis.suite
    try:
        h = check_tx(tx, header.chain_id, suite=suite, screen=_no_screen).hash
    except TxInvalid as exc:
        raise EvidenceError(part, f"transaction: {exc.message}") from None
    if not is_included(h, ev.tx_index, block.tx_count, list(ev.tx_path), header.tx_root, suite):
        raise EvidenceError(part, f"transaction: not under block {ev.height}'s transaction root")
    result = ev.result
    leaf = result.SerializeToString(deterministic=True)
    if not is_included(
        leaf, ev.tx_index, block.tx_count, list(ev.result_path), header.results_root, suite
    ):
        raise EvidenceError(part, f"result: not under block {ev.height}'s results root")
    if bytes(result.tx_hash) != h:
        raise EvidenceError(part, "result: the result is another transaction's")
    if ev.event_index == -1:
        if result.ok:
            raise EvidenceError(part, "result: an accepted transaction listed as refused")
        named = list(result.subjects)
        action = f"{result.contract}.{result.method} REJECTED"
        details: dict[str, str | int | bool] = {}
    else:
        if not result.ok or not 0 <= ev.event_index < len(result.events):
            raise EvidenceError(part, f"result: the result has no event {ev.event_index}")
        event = result.events[ev.event_index]
        named = list(event.subjects)
        action = event.name
        details = dict(event_attrs(event))
    if package.subject not in named:
        raise EvidenceError(part, f"result: the event does not name {package.subject}")
    if not is_in_range(header.height, header.time_ms, since, until):
        raise EvidenceError(part, "scope: the event is outside the package's range")
    submitter = bytes(tx.body.submitter)
    return Fact(
        height=header.height,
        tx_index=ev.tx_index,
        time_ms=header.time_ms,
        tx_hash=h,
        actor=get_actor(package.genesis, submitter, ev.actor_claimed),
        actor_claimed=ev.actor_claimed,
        actor_key=submitter,
        action=action,
        ok=result.ok,
        error="" if result.ok else f"{result.error_code}: {result.error_message}",
        details=details,
    )


def check_package(
    package: Package,
    *,
    strict: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> Checked:
    """Check everything the package claims (the module's docstring lists the steps).

    strict: the first failure raises EvidenceError. Not strict: an event whose block or own
    proof fails is listed in `unproven` with the reason and the rest still checked; a broken
    validator history still raises (nothing after it could be believed)."""
    genesis = package.genesis
    chain_id = genesis.chain_id
    out = Checked(genesis.hash, chain_id, ValidatorSchedule.starting_with(genesis.validators))
    try:
        since = parse_bound(package.since) if package.since is not None else None
        until = parse_bound(package.until) if package.until is not None else None
    except ValueError as exc:
        raise EvidenceError("scope", str(exc)) from None
    heights = [b.header.height for b in package.blocks]
    if heights != sorted(set(heights)):
        raise EvidenceError("blocks", "blocks are not in strictly increasing height order")
    blocks = {b.header.height: b for b in package.blocks}
    changes: dict[int, list[ValidatorChange]] = {}
    last_activation = 0
    for change in package.validator_changes:
        if change.activation_height <= last_activation:
            raise EvidenceError("validator_changes", "not in increasing activation order")
        last_activation = change.activation_height
        if change.decided_height not in blocks:
            raise EvidenceError(
                f"validator change from height {change.activation_height}",
                f"its block {change.decided_height} is not in the package",
            )
        changes.setdefault(change.decided_height, []).append(change)
    keys = [(e.height, e.tx_index, e.event_index) for e in package.events]
    if keys != sorted(set(keys)):
        raise EvidenceError("events", "events are not in strictly increasing order")
    bad_blocks: dict[int, str] = {}
    total = len(package.blocks) + len(package.events)
    done = 0
    for block in package.blocks:
        try:
            _check_block(chain_id, out.schedule, block, genesis.suite)
        except EvidenceError as exc:
            if strict or exc.part == "validator-history" or block.header.height in changes:
                raise
            bad_blocks[block.header.height] = str(exc)
        else:
            out.schedule = _follow_history(out.schedule, changes, block, genesis.suite)
        done += 1
        if progress is not None:
            progress(done, total)
    for ev in package.events:
        done += 1
        if progress is not None:
            progress(done, total)
        reason = bad_blocks.get(ev.height)  # (only when not strict: strict raised there)
        if reason is not None:
            out.unproven.append(Unproven(ev.height, ev.tx_index, reason))
            continue
        try:
            block_ = blocks.get(ev.height)
            if block_ is None:
                raise EvidenceError(
                    f"event {ev.height}/{ev.tx_index}", "its block is not in the package"
                )
            out.facts.append(_check_event(package, block_, ev, since, until))
        except EvidenceError as exc:
            if strict:
                raise
            out.unproven.append(Unproven(ev.height, ev.tx_index, exc.detail))
    return out


def check_file(
    raw: bytes, progress: Callable[[int, int], None] | None = None
) -> tuple[Package, Checked]:
    """A package file read and checked in full (`audit check-evidence`)."""
    package = decode_package(raw)
    return package, check_package(package, progress=progress)


__all__ = [
    "FORMAT",
    "BlockProof",
    "Bound",
    "Checked",
    "EventProof",
    "EvidenceError",
    "Fact",
    "Package",
    "Unproven",
    "ValidatorChange",
    "check_file",
    "check_package",
    "decode_package",
    "encode_package",
    "is_in_range",
    "parse_bound",
]
