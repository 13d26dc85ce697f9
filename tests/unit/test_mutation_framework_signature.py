"""Edges of contracts/framework/signature.py and declarations.py found by mutation testing
(issue 19, docs/mutation.md).

Every contract builds its signatures, kinds and decorated handlers at import, before a mutant
is switched on, so these tests build a small contract of their own here: its arguments of
each kind, a signature with optional and deferred arguments, one chosen by an argument, and
the decorators. Refusals are checked by code (and which argument), never by message text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest

from contracts.framework import arguments, limits
from contracts.framework.contract import make_contract
from contracts.framework.declarations import (
    PERSONAL_DATA,
    UNDECLARED,
    get_personal_data_in,
    get_refusal,
)
from contracts.framework.errors import INVALID_ARGUMENT, ContractError
from contracts.framework.interface import ArgValue, CallContext, CallResult, StateReader
from contracts.framework.memory import MemoryState
from contracts.framework.signature import (
    Kind,
    Signature,
    SignatureByChoice,
    Values,
    choice,
    choice_kind,
    declared,
    flag,
    free_text,
    integer,
    json_kind,
    name_list,
    query,
    text,
    text_kind,
    transaction,
)
from suites import ED25519_SHA256

MOBILE = "13800138000"
DIGEST = "ab" * 32


def refused(call: Callable[[], object]) -> None:
    with pytest.raises(ContractError) as info:
        call()
    assert info.value.code == INVALID_ARGUMENT


# --- kinds and arguments -------------------------------------------------------------------


def test_kinds_are_built_from_their_formats() -> None:
    assert text_kind(arguments.CERT_ID) == Kind(
        "text", "certificate id: [A-Za-z0-9._:-]{8,96}", limits.CERT_ID_LENGTH_MAX
    )
    digest = text_kind(arguments.DOC_HASH)
    assert (digest.random_hex, digest.free_text, digest.json) == (True, False, False)
    words = text_kind(arguments.free_text(30))
    assert (words.free_text, words.random_hex, words.length_max) == (True, False, 30)
    assert json_kind("fields") == Kind("text", "fields", limits.JSON_ARG_LENGTH_MAX, json=True)

    def admit(value: str) -> str | None:
        return None

    assert json_kind("fields", admit).admit is admit
    assert choice_kind(("bb", "a", "ccc")) == Kind("text", "one of: a, bb, ccc", 3)
    assert choice_kind(()).length_max == 0


def test_arguments_of_each_kind_read_and_refuse() -> None:
    cert = text("cert_id", arguments.CERT_ID)
    assert (cert.name, cert.kind, cert.optional, cert.deferred) == (
        "cert_id",
        text_kind(arguments.CERT_ID),
        False,
        False,
    )
    assert cert.read({"cert_id": "CERT-0001"}, "cert_id") == "CERT-0001"
    assert cert.maybe().optional and not cert.maybe().deferred
    assert cert.later().deferred and not cert.later().optional

    reason = free_text("reason", 10)
    assert reason.name == "reason"
    assert (reason.kind.free_text, reason.kind.length_max) == (True, 10)
    assert reason.read({"reason": "x" * 10}, "reason") == "x" * 10
    refused(lambda: reason.read({"reason": "x" * 11}, "reason"))

    count = integer("n", 2, 5)
    assert count.kind == Kind("integer", "integer from 2 to 5")
    assert [count.read({"n": n}, "n") for n in (2, 5)] == [2, 5]
    refused(lambda: count.read({"n": 1}, "n"))
    refused(lambda: count.read({"n": 6}, "n"))
    big = integer("n", 0)
    assert big.read({"n": limits.INT_ARG_MAX}, "n") == limits.INT_ARG_MAX
    refused(lambda: big.read({"n": limits.INT_ARG_MAX + 1}, "n"))

    pick = choice("c", ["b", "a"])
    assert pick.name == "c"
    assert pick.kind == choice_kind(("a", "b"))
    assert pick.read({"c": "a"}, "c") == "a"
    refused(lambda: pick.read({"c": "z"}, "c"))

    names = name_list("l", ["b", "a"])
    assert names.name == "l"
    assert names.kind.json and names.kind.summary.endswith("a, b")
    assert names.read({"l": '["b","a"]'}, "l") == ("a", "b")
    assert names.read({"l": "[]"}, "l") == ()
    refused(lambda: names.read({"l": '["c"]'}, "l"))
    strict = name_list("l", ["a"], allow_empty=False)
    refused(lambda: strict.read({"l": "[]"}, "l"))

    on = flag("f")
    assert on.name == "f"
    assert on.optional and on.kind == Kind("flag", "true or false")
    assert on.read({}, "f") is False
    assert on.read({"f": True}, "f") is True
    refused(lambda: on.read({"f": 1}, "f"))


# --- signatures ----------------------------------------------------------------------------

CERT = text("cert_id", arguments.CERT_ID)
COUNT = integer("count", 1, 9).maybe()
NOTE = free_text("note", 20).later()
ITEMS = choice("items", ["one", "two"]).maybe().later()
SIGNATURE = Signature(CERT, COUNT, NOTE, ITEMS)


def test_a_signature_sorts_required_optional_and_deferred() -> None:
    assert SIGNATURE.required == ("cert_id", "note")
    assert SIGNATURE.optional == ("count", "items")
    assert SIGNATURE.get_signature({}) is SIGNATURE
    assert SIGNATURE.describe() == [
        {
            "name": "cert_id",
            "type": "text",
            "summary": "certificate id: [A-Za-z0-9._:-]{8,96}",
            "length_max": 96,
            "free_text": False,
            "optional": False,
        },
        {
            "name": "count",
            "type": "integer",
            "summary": "integer from 1 to 9",
            "length_max": 0,
            "free_text": False,
            "optional": True,
        },
        {
            "name": "note",
            "type": "text",
            "summary": "free text of at most 20 characters",
            "length_max": 20,
            "free_text": True,
            "optional": False,
        },
        {
            "name": "items",
            "type": "text",
            "summary": "one of: one, two",
            "length_max": 3,
            "free_text": False,
            "optional": True,
        },
    ]


def test_reading_checks_names_then_eager_arguments_and_defers_the_rest() -> None:
    raw: dict[str, ArgValue] = {"cert_id": "CERT-0001", "note": " ", "items": "three"}
    values = SIGNATURE.read(raw)  # the deferred note and items are not read yet
    assert values.raw is raw
    assert values[CERT] == "CERT-0001"
    assert CERT in values and COUNT not in values and ITEMS in values
    assert values.get(COUNT, 7) == 7
    refused(lambda: values[NOTE])  # read (and refused) only when the handler asks
    refused(lambda: values.get(ITEMS, None))
    good = SIGNATURE.read({"cert_id": "CERT-0001", "note": "ok", "count": 3})
    assert (good[NOTE], good.get(COUNT, 7), good.get(ITEMS, "none")) == ("ok", 3, "none")
    refused(lambda: SIGNATURE.read({"cert_id": "CERT", "note": "ok"}))  # eager: read at once
    refused(lambda: SIGNATURE.read({"cert_id": "CERT-0001", "note": "ok", "count": 0}))
    refused(lambda: SIGNATURE.read({"cert_id": "CERT-0001"}))  # missing note
    refused(lambda: SIGNATURE.read({"cert_id": "CERT-0001", "note": "ok", "other": 1}))


def test_an_eagerly_read_value_is_not_read_again() -> None:
    reads: list[str] = []

    def read(args: Mapping[str, ArgValue], name: str) -> str:
        reads.append(name)
        return arguments.get_str(args, name)

    arg = text("t", arguments.CERT_ID)
    counted = Signature(type(arg)("t", read, arg.kind))
    values = counted.read({"t": "x"})
    assert (values[counted.args[0]], values[counted.args[0]]) == ("x", "x")
    assert reads == ["t"]


def test_the_list_limit() -> None:
    limited = Signature(integer("limit", 1, limits.LIST_LIMIT_MAX).maybe())
    assert limited.read({}).get_limit() == limits.LIST_LIMIT_DEFAULT
    assert limited.read({"limit": 3}).get_limit() == 3


CHOSEN = SignatureByChoice(
    choice("action", ["grant", "drop", "orphan"]),
    {
        "grant": Signature(choice("action", ["grant"]), CERT, COUNT),
        "drop": Signature(choice("action", ["drop"]), CERT),
    },
)


def test_a_signature_chosen_by_an_argument() -> None:
    assert CHOSEN.get_signature({"action": "drop"}) is CHOSEN.variants["drop"]
    refused(lambda: CHOSEN.get_signature({"action": "steal"}))
    with pytest.raises(KeyError):
        CHOSEN.get_signature({"action": "orphan"})
    described = CHOSEN.describe()
    assert [(d["name"], d["value"]) for d in described] == [("action", "drop"), ("action", "grant")]
    assert described[1]["args"] == CHOSEN.variants["grant"].describe()


# --- the decorators ------------------------------------------------------------------------


def _ctx() -> CallContext:
    return CallContext(
        chain_id="toy",
        sender_key=b"\x01" * 32,
        height=1,
        time_ms=0,
        tx_hash=b"\x02" * 32,
        suite=ED25519_SHA256,
    )


def test_decorated_handlers_read_their_arguments_first() -> None:
    seen: list[Any] = []

    def handler(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
        seen.append((state, ctx, args[CERT], args.get(COUNT, 0)))
        return CallResult(writes=(), events=())

    made = transaction(SIGNATURE)(handler)
    assert made.declaration is SIGNATURE
    assert made.run.__name__ == "handler"
    state, ctx = MemoryState(), _ctx()
    assert made(state, ctx, {"cert_id": "CERT-0001", "note": "n", "count": 2}) == CallResult(
        writes=(), events=()
    )
    refused(lambda: made(state, ctx, {"cert_id": "CERT-0001"}))
    assert seen == [(state, ctx, "CERT-0001", 2)]

    def raw_handler(state: StateReader, ctx: CallContext, args: Mapping[str, Any]) -> CallResult:
        seen.append((state, ctx, dict(args)))
        return CallResult(writes=(), events=())

    plain = declared(CHOSEN)(raw_handler)
    assert (plain.run, plain.declaration) == (raw_handler, CHOSEN)
    plain(state, ctx, {"anything": 1})
    assert seen[-1] == (state, ctx, {"anything": 1})

    def ask(state: StateReader, args: Values, now_ms: int) -> Any:
        return [args[CERT], now_ms]

    asked = query(Signature(CERT))(ask)
    assert asked.__name__ == "ask"
    assert asked(state, {"cert_id": "CERT-0001"}, 5) == ["CERT-0001", 5]
    refused(lambda: asked(state, {"cert_id": "CERT"}, 5))


# --- admission (contracts/framework/declarations.py) ---------------------------------------


def _admit_fields(value: str) -> str | None:
    return None if value.startswith("[") else "must be a JSON array"


FIELDS = text("fields", arguments.OBJECT_ID)
SYSTEM = make_contract(
    "toy",
    1,
    {
        "put": transaction(
            Signature(
                CERT,
                COUNT,
                flag("urgent"),
                free_text("note", 20).maybe(),
                text("digest", arguments.DOC_HASH).maybe(),
                type(FIELDS)("fields", arguments.get_str, json_kind("fields", _admit_fields))
                .maybe()
                .later(),
            )
        )(lambda state, ctx, args: CallResult(writes=(), events=())),
        "choose": declared(CHOSEN)(lambda state, ctx, args: CallResult(writes=(), events=())),
    },
    {},
)


def refusal(method: str, args: dict[str, ArgValue]) -> tuple[str, ...] | None:
    found = get_refusal(SYSTEM, "toy", method, args)
    return None if found is None else (found.code,)


def test_admission_by_wire_type() -> None:
    ok: dict[str, ArgValue] = {"cert_id": "CERT-0001"}
    assert refusal("put", ok) is None
    assert refusal("put", {**ok, "count": 3, "urgent": True}) is None
    bads: list[dict[str, ArgValue]] = [
        {"cert_id": b"CERT-0001"},
        {"cert_id": 12345678},
        {"cert_id": True},
        {**ok, "count": True},
        {**ok, "count": "3"},
        {**ok, "urgent": 1},
        {**ok, "urgent": "true"},
    ]
    for bad in bads:
        assert refusal("put", bad) == (UNDECLARED,), bad


def test_admission_length_edge_format_and_admit_check() -> None:
    ok: dict[str, ArgValue] = {"cert_id": "CERT-0001"}
    assert refusal("put", {**ok, "note": "x" * 20}) is None
    assert refusal("put", {**ok, "note": "x" * 21}) == (UNDECLARED,)
    assert refusal("put", {"cert_id": "C" * 97}) == (UNDECLARED,)
    assert refusal("put", {"cert_id": "C" * 96}) is None
    assert refusal("put", {"cert_id": "CERT"}) == (UNDECLARED,)
    assert refusal("put", {**ok, "fields": "[]"}) is None
    assert refusal("put", {**ok, "fields": "{}"}) == (UNDECLARED,)
    assert refusal("put", {**ok, "other": 1}) == (UNDECLARED,)
    assert refusal("take", ok) == (UNDECLARED,)
    assert get_refusal(None, "none", "put", ok) is not None
    assert get_refusal(None, "none", "put", ok).code == UNDECLARED  # type: ignore[union-attr]
    # Missing required arguments are left to the contract.
    assert refusal("put", {}) is None


def test_admission_of_a_signature_chosen_by_an_argument() -> None:
    assert refusal("choose", {"action": "drop", "cert_id": "CERT-0001"}) is None
    assert refusal("choose", {"action": "drop", "cert_id": "CERT-0001", "count": 1}) == (
        UNDECLARED,
    )
    assert refusal("choose", {"action": "steal"}) == (UNDECLARED,)
    assert refusal("choose", {"action": "orphan"}) == (UNDECLARED,)  # selects no variant


def test_admission_screens_every_argument_for_personal_data() -> None:
    ok: dict[str, ArgValue] = {"cert_id": "CERT-0001"}
    assert refusal("put", {**ok, "note": f"tel {MOBILE}"}) == (PERSONAL_DATA,)
    # Screened before the contract's own check (which would refuse it as out of range).
    assert refusal("put", {**ok, "count": 13800138000}) == (PERSONAL_DATA,)
    assert refusal("put", {**ok, "fields": f'["{DIGEST}", "{MOBILE}"]'}) == (PERSONAL_DATA,)
    assert refusal("put", {**ok, "digest": DIGEST}) is None


def test_personal_data_by_kind() -> None:
    plain = Kind("text", "t", 100)
    assert get_personal_data_in(plain, MOBILE) is not None
    assert get_personal_data_in(Kind("integer", "n"), int(MOBILE)) is not None
    assert get_personal_data_in(Kind("integer", "n"), 7) is None
    assert get_personal_data_in(Kind("flag", "f"), True) is None
    assert get_personal_data_in(plain, b"13800138000") is None
    assert get_personal_data_in(Kind("text", "h", 64, random_hex=True), MOBILE) is None
    # In JSON, a digest glued to a number is removed with a gap: the number is read alone.
    json = Kind("text", "j", 1000, json=True)
    assert get_personal_data_in(json, DIGEST + MOBILE) is not None
    assert get_personal_data_in(plain, DIGEST + MOBILE) is None
