"""Codec, identity, formats, errors and the in-memory reference state."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.framework import arguments, formats, limits
from contracts.framework.codec import canonical_json, load_json
from contracts.framework.errors import ERROR_CODES, ContractError
from contracts.framework.identity import holder_id_for, is_holder_id
from contracts.framework.interface import CallResult
from contracts.framework.memory import MemoryState
from suites import ED25519_SHA256

# --- codec ---------------------------------------------------------------------------------


def test_canonical_json_sorts_keys_and_keeps_utf8() -> None:
    encoded = canonical_json({"b": 1, "a": ["居民身份证", True, None]})
    assert encoded == '{"a":["居民身份证",true,null],"b":1}'.encode()
    assert load_json(encoded) == {"a": ["居民身份证", True, None], "b": 1}


def test_canonical_json_is_independent_of_insertion_order() -> None:
    assert canonical_json({"x": 1, "y": {"q": 2, "p": 3}}) == canonical_json(
        {"y": {"p": 3, "q": 2}, "x": 1}
    )


def test_canonical_json_refuses_nan() -> None:
    with pytest.raises(ValueError):
        canonical_json(float("nan"))
    with pytest.raises(ValueError):
        load_json(b"NaN")


# --- identity ------------------------------------------------------------------------------


def test_holder_id_is_the_domain_separated_hash_of_the_key() -> None:
    key = bytes(range(32))
    expected = "hd" + hashlib.sha256(b"trustledger/holder\x00" + key).hexdigest()[:40]
    assert holder_id_for(key, suite=ED25519_SHA256) == expected
    assert is_holder_id(expected)
    assert len(expected) == 42


@pytest.mark.parametrize(
    "candidate",
    ["", "hd", "hd" + "0" * 39, "hd" + "0" * 41, "HD" + "0" * 40, "hd" + "A" * 40, "xx" + "0" * 40],
)
def test_is_holder_id_rejects_malformed(candidate: str) -> None:
    assert not is_holder_id(candidate)


# --- formats -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("个人住房贷款审批", True),
        ("Loan check, visit on 2024-11-22 10:30", True),
        ("case (2024)鲁0102民初1234号", True),
        ("", False),
        ("   ", False),
        ("x" * (limits.PURPOSE_LENGTH_MAX + 1), False),
        ("x" * limits.PURPOSE_LENGTH_MAX, True),
        ("line\nbreak", False),
        ("bidi \u202e trick", False),
        ("lone \ud800 surrogate", False),
        ("call 13805310123", False),
        ("call 138-0531-0123", False),
        ("id 370102199003074528", False),
        ("full-width ３７０１０２１９９００３", False),
        ("mail zhang@example.com", False),
    ],
)
def test_free_text_rules(text: str, ok: bool) -> None:
    problem = formats.get_text_problem(text, length_max=limits.PURPOSE_LENGTH_MAX)
    assert (problem is None) == ok, problem


def test_id_formats() -> None:
    assert formats.is_org_id("jinan-psb")
    assert not formats.is_org_id("Jinan-PSB")
    assert not formats.is_org_id("a")
    assert not formats.is_org_id("a" * 33)
    assert formats.is_cert_id("DIP-2012:0001.a_b")
    assert not formats.is_cert_id("short")
    assert not formats.is_cert_id("has/slash-0001")
    assert not formats.is_cert_id("x" * 97)
    assert formats.is_cert_id("x" * 96)  # a GB/T 36904 identifier has up to 94 characters
    assert not formats.is_cert_id("１２３４５６７８９")  # full-width digits are not ASCII
    assert formats.is_doc_hash("ab" * 32)
    assert not formats.is_doc_hash("AB" * 32)


# --- errors --------------------------------------------------------------------------------


def test_contract_error_carries_code_and_message() -> None:
    error = ContractError("not_found", "no certificate X")
    assert (error.code, error.message) == ("not_found", "no certificate X")
    assert len(ERROR_CODES) == 6


def test_contract_error_refuses_unknown_codes() -> None:
    with pytest.raises(ValueError):
        ContractError("oops", "not a code")


# --- memory state --------------------------------------------------------------------------


def test_memory_state_get_scan_delete() -> None:
    state = MemoryState([(b"a/2", b"2"), (b"a/1", b"1"), (b"b/1", b"3")])
    assert state.scan(b"a/", 10) == [(b"a/1", b"1"), (b"a/2", b"2")]
    assert state.scan(b"a/", 1) == [(b"a/1", b"1")]
    state.apply(CallResult(writes=((b"a/1", None), (b"a/3", b"4")), events=()))
    assert state.get(b"a/1") is None
    assert state.scan(b"", 10) == [(b"a/2", b"2"), (b"a/3", b"4"), (b"b/1", b"3")]
    assert len(state) == 3
    copy = state.copy()
    copy.apply_writes([(b"a/2", None)])
    assert state.get(b"a/2") == b"2"


_keys = st.binary(max_size=4)


@settings(max_examples=100, deadline=None)
@given(
    writes=st.lists(st.tuples(_keys, st.one_of(st.none(), st.binary(max_size=2))), max_size=40),
    prefix=st.binary(max_size=2),
    limit=st.integers(min_value=0, max_value=10),
)
def test_memory_state_matches_a_plain_dict(
    writes: list[tuple[bytes, bytes | None]], prefix: bytes, limit: int
) -> None:
    state = MemoryState()
    model: dict[bytes, bytes] = {}
    for key, value in writes:
        state.apply_writes([(key, value)])
        if value is None:
            model.pop(key, None)
        else:
            model[key] = value
    assert state.items() == tuple(sorted(model.items()))
    expected = [(k, v) for k, v in sorted(model.items()) if k.startswith(prefix)][:limit]
    assert state.scan(prefix, limit) == expected


# --- argument names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"b": 1, "a": 1}, None),
        ({"b": 1, "a": 1, "c": 1}, None),
        ({"a": 1}, "missing argument 'b'"),
        ({}, "missing argument 'a'"),  # the first missing name in name order
        ({"c": 1}, "missing argument 'a'"),
        ({"b": 1, "a": 1, "z": 1}, "unexpected argument (allowed: a, b, c)"),
        ({"z": 1, 7: 1}, "unexpected argument (allowed: a, b, c)"),  # before missing ones
    ],
)
def test_check_arg_names_reports_the_same_problem_whatever_the_order(
    args: dict[object, int], message: str | None
) -> None:
    for ordered in (args, dict(reversed(args.items()))):
        if message is None:
            arguments.check_arg_names(ordered, required=("b", "a"), optional=("c",))  # type: ignore[arg-type]
            continue
        with pytest.raises(ContractError) as raised:
            arguments.check_arg_names(ordered, required=("b", "a"), optional=("c",))  # type: ignore[arg-type]
        assert raised.value.message == message
