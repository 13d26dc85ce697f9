"""Evidence packages and proven traces (node/sdk/evidence.py, node/sdk/trace.py,
node/sdk/inclusion.py): an honest package checks offline; each part tampered with — a
header byte, a certificate's signature, a validator change left out, a transaction
swapped, a result, the manifest, the file's bytes — is refused, naming the part; a lying
node's entries are reported unproven, never as facts."""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.main import app
from node.chain.merkle import merkle_root
from node.chain.tx import TxInvalid, check_tx
from node.genesis import Genesis, GenesisError
from node.sdk import evidence
from node.sdk.evidence import (
    FORMAT,
    Bound,
    EvidenceError,
    check_file,
    check_package,
    decode_package,
    encode_package,
    is_in_range,
    parse_bound,
    part_hash,
    seal,
)
from node.sdk.inclusion import MerkleTree, is_included, make_path, root_from_path
from node.sdk.trace import gather
from proto import ledger_pb2
from suites import SUITES, Suite
from tests.unit.consensus_support import CHAIN
from tests.unit.evidence_support import (
    ACTIVATION,
    CERT,
    EDU,
    GENESIS_TIME_MS,
    SUBJECT,
    SUITE,
    ChainSource,
    genesis,
    make_chain,
)

Parts = dict[str, Any]
ID_NUMBER = "11010519491231002X"
"""A resident ID number's shape (GB 11643), which admission refuses in any argument."""
runner = CliRunner()


@pytest.fixture(scope="module")
def honest() -> bytes:
    gathered = gather(ChainSource(make_chain()), genesis(), SUBJECT)
    assert gathered.unproven == []
    return encode_package(gathered.package)


def parts_of(raw: bytes) -> Parts:
    doc: Parts = json.loads(raw)
    return doc


def refused(raw: bytes) -> EvidenceError:
    with pytest.raises(EvidenceError) as caught:
        check_file(raw)
    return caught.value


def resealed(raw: bytes, change: Callable[[Parts], None]) -> bytes:
    """The package with `change` made and its manifest recomputed, as a forger would."""
    parts = parts_of(raw)
    change(parts)
    return seal(parts)


def message_edit(
    entry: Callable[[Parts], dict[str, Any]],
    key: str,
    kind: type[Any],
    change: Callable[[Any], None],
) -> Callable[[Parts], None]:
    """A forger's change to the parts: the protobuf message under `key` of the entry that
    `entry` picks, decoded as `kind`, changed and encoded back."""

    def edit(parts: Parts) -> None:
        picked = entry(parts)
        message = kind.FromString(base64.b64decode(picked[key]))
        change(message)
        picked[key] = base64.b64encode(message.SerializeToString(deterministic=True)).decode()

    return edit


def block_entry(parts: Parts, height: int) -> dict[str, Any]:
    found: dict[str, Any] = next(b for b in parts["blocks"] if b["height"] == height)
    return found


def first_event(parts: Parts) -> dict[str, Any]:
    found: dict[str, Any] = parts["events"][0]
    return found


def forged_vote(height: int, vote: int) -> Callable[[Parts], None]:
    """Block `height`'s commit certificate with vote number `vote`'s signature zeroed."""

    def forge(c: ledger_pb2.CommitCertificate) -> None:
        c.votes[vote].signature = bytes(64)

    return message_edit(
        lambda p: block_entry(p, height), "commit", ledger_pb2.CommitCertificate, forge
    )


def flip_a_signature_bit(t: ledger_pb2.Transaction) -> None:
    t.signature = bytes([t.signature[0] ^ 1]) + t.signature[1:]


FORGED_FIRST_TX = message_edit(
    first_event, "transaction", ledger_pb2.Transaction, flip_a_signature_bit
)
"""The first event's transaction with one bit of its signature flipped."""


# ---------------------------------------------------------------- Merkle paths


def rfc6962_path(leaves: list[bytes], m: int) -> list[bytes]:
    """PATH(m, D[n]) as RFC 6962, section 2.1.1 defines it, recursively."""
    n = len(leaves)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*rfc6962_path(leaves[:k], m), merkle_root(leaves[k:], SUITE)]
    return [*rfc6962_path(leaves[k:], m - k), merkle_root(leaves[:k], SUITE)]


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 16, 17, 31, 33])
def test_every_leaf_path_is_rfc_6962s_and_leads_to_the_chains_merkle_root(size: int) -> None:
    leaves = [b"leaf %d" % i for i in range(size)]
    root = merkle_root(leaves, SUITE)
    tree = MerkleTree(leaves, SUITE)
    assert (tree.root, tree.size) == (root, size)
    for i in range(size):
        path = make_path(leaves, i, SUITE)
        assert path == tree.path(i) == rfc6962_path(leaves, i)
        assert root_from_path(leaves[i], i, size, path, SUITE) == root
        assert len(path) <= size.bit_length()
        assert not is_included(b"other", i, size, path, root, SUITE)
        if size > 1:
            assert not is_included(leaves[i], (i + 1) % size, size, path, root, SUITE)
            assert root_from_path(leaves[i], i, size, path[:-1], SUITE) != root
            assert root_from_path(leaves[i], i, size, [*path, root], SUITE) is None


