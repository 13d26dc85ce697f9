"""Edges of the framework's state helpers found by mutation testing (issue 19,
docs/mutation.md): records and their JSON layout, tables and indexes, the in-memory state,
canonical JSON, holder ids, subjects, errors, events and contracts.

Record layouts are memoised in ``records._LAYOUTS`` (a plain dict the mutation plugin does not
clear), so the tests that read a layout start from an empty one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

import pytest

from contracts.framework import codec, identity, limits, records, store, subjects
from contracts.framework.contract import get_argument_subjects, get_no_related, make_contract
from contracts.framework.errors import (
    ERROR_CODES,
    NOT_FOUND,
    ContractError,
    already_exists,
    failed_precondition,
    not_found,
    permission_denied,
)
from contracts.framework.interface import (
    CallResult,
    Event,
    EventName,
    EventNames,
    make_event,
    make_result,
)
from contracts.framework.memory import MemoryState
from contracts.framework.records import Record
from suites import ED25519_SHA256


@pytest.fixture(autouse=True)
def fresh_layouts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(records, "_LAYOUTS", {})


# --- records -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Inner(Record):
    n: int
    key: bytes


@dataclasses.dataclass(frozen=True, slots=True)
class Outer(Record):
    name: str
    key: bytes
    inner: Inner
    inners: tuple[Inner, ...]
    tags: tuple[str, ...]
    keys: tuple[bytes, ...]
    extra: int = 7


@dataclasses.dataclass(frozen=True, slots=True)
class Plain(Record):
    name: str
    count: int = 3
    note: str = ""


OUTER = Outer(
    name="名",
    key=b"\x01\xab",
    inner=Inner(1, b"\xff"),
    inners=(Inner(2, b""), Inner(3, b"\x00")),
    tags=("b", "a"),
    keys=(b"\x10", b"\x20"),
)
OUTER_JSON = {
    "name": "名",
    "key": "01ab",
    "inner": {"n": 1, "key": "ff"},
    "inners": [{"n": 2, "key": ""}, {"n": 3, "key": "00"}],
    "tags": ["b", "a"],
    "keys": ["10", "20"],
    "extra": 7,
}


def test_a_record_converts_each_field_by_its_type() -> None:
    assert OUTER.to_json() == OUTER_JSON
    assert OUTER.encode() == codec.canonical_json(OUTER_JSON)
    assert Outer.from_json(OUTER_JSON) == OUTER
    assert Outer.decode(OUTER.encode()) == OUTER
    decoded = Outer.decode(OUTER.encode())
    assert type(decoded.inners) is tuple and type(decoded.inners[0]) is Inner
    assert type(decoded.tags) is tuple and type(decoded.keys) is tuple


def test_a_field_missing_from_an_older_record_takes_its_default() -> None:
    older = {key: value for key, value in OUTER_JSON.items() if key != "extra"}
    assert Outer.from_json(older).extra == 7
    assert Plain.from_json({"name": "x"}) == Plain("x")
    assert Plain.from_json({"name": "x", "note": "n"}) == Plain("x", 3, "n")
    with pytest.raises(TypeError):
        Plain.from_json({})


def test_a_plain_record_is_stored_as_it_is_held() -> None:
    plain = Plain("x", 4, "n")
    assert plain.to_json() == {"name": "x", "count": 4, "note": "n"}
    assert list(plain.to_json()) == ["name", "count", "note"]
    assert Plain.decode(plain.encode()) == plain
    assert records._get_layout(Plain).plain is True
    assert records._get_layout(Outer).plain is False
    assert records._get_layout(Plain) is records._get_layout(Plain)
    assert records._get_layout(Outer).names == tuple(OUTER_JSON)


# --- tables and indexes --------------------------------------------------------------------

TABLE = store.Table(Plain, b"t/", "thing")
WIDE = store.Table(Plain, b"w/", "thing", id_encoding="utf-8")
INDEX = store.Index(b"i/")


def test_a_table_keys_reads_and_refuses_missing_records() -> None:
    state = MemoryState([(TABLE.key("a"), Plain("a").encode())])
    assert TABLE.key("a") == b"t/a"
    assert TABLE.get(state, "a") == Plain("a")
    assert TABLE.get(state, "b") is None
    assert TABLE.get_existing(state, "a") == Plain("a")
    with pytest.raises(ContractError) as info:
        TABLE.get_existing(state, "b")
    assert info.value.code == NOT_FOUND
    assert WIDE.key("证") == b"w/" + "证".encode()
    with pytest.raises(UnicodeEncodeError):
        TABLE.key("证")
    custom = store.Table(Plain, b"t/", "thing", decode=lambda value: Plain("decoded"))
    assert custom.get(state, "a") == Plain("decoded")


def test_a_table_gives_the_ids_its_records_are_about() -> None:
    related = store.Table(Plain, b"t/", "thing", related=("note", "name"))
    state = MemoryState([(related.key("a"), Plain("a", note="n").encode())])
    assert related.get_related(state, "a") == ["n", "a"]
    assert related.get_related(state, "b") == []
    assert TABLE.get_related(state, "a") == []


def test_a_table_naming_a_field_its_records_lack_is_refused_when_declared() -> None:
    with pytest.raises(TypeError, match=r"^thing records have no field holder, nobody$") as info:
        store.Table(Plain, b"t/", "thing", related=("name", "holder", "nobody"))
    assert info.type is TypeError


def test_an_index_keys_its_entries_under_their_owner() -> None:
    assert INDEX.prefix_of() == b"i/"
    assert INDEX.prefix_of("h1", "c") == b"i/h1/c/"
    assert INDEX.key("h1", "r1") == b"i/h1/r1"
    assert INDEX.key("r1") == b"i/r1"
    assert INDEX.write("h1", "r1") == {b"i/h1/r1": b'"r1"'}
    assert store.encode_index_entry("r1") == b'"r1"'


def test_a_numbered_index_key_pads_the_number_so_keys_sort_as_numbers() -> None:
    assert INDEX.numbered_key("r1", 3) == b"i/r1/0000000003"
    assert INDEX.numbered_key("r1", 9_999_999_999) == b"i/r1/9999999999"
    keys = [INDEX.numbered_key("r1", n) for n in (10, 9, 100, 1)]
    assert sorted(keys) == [INDEX.numbered_key("r1", n) for n in (1, 9, 10, 100)]


def _indexed(count: int) -> MemoryState:
    state = MemoryState()
    for i in range(count):
        record_id = f"r{i:05d}"
        state.apply_writes([(TABLE.key(record_id), Plain(record_id, i).encode())])
        state.apply_writes(INDEX.write("h", record_id).items())
    return state


def test_scanning_an_index_loads_the_records_it_names() -> None:
    state = _indexed(5)
    found = list(store.scan_index(state, INDEX.prefix_of("h"), 3, TABLE.get))
    assert [p.name for p in found] == ["r00000", "r00001", "r00002"]
    state.apply_writes([(TABLE.key("r00001"), None)])
    with pytest.raises(RuntimeError):
        list(store.scan_index(state, INDEX.prefix_of("h"), 3, TABLE.get))


def test_a_filtered_scan_reads_up_to_the_scan_bound() -> None:
    state = _indexed(8)
    prefix = INDEX.prefix_of("h")
    assert [p.count for p in store.scan_index_matching(state, prefix, 2, TABLE.get, None)] == [0, 1]
    odd = store.scan_index_matching(state, prefix, 2, TABLE.get, lambda p: p.count % 2 == 1)
    assert [p.count for p in odd] == [1, 3]
    assert [p.count for p in store.scan_index_matching(state, prefix, 9, TABLE.get, None)] == list(
        range(8)
    )
    assert store.scan_index_matching(state, prefix, 2, TABLE.get, lambda p: False) == []


def test_a_filtered_scan_stops_at_the_scan_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    state = _indexed(6)
    monkeypatch.setattr(limits, "SCAN_LIMIT_MAX", 4)
    late = store.scan_index_matching(state, INDEX.prefix_of("h"), 5, TABLE.get, lambda p: True)
    assert [p.count for p in late] == [0, 1, 2, 3]
    beyond = store.scan_index_matching(
        state, INDEX.prefix_of("h"), 5, TABLE.get, lambda p: p.count >= 4
    )
    assert beyond == []


def test_get_existing() -> None:
    assert store.get_existing(0, "zero") == 0
    with pytest.raises(ContractError) as info:
        store.get_existing(None, "thing")
    assert info.value.code == NOT_FOUND


# --- the in-memory state -------------------------------------------------------------------


def test_memory_state_scans_a_prefix_in_order_up_to_a_limit() -> None:
    state = MemoryState([(b"b/2", b"2"), (b"a/1", b"1"), (b"b/1", b"1"), (b"c", b"c")])
    assert len(state) == 4
    assert state.scan(b"b/", 5) == [(b"b/1", b"1"), (b"b/2", b"2")]
    assert state.scan(b"b/", 1) == [(b"b/1", b"1")]
    assert state.scan(b"b/", 0) == []
    assert state.scan(b"", 10) == [(b"a/1", b"1"), (b"b/1", b"1"), (b"b/2", b"2"), (b"c", b"c")]
    assert state.items() == tuple(state.scan(b"", 10))
    assert state.scan(b"d", 10) == []


def test_memory_state_writes_and_deletes() -> None:
    state = MemoryState([(b"k", b"1")])
    state.apply_writes([(b"k", b"2"), (b"j", b"0"), (b"gone", None)])
    assert state.items() == ((b"j", b"0"), (b"k", b"2"))
    copy = state.copy()
    state.apply(CallResult(writes=((b"j", None),), events=()))
    assert state.items() == ((b"k", b"2"),)
    assert state.get(b"j") is None and len(state) == 1
    assert copy.items() == ((b"j", b"0"), (b"k", b"2"))
    state.apply_writes([(b"j", None)])
    assert len(state) == 1


# --- canonical JSON ------------------------------------------------------------------------


def test_canonical_json() -> None:
    value = {"b": [1, "é"], "a": {"d": None, "c": True}}
    assert codec.canonical_json(value) == '{"a":{"c":true,"d":null},"b":[1,"é"]}'.encode()
    assert codec.canonical_json_text(value) == '{"a":{"c":true,"d":null},"b":[1,"é"]}'
    for bad in (float("nan"), float("inf"), -float("inf")):
        with pytest.raises(ValueError):
            codec.canonical_json([bad])
    assert codec.canonical_json_str('a"é\n') == json.dumps('a"é\n', ensure_ascii=False)
    assert codec.canonical_json_int(-12) == "-12"
    assert codec.canonical_json_int(2**70) == str(2**70)
    with pytest.raises(TypeError):
        codec.canonical_json_int(True)


def test_load_json_refuses_what_has_no_canonical_form() -> None:
    assert codec.load_json('{"a":[1,"é"]}'.encode()) == {"a": [1, "é"]}
    for bad in (b"NaN", b"[Infinity]", b"[-Infinity]", "\ufeff1".encode(), b"\xff"):
        with pytest.raises(ValueError):
            codec.load_json(bad)


# --- holder ids and subjects ---------------------------------------------------------------


def test_a_holder_id_is_the_domain_separated_digest_of_the_key() -> None:
    key = bytes(range(32))
    digest = hashlib.sha256(b"trustledger/holder\x00" + key).hexdigest()
    assert identity.holder_id_for(key, suite=ED25519_SHA256) == "hd" + digest[:40]
    assert identity.is_holder_id("hd" + digest[:40])
    for bad in ("hd" + digest[:39], "hd" + digest[:41], "HD" + digest[:40], "hd" + "G" * 40):
        assert not identity.is_holder_id(bad)
    assert not identity.is_holder_id(None)  # type: ignore[arg-type]


HOLDER = "hd" + "ab" * 20


def test_subjects_are_the_well_formed_ids_in_table_order_once_each() -> None:
    args: dict[str, Any] = {
        "org_id": "psb",
        "cert_id": "CERT-0001",
        "holder": HOLDER,
        "subject": HOLDER,
        "record_id": "REC-0001",
        "validator_id": "v1",
        "reason": "CERT-0002",
    }
    assert subjects.collect_subjects(args) == [HOLDER, "CERT-0001", "REC-0001", "psb", "v1"]
    assert get_argument_subjects("any", args) == (HOLDER, "CERT-0001", "REC-0001", "psb", "v1")
    personal = "11010519491231002X"
    assert subjects.collect_subjects({"cert_id": f"C-{personal}"}) == []
    assert subjects.collect_subjects({"record_id": f"R-{personal}"}) == []
    assert subjects.collect_subjects({"validator_id": f"v-{personal}"}) == []
    assert subjects.collect_subjects({"holder": 5, "cert_id": "short"}) == []
    assert get_no_related(MemoryState(), HOLDER) == []


# --- errors, events, contracts -------------------------------------------------------------


def test_errors_carry_their_code() -> None:
    for make, code in (
        (not_found, "not_found"),
        (permission_denied, "permission_denied"),
        (already_exists, "already_exists"),
        (failed_precondition, "failed_precondition"),
    ):
        error = make("m")
        assert (error.code, error.message) == (code, "m")
        assert code in ERROR_CODES
    with pytest.raises(ValueError):
        ContractError("teapot", "m")


def test_event_names_are_made_from_their_constants() -> None:
    # A class built here, not at import: its names are made while the test runs.
    class Names(EventNames, prefix="toy"):
        THING_DONE: EventName
        OTHER: EventName

    assert (Names.THING_DONE, Names.OTHER) == ("toy.thing_done", "toy.other")
    assert isinstance(Names.__dict__["THING_DONE"], str)


def test_events_and_results_are_sorted() -> None:
    event = make_event(EventName("toy.thing_done"), iter(["s"]), {"b": 1, "a": "x"})
    assert event == Event(name="toy.thing_done", subjects=("s",), attrs=(("a", "x"), ("b", 1)))
    result = make_result({b"b": None, b"a": b"1"}, iter([event]))
    assert result == CallResult(writes=((b"a", b"1"), (b"b", None)), events=(event,))


def test_a_contract_keeps_each_handler_with_its_declaration() -> None:
    from contracts.framework.signature import Signature, transaction

    def handler(state: Any, ctx: Any, args: Any) -> CallResult:
        return make_result({}, [])

    declared = transaction(Signature())(handler)

    def ask(state: Any, args: Any, now_ms: int) -> Any:
        return now_ms

    made = make_contract("toy", 3, {"do": declared}, {"ask": ask})
    assert (made.name, made.version) == ("toy", 3)
    assert made.transactions["do"] is declared.run
    assert made.declarations["do"] is declared.declaration
    assert made.queries["ask"] is ask
    assert made.subjects_of is get_argument_subjects
    assert made.get_related is get_no_related

    def related(state: Any, subject: str) -> list[str]:
        return [subject]

    other = make_contract("toy", 1, {}, {}, subjects_of=lambda m, a: ("x",), get_related=related)
    assert other.subjects_of("m", {}) == ("x",)
    assert other.get_related is related
    with pytest.raises(TypeError):
        made.transactions["new"] = declared.run  # type: ignore[index]