def test_a_path_outside_the_tree_is_refused() -> None:
    assert root_from_path(b"x", 3, 3, [], SUITE) is None
    assert root_from_path(b"x", -1, 3, [], SUITE) is None
    assert root_from_path(b"x", 0, 1, [bytes(32)], SUITE) is None
    # One past the last leaf, with a path that would fit: still no root.
    assert root_from_path(b"x", 2, 2, [bytes(32)], SUITE) is None
    with pytest.raises(ValueError, match="leaf 2 is not in a tree of 2"):
        MerkleTree([b"a", b"b"], SUITE).path(2)
    # A u64-sized tree is 64 siblings deep at most; one more is refused unread.
    deepest = 2**64 - 1
    assert root_from_path(b"x", 0, deepest, [bytes(32)] * 64, SUITE) is not None
    assert root_from_path(b"x", 0, deepest, [bytes(32)] * 65, SUITE) is None
    with pytest.raises(ValueError, match="not in a tree of 2"):
        make_path([b"a", b"b"], 2, SUITE)
    with pytest.raises(ValueError, match="not in a tree of 2"):
        MerkleTree([b"a", b"b"], SUITE).path(-1)
    with pytest.raises(ValueError, match="at least one leaf"):
        MerkleTree([], SUITE)


# ---------------------------------------------------------------- ranges


def test_a_bound_is_a_height_or_an_iso_time() -> None:
    assert parse_bound("120") == Bound(height=120, text="120")
    assert parse_bound("2026-01-01").time_ms == 1_767_225_600_000
    assert parse_bound("2026-01-01T08:00:00+08:00").time_ms == 1_767_225_600_000
    assert parse_bound("2024-12-04T10:00:00.123+00:00").time_ms == 1_733_306_400_123
    with pytest.raises(ValueError, match="neither a block height"):
        parse_bound("yesterday")
    since, until = Bound(height=3), Bound(time_ms=GENESIS_TIME_MS + 60_000 * 5)
    assert [
        h for h in range(1, 8) if is_in_range(h, GENESIS_TIME_MS + 60_000 * h, since, until)
    ] == [3, 4, 5]


# ---------------------------------------------------------------- honest packages


def test_an_honest_package_proves_every_event_of_the_subject(honest: bytes) -> None:
    package, checked = check_file(honest)
    assert [(f.height, f.action) for f in checked.facts] == [
        (1, "certificate.issued"),
        (3, "consent.granted"),
        (4, "consent.access REJECTED"),
        (5, "consent.granted"),
        (6, "consent.granted"),
    ]
    assert checked.facts[0].details == {"cert_id": CERT}
    assert checked.facts[0].actor == "edu"
    assert checked.facts[1].actor == SUBJECT
    assert checked.facts[2].error == "permission_denied: no grant" and not checked.facts[2].ok
    assert [a for a, _ in checked.schedule.entries] == [0, ACTIVATION]
    assert [b.header.height for b in package.blocks] == [1, 2, 3, 4, 5, 6]
    assert checked.genesis_hash == genesis().hash
    assert encode_package(package) == honest  # one package, one file


def test_a_range_keeps_only_its_events() -> None:
    gathered = gather(
        ChainSource(make_chain()),
        genesis(),
        SUBJECT,
        since=parse_bound("3"),
        until=parse_bound("2026-01-01T00:04:00"),  # block 4's time
    )
    raw = encode_package(gathered.package)
    assert [f.height for f in check_file(raw)[1].facts] == [3, 4]
    # An event outside the range the package states is refused, not shown.
    widened = resealed(raw, lambda p: p["scope"].update(until="3"))
    assert "outside the package's range" in refused(widened).detail


def test_a_range_that_ends_before_the_nodes_cut_is_complete() -> None:
    source = ChainSource(make_chain())
    assert gather(source, genesis(), SUBJECT, limit=2).truncated
    assert gather(source, genesis(), SUBJECT, limit=2, until=parse_bound("3")).truncated
    complete = gather(source, genesis(), SUBJECT, limit=2, until=parse_bound("2"))
    assert (complete.truncated, complete.listed) == (False, 1)
    by_time = gather(source, genesis(), SUBJECT, limit=2, until=parse_bound("2026-01-01T00:02"))
    assert (by_time.truncated, by_time.listed) == (False, 1)
    assert not gather(source, genesis(), SUBJECT, limit=9).truncated


def test_a_progress_callback_sees_every_step(honest: bytes) -> None:
    seen: list[tuple[int, int]] = []
    check_file(honest, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(n, 11) for n in range(1, 12)]  # 6 blocks, 5 events


# ---------------------------------------------------------------- the file


def test_a_truncated_or_malformed_file_is_refused(honest: bytes) -> None:
    for raw in (honest[: len(honest) // 2], honest[:-2], b"", b"\xff\xfe", b"[1, 2]", b"{}"):
        assert refused(raw).part == "file"
    assert refused(honest.replace(b'{"blocks"', b'{ "blocks"', 1)).part == "file"
    for hostile in (b"[" * 100_000 + b"]" * 100_000, b'{"scope": 1e400}', b'{"a": NaN}'):
        assert "not JSON" in refused(hostile).detail
    assert "canonical" in refused(honest + b"\n").detail


def test_any_changed_byte_of_a_part_fails_the_manifest(honest: bytes) -> None:
    at = honest.index(b'"header":"') + len(b'"header":"') + 10
    flipped = honest[:at] + (b"A" if honest[at : at + 1] != b"A" else b"B") + honest[at + 1 :]
    error = refused(flipped)
    assert (error.part, error.detail) == ("manifest", "the blocks part does not match its SHA-256")


def test_a_changed_manifest_is_refused(honest: bytes) -> None:
    parts = parts_of(honest)
    parts["manifest"]["sha256"]["events"] = "00" * 32
    raw = (
        json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        + b"\n"
    )
    assert refused(raw).detail == "the events part does not match its SHA-256"
    parts["manifest"]["sha256"]["events"] = part_hash(parts["events"])
    parts["manifest"]["counts"]["events"] = 4
    raw = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert refused(raw + b"\n").part == "manifest"
    assert refused(raw + b"\n").detail == (
        "counts are not the parts' ({'validator_changes': 1, 'blocks': 6, 'events': 5})"
    )
    parts["manifest"]["format"] = "other/1"
    raw = json.dumps(parts, sort_keys=True, separators=(",", ":")).encode() + b"\n"
    assert refused(raw).part == "manifest"
    del parts["manifest"]
    assert refused(json.dumps(parts).encode()).part == "file"


def test_a_missing_part_is_refused(honest: bytes) -> None:
    parts = parts_of(honest)
    del parts["events"]
    assert "parts must be" in refused(json.dumps(parts).encode()).detail


def test_parts_that_cannot_be_read_are_refused(honest: bytes) -> None:
    def bad_header(p: Parts) -> None:
        p["blocks"][0]["header"] = "!!not base64"

    def bad_path(p: Parts) -> None:
        p["events"][0]["tx_path"] = ["zz" * 32]

    def wrong_height(p: Parts) -> None:
        p["blocks"][0]["height"] = 9

    def bad_genesis(p: Parts) -> None:
        p["genesis"]["validators"] = "none"

    for change, part in (
        (bad_header, "blocks"),
        (bad_path, "events"),
        (wrong_height, "blocks"),
        (bad_genesis, "genesis"),
    ):
        assert refused(resealed(honest, change)).part == part


# ---------------------------------------------------------------- forgeries (manifest resealed)


def test_a_changed_header_byte_breaks_its_commit_certificate(honest: bytes) -> None:
    def flip(h: ledger_pb2.BlockHeader) -> None:
        h.state_root = bytes([h.state_root[0] ^ 1]) + h.state_root[1:]

    change = message_edit(lambda p: block_entry(p, 3), "header", ledger_pb2.BlockHeader, flip)
    error = refused(resealed(honest, change))
    assert error.part == "block 3"
    assert "commit certificate is for another block" in error.detail


def test_a_forged_certificate_signature_is_refused(honest: bytes) -> None:
    error = refused(resealed(honest, forged_vote(5, 1)))
    assert (error.part, error.detail) == (
        "block 5",
        "commit certificate: certificate for height 5: bad signature from validator 'v1'",
    )


def test_a_validator_change_left_out_is_refused(honest: bytes) -> None:
    def drop(p: Parts) -> None:
        p["validator_changes"] = []

    error = refused(resealed(honest, drop))
    assert error.part == "validator-history"
    assert "block 5 names the validator set from height 5" in error.detail

    def drop_and_rename(p: Parts) -> None:
        drop(p)
        for b in p["blocks"]:
            b["validator_set_from"] = 0

    error = refused(resealed(honest, drop_and_rename))
    assert error.part == "block 5"
    assert "vote from unknown validator 'w3'" in error.detail


def test_a_validator_change_not_in_its_block_is_refused(honest: bytes) -> None:
    def elsewhere(p: Parts) -> None:
        p["validator_changes"][0]["tx_index"] = 0

    error = refused(resealed(honest, elsewhere))
    assert error.part == "validator change from height 5"
    assert "not under block 2's results root" in error.detail

    def unknown_block(p: Parts) -> None:
        p["validator_changes"][0]["decided_height"] = 7

    assert "block 7 is not in the package" in refused(resealed(honest, unknown_block)).detail


def test_a_swapped_transaction_is_refused(honest: bytes) -> None:
    def swap(p: Parts) -> None:
        p["events"][1]["transaction"] = p["events"][3]["transaction"]

    error = refused(resealed(honest, swap))
    assert error.part == "event 3/2"
    assert "not under block 3's transaction root" in error.detail


def test_a_forged_transaction_signature_is_refused(honest: bytes) -> None:
    error = refused(resealed(honest, FORGED_FIRST_TX))
    assert error.part == "event 1/2"
    assert "signature" in error.detail


def test_an_altered_result_is_refused(honest: bytes) -> None:
    def alter(r: ledger_pb2.TxResult) -> None:
        r.events[0].attrs[0].text = "cert-someone-else"

    error = refused(
        resealed(honest, message_edit(first_event, "result", ledger_pb2.TxResult, alter))
    )
    assert (error.part, error.detail) == ("event 1/2", "result: not under block 1's results root")


def test_an_event_of_another_subject_or_kind_is_refused(honest: bytes) -> None:
    error = refused(resealed(honest, lambda p: p["scope"].update(subject="hd" + "0" * 40)))
    assert "the event does not name hd000" in error.detail

    def other_event(p: Parts) -> None:
        p["events"][1]["event_index"] = 1  # consent.noted names only the request

    assert "does not name" in refused(resealed(honest, other_event)).detail

    def as_refused(p: Parts) -> None:
        p["events"][1]["event_index"] = -1

    assert "accepted transaction listed as refused" in refused(resealed(honest, as_refused)).detail

    def missing_block(p: Parts) -> None:
        p["blocks"] = [b for b in p["blocks"] if b["height"] != 6]

    assert error_of(resealed(honest, missing_block)) == (
        "event 6/1",
        "its block is not in the package",
    )


def test_blocks_and_events_must_be_in_order(honest: bytes) -> None:
    assert (
        "strictly increasing" in refused(resealed(honest, lambda p: p["blocks"].reverse())).detail
    )
    assert (
        "strictly increasing" in refused(resealed(honest, lambda p: p["events"].reverse())).detail
    )


def test_a_claimed_actor_the_keys_do_not_prove_is_not_shown_as_fact(honest: bytes) -> None:
    def claim(p: Parts) -> None:
        p["events"][0]["actor_claimed"] = "police"

    facts = check_file(resealed(honest, claim))[1].facts
    assert (facts[0].actor, facts[0].actor_claimed) == (None, "police")


# ---------------------------------------------------------------- a lying node


def test_a_lying_nodes_entries_are_unproven_never_facts() -> None:
    blocks = make_chain()
    blocks[5].block.commit.votes[0].signature = bytes(64)  # block 6: forged certificate
    source = ChainSource(blocks)
    honest_trace = source.audit_trace

    def lying_trace(subject: str, limit: int = 0) -> Any:
        resp = honest_trace(subject, limit)
        resp.entries[1].tx_hash = b"\x00" * 32  # block 3: another transaction
        resp.entries[3].event.name = "consent.revoked"  # block 5: an event never emitted
        return resp

    source.audit_trace = lying_trace  # type: ignore[method-assign]
    gathered = gather(source, genesis(), SUBJECT)
    checked = check_package(gathered.package, strict=False)
    unproven = sorted([*gathered.unproven, *checked.unproven], key=lambda u: u.height)
    assert [(f.height, f.action) for f in checked.facts] == [
        (1, "certificate.issued"),
        (4, "consent.access REJECTED"),
    ]
    assert [(u.height, u.tx_index, u.reason) for u in unproven] == [
        (3, 2, "the block holds another transaction there"),
        (5, 2, "the event is not in the block's results"),
        (
            6,
            1,
            "block 6: commit certificate: certificate for height 6: bad signature from validator 'v0'",
        ),
    ]
    with pytest.raises(EvidenceError, match="block 6"):
        check_package(gathered.package, strict=True)


def test_every_sampled_byte_changed_is_refused(honest: bytes) -> None:
    """A byte changed anywhere — in a part, the manifest or between them — is refused."""
    positions = range(0, len(honest), 37)
    for at in positions:
        changed = honest[:at] + bytes([honest[at] ^ 0x01]) + honest[at + 1 :]
        with pytest.raises(EvidenceError):
            check_file(changed)
    assert len(positions) > 100


# ---------------------------------------------------------------- the command


def check_command(*args: str) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(app, ["audit", "check-evidence", *args, "--json"])
    doc: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return result.exit_code, doc


def test_check_evidence_checks_a_file_offline(honest: bytes, tmp_path: Path) -> None:
    path = tmp_path / "evidence.json"
    path.write_bytes(honest)
    code, doc = check_command(str(path))
    assert (code, doc["ok"], doc["genesis_pinned"]) == (0, True, False)
    assert [e["action"] for e in doc["entries"]][:2] == ["certificate.issued", "consent.granted"]
    assert doc["validator_sets"][1] == {"from_height": 5, "validators": ["v0", "v1", "v2", "w3"]}
    genesis().save(tmp_path / "genesis.json")
    code, doc = check_command(str(path), "--genesis", str(tmp_path / "genesis.json"))
    assert (code, doc["genesis_pinned"]) == (0, True)
    human = runner.invoke(app, ["audit", "check-evidence", str(path)])
    assert human.exit_code == 0 and "OK" in human.stdout and "consent.granted" in human.stdout


def test_check_evidence_refuses_with_the_part_that_failed(honest: bytes, tmp_path: Path) -> None:
    path = tmp_path / "evidence.json"
    path.write_bytes(honest[:-100])
    assert check_command(str(path))[0] == 1
    assert check_command(str(path))[1]["part"] == "file"
    path.write_bytes(resealed(honest, lambda p: p.update(validator_changes=[])))
    code, doc = check_command(str(path))
    assert (code, doc["ok"], doc["part"]) == (1, False, "validator-history")
    code, doc = check_command(str(tmp_path / "absent.json"))
    assert (code, doc["part"]) == (1, "file") and "cannot read" in doc["detail"]
    other = genesis()
    other = dataclasses.replace(other, genesis_time_ms=other.genesis_time_ms + 1)
    other.save(tmp_path / "other.json")
    path.write_bytes(honest)
    code, doc = check_command(str(path), "--genesis", str(tmp_path / "other.json"))
    assert (code, doc["part"]) == (1, "genesis") and "not from" in doc["detail"]
    human = runner.invoke(app, ["audit", "check-evidence", str(tmp_path / "absent.json")])
    assert human.exit_code == 1 and "REFUSED: file: cannot read" in human.stderr


# ---------------------------------------------------------------- every refusal, by name


def error_of(raw: bytes, *, decode_only: bool = False) -> tuple[str, str]:
    with pytest.raises(EvidenceError) as caught:
        if decode_only:
            decode_package(raw)
        else:
            check_file(raw)
    return caught.value.part, caught.value.detail


def setter(path: str, value: Any) -> Callable[[Parts], None]:
    """A change setting `path` (dotted, list indexes as numbers) to `value`."""

    def change(p: Parts) -> None:
        *where, last = path.split(".")
        node: Any = p
        for key in where:
            node = node[int(key)] if key.isdigit() else node[key]
        node[int(last) if last.isdigit() else last] = value

    return change


NOT_BASE64 = "AAAA!"
"""Base64 with a character outside the alphabet (which a lenient decoder would drop)."""

DECODE_REFUSALS: list[tuple[str, Any, str, str]] = [
    ("scope", [], "scope", "format differs"),
    ("scope.format", "other/1", "scope", "format differs"),
    ("scope.subject", "", "scope", "subject is missing or too long"),
    ("scope.subject", 5, "scope", "subject is missing or too long"),
    ("scope.subject", "x" * 257, "scope", "subject is missing or too long"),
    ("scope.since", 5, "scope", "since/until must be text"),
    ("scope.until", 5, "scope", "since/until must be text"),
    ("validator_changes", {}, "validator_changes", "not a list (or too long)"),
    ("validator_changes", [1], "validator_changes", "an entry is not an object"),
    ("validator_changes.0.activation_height", "5", "validator_changes", "activation is no integer"),
    ("validator_changes.0.activation_height", True, "validator_changes", "activation is no integer"),
    ("validator_changes.0.decided_height", None, "validator_changes", "decided_height is no integer"),
    ("validator_changes.0.tx_index", 1.5, "validator_changes", "tx_index is no integer"),
    ("validator_changes.0.result", 7, "validator_changes", "result is not base64 text"),
    ("validator_changes.0.path", "x", "validator_changes", "path is not a path"),
    ("validator_changes.0.path", ["00" * 32] * 65, "validator_changes", "path is not a path"),
    ("validator_changes.0.path", [5], "validator_changes", "path: a hash is not 32 bytes"),
    ("validator_changes.0.path", ["zz" * 32], "validator_changes", "path: a hash is not hex"),
    ("blocks.0.header", 5, "blocks", "header is not base64 text"),
    ("blocks.0.height", 9, "blocks", "a block listed at height 9 has the header of 1"),
    ("blocks.0.height", "1", "blocks", "height is no integer"),
    ("blocks.0.commit", None, "blocks", "commit is not base64 text"),
    ("blocks.0.tx_count", "3", "blocks", "tx_count is no integer"),
    ("blocks.0.validator_set_from", None, "blocks", "set is no integer"),
    ("events.0.actor_claimed", 1, "events", "actor_claimed is not text"),
    ("events.0.height", "1", "events", "height is no integer"),
    ("events.0.tx_index", None, "events", "tx_index is no integer"),
    ("events.0.event_index", "0", "events", "event_index is no integer"),
    ("events.0.transaction", 5, "events", "tx is not base64 text"),
    ("events.0.tx_path", None, "events", "tx_path is not a path"),
    ("events.0.result", [], "events", "result is not base64 text"),
    ("events.0.result_path", {}, "events", "result_path is not a path"),
    # Not protobuf's one encoding: `ok` as an overlong varint (0x81 0x00 for 1).
    ("events.0.result", base64.b64encode(b"\x10\x81\x00").decode(), "events",
     "result is not in protobuf's deterministic form"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "value", "part", "detail"), DECODE_REFUSALS)
def test_each_malformed_field_is_refused_by_name(
    honest: bytes, path: str, value: Any, part: str, detail: str
) -> None:
    assert error_of(resealed(honest, setter(path, value)), decode_only=True) == (part, detail)


def test_base64_outside_the_alphabet_or_cut_is_refused(honest: bytes) -> None:
    parts = parts_of(honest)
    for bad in (NOT_BASE64, parts["blocks"][0]["header"] + "!", "AAA"):
        part, detail = error_of(resealed(honest, setter("blocks.0.header", bad)), decode_only=True)
        assert (part, detail.split(":")[0]) == ("blocks", "header cannot be read")


def test_a_bad_genesis_is_refused_with_its_reason(honest: bytes) -> None:
    bad = {**parts_of(honest)["genesis"], "validators": "none"}
    with pytest.raises(GenesisError) as expected:
        Genesis.from_json(bad)
    assert error_of(resealed(honest, setter("genesis", bad)), decode_only=True) == (
        "genesis",
        str(expected.value),
    )


def test_a_part_that_is_no_list_is_counted_as_minus_one(honest: bytes) -> None:
    for value in (5, {}):
        raw = resealed(honest, setter("events", value))
        assert parts_of(raw)["manifest"]["counts"]["events"] == -1
        assert error_of(raw) == ("events", "not a list (or too long)")


def test_events_after_an_unproven_block_are_still_checked() -> None:
    blocks = make_chain()
    blocks[2].block.commit.votes[0].signature = bytes(64)  # block 3: forged certificate
    checked = check_package(gather(ChainSource(blocks), genesis(), SUBJECT).package, strict=False)
    assert [(u.height, u.tx_index) for u in checked.unproven] == [(3, 2)]
    assert [f.height for f in checked.facts] == [1, 4, 5, 6]


def test_a_result_of_another_transaction_is_refused() -> None:
    """A block whose certified results hold, at an event's place, another transaction's
    result (validators that signed nonsense): the result must be the transaction's."""
    source = ChainSource(make_chain(wrong_result=3))
    source.audit_trace = ChainSource(make_chain()).audit_trace  # type: ignore[method-assign]
    raw = encode_package(gather(source, genesis(), SUBJECT).package)
    assert error_of(raw) == ("event 3/2", "result: the result is another transaction's")


def test_limits_are_inclusive(honest: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    assert decode_package(resealed(honest, setter("scope.subject", "x"))).subject == "x"
    longest = decode_package(resealed(honest, setter("scope.subject", "x" * 256)))
    assert longest.subject == "x" * 256
    path = decode_package(resealed(honest, setter("events.0.tx_path", ["00" * 32] * 64)))
    assert len(path.events[0].tx_path) == 64
    monkeypatch.setattr(evidence, "PARTS_MAX", 6)  # 6 blocks, 5 events
    assert len(decode_package(honest).blocks) == 6
    monkeypatch.setattr(evidence, "PARTS_MAX", 5)
    assert error_of(honest, decode_only=True) == ("blocks", "not a list (or too long)")
    monkeypatch.setattr(evidence, "PARTS_MAX", 6)
    monkeypatch.setattr(evidence, "EVIDENCE_BYTES_MAX", len(honest))
    assert check_file(honest)[1].facts
    monkeypatch.setattr(evidence, "EVIDENCE_BYTES_MAX", len(honest) - 1)
    assert error_of(honest) == ("file", f"{len(honest)} bytes; the limit is {len(honest) - 1}")


def test_file_level_refusals_say_what_they_found(honest: bytes) -> None:
    expected = (
        "parts must be ['blocks', 'events', 'genesis', 'manifest', 'scope', 'validator_changes']"
    )
    assert error_of(b"{}") == ("file", f"{expected}, not []")
    assert error_of(b"[1, 2]") == ("file", f"{expected}, not list")
    assert error_of(b"{")[1].startswith("not an evidence package (truncated or not JSON): ")
    parts = parts_of(honest)
    for manifest in ([], {"format": "x"}):
        parts["manifest"] = manifest
        assert error_of(json.dumps(parts).encode()) == (
            "manifest",
            "format is not 'trustledger-evidence/1'",
        )
    for listed in ({"scope": "00" * 32}, []):
        parts["manifest"] = {"format": FORMAT, "sha256": listed}
        assert error_of(json.dumps(parts).encode())[1].startswith("sha256 must list exactly")
    parts["manifest"] = {"format": FORMAT, "sha256": []}
    assert error_of(json.dumps(parts).encode()) == (
        "manifest",
        "sha256 must list exactly ['scope', 'genesis', 'validator_changes', 'blocks', 'events']",
    )
    assert error_of(resealed(honest, setter("events", {}))) == (
        "events",
        "not a list (or too long)",
    )
    assert error_of(honest + b" ") == (
        "file",
        "not in canonical form (a byte was changed, added or removed outside the parts)",
    )


def test_order_and_history_refusals_name_their_part(honest: bytes) -> None:
    cases: list[tuple[Callable[[Parts], None], tuple[str, str]]] = [
        (lambda p: p["blocks"].reverse(), ("blocks", "blocks are not in strictly increasing height order")),
        (lambda p: p["events"].reverse(), ("events", "events are not in strictly increasing order")),
        (
            lambda p: p["validator_changes"].append(p["validator_changes"][0]),
            ("validator_changes", "not in increasing activation order"),
        ),
        (
            setter("validator_changes.0.activation_height", 1),
            ("validator change from height 1", "the block schedules no validator set from height 1"),
        ),
        (
            setter("validator_changes.0.decided_height", 7),
            ("validator change from height 5", "its block 7 is not in the package"),
        ),
        (
            setter("validator_changes.0.tx_index", 0),
            ("validator change from height 5", "its result is not under block 2's results root"),
        ),
        (
            setter("validator_changes", []),
            (
                "validator-history",
                "block 5 names the validator set from height 5, but the package's history has"
                " the set from 0 in force there (a validator change is missing or invented)",
            ),
        ),
        (setter("blocks.0.tx_count", 0), ("block 1", "tx_count out of range")),
        (
            setter("blocks.0.tx_count", 1),
            ("event 1/2", "transaction: not under block 1's transaction root"),
        ),
        (setter("scope.since", "soon"), ("scope", evidence_parse_error("soon"))),
    ]  # fmt: skip
    for change, expected in cases:
        assert error_of(resealed(honest, change)) == expected


def evidence_parse_error(text: str) -> str:
    with pytest.raises(ValueError) as caught:
        parse_bound(text)
    return str(caught.value)


def test_the_largest_tx_count_is_allowed(honest: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(evidence, "PARTS_MAX", 6)
    raw = resealed(honest, setter("blocks.0.tx_count", 6))
    assert error_of(raw) == ("event 1/2", "transaction: not under block 1's transaction root")
    assert error_of(resealed(honest, setter("blocks.0.tx_count", 7)))[1] == "tx_count out of range"


def test_event_refusals_name_the_event(honest: bytes) -> None:
    def result_of_another(p: Parts) -> None:
        p["events"][0]["result"] = p["events"][1]["result"]
        p["events"][0]["result_path"] = p["events"][1]["result_path"]
        p["events"][0]["height"], p["events"][0]["tx_index"] = 3, 2
        p["events"][0]["tx_path"] = p["events"][1]["tx_path"]

    cases: list[tuple[Callable[[Parts], None], tuple[str, str]]] = [
        (FORGED_FIRST_TX, ("event 1/2", "transaction: transaction signature does not verify")),
        (setter("events.1.event_index", 2), ("event 3/2", "result: the result has no event 2")),
        (setter("events.2.event_index", 0), ("event 4/1", "result: the result has no event 0")),
        (setter("events.1.event_index", -1), ("event 3/2", "result: an accepted transaction listed as refused")),
        (setter("events.1.event_index", 1), ("event 3/2", f"result: the event does not name {SUBJECT}")),
        (setter("scope.until", "2"), ("event 3/2", "scope: the event is outside the package's range")),
        (setter("scope.since", "2026-01-01T00:01:00.001"), ("event 1/2", "scope: the event is outside the package's range")),
    ]  # fmt: skip
    for change, expected in cases:
        assert error_of(resealed(honest, change)) == expected
    swapped = resealed(honest, result_of_another)
    assert error_of(swapped)[0] == "events"  # no longer in order: event 3/2 listed twice


def test_a_refused_transaction_shows_its_error(honest: bytes) -> None:
    fact = check_file(honest)[1].facts[2]
    assert fact.to_json() == {
        "height": 4,
        "tx_index": 1,
        "time": "2026-01-01T00:04:00+00:00",
        "time_ms": GENESIS_TIME_MS + 4 * 60_000,
        "tx_hash": fact.tx_hash.hex(),
        "actor": "edu",
        "actor_claimed": "edu",
        "actor_key": EDU.public_key.hex(),
        "action": "consent.access REJECTED",
        "ok": False,
        "error": "permission_denied: no grant",
        "details": {},
    }
    granted = check_file(honest)[1].facts[1]
    assert (granted.tx_index, granted.ok, granted.error) == (2, True, "")
    assert granted.details == {"request_id": "req-3"}


def test_the_range_and_its_ends_survive_the_file(honest: bytes) -> None:
    gathered = gather(
        ChainSource(make_chain()), genesis(), SUBJECT, since=parse_bound("3"),
        until=parse_bound("2026-01-01T00:05:00"),
    )  # fmt: skip
    package = decode_package(encode_package(gathered.package))
    assert (package.since, package.until) == ("3", "2026-01-01T00:05:00")
    bound = parse_bound("2026-01-01")
    assert (bound.text, type(bound.time_ms)) == ("2026-01-01", int)


@pytest.mark.parametrize(
    ("since", "until", "inside"),
    [
        (Bound(height=3), None, [3, 4, 5, 6]),
        (None, Bound(height=3), [1, 2, 3]),
        (Bound(time_ms=GENESIS_TIME_MS + 3 * 60_000), None, [3, 4, 5, 6]),
        (None, Bound(time_ms=GENESIS_TIME_MS + 3 * 60_000), [1, 2, 3]),
        (Bound(height=2), Bound(time_ms=GENESIS_TIME_MS + 4 * 60_000), [2, 3, 4]),
        (None, None, [1, 2, 3, 4, 5, 6]),
    ],
)
def test_ranges_include_both_ends(
    since: Bound | None, until: Bound | None, inside: list[int]
) -> None:
    times = {h: GENESIS_TIME_MS + h * 60_000 for h in range(1, 7)}
    assert [h for h, t in times.items() if is_in_range(h, t, since, until)] == inside


def test_the_default_check_is_strict_and_lenient_checks_still_refuse_history(
    honest: bytes,
) -> None:
    bad = decode_package(resealed(honest, setter("events.1.event_index", 2)))
    with pytest.raises(EvidenceError, match="the result has no event 2"):
        check_package(bad)
    assert [(u.height, u.tx_index) for u in check_package(bad, strict=False).unproven] == [(3, 2)]
    no_history = decode_package(resealed(honest, setter("validator_changes", [])))
    with pytest.raises(EvidenceError, match="a validator change is missing"):
        check_package(no_history, strict=False)
    forged = decode_package(resealed(honest, forged_vote(2, 0)))  # the validator change's block
    with pytest.raises(EvidenceError, match="block 2"):
        check_package(forged, strict=False)
    missing = decode_package(resealed(honest, lambda p: p["blocks"].pop()))
    assert [(u.height, u.reason) for u in check_package(missing, strict=False).unproven] == [
        (6, "its block is not in the package")
    ]


def test_a_committed_transaction_is_not_screened_again() -> None:
    """Admission's personal-data screen changes with versions; what is on the chain is
    checked for shape and signature only (an ID-number-like argument, refused at today's
    admission, still proves)."""
    with pytest.raises(TxInvalid):
        check_tx(make_chain(ID_NUMBER)[0].block.txs[0], CHAIN, suite=SUITE)
    raw = encode_package(gather(ChainSource(make_chain(ID_NUMBER)), genesis(), SUBJECT).package)
    assert len(check_file(raw)[1].facts) == 5


@pytest.mark.parametrize("suite", list(SUITES.values()), ids=list(SUITES))
def test_paths_hash_with_the_chains_suite(suite: Suite) -> None:
    leaves = [b"leaf %d" % i for i in range(7)]
    tree = MerkleTree(leaves, suite)
    assert tree.root == merkle_root(leaves, suite)
    assert all(is_included(leaves[i], i, 7, tree.path(i), tree.root, suite) for i in range(7))
